-- Server-side sign-in sessions. The cookie holds a random token; only its SHA-256 is stored,
-- so a copy of the database cannot be used to sign in.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-in attempts, by username and by client address, for rate limiting across all
-- instances of the service.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, failed_at);
