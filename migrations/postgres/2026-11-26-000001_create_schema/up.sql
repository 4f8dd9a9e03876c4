-- The whole product's schema. Ids are generated in Rust (UUIDs as text); times are UTC.
-- Kept identical to the PostgreSQL migration of the same name wherever both accept the SQL.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'candidate',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    day_rollover_hour INTEGER NOT NULL DEFAULT 4,
    new_per_day INTEGER NOT NULL DEFAULT 20,
    max_reviews_per_day INTEGER NOT NULL DEFAULT 200,
    new_order TEXT NOT NULL DEFAULT 'roadmap',
    interview_date DATE,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE topics (
    id TEXT PRIMARY KEY NOT NULL,
    parent_id TEXT REFERENCES topics (id),
    title TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE question_sets (
    slug TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description_md TEXT,
    description_html TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    source_path TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE questions (
    id TEXT PRIMARY KEY NOT NULL,
    question_key TEXT NOT NULL UNIQUE,
    set_slug TEXT NOT NULL REFERENCES question_sets (slug),
    local_id TEXT NOT NULL,
    topic_id TEXT NOT NULL REFERENCES topics (id),
    difficulty TEXT NOT NULL,
    kind TEXT NOT NULL,
    tags TEXT NOT NULL,
    time_limit_secs INTEGER NOT NULL,
    prompt_md TEXT NOT NULL,
    prompt_html TEXT NOT NULL,
    answer_md TEXT NOT NULL,
    answer_html TEXT NOT NULL,
    key_points TEXT NOT NULL,
    follow_ups TEXT NOT NULL,
    position INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE INDEX questions_by_set ON questions (set_slug, position);
CREATE INDEX questions_by_topic ON questions (topic_id);

CREATE TABLE cards (
    user_id TEXT NOT NULL REFERENCES users (id),
    question_id TEXT NOT NULL REFERENCES questions (id),
    repetitions INTEGER NOT NULL DEFAULT 0,
    interval_days INTEGER NOT NULL DEFAULT 0,
    easiness_hundredths INTEGER NOT NULL DEFAULT 250,
    due_day DATE,
    lapses INTEGER NOT NULL DEFAULT 0,
    review_count INTEGER NOT NULL DEFAULT 0,
    last_reviewed_at TIMESTAMP,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    buried_until DATE,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, question_id)
);
CREATE INDEX cards_by_due_day ON cards (user_id, due_day);

CREATE TABLE interviews (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    preset TEXT,
    options TEXT NOT NULL,
    seed BIGINT NOT NULL,
    timing TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    deadline_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX interviews_by_user ON interviews (user_id, started_at);

CREATE TABLE interview_items (
    id TEXT PRIMARY KEY NOT NULL,
    interview_id TEXT NOT NULL REFERENCES interviews (id),
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL REFERENCES questions (id),
    is_follow_up BOOLEAN NOT NULL DEFAULT FALSE,
    time_limit_secs INTEGER,
    started_at TIMESTAMP,
    deadline_at TIMESTAMP,
    revealed_at TIMESTAMP,
    graded_at TIMESTAMP,
    grade INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    key_points_hit TEXT NOT NULL DEFAULT '[]',
    skipped BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX interview_items_by_interview ON interview_items (interview_id, position);

-- Append-only: every grade ever given, with the card state before and after it.
CREATE TABLE reviews (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    question_id TEXT NOT NULL REFERENCES questions (id),
    grade INTEGER NOT NULL,
    source TEXT NOT NULL,
    interview_item_id TEXT REFERENCES interview_items (id),
    is_redrill BOOLEAN NOT NULL DEFAULT FALSE,
    reviewed_at TIMESTAMP NOT NULL,
    study_day DATE NOT NULL,
    time_taken_ms BIGINT NOT NULL,
    before_repetitions INTEGER NOT NULL,
    before_interval_days INTEGER NOT NULL,
    before_easiness_hundredths INTEGER NOT NULL,
    before_due_day DATE,
    after_repetitions INTEGER NOT NULL,
    after_interval_days INTEGER NOT NULL,
    after_easiness_hundredths INTEGER NOT NULL,
    after_due_day DATE,
    undone_at TIMESTAMP
);
CREATE INDEX reviews_by_user_question ON reviews (user_id, question_id, reviewed_at);

CREATE TABLE import_runs (
    id TEXT PRIMARY KEY NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    files TEXT NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    retired INTEGER NOT NULL,
    restored INTEGER NOT NULL,
    unchanged INTEGER NOT NULL
);

-- Rows that writers lock first, so that on SQLite the write lock is taken at the start of the
-- transaction (no read-then-upgrade failures) and on PostgreSQL concurrent imports queue.
CREATE TABLE app_locks (
    name TEXT PRIMARY KEY NOT NULL,
    taken_at TIMESTAMP
);
INSERT INTO app_locks (name) VALUES ('import');
