package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// oneConn opens a database of one connection with a table t of the
// integers 1 to 3.
func oneConn(t *testing.T) (*sql.Conn, *stmtConn) {
	t.Helper()
	db, err := openDB(dsn(filepath.Join(t.TempDir(), "t.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	var sc *stmtConn
	if err := conn.Raw(func(dc any) error { sc = dc.(*stmtConn); return nil }); err != nil {
		t.Fatal(err)
	}
	return conn, sc
}

// kept returns whether conn keeps a statement of query.
func kept(t *testing.T, sc *stmtConn, query string) bool {
	t.Helper()
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.stmts.Contains(query)
}

// sum runs query and adds up the integers of its rows.
func sum(t *testing.T, conn *sql.Conn, query string, args ...any) int {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	return sumRows(t, rows, func(int) {})
}

// sumRows adds up the integers of rows, calling each with each.
func sumRows(t *testing.T, rows *sql.Rows, each func(x int)) int {
	t.Helper()
	n := 0
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		n += x
		each(x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

const sumQuery = "SELECT x FROM t WHERE x >= ?"

func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, conn *sql.Conn, sc *stmtConn)
	}{
		{"a query run again reuses its statement with new arguments", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			if got := sum(t, conn, sumQuery, 1); got != 6 {
				t.Errorf("first run: sum %d, want 6", got)
			}
			first, _ := sc.stmts.Peek(sumQuery)
			if got := sum(t, conn, sumQuery, 2); got != 5 {
				t.Errorf("second run: sum %d, want 5", got)
			}
			if again, _ := sc.stmts.Peek(sumQuery); again != first || first == nil {
				t.Errorf("the statement was prepared again")
			}
		}},
		{"a query run while its own rows are open gets a statement of its own", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			rows, err := conn.QueryContext(ctx, sumQuery, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]int{1: 6, 2: 5, 3: 3}
			n := sumRows(t, rows, func(x int) {
				if got := sum(t, conn, sumQuery, x); got != want[x] {
					t.Errorf("inner run from %d: sum %d, want %d", x, got, want[x])
				}
			})
			rows.Close()
			if n != 6 {
				t.Errorf("outer rows: sum %d, want 6", n)
			}
		}},
		{"a statement evicted while its rows are open serves them to the end", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			rows, err := conn.QueryContext(ctx, sumQuery, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i := range stmtsPerConn + 1 {
				sum(t, conn, fmt.Sprintf("SELECT x FROM t WHERE x = %d", i))
			}
			if kept(t, sc, sumQuery) {
				t.Fatal("the statement was not evicted")
			}
			n := sumRows(t, rows, func(int) {})
			if err := rows.Close(); err != nil || n != 6 {
				t.Errorf("evicted statement's rows: sum %d, close %v; want 6, nil", n, err)
			}
			if sc.stmts.Len() != stmtsPerConn {
				t.Errorf("%d statements kept, want the bound %d", sc.stmts.Len(), stmtsPerConn)
			}
		}},
		{"a statement that fails is not kept", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			const insert = "INSERT INTO t VALUES (?)"
			if _, err := conn.ExecContext(ctx, insert, 4); err != nil {
				t.Fatal(err)
			}
			if !kept(t, sc, insert) {
				t.Fatal("a statement that ran was not kept")
			}
			if _, err := conn.ExecContext(ctx, insert, 4); err == nil {
				t.Fatal("inserting a duplicate key succeeded")
			}
			if kept(t, sc, insert) {
				t.Error("the statement that failed is still kept")
			}
			if _, err := conn.ExecContext(ctx, insert, 5); err != nil {
				t.Errorf("the statement after a failure: %v", err)
			}
		}},
		{"a script of several statements runs each time", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			const script = "DELETE FROM t WHERE x = 1; INSERT INTO t VALUES (1)"
			for range 2 {
				if _, err := conn.ExecContext(ctx, script); err != nil {
					t.Fatal(err)
				}
			}
			if got := sum(t, conn, sumQuery, 1); got != 6 {
				t.Errorf("sum %d after the scripts, want 6", got)
			}
		}},
		{"a transaction sees its own writes through kept statements", func(t *testing.T, conn *sql.Conn, sc *stmtConn) {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (?)", 10); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT sum(x) FROM t WHERE x >= ?", 1).Scan(&n); err != nil || n != 16 {
				t.Errorf("in the transaction: sum %d, %v; want 16", n, err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			if err := conn.QueryRowContext(ctx, "SELECT sum(x) FROM t WHERE x >= ?", 1).Scan(&n); err != nil || n != 6 {
				t.Errorf("after the rollback: sum %d, %v; want 6", n, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, sc := oneConn(t)
			tt.run(t, conn, sc)
		})
	}
}
