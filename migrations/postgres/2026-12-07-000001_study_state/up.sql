-- The study loop's bookkeeping.
--
-- users.study_version counts the writes that change what a user's study pages show (grades,
-- undo, bury, suspend, settings). Every instance keeps that user's queue in memory and compares
-- this one number per request to know whether its copy is current. A grade bumps it first,
-- which also locks the user's row, so one user's grades are recorded one at a time, and the
-- bumped value becomes the grade's place in the review log (reviews.seq): no max(seq) + 1.
ALTER TABLE users ADD COLUMN study_version BIGINT NOT NULL DEFAULT 0;

-- Parallel grades could give two reviews of one user the same seq before; number them again in
-- their recorded order, then make a collision impossible.
UPDATE reviews SET seq = numbered.n
FROM (
    SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY seq, reviewed_at, id) AS n
    FROM reviews
) AS numbered
WHERE numbered.id = reviews.id;
UPDATE users SET study_version = COALESCE(
    (SELECT max(reviews.seq) FROM reviews WHERE reviews.user_id = users.id), 0);
DROP INDEX reviews_by_user_seq;
CREATE UNIQUE INDEX reviews_by_user_seq ON reviews (user_id, seq);
