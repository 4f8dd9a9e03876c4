-- Accounts for real life: admin-made password reset links, and deleting an account.
--
-- One reset link per user at most (making a new one replaces, and so voids, the old). The link
-- carries a random token; only its SHA-256 is stored, so a copy of the database cannot be used
-- to reset anyone's password.
CREATE TABLE password_resets (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- A deleted account's flags stay for the admins, without the name. SQLite cannot drop a NOT
-- NULL, so the table is rebuilt (nothing references it).
CREATE TABLE flags_new (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT REFERENCES users (id),
    question_id TEXT NOT NULL REFERENCES questions (id),
    reason TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id)
);
INSERT INTO flags_new (id, user_id, question_id, reason, comment, created_at, resolved_at, resolved_by)
    SELECT id, user_id, question_id, reason, comment, created_at, resolved_at, resolved_by FROM flags;
DROP TABLE flags;
ALTER TABLE flags_new RENAME TO flags;
CREATE INDEX flags_by_created ON flags (created_at);
