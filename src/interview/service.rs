//! Mock-interview storage: creating one, the clock, reveal, grade (which also feeds SM-2),
//! skip, abandon, and what the report and history read.

use super::picker::{self, DifficultyChoice, PickOptions, PoolQuestion};
use super::setup::{InterviewOptions, Timing};
use crate::bank::cache::BankSnapshot;
use crate::db::DbConnection;
use crate::db::schema::{cards, interview_items, interviews, reviews};
use crate::practice::service::{self as practice, GradeRequest};
use crate::sm2::Grade;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

pub const RUNNING: &str = "running";
pub const FINISHED: &str = "finished";
pub const ABANDONED: &str = "abandoned";
/// The total time ran out before the last question.
pub const EXPIRED: &str = "expired";
/// Where interview grades come from in the review log.
pub const SOURCE_INTERVIEW: &str = "interview";

/// Positions leave room for a follow-up after each question.
const POSITION_STEP: i32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum InterviewError {
    #[error("no questions match these choices")]
    NoQuestions,
    /// No such interview for this user.
    #[error("no such interview")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// The areas where the user's recent grades are lowest (at most three), for "my weakest topics".
pub fn weakest_areas(
    conn: &mut DbConnection,
    bank: &BankSnapshot,
    user_id: &str,
) -> QueryResult<Vec<String>> {
    let grades = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::undone_at.is_null())
        .select((reviews::question_id, reviews::grade))
        .load::<(String, i32)>(conn)?;
    let mut by_area: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (question_id, grade) in grades {
        if let Some(q) = bank.by_id(&question_id) {
            let entry = by_area.entry(q.area_id.clone()).or_default();
            entry.0 += i64::from(grade);
            entry.1 += 1;
        }
    }
    let mut areas: Vec<(i64, String)> = by_area
        .into_iter()
        .map(|(area, (sum, n))| (sum * 1000 / n.max(1), area))
        .collect();
    areas.sort();
    Ok(areas.into_iter().take(3).map(|(_, area)| area).collect())
}

fn difficulty_choice(text: &str) -> DifficultyChoice {
    match text {
        "mix" => DifficultyChoice::Mix,
        "junior" | "mid" | "senior" => DifficultyChoice::Only(text.to_owned()),
        _ => DifficultyChoice::Any,
    }
}

