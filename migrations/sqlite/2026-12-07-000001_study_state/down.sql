DROP INDEX reviews_by_user_seq;
CREATE INDEX reviews_by_user_seq ON reviews (user_id, seq);
ALTER TABLE users DROP COLUMN study_version;
