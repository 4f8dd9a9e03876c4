-- FSRS beside SM-2: a per-user choice of scheduler and target retention, each card's FSRS
-- memory state (kept while FSRS schedules the user; NULL otherwise), the state before and after
-- each grade in the review log (so undo restores it), and each user's trained parameters and
-- training job. The SM-2 columns stay up to date under either scheduler.
ALTER TABLE users ADD COLUMN scheduler TEXT NOT NULL DEFAULT 'sm2';
ALTER TABLE users ADD COLUMN desired_retention_percent INTEGER NOT NULL DEFAULT 90;

ALTER TABLE cards ADD COLUMN fsrs_stability REAL;
ALTER TABLE cards ADD COLUMN fsrs_difficulty REAL;

ALTER TABLE reviews ADD COLUMN before_fsrs_stability REAL;
ALTER TABLE reviews ADD COLUMN before_fsrs_difficulty REAL;
ALTER TABLE reviews ADD COLUMN after_fsrs_stability REAL;
ALTER TABLE reviews ADD COLUMN after_fsrs_difficulty REAL;

-- One row per user once they train: the fitted parameters (comma-separated), or a running or
-- failed job with its progress.
CREATE TABLE fsrs_parameters (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    parameters TEXT,
    trained_at TIMESTAMP,
    trained_reviews INTEGER NOT NULL DEFAULT 0,
    job_status TEXT NOT NULL DEFAULT 'idle',
    job_progress_percent INTEGER NOT NULL DEFAULT 0,
    job_message TEXT NOT NULL DEFAULT '',
    job_started_at TIMESTAMP
);