/// Creates an interview: picks its questions with `seed` and starts the clock on the first.
#[tracing::instrument(skip(conn, bank, options), fields(weakest = options.weakest))]
pub fn create(
    conn: &mut DbConnection,
    bank: &BankSnapshot,
    user_id: &str,
    options: &InterviewOptions,
    preset: Option<&str>,
    seed: u64,
    now: NaiveDateTime,
) -> Result<String, InterviewError> {
    let topics = if options.weakest {
        weakest_areas(conn, bank, user_id)?
    } else {
        options.topics.clone()
    };
    let last_seen: HashMap<String, NaiveDateTime> = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .group_by(reviews::question_id)
        .select((reviews::question_id, diesel::dsl::max(reviews::reviewed_at)))
        .load::<(String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect();
    let pool: Vec<PoolQuestion> = bank
        .questions
        .iter()
        .filter(|q| q.set_enabled)
        .filter_map(|q| {
            let group = if topics.is_empty() {
                Some(q.area_id.clone())
            } else {
                topics
                    .iter()
                    .find(|t| BankSnapshot::in_topic(q, t))
                    .cloned()
            }?;
            Some(PoolQuestion {
                id: q.id.clone(),
                group,
                difficulty: q.difficulty.clone(),
                kind: q.kind.clone(),
                last_seen: last_seen.get(&q.id).copied(),
            })
        })
        .collect();
    let mut pick_options = PickOptions {
        count: options.count,
        difficulty: difficulty_choice(&options.difficulty),
        kinds: options.kinds.clone(),
    };
    let mut chosen = picker::pick(seed, &pool, &pick_options);
    if chosen.len() < options.count && pick_options.difficulty != DifficultyChoice::Any {
        // Too few at that difficulty: fill with any rather than cut the interview short.
        pick_options.difficulty = DifficultyChoice::Any;
        chosen = picker::pick(seed, &pool, &pick_options);
    }
    if chosen.is_empty() {
        return Err(InterviewError::NoQuestions);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let deadline = match options.timing {
        Timing::Total { minutes } => Some(now + Duration::minutes(i64::from(minutes))),
        _ => None,
    };
    crate::db::write_transaction(conn, |conn| {
        diesel::insert_into(interviews::table)
            .values((
                interviews::id.eq(&id),
                interviews::user_id.eq(user_id),
                interviews::preset.eq(preset),
                interviews::options.eq(serde_json::to_string(options).unwrap_or_default()),
                // Stored as the same 64 bits, so a run can be replayed exactly.
                interviews::seed.eq(i64::from_ne_bytes(seed.to_ne_bytes())),
                interviews::timing.eq(options.timing.describe()),
                interviews::status.eq(RUNNING),
                interviews::started_at.eq(now),
                interviews::deadline_at.eq(deadline),
            ))
            .execute(conn)?;
        for (index, question_id) in chosen.iter().enumerate() {
            // The bank's limit is kept in every mode (the report compares against it); only
            // per-question timing turns it into a deadline.
            let limit = bank.by_id(question_id).map(|q| q.time_limit_secs);
            let first = index == 0;
            diesel::insert_into(interview_items::table)
                .values((
                    interview_items::id.eq(uuid::Uuid::new_v4().to_string()),
                    interview_items::interview_id.eq(&id),
                    interview_items::position
                        .eq(i32::try_from(index + 1).unwrap_or(i32::MAX) * POSITION_STEP),
                    interview_items::question_id.eq(question_id),
                    interview_items::time_limit_secs.eq(limit),
                    interview_items::started_at.eq(first.then_some(now)),
                    interview_items::deadline_at
                        .eq((first && options.timing == Timing::PerQuestion)
                            .then(|| deadline_for(now, limit))
                            .flatten()),
                ))
                .execute(conn)?;
        }
        Ok::<_, InterviewError>(())
    })?;
    Ok(id)
}

fn deadline_for(start: NaiveDateTime, limit: Option<i32>) -> Option<NaiveDateTime> {
    limit.map(|secs| start + Duration::seconds(i64::from(secs)))
}

/// An interview as stored.
#[derive(Clone, Debug)]
pub struct Interview {
    pub id: String,
    pub preset: Option<String>,
    pub options: InterviewOptions,
    pub seed: u64,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub deadline_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub id: String,
    pub position: i32,
    pub question_id: String,
    pub is_follow_up: bool,
    pub time_limit_secs: Option<i32>,
    pub started_at: Option<NaiveDateTime>,
    pub deadline_at: Option<NaiveDateTime>,
    pub revealed_at: Option<NaiveDateTime>,
    pub graded_at: Option<NaiveDateTime>,
    pub grade: Option<i32>,
    pub notes: String,
    pub key_points_hit: Vec<usize>,
    pub skipped: bool,
}

impl Item {
    pub fn is_done(&self) -> bool {
        self.grade.is_some() || self.skipped
    }
}

impl Interview {
    /// Still running at `now` though its total time is up (it is ended on the next write).
    pub fn ran_out_of_time(&self, now: NaiveDateTime) -> bool {
        self.status == RUNNING && self.deadline_at.is_some_and(|d| now >= d)
    }

    /// The question being asked now.
    pub fn current(&self) -> Option<&Item> {
        if self.status != RUNNING {
            return None;
        }
        self.items.iter().find(|item| !item.is_done())
    }

    pub fn timing(&self) -> Timing {
        self.options.timing
    }
}

type ItemRow = (
    (String, i32, String, bool, Option<i32>),
    (
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
    (Option<i32>, String, String, bool),
);

/// The user's interview, or `None` when it does not exist or belongs to someone else.
pub fn load(conn: &mut DbConnection, user_id: &str, id: &str) -> QueryResult<Option<Interview>> {
    type Row = (
        String,
        Option<String>,
        String,
        i64,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let row: Option<Row> = interviews::table
        .filter(interviews::id.eq(id))
        .filter(interviews::user_id.eq(user_id))
        .select((
            interviews::id,
            interviews::preset,
            interviews::options,
            interviews::seed,
            interviews::status,
            interviews::started_at,
            interviews::deadline_at,
            interviews::finished_at,
        ))
        .get_result(conn)
        .optional()?;
    let Some((id, preset, options, seed, status, started_at, deadline_at, finished_at)) = row
    else {
        return Ok(None);
    };
    let items = interview_items::table
        .filter(interview_items::interview_id.eq(&id))
        .order(interview_items::position.asc())
        .select((
            (
                interview_items::id,
                interview_items::position,
                interview_items::question_id,
                interview_items::is_follow_up,
                interview_items::time_limit_secs,
            ),
            (
                interview_items::started_at,
                interview_items::deadline_at,
                interview_items::revealed_at,
                interview_items::graded_at,
            ),
            (
                interview_items::grade,
                interview_items::notes,
                interview_items::key_points_hit,
                interview_items::skipped,
            ),
        ))
        .load::<ItemRow>(conn)?
        .into_iter()
        .map(|(head, times, result)| Item {
            id: head.0,
            position: head.1,
            question_id: head.2,
            is_follow_up: head.3,
            time_limit_secs: head.4,
            started_at: times.0,
            deadline_at: times.1,
            revealed_at: times.2,
            graded_at: times.3,
            grade: result.0,
            notes: result.1,
            key_points_hit: serde_json::from_str(&result.2).unwrap_or_default(),
            skipped: result.3,
        })
        .collect();
    Ok(Some(Interview {
        id,
        preset,
        options: serde_json::from_str(&options).unwrap_or(InterviewOptions {
            topics: Vec::new(),
            weakest: false,
            difficulty: "any".into(),
            kinds: Vec::new(),
            count: 0,
            timing: Timing::Untimed,
        }),
        seed: u64::from_ne_bytes(seed.to_ne_bytes()),
        status,
        started_at,
        deadline_at,
        finished_at,
        items,
    }))
}

/// Ends a running interview whose total time is up. Returns whether it did.
pub fn expire_if_over(
    conn: &mut DbConnection,
    interview: &Interview,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let over = interview.ran_out_of_time(now);
    if over {
        set_status(conn, &interview.id, EXPIRED, now)?;
    }
    Ok(over)
}

fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        interviews::table
            .filter(interviews::id.eq(id))
            .filter(interviews::status.eq(RUNNING)),
    )
    .set((
        interviews::status.eq(status),
        interviews::finished_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    Done,
    /// The page was for another question (a second tab moved on, or a form sent twice).
    NotCurrent,
    /// The interview is over (finished, abandoned or out of time).
    Over,
}

/// Loads the interview inside the write transaction and checks `item_id` is the current one.
fn current_for_step(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    item_id: &str,
    now: NaiveDateTime,
) -> Result<Result<(Interview, Item), StepOutcome>, InterviewError> {
    let Some(interview) = load(conn, user_id, id)? else {
        return Err(InterviewError::NotFound);
    };
    if expire_if_over(conn, &interview, now)? {
        return Ok(Err(StepOutcome::Over));
    }
    let Some(current) = interview.current().cloned() else {
        return Ok(Err(StepOutcome::Over));
    };
    if current.id != item_id {
        return Ok(Err(StepOutcome::NotCurrent));
    }
    Ok(Ok((interview, current)))
}

/// Runs `step` on the interview's current question in one write transaction, once
/// `current_for_step` has found `item_id` current; otherwise answers why it is not.
fn on_current_step<F>(
    conn: &mut DbConnection,
    (user_id, id, item_id, now): (&str, &str, &str, NaiveDateTime),
    step: F,
) -> Result<StepOutcome, InterviewError>
where
    F: FnOnce(&mut DbConnection, Interview, Item) -> Result<StepOutcome, InterviewError>,
{
    crate::db::write_transaction(conn, |conn| {
        match current_for_step(conn, user_id, id, item_id, now)? {
            Ok((interview, current)) => step(conn, interview, current),
            Err(outcome) => Ok(outcome),
        }
    })
}

/// Shows the answer: records when, and the notes typed so far.
pub fn reveal(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    item_id: &str,
    notes: &str,
    now: NaiveDateTime,
) -> Result<StepOutcome, InterviewError> {
    let step = (user_id, id, item_id, now);
    on_current_step(conn, step, |conn, _, current| {
        if current.revealed_at.is_none() {
            diesel::update(interview_items::table.find(&current.id))
                .set((
                    interview_items::revealed_at.eq(Some(now)),
                    interview_items::notes.eq(notes),
                ))
                .execute(conn)?;
        }
        Ok(StepOutcome::Done)
    })
}

/// Records a grade for the current question, feeds it to SM-2 (source `interview`), maybe
/// adds a follow-up, and starts the clock on the next question (or finishes).
#[allow(
    clippy::too_many_arguments,
    reason = "one call site, every value distinct"
)]
#[tracing::instrument(skip(conn, bank, hit, grade), fields(grade = grade.value()))]
pub fn grade(
    conn: &mut DbConnection,
    bank: &BankSnapshot,
    user_id: &str,
    id: &str,
    item_id: &str,
    grade: Grade,
    hit: Vec<usize>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<StepOutcome, InterviewError> {
    let step = (user_id, id, item_id, now);
    on_current_step(conn, step, |conn, interview, current| {
        diesel::update(interview_items::table.find(&current.id))
            .set((
                interview_items::grade.eq(Some(i32::from(grade.value()))),
                interview_items::graded_at.eq(Some(now)),
                interview_items::revealed_at.eq(Some(current.revealed_at.unwrap_or(now))),
                interview_items::key_points_hit
                    .eq(serde_json::to_string(&hit).unwrap_or_else(|_| "[]".into())),
            ))
            .execute(conn)?;
        let card = practice::card_state(conn, user_id, &current.question_id)?;
        let request = GradeRequest {
            user_id: user_id.to_owned(),
            question_id: current.question_id.clone(),
            expected_version: card.version,
            grade,
            submission_id: format!("interview{}", current.id.replace('-', "")),
            now,
            today,
            // The current question always has a start (it is set when the interview reaches
            // it); were it missing, the time counts as unknown (0), not as a guess. An hour
            // bounds it, as for study.
            time_taken_ms: current
                .started_at
                .map(|s| (now - s).num_milliseconds().clamp(0, 3_600_000))
                .unwrap_or(0),
            source: SOURCE_INTERVIEW,
            interview_item_id: Some(current.id.clone()),
        };
        practice::grade_within_transaction(conn, &request)?;
        if grade.value() >= 4 && !current.is_follow_up {
            add_follow_up(conn, bank, &interview, &current, now)?;
        }
        start_next(conn, &interview.id, user_id, now)?;
        Ok(StepOutcome::Done)
    })
}

/// The questions a grade of this interview suspended as leeches (see `progress::leech`) that
/// are still suspended, with their failures: the report offers to unsuspend them.
pub fn suspended_leeches(
    conn: &mut DbConnection,
    user_id: &str,
    interview_id: &str,
) -> QueryResult<Vec<(String, i32)>> {
    let items = interview_items::table
        .filter(interview_items::interview_id.eq(interview_id))
        .select(interview_items::id.nullable());
    let suspended_here = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::interview_item_id.eq_any(items))
        .filter(reviews::suspended_leech.eq(true))
        .filter(reviews::undone_at.is_null())
        .select(reviews::question_id);
    cards::table
        .filter(cards::user_id.eq(user_id))
        .filter(cards::suspended.eq(true))
        .filter(cards::question_id.eq_any(suspended_here))
        .select((cards::question_id, cards::lapses))
        .load(conn)
}

/// After a good answer, the interviewer may dig deeper: one follow-up, if time allows.
fn add_follow_up(
    conn: &mut DbConnection,
    bank: &BankSnapshot,
    interview: &Interview,
    current: &Item,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let Some(question) = bank.by_id(&current.question_id) else {
        return Ok(());
    };
    let asked: Vec<&str> = interview
        .items
        .iter()
        .map(|i| i.question_id.as_str())
        .collect();
    let Some(follow_up) = question
        .follow_up_keys
        .iter()
        .filter_map(|key| bank.by_key(key))
        .find(|q| !asked.contains(&q.id.as_str()))
    else {
        return Ok(());
    };
    let time_allows = interview.deadline_at.is_none_or(|deadline| {
        now + Duration::seconds(i64::from(follow_up.time_limit_secs)) <= deadline
    });
    if !time_allows {
        return Ok(());
    }
    diesel::insert_into(interview_items::table)
        .values((
            interview_items::id.eq(uuid::Uuid::new_v4().to_string()),
            interview_items::interview_id.eq(&interview.id),
            interview_items::position.eq(current.position + POSITION_STEP / 2),
            interview_items::question_id.eq(&follow_up.id),
            interview_items::is_follow_up.eq(true),
            interview_items::time_limit_secs.eq(Some(follow_up.time_limit_secs)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Starts the clock on the next question, or finishes the interview when none is left.
fn start_next(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let Some(interview) = load(conn, user_id, id)? else {
        return Ok(());
    };
    match interview.current() {
        Some(next) => {
            let per_question = interview.timing() == Timing::PerQuestion;
            diesel::update(interview_items::table.find(&next.id))
                .set((
                    interview_items::started_at.eq(Some(now)),
                    interview_items::deadline_at.eq(if per_question {
                        deadline_for(now, next.time_limit_secs)
                    } else {
                        None
                    }),
                ))
                .execute(conn)?;
            Ok(())
        }
        None => set_status(conn, id, FINISHED, now),
    }
}

/// Passes on the current question (it scores 0 in the report; the schedule is not touched).
pub fn skip(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    item_id: &str,
    now: NaiveDateTime,
) -> Result<StepOutcome, InterviewError> {
    let step = (user_id, id, item_id, now);
    on_current_step(conn, step, |conn, interview, current| {
        diesel::update(interview_items::table.find(&current.id))
            .set((
                interview_items::skipped.eq(true),
                interview_items::graded_at.eq(Some(now)),
            ))
            .execute(conn)?;
        start_next(conn, &interview.id, user_id, now)?;
        Ok(StepOutcome::Done)
    })
}

/// Ends the interview now, keeping what was graded.
pub fn abandon(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let Some(interview) = load(conn, user_id, id)? else {
            return Ok(false);
        };
        set_status(conn, &interview.id, ABANDONED, now)?;
        Ok(true)
    })
}

/// One past interview, for the history page.
#[derive(Clone, Debug)]
pub struct PastInterview {
    pub id: String,
    pub preset: Option<String>,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub questions: usize,
    /// Sum of grades and the number of answered (graded or skipped) questions.
    pub points: i64,
    pub answered: usize,
}

/// Every interview of the user, oldest first.
pub fn history(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<PastInterview>> {
    let rows = interviews::table
        .filter(interviews::user_id.eq(user_id))
        .order(interviews::started_at.asc())
        .select((
            interviews::id,
            interviews::preset,
            interviews::status,
            interviews::started_at,
        ))
        .load::<(String, Option<String>, String, NaiveDateTime)>(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let items = interview_items::table
        .filter(interview_items::interview_id.eq_any(&ids))
        .select((
            interview_items::interview_id,
            interview_items::grade,
            interview_items::skipped,
        ))
        .load::<(String, Option<i32>, bool)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, preset, status, started_at)| {
            let mine: Vec<&(String, Option<i32>, bool)> =
                items.iter().filter(|i| i.0 == id).collect();
            PastInterview {
                questions: mine.len(),
                points: mine.iter().filter_map(|i| i.1.map(i64::from)).sum(),
                answered: mine.iter().filter(|i| i.1.is_some() || i.2).count(),
                id,
                preset,
                status,
                started_at,
            }
        })
        .collect())
}
