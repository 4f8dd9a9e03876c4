//! Practice storage: loading today's queue, and the writes behind grade, undo, bury, suspend
//! and flag. Every write runs in one `write_transaction` on the writer connection.

use super::queue::{self, CardRow, TodaySummary};
use super::state::StudyState;
use crate::accounts::settings::{NewOrder, Settings};
use crate::bank::cache::{BankSnapshot, CachedQuestion};
use crate::db::DbConnection;
use crate::db::schema::{cards, flags, reviews, users};
use crate::scheduler::service::SchedulerServiceError;
use crate::scheduler::{DesiredRetention, SchedulerChoice};
use crate::sm2::{self, DayClock, Grade, Sm2State};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use fsrs::MemoryState;

/// Where practice grades come from in the review log.
pub const SOURCE_PRACTICE: &str = "practice";

/// A card as stored, for one user and question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardState {
    pub sm2: Sm2State,
    pub due_day: Option<NaiveDate>,
    pub lapses: i32,
    pub review_count: i32,
    pub last_reviewed_at: Option<NaiveDateTime>,
    pub suspended: bool,
    pub buried_until: Option<NaiveDate>,
    pub version: i32,
}

impl CardState {
    /// A question the user has never touched (no row yet).
    pub const UNSEEN: CardState = CardState {
        sm2: Sm2State::NEW,
        due_day: None,
        lapses: 0,
        review_count: 0,
        last_reviewed_at: None,
        suspended: false,
        buried_until: None,
        version: 0,
    };
}

type CardColumns = (
    i32,
    i32,
    i32,
    Option<NaiveDate>,
    i32,
    i32,
    Option<NaiveDateTime>,
    bool,
    Option<NaiveDate>,
    i32,
);

/// A card's schedule as stored (every column but its version): what "My data" exports and
/// what the tests compare.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Queryable)]
pub struct StoredSchedule {
    pub repetitions: i32,
    pub interval_days: i32,
    pub easiness_hundredths: i32,
    pub due_day: Option<NaiveDate>,
    pub lapses: i32,
    pub review_count: i32,
    pub last_reviewed_at: Option<NaiveDateTime>,
    pub suspended: bool,
    pub buried_until: Option<NaiveDate>,
}

/// Declares `SCHEDULE_COLUMNS` ([`StoredSchedule`]'s) and `CARD_COLUMNS` (those and the
/// version, what [`CardState`] is read from), naming each column once for both the constants'
/// types and their values.
macro_rules! card_columns {
    ($($column:ident),* $(,)?) => {
        /// The columns of a [`StoredSchedule`], in its order.
        pub const SCHEDULE_COLUMNS: ($(cards::$column,)*) = ($(cards::$column,)*);
        const CARD_COLUMNS: ($(cards::$column,)* cards::version) =
            ($(cards::$column,)* cards::version);
    };
}

card_columns!(
    repetitions,
    interval_days,
    easiness_hundredths,
    due_day,
    lapses,
    review_count,
    last_reviewed_at,
    suspended,
    buried_until,
);

fn to_u32(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl From<CardColumns> for CardState {
    fn from(row: CardColumns) -> Self {
        let (reps, interval, easiness, due_day, lapses, count, last, suspended, buried, version) =
            row;
        CardState {
            sm2: Sm2State {
                repetitions: to_u32(reps),
                interval_days: to_u32(interval),
                easiness_hundredths: to_u32(easiness),
            },
            due_day,
            lapses,
            review_count: count,
            last_reviewed_at: last,
            suspended,
            buried_until: buried,
            version,
        }
    }
}

/// The user's card for a question (a key lookup; `UNSEEN` when there is no row).
pub fn card_state(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
) -> QueryResult<CardState> {
    Ok(cards::table
        .find((user_id, question_id))
        .select(CARD_COLUMNS)
        .get_result::<CardColumns>(conn)
        .optional()?
        .map(CardState::from)
        .unwrap_or(CardState::UNSEEN))
}

/// The questions open for this user's study, in the order new ones are introduced.
pub fn candidates<'a>(
    bank: &'a BankSnapshot,
    settings: &Settings,
    user_id: &str,
    topic: Option<&str>,
) -> Vec<&'a CachedQuestion> {
    let mut open: Vec<&CachedQuestion> = bank
        .questions
        .iter()
        .filter(|q| q.set_enabled && !settings.inactive_sets.contains(&q.set_slug))
        .filter(|q| topic.is_none_or(|t| BankSnapshot::in_topic(q, t)))
        .collect();
    if settings.new_order == NewOrder::Shuffled {
        open.sort_by_cached_key(|q| queue::shuffle_key(user_id, &q.id));
    }
    open
}

