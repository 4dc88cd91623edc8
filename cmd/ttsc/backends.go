package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/blob/diskblob"
	"github.com/openttsc/ttsc/internal/blob/s3blob"
	"github.com/openttsc/ttsc/internal/store/jobcache"
	"github.com/openttsc/ttsc/internal/store/pgstore"
	"github.com/openttsc/ttsc/internal/store/sqlitestore"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
)

// store is what ttsc needs of a database: its rows and its queue.
type store interface {
	jobcache.Backend // jobs, which the job cache is in front of
	ttsc.CredentialStore
	ttsc.VocabularyStore
	// Start starts working queued jobs, Stop stops with a grace period,
	// Close releases the database.
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Close() error
	Ping(ctx context.Context) error
	// QueueDepth counts queue jobs by kind, then state (for metrics).
	QueueDepth(ctx context.Context) (map[string]map[string]int, error)
}

// storeOptions are what a server asks of openStore: its queue settings,
// and for SQLite, the hold it takes on the database file.
type storeOptions struct {
	sqlstore.QueueConfig
	Lock sqlitestore.Lock
}

// databaseHelp documents --database.
const databaseHelp = "database: sqlite:PATH (default DATA/ttsc.db) or postgres://user:pass@host:5432/db"

// secretsKeyHelp documents --secrets-key-file.
const secretsKeyHelp = "key file that encrypts the secret keys of access key pairs in the database, the same on every node (default DATA/secrets.key, created if missing)"

// openStore opens the database that spec names, applying migrations, with
// credentials' secret keys sealed under the key in secretsKeyFile:
// "" or "sqlite:PATH" for SQLite (PATH relative to the working
// directory; default DATA/ttsc.db), "postgres://…" or "postgresql://…"
// for PostgreSQL.
func openStore(ctx context.Context, spec, data, secretsKeyFile string, o storeOptions) (store, error) {
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, err
	}
	keyFile := cmp.Or(secretsKeyFile, filepath.Join(data, "secrets.key"))
	key, err := auth.LoadKey(keyFile, 32)
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPrivate(keyFile); err != nil {
		return nil, err
	}
	secrets, err := auth.NewSealer(key)
	if err != nil {
		return nil, err
	}
	switch {
	case spec == "" || strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" {
			path = filepath.Join(data, "ttsc.db")
		}
		return sealed(sqlitestore.Open(ctx, sqlitestore.Config{Path: path, Secrets: secrets, Lock: o.Lock, QueueConfig: o.QueueConfig}))
	case strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://"):
		return sealed(pgstore.Open(ctx, pgstore.Config{URL: spec, Secrets: secrets, QueueConfig: o.QueueConfig}))
	}
	return nil, fmt.Errorf("--database %q: want sqlite:PATH or postgres://…", redactURL(spec))
}

// sealed seals the secret keys a store holds from before sealing existed.
func sealed[S interface {
	store
	SealCredentials(ctx context.Context) (int, error)
}](s S, err error) (store, error) {
	if err != nil {
		return nil, err
	}
	if _, err := s.SealCredentials(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// blobHelp documents --blob.
const blobHelp = "audio file store: file:DIR (default DATA/blobs) or s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R"

// openBlobs opens the blob store that spec names: "" or "file:DIR" for
// files on disk (default DATA/blobs), "s3://BUCKET/PREFIX?endpoint=…" for
// an S3-compatible object store.
func openBlobs(ctx context.Context, spec, data string) (ttsc.BlobStore, error) {
	switch {
	case spec == "" || strings.HasPrefix(spec, "file:"):
		dir := strings.TrimPrefix(spec, "file:")
		if dir == "" {
			dir = filepath.Join(data, "blobs")
		}
		return diskblob.New(dir)
	case strings.HasPrefix(spec, "s3://"):
		cfg, err := s3blob.ParseURL(spec)
		if err != nil {
			return nil, fmt.Errorf("--blob: %w", err)
		}
		// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
		// (or MINIO_ACCESS_KEY and MINIO_SECRET_KEY).
		return s3blob.New(ctx, cfg)
	}
	return nil, fmt.Errorf("--blob %q: want file:DIR or s3://BUCKET?endpoint=…", redactURL(spec))
}

// redactURL hides a password in a connection string for messages.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			return s[:i+3] + "…@" + s[i+3+j+1:]
		}
	}
	return s
}

// runMigrate is `ttsc migrate`: it applies the database migrations of
// ttsc and River and exits. `ttsc serve` does the same at start; this is
// for operators who migrate before rolling out new processes.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var data, database, secretsKey string
	fs := newFlagSet("migrate", "Applies ttsc's and River's database migrations, then exits.", stderr)
	fs.StringVar(&data, "data", "./data", "data directory (for the default SQLite database)")
	fs.StringVar(&database, "database", "", databaseHelp)
	fs.StringVar(&secretsKey, "secrets-key-file", "", secretsKeyHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, database, data, secretsKey, storeOptions{})
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is up to date:", redactURL(cmp.Or(database, "sqlite:"+filepath.Join(data, "ttsc.db"))))
	return nil
}
