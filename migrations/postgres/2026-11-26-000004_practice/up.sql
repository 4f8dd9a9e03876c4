-- Practice: what undo needs to restore a card exactly, the form submission that made each
-- review (a double-submitted form counts once), flagged questions, and a counter that tells
-- every instance when the bank changed (so in-memory copies of it are refreshed).
ALTER TABLE reviews ADD COLUMN submission_id TEXT;
-- The order of a user's grades (timestamps can tie), for undo and the same-day re-drill.
ALTER TABLE reviews ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN before_lapses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN before_review_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN before_last_reviewed_at TIMESTAMP;
CREATE UNIQUE INDEX reviews_by_submission ON reviews (user_id, submission_id);
CREATE INDEX reviews_by_user_day ON reviews (user_id, study_day, seq);
CREATE INDEX reviews_by_user_seq ON reviews (user_id, seq);

CREATE TABLE flags (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    question_id TEXT NOT NULL REFERENCES questions (id),
    reason TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id)
);
CREATE INDEX flags_by_created ON flags (created_at);

ALTER TABLE app_locks ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
