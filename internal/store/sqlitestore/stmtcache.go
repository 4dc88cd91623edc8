package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"modernc.org/sqlite"
)

// stmtsPerConn bounds the statements each connection keeps prepared.
// ttsc and River run a few dozen distinct statements; the bound is for
// the ones whose text varies, such as a list of IDs.
const stmtsPerConn = 128

// openDB opens the database at dsn through connections that keep the
// statements they run prepared. SQLite parses and plans a statement each
// time it is prepared, and database/sql prepares one for every query it
// is not given a prepared statement for: every query of ttsc's and of
// River's. Compiled to Go, that parsing took about a quarter of the
// server's CPU under a load of short previews.
func openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtConnector{c}), nil
}

// stmtConnector makes the connections of the connector it wraps keep
// their statements prepared.
type stmtConnector struct{ driver.Connector }

// Connect opens a connection with an empty statement cache.
func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, ok := dc.(sqliteConn)
	if !ok {
		dc.Close()
		return nil, errDriver
	}
	sc := &stmtConn{sqliteConn: conn}
	sc.stmts, _ = simplelru.NewLRU(stmtsPerConn, func(_ string, s *cachedStmt) {
		s.evicted = true
		if s.users == 0 {
			s.Close()
		}
	})
	return sc, nil
}

// sqliteConn is what the SQLite driver's connections do that database/sql
// uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a statement a connection keeps. database/sql runs one
// call at a time on a connection, but rows of one query may still be open
// while the next runs: users counts the open rows, and a statement in use
// is not run again until they close; one evicted meanwhile is closed by
// the last of them.
type cachedStmt struct {
	sqliteStmt
	users   int
	evicted bool
}

// sqliteStmt is what the SQLite driver's statements do.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// errDriver says the SQLite driver does not do what the statement cache
// needs of it; modernc.org/sqlite does.
var errDriver = errors.New("sqlitestore: the SQLite driver's connections, statements or rows lack an interface the statement cache needs")

// stmtConn is a connection that keeps the statements it runs prepared.
type stmtConn struct {
	sqliteConn
	mu    sync.Mutex
	stmts *simplelru.LRU[string, *cachedStmt]
}

// acquire returns the kept statement of query, preparing it first if
// needed, or nil when it is in use by open rows.
func (c *stmtConn) acquire(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts.Get(query); ok {
		if s.users > 0 {
			return nil, nil
		}
		s.users++
		return s, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(sqliteStmt)
	if !ok {
		ds.Close()
		return nil, errDriver
	}
	s := &cachedStmt{sqliteStmt: st, users: 1}
	c.stmts.Add(query, s)
	return s, nil
}

// release ends a use of s. A statement that failed is dropped, so that a
// failure cannot leave a statement in a state the next use trips on.
func (c *stmtConn) release(query string, s *cachedStmt, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.users--
	if failed && !s.evicted {
		c.stmts.Remove(query) // evicts, closing s if unused
		return
	}
	if s.evicted && s.users == 0 {
		s.Close()
	}
}

// ExecContext runs query with the statement kept for it.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	r, err := s.ExecContext(ctx, args)
	c.release(query, s, err != nil)
	return r, err
}

// QueryContext runs query with the statement kept for it; the statement
// is in use until the rows close.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	r, err := s.QueryContext(ctx, args)
	if err != nil {
		c.release(query, s, true)
		return nil, err
	}
	sr, ok := r.(sqliteRows)
	if !ok { // not run again: it may have written
		r.Close()
		c.release(query, s, true)
		return nil, errDriver
	}
	return &stmtRows{sqliteRows: sr, done: func(failed bool) { c.release(query, s, failed) }}, nil
}

// Close closes the kept statements, then the connection.
func (c *stmtConn) Close() error {
	c.mu.Lock()
	c.stmts.Purge() // closes every statement no rows use
	c.mu.Unlock()
	return c.sqliteConn.Close()
}

// sqliteRows is what the SQLite driver's rows do.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// stmtRows are the rows of a kept statement; closing them ends its use.
type stmtRows struct {
	sqliteRows
	done func(failed bool)
}

// Close resets the statement for its next use.
func (r *stmtRows) Close() error {
	err := r.sqliteRows.Close()
	if r.done != nil {
		r.done(err != nil)
		r.done = nil
	}
	return err
}
