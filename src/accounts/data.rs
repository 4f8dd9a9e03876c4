//! "My data": everything the service holds about a user, as one JSON document (settings and
//! the chosen scheduler with any trained FSRS parameters, cards with their schedule and FSRS
//! memory state, every review, interviews with their items, flags, sessions).
//! Questions are named by their key (`set/id`), which survives re-imports.

use crate::db::DbConnection;
use crate::db::schema::{
    cards, flags, fsrs_parameters, interview_items, interviews, questions, reviews, sessions, users,
};
use crate::practice::service::{SCHEDULE_COLUMNS, StoredSchedule};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// The whole download.
#[derive(Debug, Serialize)]
pub struct UserData {
    /// Bumped if the layout ever changes.
    pub format: u32,
    pub exported_at: NaiveDateTime,
    pub account: Account,
    pub settings: SettingsData,
    pub cards: Vec<CardData>,
    pub reviews: Vec<ReviewData>,
    pub interviews: Vec<InterviewData>,
    pub flags: Vec<FlagData>,
    pub sessions: Vec<SessionData>,
}

#[derive(Debug, Serialize, Queryable)]
pub struct Account {
    pub username: String,
    pub role: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct SettingsData {
    pub new_per_day: u32,
    pub max_reviews_per_day: u32,
    pub timezone: String,
    pub day_rollover_hour: u8,
    pub new_order: String,
    pub interview_date: Option<NaiveDate>,
    /// Sets switched off for study (every other set is studied).
    pub inactive_sets: Vec<String>,
    /// `sm2` or `fsrs`.
    pub scheduler: String,
    pub desired_retention_percent: i32,
    /// The FSRS parameters fitted to this user's reviews, as stored (JSON), if trained.
    pub fsrs_parameters: Option<String>,
    pub fsrs_trained_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize)]
pub struct CardData {
    pub question: String,
    #[serde(flatten)]
    pub schedule: StoredSchedule,
    /// FSRS's memory state (set while the user is on FSRS).
    pub fsrs_stability: Option<f32>,
    pub fsrs_difficulty: Option<f32>,
}

#[derive(Debug, Serialize, Queryable)]
pub struct ReviewData {
    pub question: String,
    pub grade: i32,
    /// `practice` or `interview`.
    pub source: String,
    pub interview_item_id: Option<String>,
    pub is_redrill: bool,
    pub reviewed_at: NaiveDateTime,
    pub study_day: NaiveDate,
    pub time_taken_ms: i64,
    pub before_repetitions: i32,
    pub before_interval_days: i32,
    pub before_easiness_hundredths: i32,
    pub before_due_day: Option<NaiveDate>,
    pub after_repetitions: i32,
    pub after_interval_days: i32,
    pub after_easiness_hundredths: i32,
    pub after_due_day: Option<NaiveDate>,
    /// Set when the grade was undone (it then no longer counts).
    pub undone_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize)]
pub struct InterviewData {
    pub id: String,
    pub preset: Option<String>,
    /// The choices it was set up with, as stored (JSON).
    pub options: String,
    pub timing: String,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub deadline_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub items: Vec<ItemData>,
}

#[derive(Debug, Serialize, Queryable)]
pub struct ItemData {
    pub id: String,
    pub position: i32,
    pub question: String,
    pub is_follow_up: bool,
    pub time_limit_secs: Option<i32>,
    pub started_at: Option<NaiveDateTime>,
    pub deadline_at: Option<NaiveDateTime>,
    pub revealed_at: Option<NaiveDateTime>,
    pub graded_at: Option<NaiveDateTime>,
    pub grade: Option<i32>,
    pub notes: String,
    /// The key points ticked, as stored (JSON).
    pub key_points_hit: String,
    pub skipped: bool,
}

#[derive(Debug, Serialize, Queryable)]
pub struct FlagData {
    pub question: String,
    pub reason: String,
    pub comment: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize, Queryable)]