/// Loads a user's study state for the study day at `now`, with queries whose cost does not grow
/// with the user's history: their settings, their cards (at most one per question), today's
/// grades summed up per question, and the grade undo would take back.
pub fn load_study_state(
    conn: &mut DbConnection,
    user_id: &str,
    version: i64,
    generation: i64,
    now: DateTime<Utc>,
) -> QueryResult<StudyState> {
    let settings = crate::accounts::service::load_settings(conn, user_id)?;
    let today = settings.day_clock().study_day(now);
    let cards = cards::table
        .filter(cards::user_id.eq(user_id))
        .select((
            cards::question_id,
            cards::due_day,
            cards::suspended,
            cards::buried_until,
            cards::version,
        ))
        .load::<(String, Option<NaiveDate>, bool, Option<NaiveDate>, i32)>(conn)?
        .into_iter()
        .map(
            |(question_id, due_day, suspended, buried_until, version)| CardRow {
                question_id,
                due_day,
                suspended,
                buried_until,
                version,
            },
        )
        .collect();
    let graded = todays_summary(conn, user_id, today)?;
    let last = last_grade(conn, user_id, today)?;
    Ok(StudyState::new(
        version, generation, settings, today, cards, graded, last,
    ))
}

/// Today's grades summed up: two counts and each question's latest grade, in order.
fn todays_summary(
    conn: &mut DbConnection,
    user_id: &str,
    today: NaiveDate,
) -> QueryResult<TodaySummary> {
    let todays = || {
        reviews::table
            .filter(reviews::user_id.eq(user_id))
            .filter(reviews::study_day.eq(today))
            .filter(reviews::undone_at.is_null())
    };
    let introduced = todays()
        .filter(reviews::is_redrill.eq(false))
        .filter(reviews::before_due_day.is_null())
        .count()
        .get_result::<i64>(conn)?;
    let reviewed = todays()
        .filter(reviews::is_redrill.eq(false))
        .filter(reviews::before_due_day.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let latest_seqs: Vec<i64> = todays()
        .group_by(reviews::question_id)
        .select(diesel::dsl::max(reviews::seq))
        .load::<Option<i64>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    let mut latest = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::seq.eq_any(&latest_seqs))
        .select((reviews::seq, reviews::question_id, reviews::grade))
        .load::<(i64, String, i32)>(conn)?;
    latest.sort_unstable_by_key(|(seq, _, _)| *seq);
    Ok(TodaySummary::from_parts(
        u32::try_from(reviewed).unwrap_or(u32::MAX),
        u32::try_from(introduced).unwrap_or(u32::MAX),
        latest
            .into_iter()
            .map(|(_, id, grade)| (id, u8::try_from(grade).unwrap_or(0)))
            .collect(),
    ))
}

/// Marks a change to what the user's study pages show, so every instance reloads its copy;
/// returns the new version. Inside a write transaction this also takes the user's row lock
/// (PostgreSQL), so one user's study writes are made one at a time.
pub fn bump_study_version(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    diesel::update(users::table.find(user_id))
        .set(users::study_version.eq(users::study_version + 1))
        .returning(users::study_version)
        .get_result::<i64>(conn)
}

/// One grade to record.
#[derive(Clone, Debug)]
pub struct GradeRequest {
    pub user_id: String,
    pub question_id: String,
    /// The card version the page was drawn from.
    pub expected_version: i32,
    pub grade: Grade,
    /// A random id per page, so a form submitted twice is recorded once.
    pub submission_id: String,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub time_taken_ms: i64,
    pub source: &'static str,
    /// The mock-interview question this grade was given in, if any.
    pub interview_item_id: Option<String>,
}

/// What a grade did to the schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GradeResult {
    pub grade: i32,
    pub is_redrill: bool,
    pub interval_days: i32,
    pub due_day: Option<NaiveDate>,
}

