// Package sqlstore keeps jobs, files, credentials and pronunciation
// entries in a SQL database through database/sql, for both of ttsc's
// databases: SQLite (package sqlitestore) and PostgreSQL (package
// pgstore). Those packages open the database, migrate it and run the
// queue; the queries, written once with ? placeholders, live here, and a
// Dialect covers what the two databases spell differently.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
)

// Secrets encrypts values at rest, bound to additional data (see
// auth.Sealer).
type Secrets interface {
	Seal(plaintext, additional string) (string, error)
	Open(value, additional string) (string, error)
}

// Dialect is what differs between the databases.
type Dialect struct {
	// Numbered placeholders ($1, $2, ...) instead of ?.
	Numbered bool
	// IsUnique reports whether err violates a primary key or unique
	// constraint.
	IsUnique func(err error) bool
	// JSONArray returns a subquery selecting the text elements of the
	// JSON array expr (a column or a placeholder).
	JSONArray func(expr string) string
	// IsUnavailable, if set, reports whether err means the database
	// cannot be reached or is not accepting work (a refused or lost
	// connection, a server shutting down), beyond the network errors
	// every database shares.
	IsUnavailable func(err error) bool
	// IsBadCharacter, if set, reports whether err is the database
	// refusing a character of a string (PostgreSQL's U+0000).
	IsBadCharacter func(err error) bool
}

// rebind turns ? placeholders into the dialect's. Queries hold no ? in
// literals.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Config configures a DB.
type Config struct {
	// Write is the pool that writes; Read, when not nil, serves reads
	// that may see a slightly older snapshot (SQLite's WAL readers).
	Write, Read *sql.DB
	// River inserts queue jobs in the transactions that store ttsc's rows.
	River   *river.Client[*sql.Tx]
	Dialect Dialect
	// Inserted, if set, is called after a transaction that queued work
	// commits (SQLite uses it to wake its queue listener).
	Inserted func()
	// Secrets seals the secret keys of credentials at rest; nil stores
	// them as they are.
	Secrets Secrets
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Op prefixes the operation names of errors, such as "sqlitestore".
	Op string
}

// DB implements ttsc.JobStore, ttsc.CredentialStore and
// ttsc.VocabularyStore.
type DB struct {
	cfg   Config
	write pool
	read  pool
	river *river.Client[*sql.Tx]
}

var (
	_ ttsc.JobStore        = (*DB)(nil)
	_ ttsc.CredentialStore = (*DB)(nil)
	_ ttsc.VocabularyStore = (*DB)(nil)
)

// New returns the store over cfg's pools.
func New(cfg Config) (*DB, error) {
	if cfg.Write == nil || cfg.River == nil || cfg.Dialect.IsUnique == nil || cfg.Dialect.JSONArray == nil {
		return nil, errors.New("sqlstore: Config.Write, River, Dialect.IsUnique and Dialect.JSONArray are required")
	}
	if cfg.Read == nil {
		cfg.Read = cfg.Write
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Inserted == nil {
		cfg.Inserted = func() {}
	}
	d := &cfg.Dialect
	return &DB{
		cfg:   cfg,
		write: newPool(cfg.Write, d),
		read:  newPool(cfg.Read, d),
		river: cfg.River,
	}, nil
}

// op names an operation in errors.
func (db *DB) op(name string) string { return db.cfg.Op + "." + name }

// UnavailableMessage is what clients read when the database cannot
// be reached or does not answer.
const UnavailableMessage = "the database is unavailable; try again later"

// opTimeout bounds one operation of the store, connecting included: when
// the database hangs, requests end with EUNAVAILABLE instead of waiting
// with it. It is longer than SQLite's busy timeout (10 s), which ends a
// wait for a lock first.
const opTimeout = 15 * time.Second

// begin starts the operation name: it returns ctx bounded by opTimeout,
// and end, to defer, which releases it and annotates *errp as wrapOp
// does, reporting the bound's expiry as a database that does not answer.
func (db *DB) begin(ctx context.Context, name string, errp *error) (context.Context, func()) {
	bounded, cancel := context.WithTimeout(ctx, opTimeout)
	return bounded, func() {
		expired := errors.Is(bounded.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if *errp != nil && expired && ttsc.ErrorCode(*errp) == ttsc.EINTERNAL {
			*errp = &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: UnavailableMessage, Op: db.op(name), Err: *errp}
			return
		}
		db.wrapOp(errp, name)
	}
}

// wrapOp annotates *errp with the operation name, as ttsc.WrapOp does,
// and turns the failure of a database that cannot be reached into
// EUNAVAILABLE, which clients get as 503 and workers retry, instead of an
// internal error. It is meant for defer.
func (db *DB) wrapOp(errp *error, name string) {
	err := *errp
	if err != nil && ttsc.ErrorCode(err) == ttsc.EINTERNAL {
		switch {
		case db.unavailable(err):
			*errp = &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: UnavailableMessage, Op: db.op(name), Err: err}
			return
		case db.cfg.Dialect.IsBadCharacter != nil && db.cfg.Dialect.IsBadCharacter(err):
			*errp = &ttsc.Error{Code: ttsc.EINVALID, Op: db.op(name), Err: err,
				Message: "a text field holds a character that cannot be stored (the NUL character, U+0000)"}
			return
		}
	}
	ttsc.WrapOp(errp, db.op(name))
}

