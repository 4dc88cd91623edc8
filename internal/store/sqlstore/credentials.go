package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/openttsc/ttsc"
)

// CreateCredential stores an access key pair.
func (db *DB) CreateCredential(ctx context.Context, c *ttsc.Credential) (err error) {
	ctx, end := db.begin(ctx, "CreateCredential", &err)
	defer end()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.cfg.Now().UTC().Truncate(time.Millisecond)
	}
	secret := c.SecretKey
	if db.cfg.Secrets != nil {
		if secret, err = db.cfg.Secrets.Seal(c.SecretKey, c.AccessKey); err != nil {
			return err
		}
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO credentials (access_key, secret_key, project_id, created_at) VALUES (?, ?, ?, ?)`,
		c.AccessKey, secret, c.ProjectID, ms(c.CreatedAt))
	return db.conflict(err, "access key %s exists", c.AccessKey)
}

// Credential returns the credential of an access key, with its secret.
func (db *DB) Credential(ctx context.Context, accessKey string) (c *ttsc.Credential, err error) {
	ctx, end := db.begin(ctx, "Credential", &err)
	defer end()
	c = &ttsc.Credential{AccessKey: accessKey}
	var created int64
	err = db.read.QueryRowContext(ctx, `SELECT secret_key, project_id, created_at FROM credentials WHERE access_key = ?`, accessKey).
		Scan(&c.SecretKey, &c.ProjectID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "access key %s not found", accessKey)
	}
	if err != nil {
		return nil, err
	}
	if db.cfg.Secrets != nil {
		if c.SecretKey, err = db.cfg.Secrets.Open(c.SecretKey, accessKey); err != nil {
			return nil, err
		}
	}
	c.CreatedAt = fromMS(created)
	return c, nil
}

// ListCredentials lists access keys without secrets, oldest first.
func (db *DB) ListCredentials(ctx context.Context, projectID string) (cs []*ttsc.Credential, err error) {
	ctx, end := db.begin(ctx, "ListCredentials", &err)
	defer end()
	rows, err := db.read.QueryContext(ctx, `SELECT access_key, project_id, created_at FROM credentials
		WHERE ? = '' OR project_id = ? ORDER BY created_at, access_key`, projectID, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c ttsc.Credential
		var created int64
		if err := rows.Scan(&c.AccessKey, &c.ProjectID, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMS(created)
		cs = append(cs, &c)
	}
	return cs, rows.Err()
}

// DeleteCredential removes an access key.
func (db *DB) DeleteCredential(ctx context.Context, accessKey string) (err error) {
	ctx, end := db.begin(ctx, "DeleteCredential", &err)
	defer end()
	res, err := db.write.ExecContext(ctx, `DELETE FROM credentials WHERE access_key = ?`, accessKey)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ttsc.Errorf(ttsc.ENOTFOUND, "access key %s not found", accessKey)
	}
	return nil
}

// CreateToken stores a token's hash.
func (db *DB) CreateToken(ctx context.Context, t *ttsc.Token) (err error) {
	ctx, end := db.begin(ctx, "CreateToken", &err)
	defer end()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.cfg.Now().UTC().Truncate(time.Millisecond)
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO tokens (hash, project_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.ProjectID, ms(t.CreatedAt), ms(t.ExpiresAt))
	return db.conflict(err, "token exists")
}

// Token returns an unexpired token by its hash.
func (db *DB) Token(ctx context.Context, hash string, now time.Time) (t *ttsc.Token, err error) {
	ctx, end := db.begin(ctx, "Token", &err)
	defer end()
	t = &ttsc.Token{Hash: hash}
	var created, expires int64
	err = db.read.QueryRowContext(ctx, `SELECT project_id, created_at, expires_at FROM tokens WHERE hash = ? AND expires_at > ?`,
		hash, ms(now)).Scan(&t.ProjectID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "token not found or expired")
	}
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return t, nil
}

// CreateOnceCode stores a single-use code's hash.
func (db *DB) CreateOnceCode(ctx context.Context, t *ttsc.Token) (err error) {
	ctx, end := db.begin(ctx, "CreateOnceCode", &err)
	defer end()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.cfg.Now().UTC().Truncate(time.Millisecond)
	}
	// Expired codes are dropped here, so the table stays small without a
	// sweeper.
	if _, err := db.write.ExecContext(ctx, `DELETE FROM once_codes WHERE expires_at <= ?`, ms(t.CreatedAt)); err != nil {
		return err
	}
	_, err = db.write.ExecContext(ctx, `INSERT INTO once_codes (hash, project_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.ProjectID, ms(t.CreatedAt), ms(t.ExpiresAt))
	return err
}

// ConsumeOnceCode deletes a valid code and returns it.
func (db *DB) ConsumeOnceCode(ctx context.Context, hash string, now time.Time) (t *ttsc.Token, err error) {
	ctx, end := db.begin(ctx, "ConsumeOnceCode", &err)
	defer end()
	t = &ttsc.Token{Hash: hash}
	var created, expires int64
	err = db.write.QueryRowContext(ctx, `DELETE FROM once_codes WHERE hash = ? AND expires_at > ?
		RETURNING project_id, created_at, expires_at`, hash, ms(now)).Scan(&t.ProjectID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "once code not found, already used or expired")
	}
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
	return t, nil
}

// SealCredentials seals the secret keys stored before sealing existed, so
// that none stays in the clear; it returns how many it sealed.
func (db *DB) SealCredentials(ctx context.Context) (n int, err error) {
	ctx, end := db.begin(ctx, "SealCredentials", &err)
	defer end()
	if db.cfg.Secrets == nil {
		return 0, nil
	}
	rows, err := db.write.QueryContext(ctx, `SELECT access_key, secret_key FROM credentials WHERE secret_key NOT LIKE 'sealed:%'`)
	if err != nil {
		return 0, err
	}
	var plain [][2]string
	for rows.Next() {
		var ak, sk string
		if err := rows.Scan(&ak, &sk); err != nil {
			rows.Close()
			return 0, err
		}
		plain = append(plain, [2]string{ak, sk})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range plain {
		sealed, err := db.cfg.Secrets.Seal(c[1], c[0])
		if err != nil {
			return n, err
		}
		if _, err := db.write.ExecContext(ctx, `UPDATE credentials SET secret_key = ? WHERE access_key = ? AND secret_key = ?`, sealed, c[0], c[1]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
