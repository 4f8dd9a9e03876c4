ALTER TABLE app_locks DROP COLUMN generation;
DROP TABLE flags;
DROP INDEX reviews_by_user_day;
DROP INDEX reviews_by_submission;
ALTER TABLE reviews DROP COLUMN before_last_reviewed_at;
ALTER TABLE reviews DROP COLUMN before_review_count;
ALTER TABLE reviews DROP COLUMN before_lapses;
ALTER TABLE reviews DROP COLUMN submission_id;
