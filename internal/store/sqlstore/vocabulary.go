package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/openttsc/ttsc"
)

var _ ttsc.VocabularyStore = (*DB)(nil)

// nullable stores an empty group ID as NULL, for the foreign key.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkGroup returns ENOTFOUND unless the group exists in the project.
func checkGroup(ctx context.Context, q querier, projectID, groupID string) error {
	if groupID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vocabulary_groups WHERE id = ? AND project_id = ?`, groupID, projectID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ttsc.Errorf(ttsc.ENOTFOUND, "vocabulary group %s not found", groupID)
	}
	return nil
}

// CreateVocabulary stores an entry.
func (db *DB) CreateVocabulary(ctx context.Context, v *ttsc.Vocabulary) (err error) {
	ctx, end := db.begin(ctx, "CreateVocabulary", &err)
	defer end()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkGroup(ctx, tx, v.ProjectID, v.GroupID); err != nil {
		return err
	}
	now := db.cfg.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO vocabularies (id, project_id, type, key, value, group_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.ProjectID, string(v.Type), v.Key, v.Value, nullable(v.GroupID), ms(now), ms(now)); err != nil {
		return db.conflict(err, "vocabulary %s exists", v.ID)
	}
	v.CreatedAt, v.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	return tx.Commit()
}

// UpdateVocabulary replaces an entry's type, key, value and group.
func (db *DB) UpdateVocabulary(ctx context.Context, v *ttsc.Vocabulary) (err error) {
	ctx, end := db.begin(ctx, "UpdateVocabulary", &err)
	defer end()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkGroup(ctx, tx, v.ProjectID, v.GroupID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE vocabularies SET type = ?, key = ?, value = ?, group_id = ?, updated_at = ?
		WHERE id = ? AND project_id = ?`, string(v.Type), v.Key, v.Value, nullable(v.GroupID), ms(db.cfg.Now()), v.ID, v.ProjectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ttsc.Errorf(ttsc.ENOTFOUND, "vocabulary %s not found", v.ID)
	}
	return tx.Commit()
}

// DeleteVocabularies removes entries of the project.
func (db *DB) DeleteVocabularies(ctx context.Context, projectID string, ids []string) (n int, err error) {
	ctx, end := db.begin(ctx, "DeleteVocabularies", &err)
	defer end()
	if len(ids) == 0 {
		return 0, nil
	}
	b, _ := json.Marshal(ids)
	res, err := db.write.ExecContext(ctx, `DELETE FROM vocabularies WHERE project_id = ? AND id IN (`+db.cfg.Dialect.JSONArray("?")+`)`, projectID, string(b))
	if err != nil {
		return 0, err
	}
	m, _ := res.RowsAffected()
	return int(m), nil
}