/// A grade just recorded, with what the in-memory study state needs to follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedGrade {
    pub question_id: String,
    pub result: GradeResult,
    pub review_id: String,
    pub source: &'static str,
    pub today: NaiveDate,
    /// The card had never been graded before.
    pub was_new: bool,
    /// The card's version after the grade.
    pub card_version: i32,
    /// The user's study version before and after this grade.
    pub study_version_before: i64,
    pub study_version_after: i64,
    /// This grade made the card a leech and suspended it (see `progress::leech`).
    pub suspended_leech: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GradeOutcome {
    Recorded(RecordedGrade),
    /// The same form arrived again: the first submission stands.
    AlreadyRecorded(GradeResult),
    /// The card changed since the page was drawn (another tab graded it).
    Stale,
}

/// Records a grade: SM-2 moves the card on (a re-drill on the same day leaves the schedule
/// alone), and the review log keeps the state before and after.
pub fn grade(conn: &mut DbConnection, request: &GradeRequest) -> QueryResult<GradeOutcome> {
    // A grade that records nothing (a stale page, a form sent again) rolls back, so it leaves
    // the user's study version alone and no instance reloads its copy for nothing.
    let written = crate::db::write_transaction(conn, |conn| {
        match grade_within_transaction(conn, request)? {
            recorded @ GradeOutcome::Recorded(_) => Ok(recorded),
            unrecorded => Err(Unrecorded::Outcome(unrecorded)),
        }
    });
    match written {
        Ok(outcome) | Err(Unrecorded::Outcome(outcome)) => Ok(outcome),
        // The submission id is unique per user: a form whose id was recorded already (for
        // another question, so the card check above did not catch it) counts as recorded.
        Err(Unrecorded::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ))) if info.constraint_name() == Some("reviews_by_submission")
            || info.message().contains("submission_id") =>
        {
            match review_by_submission(conn, request)? {
                Some(existing) => Ok(GradeOutcome::AlreadyRecorded(existing)),
                None => Ok(GradeOutcome::Stale),
            }
        }
        Err(Unrecorded::Db(e)) => Err(e),
    }
}

