-- PostgreSQL schema of ttsc; the same tables as SQLite's, in one step.
-- Jobs: one row per synthesis request of any type.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    state       TEXT NOT NULL,
    voice_id    TEXT NOT NULL,
    text        TEXT NOT NULL,
    tts_text    TEXT NOT NULL DEFAULT '',
    speed       BIGINT NOT NULL,
    pitch       BIGINT NOT NULL,
    volume      BIGINT NOT NULL,
    channels    BIGINT NOT NULL,
    format      TEXT NOT NULL,
    priority    BIGINT NOT NULL,
    options     BYTEA,
    code        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    segments    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL, -- unix milliseconds, UTC
    updated_at  BIGINT NOT NULL,
    ended_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_project_created ON jobs (project_id, created_at DESC);
CREATE INDEX jobs_project_type ON jobs (project_id, type, created_at DESC);

-- Files of a job; (job_id, kind, idx) makes recording a file idempotent.
CREATE TABLE job_files (
    job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    idx          BIGINT NOT NULL,
    key          TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    duration_ms  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (job_id, kind, idx)
);

CREATE TABLE credentials (
    access_key  TEXT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX credentials_project ON credentials (project_id);

-- Tokens are kept only as SHA-256 hashes.
CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Single-use codes for the streaming API, kept only as SHA-256 hashes.
CREATE TABLE once_codes (
    hash        TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- Custom pronunciation: groups bind entries to voices.
CREATE TABLE vocabulary_groups (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    asset_ids   TEXT NOT NULL DEFAULT '[]', -- JSON array of voice asset IDs
    created_at  BIGINT NOT NULL
);
CREATE INDEX vocabulary_groups_project ON vocabulary_groups (project_id, created_at);

CREATE TABLE vocabularies (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    group_id    TEXT REFERENCES vocabulary_groups (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX vocabularies_project ON vocabularies (project_id, created_at);

CREATE TABLE tenant_configs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    UNIQUE (project_id, key)
);
