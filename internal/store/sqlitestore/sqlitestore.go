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
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite" // the pure-Go SQLite driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
)

// readConns is the size of the reader pool.
const readConns = 4

//go:embed migration/*.sql
var migrations embed.FS

// Config configures a DB.
type Config struct {
	// Path is the database file. Required.
	Path string
	// Secrets seals credentials' secret keys at rest; nil stores them
	// as they are.
	Secrets sqlstore.Secrets
	// Lock is the hold the DB takes on the database while it is open.
	Lock Lock
	sqlstore.QueueConfig
}

// Lock is a hold on a database that keeps processes which would break
// each other's assumptions from serving it at once.
type Lock int

const (
	// LockNone takes no hold, for commands that read or change a few rows
	// beside a server.
	LockNone Lock = iota
	// LockShared is held by each of several processes serving one
	// database, none of which assumes it is alone.
	LockShared
	// LockExclusive is held by a process that assumes it is the only one
	// serving the database: it keeps jobs in memory in any state, and
	// fails the streamed jobs it finds unfinished when it starts.
	LockExclusive
)

// lock takes l on the database at path, through a file beside it, and
// returns the file that holds it, or nil for LockNone. The kernel
// releases the hold when the process ends, however it ends.
func lock(path string, l Lock) (*os.File, error) {
	if l == LockNone {
		return nil, nil
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if l == LockExclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if l == LockExclusive {
				return nil, fmt.Errorf("sqlitestore: another process is serving %s; a process of role all must be its only server", path)
			}
			return nil, fmt.Errorf("sqlitestore: a process of role all is serving %s, and must be its only server", path)
		}
		return nil, fmt.Errorf("sqlitestore: locking %s: %w", path, err)
	}
	return f, nil
}

// DB is the SQLite store: the queries of sqlstore.DB over one database
// file, and the queue.
type DB struct {
	*sqlstore.DB
	cfg    Config
	write  *sql.DB // one connection: SQLite has one writer, River wants it so
	read   *sql.DB // readers see WAL snapshots and never wait for the writer
	river  *river.Client[*sql.Tx]
	driver *wakeDriver

	*sqlstore.Queue // Start, Stop

	mu     sync.Mutex
	closed bool
	lock   *os.File // the hold of Config.Lock
}

var (
	_ ttsc.JobStore        = (*DB)(nil)
	_ ttsc.CredentialStore = (*DB)(nil)
	_ ttsc.VocabularyStore = (*DB)(nil)
)

// dialect is SQLite's SQL.
var dialect = sqlstore.Dialect{
	IsUnique: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
	},
	JSONArray: func(expr string) string { return "SELECT value FROM json_each(" + expr + ")" },
}

// dsn returns the modernc.org/sqlite data source name of the database at
// path: WAL so that readers never wait for the writer, a busy timeout for
// other processes (the CLI) holding the write lock, foreign keys on, and
// synchronous NORMAL: a commit survives a crash of the process at once,
// and a power cut once the log is synced, at the next checkpoint. FULL,
// a sync at every commit, queues every commit behind the one before it
// on the single writer: it multiplied preview latency under load
// (docs/storage.md). The
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
	cfg.QueueConfig = cfg.QueueConfig.WithDefaults()
	held, err := lock(cfg.Path, cfg.Lock)
	if err != nil {
		return nil, err
	}
	write, err := openDB(dsn(cfg.Path, false))
	if err != nil {
		held.Close()
		return nil, err
	}
	write.SetMaxOpenConns(1)
	db := &DB{cfg: cfg, write: write, lock: held}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		held.Close()
		return nil, fmt.Errorf("sqlitestore: migrating %s: %w", cfg.Path, err)
	}
	db.read, err = openDB(dsn(cfg.Path, true))
	if err != nil {
		write.Close()
		held.Close()
		return nil, err
	}
	db.read.SetMaxOpenConns(readConns)
	db.read.SetMaxIdleConns(readConns)

	// SQLite has no LISTEN/NOTIFY: River's SQLite listener polls a
	// notification table every 50 ms. Jobs this process inserts wake the
	// listener at once (wake.go); the poll interval is the fallback for
	// jobs inserted by other processes and for retries. A short cooldown
	// lets the producer act on a wake-up right after a previous fetch.
	// River's minimum for both is 1 ms.
	rc := cfg.River(2*time.Millisecond, 50*time.Millisecond)
	db.driver = newWakeDriver(riversqlite.New(write))
	db.river, err = river.NewClient[*sql.Tx](db.driver, rc)
	if err == nil {
		db.Queue = sqlstore.NewQueue(db.river, cfg.Working())
		db.DB, err = sqlstore.New(sqlstore.Config{
			Write: write, Read: db.read, River: db.river, Dialect: dialect, Secrets: cfg.Secrets,
			Inserted: db.driver.Wake, Now: cfg.Now, Op: "sqlitestore",
		})
	}
	if err != nil {
		db.read.Close()
		write.Close()
		held.Close()
		return nil, err
	}
	return db, nil
}

// migrate applies ttsc's migrations, then River's.
func (db *DB) migrate(ctx context.Context) error {
	return sqlstore.Migrate(ctx, db.write, dialect, migrations, db.cfg.Now(), riversqlite.New(db.write))
}

// River returns the queue client.
func (db *DB) River() *river.Client[*sql.Tx] { return db.river }

// Close closes the database. A DB still processing jobs is stopped first
// without grace: running jobs are cancelled, and River runs them again
// later. It is safe to call twice.
func (db *DB) Close() error {
	stopErr := db.Queue.Halt()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return stopErr
	}
	db.closed = true
	err := errors.Join(stopErr, db.read.Close(), db.write.Close())
	if db.lock != nil {
		err = errors.Join(err, db.lock.Close())
	}
	return err
}
