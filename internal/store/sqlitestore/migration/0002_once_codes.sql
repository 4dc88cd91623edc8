-- Single-use codes for the streaming API, kept only as SHA-256 hashes.
CREATE TABLE once_codes (
    hash        TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