/// Why [`grade`]'s transaction rolled back.
enum Unrecorded {
    Outcome(GradeOutcome),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Unrecorded {
    fn from(e: diesel::result::Error) -> Self {
        Unrecorded::Db(e)
    }
}

/// [`grade`] for a caller that already holds the write transaction (a mock interview records
/// its own row in the same one).
///
/// The user's row is locked first (by bumping their study version), so of two grades of one
/// user the second waits for the first to commit and then sees it: a form sent twice finds the
/// card moved on and its own first submission, and answers as that did; and the bumped version
/// orders the review log without a `max(seq) + 1` that parallel grades could both read.
pub fn grade_within_transaction(
    conn: &mut DbConnection,
    request: &GradeRequest,
) -> QueryResult<GradeOutcome> {
    // Bumping the version reads the user's scheduler in the same statement.
    let (study_version, scheduler, retention) = diesel::update(users::table.find(&request.user_id))
        .set(users::study_version.eq(users::study_version + 1))
        .returning((
            users::study_version,
            users::scheduler,
            users::desired_retention_percent,
        ))
        .get_result::<(i64, String, i32)>(conn)?;
    let scheduler = SchedulerChoice::parse(&scheduler).unwrap_or_default();
    let retention = DesiredRetention::from_stored(retention);
    let stored = cards::table
        .find((&request.user_id, &request.question_id))
        .select((
            CARD_COLUMNS,
            (cards::fsrs_stability, cards::fsrs_difficulty),
        ))
        .get_result::<(CardColumns, (Option<f32>, Option<f32>))>(conn)
        .optional()?;
    let before_memory = stored
        .and_then(|(_, (s, d))| s.zip(d))
        .map(|(stability, difficulty)| MemoryState {
            stability,
            difficulty,
        });
    let before = match stored.map(|(row, _)| row) {
        Some(row) => CardState::from(row),
        None => {
            diesel::insert_into(cards::table)
                .values((
                    cards::user_id.eq(&request.user_id),
                    cards::question_id.eq(&request.question_id),
                ))
                .execute(conn)?;
            CardState::UNSEEN
        }
    };
    if before.version != request.expected_version {
        // The page is out of date. If this very form was recorded before (sent twice), the
        // first submission moved the card on: answer as it did.
        return Ok(match review_by_submission(conn, request)? {
            Some(existing) => GradeOutcome::AlreadyRecorded(existing),
            None => GradeOutcome::Stale,
        });
    }
    // SM-2's same-day drill of failed cards does not touch the schedule. (A new card cannot
    // have been graded today: it would have a due day.)
    let is_redrill = before.due_day.is_some()
        && diesel::select(diesel::dsl::exists(
            reviews::table
                .filter(reviews::user_id.eq(&request.user_id))
                .filter(reviews::question_id.eq(&request.question_id))
                .filter(reviews::study_day.eq(request.today))
                .filter(reviews::undone_at.is_null()),
        ))
        .get_result::<bool>(conn)?;
    // The SM-2 columns follow every grade under either scheduler, so switching back to SM-2
    // continues from them; the chosen scheduler sets the due day.
    let (after_sm2, after_due, lapses, after_memory, interval_days) = if is_redrill {
        // A re-drill moves no schedule; the number is only stored, never shown.
        (
            before.sm2,
            before.due_day,
            before.lapses,
            before_memory,
            before.sm2.interval_days,
        )
    } else {
        let next = sm2::review(before.sm2, request.grade);
        let lapses = before.lapses + i32::from(!request.grade.is_pass());
        match scheduler {
            SchedulerChoice::Sm2 => {
                let due = DayClock::due_day(request.today, next.interval_days);
                (next, Some(due), lapses, None, next.interval_days)
            }
            SchedulerChoice::Fsrs => {
                let (memory, interval) =
                    fsrs_step(conn, request, &before, before_memory, retention)
                        .map_err(scheduler_error)?;
                let due = DayClock::due_day(request.today, interval);
                (next, Some(due), lapses, Some(memory), interval)
            }
        }
    };
    // The 8th failure (and every 4th after) suspends the card as a leech; the review records
    // it, so undoing the grade takes the suspension back.
    let suspended_leech = lapses != before.lapses
        && !before.suspended
        && crate::progress::leech::failure_suspends(lapses);
    let card_version = request.expected_version + 1;
    let updated = diesel::update(
        cards::table
            .find((&request.user_id, &request.question_id))
            .filter(cards::version.eq(request.expected_version)),
    )
    .set((
        cards::repetitions.eq(to_i32(after_sm2.repetitions)),
        cards::interval_days.eq(to_i32(after_sm2.interval_days)),
        cards::easiness_hundredths.eq(to_i32(after_sm2.easiness_hundredths)),
        cards::due_day.eq(after_due),
        cards::lapses.eq(lapses),
        cards::review_count.eq(before.review_count + 1),
        cards::last_reviewed_at.eq(Some(request.now)),
        cards::suspended.eq(before.suspended || suspended_leech),
        cards::version.eq(card_version),
        cards::fsrs_stability.eq(after_memory.map(|m| m.stability)),
        cards::fsrs_difficulty.eq(after_memory.map(|m| m.difficulty)),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Ok(GradeOutcome::Stale);
    }
    let review_id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(&review_id),
            reviews::seq.eq(study_version),
            reviews::user_id.eq(&request.user_id),
            reviews::question_id.eq(&request.question_id),
            reviews::grade.eq(i32::from(request.grade.value())),
            reviews::source.eq(request.source),
            reviews::is_redrill.eq(is_redrill),
            reviews::reviewed_at.eq(request.now),
            reviews::study_day.eq(request.today),
            reviews::time_taken_ms.eq(request.time_taken_ms),
            (
                reviews::before_repetitions.eq(to_i32(before.sm2.repetitions)),
                reviews::before_interval_days.eq(to_i32(before.sm2.interval_days)),
                reviews::before_easiness_hundredths.eq(to_i32(before.sm2.easiness_hundredths)),
                reviews::before_due_day.eq(before.due_day),
                reviews::before_lapses.eq(before.lapses),
                reviews::before_review_count.eq(before.review_count),
                reviews::before_last_reviewed_at.eq(before.last_reviewed_at),
            ),
            (
                reviews::after_repetitions.eq(to_i32(after_sm2.repetitions)),
                reviews::after_interval_days.eq(to_i32(after_sm2.interval_days)),
                reviews::after_easiness_hundredths.eq(to_i32(after_sm2.easiness_hundredths)),
                reviews::after_due_day.eq(after_due),
            ),
            reviews::submission_id.eq(Some(&request.submission_id)),
            reviews::interview_item_id.eq(request.interview_item_id.as_deref()),
            reviews::suspended_leech.eq(suspended_leech),
            (
                reviews::before_fsrs_stability.eq(before_memory.map(|m| m.stability)),
                reviews::before_fsrs_difficulty.eq(before_memory.map(|m| m.difficulty)),
                reviews::after_fsrs_stability.eq(after_memory.map(|m| m.stability)),
                reviews::after_fsrs_difficulty.eq(after_memory.map(|m| m.difficulty)),
            ),
        ))
        .execute(conn)?;
    Ok(GradeOutcome::Recorded(RecordedGrade {
        question_id: request.question_id.clone(),
        result: GradeResult {
            grade: i32::from(request.grade.value()),
            is_redrill,
            interval_days: to_i32(interval_days),
            due_day: after_due,
        },
        review_id,
        source: request.source,
        today: request.today,
        was_new: before.due_day.is_none(),
        card_version,
        study_version_before: study_version - 1,
        study_version_after: study_version,
        suspended_leech,
    }))
}

