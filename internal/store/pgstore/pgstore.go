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
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
)

//go:embed migration/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises migrations of
// processes starting together.
const migrationLock = 0x74747363 // "ttsc"

// Config configures a DB.
type Config struct {
	// URL is the PostgreSQL connection string
	// (postgres://user:pass@host:5432/db?sslmode=disable). Required.
	URL string
	// Workers holds the queue's workers. Nil: this process only inserts
	// jobs (API processes, the CLI). Workers may be added until Start.
	Workers *river.Workers
	// MaxWorkers is how many jobs run at once when processing.
	MaxWorkers int
	// Periodic are jobs the queue schedules itself (the retention
	// sweep); with several processes, only the queue's leader does.
	Periodic []*river.PeriodicJob
	// JobTimeout bounds one attempt of a job. Default 5 minutes.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by a dead process is handed
	// out again. Default JobTimeout plus one minute.
	RescueAfter time.Duration
	// MaxConns bounds the connection pool. Default pgx's (at least 4).
	MaxConns int32
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives River's logs. Default slog.Default().
	Logger *slog.Logger
}

// DB is the PostgreSQL store: the queries of sqlstore.DB and the queue.
type DB struct {
	*sqlstore.DB
	cfg   Config
	pool  *pgxpool.Pool
	sqlDB *sql.DB
	river *river.Client[*sql.Tx]
	queue *sqlstore.Queue

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
	JSONArray: func(expr string) string { return "SELECT jsonb_array_elements_text(CAST(" + expr + " AS JSONB))" },
}

// Open connects, applies ttsc's and River's migrations (serialised
// between processes by an advisory lock) and prepares the queue client.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL == "" {
		return nil, errors.New("pgstore: Config.URL is required")
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
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
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
	rc := &river.Config{
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          3,
		// LISTEN wakes workers when a job is queued, but River sends at
		// most one insert notification per queue in a short window; a
		// short poll bounds the wait of jobs inserted inside it.
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 100 * time.Millisecond,
	}
	working := cfg.Workers != nil && cfg.MaxWorkers > 0
	if working {
		rc.Workers = cfg.Workers
		rc.PeriodicJobs = cfg.Periodic
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	// Queries go through database/sql, so ttsc's rows and River's jobs
	// share transactions; pgx's own pool listens for new jobs.
	db.river, err = river.NewClient[*sql.Tx](riverdatabasesql.NewWithPgxListener(db.sqlDB, pool), rc)
	if err == nil {
		db.queue = sqlstore.NewQueue(db.river, working)
		db.DB, err = sqlstore.New(sqlstore.Config{
			Write: db.sqlDB, River: db.river, Dialect: dialect, Now: cfg.Now, Op: "pgstore",
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
	sub, err := fs.Sub(migrations, "migration")
	if err != nil {
		return err
	}
	if err := sqlstore.Migrate(ctx, db.sqlDB, dialect, sub, db.cfg.Now()); err != nil {
		return err
	}
	m, err := rivermigrate.New(riverdatabasesql.New(db.sqlDB), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// River returns the queue client.
func (db *DB) River() *river.Client[*sql.Tx] { return db.river }

// Start starts working queued jobs (see sqlstore.Queue); it does nothing
// in an insert-only DB.
func (db *DB) Start(ctx context.Context) error { return db.queue.Start(ctx) }

// Stop stops taking jobs and waits for running ones until ctx is done,
// then hands them back to the queue (see sqlstore.Queue).
func (db *DB) Stop(ctx context.Context) error { return db.queue.Stop(ctx) }

// Close stops the queue without grace and closes the pool. It is safe to
// call twice.
func (db *DB) Close() error {
	var stopErr error
	if db.queue != nil {
		stopErr = db.queue.Halt()
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
