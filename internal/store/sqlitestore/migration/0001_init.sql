-- Jobs: one row per synthesis request of any type.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    state       TEXT NOT NULL,
    voice_id    TEXT NOT NULL,
    text        TEXT NOT NULL,
    tts_text    TEXT NOT NULL DEFAULT '',
    speed       INTEGER NOT NULL,
    pitch       INTEGER NOT NULL,
    volume      INTEGER NOT NULL,
    channels    INTEGER NOT NULL,
    format      TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    options     BLOB,
    code        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    segments    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL, -- unix milliseconds, UTC
    updated_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX jobs_project_created ON jobs (project_id, created_at DESC);
CREATE INDEX jobs_project_type ON jobs (project_id, type, created_at DESC);

-- Files of a job; (job_id, kind, idx) makes recording a file idempotent.
CREATE TABLE job_files (
    job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    key          TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (job_id, kind, idx)
) STRICT;

CREATE TABLE credentials (
    access_key  TEXT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX credentials_project ON credentials (project_id);

-- Tokens are kept only as SHA-256 hashes.
CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
