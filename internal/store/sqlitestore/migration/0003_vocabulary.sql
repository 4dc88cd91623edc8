-- Custom pronunciation: groups bind entries to voices.
CREATE TABLE vocabulary_groups (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    asset_ids   TEXT NOT NULL DEFAULT '[]', -- JSON array of voice asset IDs
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX vocabulary_groups_project ON vocabulary_groups (project_id, created_at);

CREATE TABLE vocabularies (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    group_id    TEXT REFERENCES vocabulary_groups (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX vocabularies_project ON vocabularies (project_id, created_at);

CREATE TABLE tenant_configs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    UNIQUE (project_id, key)
) STRICT;