// ListVocabularies returns matching entries, oldest first.
func (db *DB) ListVocabularies(ctx context.Context, f ttsc.VocabularyFilter) (vs []*ttsc.Vocabulary, total int, err error) {
	ctx, end := db.begin(ctx, "ListVocabularies", &err)
	defer end()
	where := []string{"v.project_id = ?"}
	args := []any{f.ProjectID}
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.Type != "" {
		add("v.type = ?", string(f.Type))
	}
	if f.GroupID != "" {
		add("v.group_id = ?", f.GroupID)
	}
	if f.AssetID != "" {
		add(`(v.group_id IS NULL OR EXISTS (SELECT 1 FROM vocabulary_groups g
			WHERE g.id = v.group_id AND ? IN (`+db.cfg.Dialect.JSONArray("g.asset_ids")+`)))`, f.AssetID)
	}
	if f.SearchKey != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.SearchKey)) + "%"
		add(`(lower(v.key) LIKE ? ESCAPE '\' OR lower(v.value) LIKE ? ESCAPE '\')`, like, like)
	}
	if !f.CreatedSince.IsZero() {
		add("v.created_at >= ?", ms(f.CreatedSince))
	}
	if !f.CreatedUntil.IsZero() {
		add("v.created_at <= ?", ms(f.CreatedUntil))
	}
	cond := strings.Join(where, " AND ")
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM vocabularies v WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = noLimit
	}
	rows, err := db.read.QueryContext(ctx, `SELECT v.id, v.project_id, v.type, v.key, v.value, COALESCE(v.group_id, ''), v.created_at, v.updated_at
		FROM vocabularies v WHERE `+cond+` ORDER BY v.created_at, v.id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var v ttsc.Vocabulary
		var typ string
		var created, updated int64
		if err := rows.Scan(&v.ID, &v.ProjectID, &typ, &v.Key, &v.Value, &v.GroupID, &created, &updated); err != nil {
			return nil, 0, err
		}
		v.Type, v.CreatedAt, v.UpdatedAt = ttsc.VocabularyType(typ), fromMS(created), fromMS(updated)
		vs = append(vs, &v)
	}
	return vs, total, rows.Err()
}

// CreateGroup stores a group.
func (db *DB) CreateGroup(ctx context.Context, g *ttsc.VocabularyGroup) (err error) {
	ctx, end := db.begin(ctx, "CreateGroup", &err)
	defer end()
	assets, _ := json.Marshal(append([]string{}, g.AssetIDs...))
	now := db.cfg.Now()
	_, err = db.write.ExecContext(ctx, `INSERT INTO vocabulary_groups (id, project_id, name, asset_ids, created_at) VALUES (?, ?, ?, ?, ?)`,
		g.ID, g.ProjectID, g.Name, string(assets), ms(now))
	if err != nil {
		return db.conflict(err, "vocabulary group %s exists", g.ID)
	}
	g.CreatedAt = fromMS(ms(now))
	return nil
}

// groupExec runs an update of one group and reports ENOTFOUND when it
// touched nothing.
func (db *DB) groupExec(ctx context.Context, id, query string, args ...any) error {
	res, err := db.write.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ttsc.Errorf(ttsc.ENOTFOUND, "vocabulary group %s not found", id)
	}
	return nil
}

// RenameGroup renames a group.
func (db *DB) RenameGroup(ctx context.Context, projectID, id, name string) (err error) {
	ctx, end := db.begin(ctx, "RenameGroup", &err)
	defer end()
	return db.groupExec(ctx, id, `UPDATE vocabulary_groups SET name = ? WHERE id = ? AND project_id = ?`, name, id, projectID)
}

// DeleteGroup removes a group and, through the foreign key, its entries.
func (db *DB) DeleteGroup(ctx context.Context, projectID, id string) (err error) {
	ctx, end := db.begin(ctx, "DeleteGroup", &err)
	defer end()
	return db.groupExec(ctx, id, `DELETE FROM vocabulary_groups WHERE id = ? AND project_id = ?`, id, projectID)
}

// SetGroupAssets replaces the voices of a group.
func (db *DB) SetGroupAssets(ctx context.Context, projectID, id string, assetIDs []string) (err error) {
	ctx, end := db.begin(ctx, "SetGroupAssets", &err)
	defer end()
	assets, _ := json.Marshal(append([]string{}, assetIDs...))
	return db.groupExec(ctx, id, `UPDATE vocabulary_groups SET asset_ids = ? WHERE id = ? AND project_id = ?`, string(assets), id, projectID)
}

// ListGroups returns the project's groups, oldest first.
func (db *DB) ListGroups(ctx context.Context, projectID, id string, offset, limit int) (gs []*ttsc.VocabularyGroup, total int, err error) {
	ctx, end := db.begin(ctx, "ListGroups", &err)
	defer end()
	cond, args := "project_id = ?", []any{projectID}
	if id != "" {
		cond, args = cond+" AND id = ?", append(args, id)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM vocabulary_groups WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = noLimit
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, project_id, name, asset_ids, created_at FROM vocabulary_groups WHERE `+cond+
		` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var g ttsc.VocabularyGroup
		var assets string
		var created int64
		if err := rows.Scan(&g.ID, &g.ProjectID, &g.Name, &assets, &created); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal([]byte(assets), &g.AssetIDs); err != nil {
			return nil, 0, err
		}
		g.CreatedAt = fromMS(created)
		gs = append(gs, &g)
	}
	return gs, total, rows.Err()
}

// SaveTenantConfig upserts a setting by key.
func (db *DB) SaveTenantConfig(ctx context.Context, c *ttsc.TenantConfig) (err error) {
	ctx, end := db.begin(ctx, "SaveTenantConfig", &err)
	defer end()
	return db.write.QueryRowContext(ctx, `INSERT INTO tenant_configs (id, project_id, key, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value RETURNING id`,
		c.ID, c.ProjectID, c.Key, c.Value).Scan(&c.ID)
}

// TenantConfigs returns the project's settings.
func (db *DB) TenantConfigs(ctx context.Context, projectID, key string) (cs []*ttsc.TenantConfig, err error) {
	ctx, end := db.begin(ctx, "TenantConfigs", &err)
	defer end()
	rows, err := db.read.QueryContext(ctx, `SELECT id, project_id, key, value FROM tenant_configs
		WHERE project_id = ? AND (? = '' OR key = ?) ORDER BY key`, projectID, key, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c ttsc.TenantConfig
		if err := rows.Scan(&c.ID, &c.ProjectID, &c.Key, &c.Value); err != nil {
			return nil, err
		}
		cs = append(cs, &c)
	}
	return cs, rows.Err()
}
