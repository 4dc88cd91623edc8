// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by TTSC_TEST_POSTGRES (default: the local
// server's database test), dropped when the test ends. Without a server
// the test is skipped, unless TTSC_REQUIRE_POSTGRES=1 (set in CI), which
// makes a missing server fail it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server tests use when TTSC_TEST_POSTGRES is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns a connection string whose search_path is a new, empty
// schema.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TTSC_TEST_POSTGRES")
	if base == "" {
		base = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("TTSC_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (TTSC_REQUIRE_POSTGRES=1) but %s cannot be reached: %v", base, err)
		}
		t.Skipf("no PostgreSQL at %s (set TTSC_TEST_POSTGRES): %v", base, err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ttsc_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
