//! The progress pages' SQL, the same for SQLite and PostgreSQL. Every query is for one user
//! (filtered by `user_id`), and none loads the user's reviews one by one except the export:
//! reviews are summed per study day in the database; cards are at most one per question.

use super::export::ReviewLine;
use super::roadmap::TopicRow;
use super::stats::{CardFacts, DayTotals, MATURE_INTERVAL_DAYS, PassCount};
use crate::db::DbConnection;
use crate::db::schema::{cards, questions, reviews, topics, users};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// The user's cards (at most one per question of the bank).
pub fn user_cards(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<CardFacts>> {
    type Row = (
        String,
        Option<NaiveDate>,
        i32,
        i32,
        bool,
        Option<NaiveDate>,
        Option<NaiveDateTime>,
        i32,
    );
    Ok(cards::table
        .filter(cards::user_id.eq(user_id))
        .select((
            cards::question_id,
            cards::due_day,
            cards::repetitions,
            cards::interval_days,
            cards::suspended,
            cards::buried_until,
            cards::last_reviewed_at,
            cards::lapses,
        ))
        .load::<Row>(conn)?
        .into_iter()
        .map(
            |(
                question_id,
                due_day,
                repetitions,
                interval_days,
                suspended,
                buried,
                last,
                lapses,
            )| {
                CardFacts {
                    question_id,
                    due_day,
                    repetitions,
                    interval_days,
                    suspended,
                    buried_until: buried,
                    last_reviewed_at: last,
                    lapses,
                }
            },
        )
        .collect())
}

/// The SQL sum of the scheduled reviews (no re-drill, not a first sight) meeting `condition`.
fn scheduled_sum(condition: &str) -> String {
    format!(
        "CAST(COALESCE(SUM(CASE WHEN NOT reviews.is_redrill AND reviews.before_due_day IS NOT NULL \
         AND {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)"
    )
}

/// The user's reviews summed per study day (undone grades left out), oldest first: one row per
/// day studied, read from the `reviews_progress_by_day` index.
pub fn day_totals(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<DayTotals>> {
    let mature = format!("reviews.before_interval_days >= {MATURE_INTERVAL_DAYS}");
    let young = format!("reviews.before_interval_days < {MATURE_INTERVAL_DAYS}");
    let rows = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::undone_at.is_null())
        .group_by(reviews::study_day)
        .select((
            reviews::study_day,
            sql::<BigInt>("COUNT(*)"),
            sql::<BigInt>("CAST(COALESCE(SUM(reviews.time_taken_ms), 0) AS BIGINT)"),
            sql::<BigInt>(&scheduled_sum(&format!("{young} AND reviews.grade >= 3"))),
            sql::<BigInt>(&scheduled_sum(&young)),
            sql::<BigInt>(&scheduled_sum(&format!("{mature} AND reviews.grade >= 3"))),
            sql::<BigInt>(&scheduled_sum(&mature)),
        ))
        .order(reviews::study_day)
        .load::<(NaiveDate, i64, i64, i64, i64, i64, i64)>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(day, reviews, time_ms, young_passed, young_total, mature_passed, mature_total)| {
                DayTotals {
                    day,
                    reviews: count(reviews),
                    time_ms,
                    young: PassCount {
                        passed: count(young_passed),
                        total: count(young_total),
                    },
                    mature: PassCount {
                        passed: count(mature_passed),
                        total: count(mature_total),
                    },
                }
            },
        )
        .collect())
}

/// The topic tree as stored.
pub fn topic_rows(conn: &mut DbConnection) -> QueryResult<Vec<TopicRow>> {
    Ok(crate::bank::queries::stored_topics(conn)?
        .into_iter()
        .map(|(id, parent_id, title, position)| TopicRow {
            id,
            parent_id,
            title,
            position,
        })
        .collect())
}

/// Every review of the user that stands (undone ones left out), oldest first, with its
/// question's set and topic (retired questions included: the log is history).
pub fn review_log(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<ReviewLine>> {
    type Row = (
        (NaiveDateTime, NaiveDate, i32, i32, i32, String, bool, i64),
        (String, String, String),
    );
    Ok(reviews::table
        .inner_join(questions::table.inner_join(topics::table))
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::undone_at.is_null())
        .order(reviews::seq)
        .select((
            (
                reviews::reviewed_at,
                reviews::study_day,
                reviews::grade,
                reviews::before_interval_days,
                reviews::after_interval_days,
                reviews::source,
                reviews::is_redrill,
                reviews::time_taken_ms,
            ),
            (questions::set_slug, questions::local_id, topics::title),
        ))
        .load::<Row>(conn)?
        .into_iter()
        .map(
            |((at, day, grade, before, after, source, redrill, ms), (set, local_id, topic))| {
                ReviewLine {
                    reviewed_at: at,
                    study_day: day,
                    question: format!("{set}/{local_id}"),
                    set,
                    topic,
                    grade,
                    interval_before: before,
                    interval_after: after,
                    source,
                    redrill,
                    time_taken_ms: ms,
                }
            },
        )
        .collect())
}

/// Sets the user's daily limit of new questions; the caller has bumped their study version in
/// the same transaction.
pub fn set_new_per_day(
    conn: &mut DbConnection,
    user_id: &str,
    new_per_day: u32,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::new_per_day.eq(i32::try_from(new_per_day).unwrap_or(i32::MAX)))
        .execute(conn)?;
    Ok(())
}
