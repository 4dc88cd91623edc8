package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrate applies the migration/*.sql files of migrations that db has
// not applied yet, in name order (recorded as "migration/NAME.sql"), each in its own transaction, recording them in the
// table ttsc_migration; then River's migrations through driver.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, migrations fs.FS, now time.Time, driver riverdriver.Driver[*sql.Tx]) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ttsc_migration (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	p := newPool(db, &d)
	for _, name := range names {
		if err := apply(ctx, p, migrations, name, now); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func apply(ctx context.Context, p pool, migrations fs.FS, name string, now time.Time) error {
	tx, err := p.BeginTx(ctx, nil)
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
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	// The body holds several statements and no placeholders.
	if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ttsc_migration (name, applied_at) VALUES (?, ?)`, name, now.UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}
