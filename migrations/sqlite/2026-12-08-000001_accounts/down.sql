CREATE TABLE flags_old (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    question_id TEXT NOT NULL REFERENCES questions (id),
    reason TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id)
);
INSERT INTO flags_old (id, user_id, question_id, reason, comment, created_at, resolved_at, resolved_by)
    SELECT id, user_id, question_id, reason, comment, created_at, resolved_at, resolved_by FROM flags
    WHERE user_id IS NOT NULL;
DROP TABLE flags;
ALTER TABLE flags_old RENAME TO flags;
CREATE INDEX flags_by_created ON flags (created_at);
DROP TABLE password_resets;
