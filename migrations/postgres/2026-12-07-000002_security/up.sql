-- Which browser a session belongs to (a short summary of its User-Agent, such as "Firefox on
-- Linux"), so the settings page can list a user's sessions.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