/// One FSRS step for a graded card: the crate's `next_states` from the stored memory state and
/// the days since the card's last scheduled review, with the user's parameters and retention.
fn fsrs_step(
    conn: &mut DbConnection,
    request: &GradeRequest,
    before: &CardState,
    before_memory: Option<MemoryState>,
    retention: DesiredRetention,
) -> Result<(MemoryState, u32), SchedulerServiceError> {
    let model = crate::scheduler::service::load_model(conn, &request.user_id, retention)?;
    let last_day = if before.due_day.is_some() {
        crate::scheduler::service::last_scheduled_day(conn, &request.user_id, &request.question_id)?
    } else {
        None
    };
    let elapsed = last_day.map_or(0, |day| {
        crate::scheduler::core::days_between(day, request.today)
    });
    Ok(model.step(before_memory, elapsed, request.grade)?)
}

/// A scheduler failure inside the grade's transaction rolls it back, its cause kept for the
/// log.
fn scheduler_error(e: SchedulerServiceError) -> diesel::result::Error {
    match e {
        SchedulerServiceError::Db(e) => e,
        other => diesel::result::Error::QueryBuilderError(Box::new(other)),
    }
}

/// The interval a grade scheduled, as the user saw it: from the review's day to the due day it
/// set, whichever scheduler set it. (`after_interval_days` holds SM-2's interval, which undo
/// restores and which differs under FSRS; for SM-2 both give the same number.)
/// A same-day re-drill moves no schedule, so it keeps the stored number (pages say "schedule
/// unchanged" for it).
fn scheduled_interval(
    study_day: NaiveDate,
    due_day: Option<NaiveDate>,
    sm2_interval: i32,
    is_redrill: bool,
) -> i32 {
    match due_day {
        Some(due) if !is_redrill => i32::try_from((due - study_day).num_days()).unwrap_or(i32::MAX),
        _ => sm2_interval,
    }
}

fn review_by_submission(
    conn: &mut DbConnection,
    request: &GradeRequest,
) -> QueryResult<Option<GradeResult>> {
    Ok(reviews::table
        .filter(reviews::user_id.eq(&request.user_id))
        .filter(reviews::submission_id.eq(&request.submission_id))
        .select((
            reviews::grade,
            reviews::is_redrill,
            reviews::study_day,
            reviews::after_interval_days,
            reviews::after_due_day,
        ))
        .get_result::<(i32, bool, NaiveDate, i32, Option<NaiveDate>)>(conn)
        .optional()?
        .map(
            |(grade, is_redrill, study_day, sm2_interval, due_day)| GradeResult {
                grade,
                is_redrill,
                interval_days: scheduled_interval(study_day, due_day, sm2_interval, is_redrill),
                due_day,
            },
        ))
}

