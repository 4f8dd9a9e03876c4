DROP TABLE fsrs_parameters;
ALTER TABLE reviews DROP COLUMN after_fsrs_difficulty;
ALTER TABLE reviews DROP COLUMN after_fsrs_stability;
ALTER TABLE reviews DROP COLUMN before_fsrs_difficulty;
ALTER TABLE reviews DROP COLUMN before_fsrs_stability;
ALTER TABLE cards DROP COLUMN fsrs_difficulty;
ALTER TABLE cards DROP COLUMN fsrs_stability;
ALTER TABLE users DROP COLUMN desired_retention_percent;
ALTER TABLE users DROP COLUMN scheduler;
