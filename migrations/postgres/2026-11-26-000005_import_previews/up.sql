-- Uploaded files waiting for an admin to look at their preview and apply them. The preview
-- remembers the bank's generation it was planned against, so a stale one is refused.
CREATE TABLE import_previews (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    base_generation BIGINT NOT NULL,
    files TEXT NOT NULL,
    applied_run_id TEXT
);
CREATE INDEX import_previews_by_created ON import_previews (created_at);
