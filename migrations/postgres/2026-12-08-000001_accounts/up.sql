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

-- A deleted account's flags stay for the admins, without the name.
ALTER TABLE flags ALTER COLUMN user_id DROP NOT NULL;
