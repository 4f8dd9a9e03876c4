DELETE FROM flags WHERE user_id IS NULL;
ALTER TABLE flags ALTER COLUMN user_id SET NOT NULL;
DROP TABLE password_resets;
