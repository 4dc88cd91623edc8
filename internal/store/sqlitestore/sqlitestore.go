// Package sqlitestore is ttsc's embedded store: jobs, files, credentials
// and the River job queue in one SQLite database file, so `ttsc serve`
// needs no database server.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/openttsc/ttsc"
)

// stopCancelTimeout bounds how long a hard stop waits for cancelled jobs
// to return.
const stopCancelTimeout = 10 * time.Second

// readConns is the size of the reader pool.
const readConns = 4

//go:embed migration/*.sql
var migrations embed.FS

// Config configures a DB.
type Config struct {
	// Path is the database file. Required.
	Path string
	// Workers holds the queue's workers. Nil: this process only inserts
	// jobs (the CLI commands). Workers may be added until Start.
	Workers *river.Workers
	// MaxWorkers is how many jobs run at once when processing; 0 inserts
	// only.
	MaxWorkers int
	// JobTimeout bounds one attempt of a job. Default 5 minutes.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by a dead process is handed
	// out again. Default JobTimeout plus one minute.
	RescueAfter time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives River's logs. Default slog.Default().
	Logger *slog.Logger
}

// DB is the SQLite store. It implements ttsc.JobStore and
// ttsc.CredentialStore.
type DB struct {
	cfg    Config
	write  *sql.DB // one connection: SQLite has one writer, River wants it so
	read   *sql.DB // readers see WAL snapshots and never wait for the writer
	river  *river.Client[*sql.Tx]
	driver *wakeDriver

	mu      sync.Mutex
	started bool
	closed  bool
}

var (
	_ ttsc.JobStore        = (*DB)(nil)
	_ ttsc.CredentialStore = (*DB)(nil)
)

// dsn returns the modernc.org/sqlite data source name of the database at
// path: WAL so that readers never wait for the writer, a busy timeout for
// other processes (the CLI) holding the write lock, foreign keys on. The
// writer begins transactions IMMEDIATE, taking the write lock up front, so
// a transaction never fails to upgrade from read to write; readers are
// query_only.
func dsn(path string, reader bool) string {
	q := url.Values{}
	if !reader {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if reader {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	// SQLite decodes %XX in URI file names; escape what would end the path.
	path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database, applies ttsc's and River's
// migrations and prepares the queue client.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlitestore: Config.Path is required")
	}
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	if cfg.RescueAfter == 0 {
		cfg.RescueAfter = cfg.JobTimeout + time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	write, err := sql.Open("sqlite", dsn(cfg.Path, false))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	db := &DB{cfg: cfg, write: write}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlitestore: migrating %s: %w", cfg.Path, err)
	}
	db.read, err = sql.Open("sqlite", dsn(cfg.Path, true))
	if err != nil {
		write.Close()
		return nil, err
	}
	db.read.SetMaxOpenConns(readConns)
	db.read.SetMaxIdleConns(readConns)

	rc := &river.Config{
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// SQLite has no LISTEN/NOTIFY: River's SQLite listener polls a
		// notification table every 50 ms. Jobs this process inserts wake
		// the listener at once (wake.go); the poll interval is the
		// fallback for jobs inserted by other processes and for retries.
		// A short cooldown lets the producer act on a wake-up right after
		// a previous fetch. River's minimum for both is 1 ms.
		FetchCooldown:     2 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		MaxAttempts:       3,
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		if cfg.MaxWorkers > 0 {
			rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
		}
	}
	db.driver = newWakeDriver(riversqlite.New(write))
	db.river, err = river.NewClient[*sql.Tx](db.driver, rc)
	if err != nil {
		db.read.Close()
		write.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies ttsc's migrations, each once and in its own transaction,
// then River's.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ttsc_migration (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.apply(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	m, err := rivermigrate.New(riversqlite.New(db.write), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func (db *DB) apply(ctx context.Context, name string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ttsc_migration WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ttsc_migration (name, applied_at) VALUES (?, ?)`, name, db.cfg.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// River returns the queue client.
func (db *DB) River() *river.Client[*sql.Tx] { return db.river }

// Start starts working queued jobs. It does nothing in an insert-only DB
// (no Workers or no MaxWorkers). The queue keeps running when ctx ends:
// only Stop ends it, so that a cancelled server context cannot cut short
// the grace period Stop gives running jobs.
func (db *DB) Start(ctx context.Context) error {
	if db.cfg.Workers == nil || db.cfg.MaxWorkers == 0 {
		return nil
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.started {
		return nil
	}
	if err := db.river.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	db.started = true
	return nil
}

// Stop stops taking jobs and waits for running ones until ctx is done.
// Then it cancels them and waits up to 10 s for them to return; River
// makes them available again without counting the interrupted attempt,
// so the next process to start runs them. Stop does nothing if the DB is
// not processing.
func (db *DB) Stop(ctx context.Context) error {
	db.mu.Lock()
	started := db.started
	db.started = false
	db.mu.Unlock()
	if !started {
		return nil
	}
	err := db.river.Stop(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return err
	}
	cctx, cancel := context.WithTimeout(context.Background(), stopCancelTimeout)
	defer cancel()
	return db.river.StopAndCancel(cctx)
}

// Close closes the database. A DB still processing jobs is stopped first
// without grace: running jobs are cancelled, and River runs them again
// later. It is safe to
// call twice.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var stopErr error
	if db.started {
		db.started = false
		ctx, cancel := context.WithTimeout(context.Background(), stopCancelTimeout)
		stopErr = db.river.StopAndCancel(ctx)
		cancel()
	}
	if db.closed {
		return stopErr
	}
	db.closed = true
	return errors.Join(stopErr, db.read.Close(), db.write.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
