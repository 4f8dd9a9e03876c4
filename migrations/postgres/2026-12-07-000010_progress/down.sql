DROP INDEX reviews_progress_by_day;
ALTER TABLE reviews DROP COLUMN suspended_leech;