// unavailable reports whether err means that the database cannot be
// reached: a connection refused, reset or lost, or what the dialect
// knows.
func (db *DB) unavailable(err error) bool {
	if db.cfg.Dialect.IsUnavailable != nil && db.cfg.Dialect.IsUnavailable(err) {
		return true // a connection that timed out connecting, too
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller gave up; not the database's doing.
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return true
	}
	return false
}

// pingTimeout bounds Ping: a health check must answer, also when the
// database does not.
const pingTimeout = 5 * time.Second

// Ping checks that the database answers within 5 seconds.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer db.wrapOp(&err, "Ping")
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var one int
	err = db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
	if errors.Is(err, context.DeadlineExceeded) {
		return &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return err
}

// querier runs queries written with ? placeholders.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries written with ? placeholders: outside transactions
// through prepared statements (parsing SQL cost SQLite a third of the CPU
// of a status poll), inside them directly, since preparing on the pool
// could wait for the very connection the transaction holds. db is the
// pool; tx, when set, the transaction.
type conn struct {
	db    *sql.DB
	tx    *sql.Tx
	d     *Dialect
	stmts *stmtCache
}

// direct is the connection to run an unprepared query on.
func (c conn) direct() interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
} {
	if c.tx != nil {
		return c.tx
	}
	return c.db
}

// stmt returns the prepared statement of query, or nil to run it
// directly.
func (c conn) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.tx != nil {
		return nil
	}
	return c.stmts.get(ctx, c.db, query)
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = c.d.rebind(query)
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.direct().ExecContext(ctx, query, args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = c.d.rebind(query)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.direct().QueryContext(ctx, query, args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query = c.d.rebind(query)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.direct().QueryRowContext(ctx, query, args...)
}

// stmtCache holds a pool's prepared statements by query. Queries built
// from filters come in a bounded number of shapes; past maxStmts, or
// when preparing fails, queries run unprepared (and a failure surfaces
// there, as usual).
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxStmts = 512

func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok { // prepared meanwhile
		st.Close()
		return old
	}
	c.m[query] = st
	return st
}

// pool is a database pool that begins rebinding transactions.
type pool struct {
	conn
}

func newPool(db *sql.DB, d *Dialect) pool {
	return pool{conn{db: db, d: d, stmts: &stmtCache{m: map[string]*sql.Stmt{}}}}
}

func (p pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*tx, error) {
	t, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c := p.conn
	c.tx = t
	return &tx{c, t}, nil
}

// tx is a transaction; Tx is what River inserts with.
type tx struct {
	conn
	Tx *sql.Tx
}

func (t *tx) Commit() error   { return t.Tx.Commit() }
func (t *tx) Rollback() error { return t.Tx.Rollback() }

// conflict turns a primary key or uniqueness violation into ECONFLICT.
func (db *DB) conflict(err error, format string, args ...any) error {
	if err != nil && db.cfg.Dialect.IsUnique(err) {
		return &ttsc.Error{Code: ttsc.ECONFLICT, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
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

// noLimit is the LIMIT of an unlimited listing: SQLite's -1 is an error
// in PostgreSQL.
const noLimit = math.MaxInt32
