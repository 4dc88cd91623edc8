// Package pgstore is ttsc's scale-out store: jobs, files, credentials,
// pronunciation entries and the River job queue in PostgreSQL, shared by
// any number of API and worker processes. Workers sleep on LISTEN and
// wake the moment a job is queued.
package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
)

//go:embed migration/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises migrations of
// processes starting together.
const migrationLock = 0x74747363 // "ttsc"

// DefaultConnectTimeout bounds making a connection when the URL sets no
// connect_timeout: requests that need a new connection fail with 503
// after it rather than wait for a server that does not answer.
const DefaultConnectTimeout = 5 * time.Second

// Config configures a DB.
type Config struct {
	// URL is the PostgreSQL connection string
	// (postgres://user:pass@host:5432/db?sslmode=disable). Required.
	URL string
	// MaxConns bounds the connection pool. Default pgx's (at least 4).
	MaxConns int32
	// Secrets seals credentials' secret keys at rest; nil stores them
	// as they are.
	Secrets sqlstore.Secrets
	sqlstore.QueueConfig
}

// DB is the PostgreSQL store: the queries of sqlstore.DB and the queue.
type DB struct {
	*sqlstore.DB
	cfg             Config
	pool            *pgxpool.Pool
	sqlDB           *sql.DB
	river           *river.Client[*sql.Tx]
	*sqlstore.Queue // Start, Stop

	mu     sync.Mutex
	closed bool
}

var (
	_ ttsc.JobStore        = (*DB)(nil)
	_ ttsc.CredentialStore = (*DB)(nil)
	_ ttsc.VocabularyStore = (*DB)(nil)
)

// dialect is PostgreSQL's SQL.
var dialect = sqlstore.Dialect{
	Numbered: true,
	IsUnique: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	JSONArray:     func(expr string) string { return "SELECT jsonb_array_elements_text(CAST(" + expr + " AS JSONB))" },
	IsUnavailable: unavailable,
	IsBadCharacter: func(err error) bool {
		var e *pgconn.PgError
		// character_not_in_repertoire (U+0000 in text), untranslatable_character
		return errors.As(err, &e) && (e.Code == "22021" || e.Code == "22P05")
	},
}

// unavailable reports whether err means PostgreSQL cannot be reached or
// does not take work now: a connection that cannot be made or was lost,
// a server shutting down or starting, or out of connection slots.
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection_exception
			pe.Code == "57P01", // admin_shutdown
			pe.Code == "57P02", // crash_shutdown
			pe.Code == "57P03", // cannot_connect_now
			pe.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	// pgconn reports a connection it closed after an error as "conn
	// closed" without a type of its own.
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool")
}

// Open connects, applies ttsc's and River's migrations (serialised
// between processes by an advisory lock) and prepares the queue client.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL == "" {
		return nil, errors.New("pgstore: Config.URL is required")
	}
	cfg.QueueConfig = cfg.QueueConfig.WithDefaults()
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		// Without connect_timeout in the URL, a server that accepts
		// connections but does not answer (hung, or behind a dead
		// proxy) would hold every request waiting for a connection.
		pc.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	db := &DB{cfg: cfg, pool: pool, sqlDB: stdlib.OpenDBFromPool(pool)}
	if err := db.migrate(ctx); err != nil {
		db.close()
		return nil, fmt.Errorf("pgstore: migrating: %w", err)
	}
	// LISTEN wakes workers when a job is queued, but River sends at most
	// one insert notification per queue in a short window; a short poll
	// bounds the wait of jobs inserted inside it.
	rc := cfg.River(10*time.Millisecond, 100*time.Millisecond)
	// Queries go through database/sql, so ttsc's rows and River's jobs
	// share transactions; pgx's own pool listens for new jobs.
	db.river, err = river.NewClient[*sql.Tx](riverdatabasesql.NewWithPgxListener(db.sqlDB, pool), rc)
	if err == nil {
		db.Queue = sqlstore.NewQueue(db.river, cfg.Working())
		db.DB, err = sqlstore.New(sqlstore.Config{
			Write: db.sqlDB, River: db.river, Dialect: dialect, Secrets: cfg.Secrets, Now: cfg.Now, Op: "pgstore",
		})
	}
	if err != nil {
		db.close()
		return nil, err
	}
	return db, nil
}

// migrate applies ttsc's migrations, then River's, holding an advisory
// lock so that processes starting at once migrate one after another.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	return sqlstore.Migrate(ctx, db.sqlDB, dialect, migrations, db.cfg.Now(), riverdatabasesql.New(db.sqlDB))
}

// River returns the queue client.
func (db *DB) River() *river.Client[*sql.Tx] { return db.river }

// Close stops the queue without grace and closes the pool. It is safe to
// call twice.
func (db *DB) Close() error {
	var stopErr error
	if db.Queue != nil {
		stopErr = db.Queue.Halt()
	}
	return errors.Join(stopErr, db.close())
}

func (db *DB) close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	err := db.sqlDB.Close()
	db.pool.Close()
	return err
}
