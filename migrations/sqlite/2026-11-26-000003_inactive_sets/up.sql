-- Sets a user has switched off for study (every set is active unless listed here, so new sets
-- reach everyone without a write per user).
CREATE TABLE user_inactive_sets (
    user_id TEXT NOT NULL REFERENCES users (id),
    set_slug TEXT NOT NULL REFERENCES question_sets (slug),
    PRIMARY KEY (user_id, set_slug)
);