/// Creates the user's card for a question if it has none yet (a new card, version 0). Called
/// with the user's row locked (see [`bump_study_version`]), so no other transaction can be
/// creating the same card meanwhile.
fn ensure_card(conn: &mut DbConnection, user_id: &str, question_id: &str) -> QueryResult<()> {
    let exists = cards::table
        .find((user_id, question_id))
        .select(cards::version)
        .get_result::<i32>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(cards::table)
            .values((
                cards::user_id.eq(user_id),
                cards::question_id.eq(question_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The grade that undo would take back: the user's latest practice grade of the study day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastGrade {
    pub review_id: String,
    pub question_id: String,
    pub grade: i32,
    pub is_redrill: bool,
    pub interval_days: i32,
    pub due_day: Option<NaiveDate>,
}

pub fn last_grade(
    conn: &mut DbConnection,
    user_id: &str,
    today: NaiveDate,
) -> QueryResult<Option<LastGrade>> {
    Ok(reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::study_day.eq(today))
        .filter(reviews::source.eq(SOURCE_PRACTICE))
        .filter(reviews::undone_at.is_null())
        .order(reviews::seq.desc())
        .select((
            reviews::id,
            reviews::question_id,
            reviews::grade,
            reviews::is_redrill,
            reviews::after_interval_days,
            reviews::after_due_day,
        ))
        .limit(1)
        .load::<(String, String, i32, bool, i32, Option<NaiveDate>)>(conn)?
        .into_iter()
        .next()
        .map(
            |(review_id, question_id, grade, is_redrill, sm2_interval, due_day)| LastGrade {
                review_id,
                question_id,
                grade,
                is_redrill,
                interval_days: scheduled_interval(today, due_day, sm2_interval, is_redrill),
                due_day,
            },
        ))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UndoOutcome {
    /// The card is back as it was before the grade; the question can be graded again.
    Undone {
        question_id: String,
    },
    NothingToUndo,
    /// The card changed after that grade (e.g. buried), so the grade is left in place.
    CardChanged,
}

/// Takes back the latest practice grade of the day: the card gets exactly its earlier state
/// and the log entry is marked undone (kept, for the record).
pub fn undo_last(
    conn: &mut DbConnection,
    user_id: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<UndoOutcome> {
    crate::db::write_transaction(conn, |conn| {
        bump_study_version(conn, user_id)?;
        let Some(last) = last_grade(conn, user_id, today)? else {
            return Ok(UndoOutcome::NothingToUndo);
        };
        type Before = (
            (i32, i32, i32, Option<NaiveDate>),
            (i32, i32, Option<NaiveDateTime>),
            (i32, i32, i32, Option<NaiveDate>),
            bool,
        );
        let (before, counts, after, suspended_leech): Before = reviews::table
            .find(&last.review_id)
            .select((
                (
                    reviews::before_repetitions,
                    reviews::before_interval_days,
                    reviews::before_easiness_hundredths,
                    reviews::before_due_day,
                ),
                (
                    reviews::before_lapses,
                    reviews::before_review_count,
                    reviews::before_last_reviewed_at,
                ),
                (
                    reviews::after_repetitions,
                    reviews::after_interval_days,
                    reviews::after_easiness_hundredths,
                    reviews::after_due_day,
                ),
                reviews::suspended_leech,
            ))
            .get_result(conn)?;
        type Memories = (Option<f32>, Option<f32>, Option<f32>, Option<f32>);
        let (before_stability, before_difficulty, after_stability, after_difficulty): Memories =
            reviews::table
                .find(&last.review_id)
                .select((
                    reviews::before_fsrs_stability,
                    reviews::before_fsrs_difficulty,
                    reviews::after_fsrs_stability,
                    reviews::after_fsrs_difficulty,
                ))
                .get_result(conn)?;
        let current = card_state(conn, user_id, &last.question_id)?;
        let current_memory = cards::table
            .find((user_id, &last.question_id))
            .select((cards::fsrs_stability, cards::fsrs_difficulty))
            .get_result::<(Option<f32>, Option<f32>)>(conn)?;
        let current_schedule = (
            to_i32(current.sm2.repetitions),
            to_i32(current.sm2.interval_days),
            to_i32(current.sm2.easiness_hundredths),
            current.due_day,
        );
        // A grade that suspended the card as a leech left it suspended; any other suspension
        // (or a burial) came after the grade.
        // (A scheduler switch since the grade changed the due day or the memory state.)
        if current_schedule != after
            || current_memory != (after_stability, after_difficulty)
            || current.suspended != suspended_leech
            || current.buried_until.is_some()
        {
            return Ok(UndoOutcome::CardChanged);
        }
        diesel::update(cards::table.find((user_id, &last.question_id)))
            .set((
                cards::repetitions.eq(before.0),
                cards::interval_days.eq(before.1),
                cards::easiness_hundredths.eq(before.2),
                cards::due_day.eq(before.3),
                cards::lapses.eq(counts.0),
                cards::review_count.eq(counts.1),
                cards::last_reviewed_at.eq(counts.2),
                cards::suspended.eq(false),
                cards::fsrs_stability.eq(before_stability),
                cards::fsrs_difficulty.eq(before_difficulty),
                // A page drawn before the undo must not grade on top of it.
                cards::version.eq(current.version + 1),
            ))
            .execute(conn)?;
        diesel::update(reviews::table.find(&last.review_id))
            .set(reviews::undone_at.eq(Some(now)))
            .execute(conn)?;
        Ok(UndoOutcome::Undone {
            question_id: last.question_id,
        })
    })
}

/// Hides a card until the next study day begins.
pub fn bury(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
    today: NaiveDate,
) -> QueryResult<()> {
    let tomorrow = DayClock::due_day(today, 1);
    change_card(conn, user_id, question_id, |conn, key| {
        diesel::update(cards::table.find(key))
            .set((
                cards::buried_until.eq(Some(tomorrow)),
                cards::version.eq(cards::version + 1),
            ))
            .execute(conn)
    })
}

/// Takes a card out of study until it is unsuspended (or puts it back).
pub fn set_suspended(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
    suspended: bool,
) -> QueryResult<()> {
    change_card(conn, user_id, question_id, |conn, key| {
        diesel::update(cards::table.find(key))
            .set((
                cards::suspended.eq(suspended),
                cards::version.eq(cards::version + 1),
            ))
            .execute(conn)
    })
}

fn change_card(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
    change: impl FnOnce(&mut DbConnection, (&str, &str)) -> QueryResult<usize>,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        bump_study_version(conn, user_id)?;
        ensure_card(conn, user_id, question_id)?;
        change(conn, (user_id, question_id))?;
        Ok(())
    })
}

/// Stores a candidate's report that a question is wrong or unclear, for the admins.
pub fn flag(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
    report: &super::flag::FlagReport,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(flags::table)
        .values((
            flags::id.eq(uuid::Uuid::new_v4().to_string()),
            flags::user_id.eq(user_id),
            flags::question_id.eq(question_id),
            flags::reason.eq(report.reason.as_str()),
            flags::comment.eq(&report.comment),
            flags::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One line of a user's grade history for a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub reviewed_at: NaiveDateTime,
    pub study_day: NaiveDate,
    pub grade: i32,
    pub source: String,
    pub is_redrill: bool,
    pub interval_days: i32,
    pub undone: bool,
}

/// Every grade the user gave this question, newest first.
pub fn history(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
) -> QueryResult<Vec<HistoryEntry>> {
    Ok(reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::question_id.eq(question_id))
        .order(reviews::seq.desc())
        .select((
            reviews::reviewed_at,
            reviews::study_day,
            reviews::grade,
            reviews::source,
            reviews::is_redrill,
            (reviews::after_interval_days, reviews::after_due_day),
            reviews::undone_at,
        ))
        .load::<(
            NaiveDateTime,
            NaiveDate,
            i32,
            String,
            bool,
            (i32, Option<NaiveDate>),
            Option<NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(
            |(reviewed_at, study_day, grade, source, is_redrill, (sm2_interval, due), undone)| {
                HistoryEntry {
                    reviewed_at,
                    study_day,
                    grade,
                    source,
                    is_redrill,
                    interval_days: scheduled_interval(study_day, due, sm2_interval, is_redrill),
                    undone: undone.is_some(),
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::scheduled_interval;
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn the_interval_shown_is_the_distance_to_the_due_day_the_grade_set() {
        // SM-2 stored 6 days and set the due day 6 days on: the same number.
        assert_eq!(scheduled_interval(day(1), Some(day(7)), 6, false), 6);
        // FSRS set the due day 11 days on while SM-2's column says 6: the user saw 11.
        assert_eq!(scheduled_interval(day(1), Some(day(12)), 6, false), 11);
        // A re-drill moved nothing: the stored number stays.
        assert_eq!(scheduled_interval(day(1), Some(day(12)), 6, true), 6);
        assert_eq!(scheduled_interval(day(1), None, 0, false), 0);
    }
}
