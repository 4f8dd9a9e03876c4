-- Progress and leeches.
--
-- reviews.suspended_leech: this grade was a card's 8th failure (or a later 4th one) and
-- suspended it as a leech, so undoing the grade takes the suspension back too.
ALTER TABLE reviews ADD COLUMN suspended_leech BOOLEAN NOT NULL DEFAULT FALSE;

-- The progress page sums a user's reviews per study day (count, time, passes of young and
-- mature cards) over their whole history; this index holds every column that needs, so the
-- sums are read from the index alone instead of one table row per review.
CREATE INDEX reviews_progress_by_day ON reviews (
    user_id, study_day, undone_at, is_redrill, before_due_day, before_interval_days, grade,
    time_taken_ms
);