pub struct SessionData {
    pub browser: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Everything stored about `user_id`, read in one transaction so the parts agree.
pub fn export(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> QueryResult<UserData> {
    conn.transaction(|conn| {
        let account = users::table
            .find(user_id)
            .select((users::username, users::role, users::created_at))
            .get_result::<Account>(conn)?;
        let stored = super::service::load_settings(conn, user_id)?;
        let mut inactive_sets: Vec<String> = stored.inactive_sets.into_iter().collect();
        inactive_sets.sort();
        let (scheduler, desired_retention_percent) = users::table
            .find(user_id)
            .select((users::scheduler, users::desired_retention_percent))
            .get_result::<(String, i32)>(conn)?;
        let (fsrs_parameters, fsrs_trained_at) = fsrs_parameters::table
            .find(user_id)
            .select((fsrs_parameters::parameters, fsrs_parameters::trained_at))
            .get_result::<(Option<String>, Option<NaiveDateTime>)>(conn)
            .optional()?
            .unwrap_or_default();
        let settings = SettingsData {
            new_per_day: stored.new_per_day,
            max_reviews_per_day: stored.max_reviews_per_day,
            timezone: stored.timezone.name().to_owned(),
            day_rollover_hour: stored.rollover_hour,
            new_order: stored.new_order.as_str().to_owned(),
            interview_date: stored.interview_date,
            inactive_sets,
            scheduler,
            desired_retention_percent,
            fsrs_parameters,
            fsrs_trained_at,
        };
        let cards: Vec<CardData> = cards::table
            .inner_join(questions::table)
            .filter(cards::user_id.eq(user_id))
            .order(questions::question_key)
            .select((
                questions::question_key,
                SCHEDULE_COLUMNS,
                (cards::fsrs_stability, cards::fsrs_difficulty),
            ))
            .load::<(String, StoredSchedule, (Option<f32>, Option<f32>))>(conn)?
            .into_iter()
            .map(
                |(question, schedule, (fsrs_stability, fsrs_difficulty))| CardData {
                    question,
                    schedule,
                    fsrs_stability,
                    fsrs_difficulty,
                },
            )
            .collect();
        let reviews = reviews::table
            .inner_join(questions::table)
            .filter(reviews::user_id.eq(user_id))
            .order((reviews::seq, reviews::reviewed_at, reviews::id))
            .select((
                questions::question_key,
                reviews::grade,
                reviews::source,
                reviews::interview_item_id,
                reviews::is_redrill,
                reviews::reviewed_at,
                reviews::study_day,
                reviews::time_taken_ms,
                reviews::before_repetitions,
                reviews::before_interval_days,
                reviews::before_easiness_hundredths,
                reviews::before_due_day,
                reviews::after_repetitions,
                reviews::after_interval_days,
                reviews::after_easiness_hundredths,
                reviews::after_due_day,
                reviews::undone_at,
            ))
            .load::<ReviewData>(conn)?;
        let heads = interviews::table
            .filter(interviews::user_id.eq(user_id))
            .order((interviews::started_at, interviews::id))
            .select((
                interviews::id,
                interviews::preset,
                interviews::options,
                interviews::timing,
                interviews::status,
                interviews::started_at,
                interviews::deadline_at,
                interviews::finished_at,
            ))
            .load::<InterviewHead>(conn)?;
        let ids: Vec<&String> = heads.iter().map(|h| &h.0).collect();
        let items = interview_items::table
            .inner_join(questions::table)
            .filter(interview_items::interview_id.eq_any(ids))
            .order((interview_items::interview_id, interview_items::position))
            .select((
                interview_items::interview_id,
                (
                    interview_items::id,
                    interview_items::position,
                    questions::question_key,
                    interview_items::is_follow_up,
                    interview_items::time_limit_secs,
                    interview_items::started_at,
                    interview_items::deadline_at,
                    interview_items::revealed_at,
                    interview_items::graded_at,
                    interview_items::grade,
                    interview_items::notes,
                    interview_items::key_points_hit,
                    interview_items::skipped,
                ),
            ))
            .load::<(String, ItemData)>(conn)?;
        let mut items_of: std::collections::HashMap<String, Vec<ItemData>> =
            std::collections::HashMap::new();
        for (interview_id, item) in items {
            items_of.entry(interview_id).or_default().push(item);
        }
        let interviews = heads
            .into_iter()
            .map(|head| InterviewData {
                items: items_of.remove(&head.0).unwrap_or_default(),
                id: head.0,
                preset: head.1,
                options: head.2,
                timing: head.3,
                status: head.4,
                started_at: head.5,
                deadline_at: head.6,
                finished_at: head.7,
            })
            .collect();
        let flags = flags::table
            .inner_join(questions::table)
            .filter(flags::user_id.eq(user_id))
            .order((flags::created_at, flags::id))
            .select((
                questions::question_key,
                flags::reason,
                flags::comment,
                flags::created_at,
                flags::resolved_at,
            ))
            .load::<FlagData>(conn)?;
        let sessions = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::expires_at.gt(now))
            .order(sessions::created_at)
            .select((
                sessions::user_agent,
                sessions::created_at,
                sessions::last_seen_at,
                sessions::expires_at,
            ))
            .load::<SessionData>(conn)?;
        Ok(UserData {
            format: 1,
            exported_at: now,
            account,
            settings,
            cards,
            reviews,
            interviews,
            flags,
            sessions,
        })
    })
}

/// An interview's own columns, before its items are attached.
type InterviewHead = (
    String,
    Option<String>,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);
