//! Scheduler storage: a user's choice and FSRS parameters, their review log as card
//! histories, switching scheduler (every card placed again from its log), the evaluation and
//! the training job (run off the request path, its progress kept in `fsrs_parameters`).

pub use super::core::SchedulerSettings;
use super::core::{
    self, CardHistory, DesiredRetention, FsrsModel, LoggedReview, SchedulerChoice, SchedulerError,
};
use super::evaluate::{self, Evaluation};
use super::train::{self, TrainError};
use crate::db::schema::{cards, fsrs_parameters, reviews, users};
use crate::db::{Db, DbConnection};
use crate::sm2::{Grade, Sm2State};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A failure of this layer: the database, or the FSRS crate.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerServiceError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error(transparent)]
    Connection(#[from] crate::db::DbError),
}

pub fn load_settings(conn: &mut DbConnection, user_id: &str) -> QueryResult<SchedulerSettings> {
    let (choice, retention) = users::table
        .find(user_id)
        .select((users::scheduler, users::desired_retention_percent))
        .get_result::<(String, i32)>(conn)?;
    Ok(SchedulerSettings {
        choice: SchedulerChoice::parse(&choice).unwrap_or_default(),
        retention: DesiredRetention::from_stored(retention),
    })
}

/// The user's trained parameters (empty: the crate's defaults).
pub fn load_parameters(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<f32>> {
    let stored = fsrs_parameters::table
        .find(user_id)
        .select(fsrs_parameters::parameters)
        .get_result::<Option<String>>(conn)
        .optional()?
        .flatten();
    Ok(stored
        .map(|text| parse_parameters(&text))
        .unwrap_or_default())
}

/// Parameters as stored: comma-separated numbers. Anything unreadable reads as none (the
/// defaults), never as a wrong model.
fn parse_parameters(text: &str) -> Vec<f32> {
    let parsed: Result<Vec<f32>, _> = text.split(',').map(|p| p.trim().parse::<f32>()).collect();
    parsed.unwrap_or_default()
}

fn format_parameters(parameters: &[f32]) -> String {
    parameters
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The user's FSRS model: their parameters (or the defaults) and desired retention.
pub fn load_model(
    conn: &mut DbConnection,
    user_id: &str,
    retention: DesiredRetention,
) -> Result<FsrsModel, SchedulerServiceError> {
    let parameters = load_parameters(conn, user_id)?;
    Ok(FsrsModel::new(&parameters, retention)?)
}

/// The day of the latest scheduled (not re-drill, not undone) review of a card: what FSRS
/// counts elapsed days from. A key lookup on `reviews_by_user_question`.
pub fn last_scheduled_day(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
) -> QueryResult<Option<NaiveDate>> {
    reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::question_id.eq(question_id))
        .filter(reviews::is_redrill.eq(false))
        .filter(reviews::undone_at.is_null())
        .order(reviews::seq.desc())
        .select(reviews::study_day)
        .first::<NaiveDate>(conn)
        .optional()
}

type LogRow = (String, NaiveDate, i32, (i32, i32, i32), Option<NaiveDate>);

/// Every card's scheduled reviews from the user's log, oldest first per card, by question.
pub fn user_histories(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Vec<(String, CardHistory)>> {
    let rows = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::is_redrill.eq(false))
        .filter(reviews::undone_at.is_null())
        .order(reviews::seq.asc())
        .select((
            reviews::question_id,
            reviews::study_day,
            reviews::grade,
            (
                reviews::before_repetitions,
                reviews::before_interval_days,
                reviews::before_easiness_hundredths,
            ),
            reviews::before_due_day,
        ))
        .load::<LogRow>(conn)?;
    let mut order: Vec<String> = Vec::new();
    let mut by_question: std::collections::HashMap<String, CardHistory> =
        std::collections::HashMap::new();
    for (question_id, day, grade, (reps, interval, easiness), before_due) in rows {
        let Some(grade) = u8::try_from(grade).ok().and_then(Grade::new) else {
            continue;
        };
        let history = by_question.entry(question_id.clone()).or_insert_with(|| {
            order.push(question_id.clone());
            let start = Sm2State {
                repetitions: u32::try_from(reps).unwrap_or(0),
                interval_days: u32::try_from(interval).unwrap_or(0),
                easiness_hundredths: u32::try_from(easiness).unwrap_or(250),
            };
            // A log that starts mid-way: the review before it was `interval` days before its
            // due day.
            let start_day = before_due.and_then(|due| {
                due.checked_sub_days(chrono::Days::new(u64::from(start.interval_days)))
            });
            CardHistory {
                start,
                start_day: if start == Sm2State::NEW {
                    None
                } else {
                    start_day
                },
                reviews: Vec::new(),
            }
        });
        history.reviews.push(LoggedReview { day, grade });
    }
    Ok(order
        .into_iter()
        .filter_map(|q| by_question.remove(&q).map(|h| (q, h)))
        .collect())
}

/// Saves the user's scheduler settings and places every card again under the chosen
/// scheduler from its log: under FSRS each card gets the memory state its history gives and
/// the due day that follows; under SM-2 each card's due day follows from its SM-2 state, kept
/// up to date under either scheduler, and the FSRS columns are cleared. One transaction; the
/// user's study version is bumped, so every instance reloads its study state.
pub fn apply_settings(
    conn: &mut DbConnection,
    user_id: &str,
    settings: SchedulerSettings,
) -> Result<usize, SchedulerServiceError> {
    crate::db::write_transaction(conn, |conn| {
        crate::practice::service::bump_study_version(conn, user_id)?;
        diesel::update(users::table.find(user_id))
            .set((
                users::scheduler.eq(settings.choice.as_str()),
                users::desired_retention_percent.eq(i32::from(settings.retention.percent())),
            ))
            .execute(conn)?;
        place_cards(conn, user_id, settings)
    })
}

/// Places every reviewed card of the user under `settings` (see [`apply_settings`]); returns
/// how many cards were placed.
fn place_cards(
    conn: &mut DbConnection,
    user_id: &str,
    settings: SchedulerSettings,
) -> Result<usize, SchedulerServiceError> {
    let model = load_model(conn, user_id, settings.retention)?;
    if settings.choice == SchedulerChoice::Sm2 {
        diesel::update(cards::table.filter(cards::user_id.eq(user_id)))
            .set((
                cards::fsrs_stability.eq(None::<f32>),
                cards::fsrs_difficulty.eq(None::<f32>),
            ))
            .execute(conn)?;
    }
    let histories = user_histories(conn, user_id)?;
    for (question_id, history) in &histories {
        let placed = core::place(settings.choice, history, &model)?;
        diesel::update(cards::table.find((user_id, question_id)))
            .set((
                cards::due_day.eq(placed.due_day),
                cards::fsrs_stability.eq(placed.memory.map(|m| m.stability)),
                cards::fsrs_difficulty.eq(placed.memory.map(|m| m.difficulty)),
                // A page drawn before the switch must not grade on top of it.
                cards::version.eq(cards::version + 1),
            ))
            .execute(conn)?;
    }
    Ok(histories.len())
}

/// Both schedulers evaluated on the user's log with their current FSRS parameters (`None`
/// when no card has been reviewed twice).
pub fn evaluate_user(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<Option<Evaluation>, SchedulerServiceError> {
    let settings = load_settings(conn, user_id)?;
    let model = load_model(conn, user_id, settings.retention)?;
    let histories: Vec<CardHistory> = user_histories(conn, user_id)?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    Ok(evaluate::evaluate(&histories, &model)?)
}

/// Where a user's FSRS training stands, for the progress page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingStatus {
    pub settings: SchedulerSettings,
    /// Reviews a training could learn from now (each after a card's first).
    pub trainable_reviews: usize,
    pub trained_at: Option<NaiveDateTime>,
    pub trained_reviews: i32,
    pub job: JobStatus,
    pub progress_percent: i32,
    pub message: String,
}

/// The training job's state as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Idle,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Idle => "idle",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> JobStatus {
        match text {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Idle,
        }
    }
}

/// A training that has run this long is taken as lost (its process stopped) and may start
/// again; also the most a training may run before it is stopped.
pub const TRAINING_TIME_LIMIT: Duration = Duration::from_secs(15 * 60);

pub fn training_status(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<TrainingStatus, SchedulerServiceError> {
    let settings = load_settings(conn, user_id)?;
    let trainable_reviews = reviews::table
        .filter(reviews::user_id.eq(user_id))
        .filter(reviews::is_redrill.eq(false))
        .filter(reviews::undone_at.is_null())
        .count()
        .get_result::<i64>(conn)?;
    // A card with a due day has had at least one scheduled review (its first is no training
    // item).
    let cards_reviewed = cards::table
        .filter(cards::user_id.eq(user_id))
        .filter(cards::due_day.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let row = fsrs_parameters::table
        .find(user_id)
        .select((
            fsrs_parameters::trained_at,
            fsrs_parameters::trained_reviews,
            fsrs_parameters::job_status,
            fsrs_parameters::job_progress_percent,
            fsrs_parameters::job_message,
        ))
        .get_result::<(Option<NaiveDateTime>, i32, String, i32, String)>(conn)
        .optional()?;
    let (trained_at, trained_reviews, job, progress_percent, message) =
        row.unwrap_or((None, 0, String::new(), 0, String::new()));
    Ok(TrainingStatus {
        settings,
        trainable_reviews: usize::try_from(trainable_reviews - cards_reviewed).unwrap_or(0),
        trained_at,
        trained_reviews,
        job: JobStatus::parse(&job),
        progress_percent,
        message,
    })
}

/// Marks a training as running unless one already is (and is not older than
/// [`TRAINING_TIME_LIMIT`]); `false` when one is.
pub fn claim_training(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        // The user's row lock orders two claims of one user (see `bump_study_version`).
        diesel::update(users::table.find(user_id))
            .set(users::study_version.eq(users::study_version))
            .execute(conn)?;
        let current = fsrs_parameters::table
            .find(user_id)
            .select((fsrs_parameters::job_status, fsrs_parameters::job_started_at))
            .get_result::<(String, Option<NaiveDateTime>)>(conn)
            .optional()?;
        let stale_before = now
            - chrono::Duration::from_std(TRAINING_TIME_LIMIT).unwrap_or(chrono::Duration::zero());
        let set = (
            fsrs_parameters::job_status.eq(JobStatus::Running.as_str()),
            fsrs_parameters::job_progress_percent.eq(0),
            fsrs_parameters::job_message.eq(""),
            fsrs_parameters::job_started_at.eq(Some(now)),
        );
        match current {
            None => {
                diesel::insert_into(fsrs_parameters::table)
                    .values((fsrs_parameters::user_id.eq(user_id), set))
                    .execute(conn)?;
                Ok(true)
            }
            Some((status, started))
                if JobStatus::parse(&status) == JobStatus::Running
                    && started.is_some_and(|s| s > stale_before) =>
            {
                Ok(false)
            }
            Some(_) => {
                diesel::update(fsrs_parameters::table.find(user_id))
                    .set(set)
                    .execute(conn)?;
                Ok(true)
            }
        }
    })
}

fn record_progress(conn: &mut DbConnection, user_id: &str, percent: u8) -> QueryResult<()> {
    diesel::update(fsrs_parameters::table.find(user_id))
        .set(fsrs_parameters::job_progress_percent.eq(i32::from(percent)))
        .execute(conn)?;
    Ok(())
}

/// Stores a training's outcome. New parameters are used at once: a user on FSRS has every
/// card placed again with them.
pub fn record_outcome(
    conn: &mut DbConnection,
    user_id: &str,
    outcome: &Result<(Vec<f32>, usize), TrainError>,
    now: NaiveDateTime,
) -> Result<(), SchedulerServiceError> {
    match outcome {
        Ok((parameters, reviews)) => crate::db::write_transaction(conn, |conn| {
            diesel::update(fsrs_parameters::table.find(user_id))
                .set((
                    fsrs_parameters::parameters.eq(Some(format_parameters(parameters))),
                    fsrs_parameters::trained_at.eq(Some(now)),
                    fsrs_parameters::trained_reviews.eq(i32::try_from(*reviews).unwrap_or(0)),
                    fsrs_parameters::job_status.eq(JobStatus::Done.as_str()),
                    fsrs_parameters::job_progress_percent.eq(100),
                    fsrs_parameters::job_message.eq(""),
                ))
                .execute(conn)?;
            let settings = load_settings(conn, user_id)?;
            if settings.choice == SchedulerChoice::Fsrs {
                crate::practice::service::bump_study_version(conn, user_id)?;
                place_cards(conn, user_id, settings)?;
            }
            Ok(())
        }),
        Err(e) => {
            diesel::update(fsrs_parameters::table.find(user_id))
                .set((
                    fsrs_parameters::job_status.eq(JobStatus::Failed.as_str()),
                    fsrs_parameters::job_message.eq(e.to_string()),
                ))
                .execute(conn)?;
            Ok(())
        }
    }
}

/// Every card's history of the user, without the question ids (what training and the
/// evaluation take).
pub fn histories_only(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<CardHistory>> {
    Ok(user_histories(conn, user_id)?
        .into_iter()
        .map(|(_, h)| h)
        .collect())
}

/// Fits parameters to these histories on a worker thread, stopped after
/// [`TRAINING_TIME_LIMIT`], reporting the percent done through `on_progress` about once a
/// second. Returns the parameters and how many reviews they were fitted to.
pub fn fit(
    histories: &[CardHistory],
    mut on_progress: impl FnMut(u8),
) -> Result<(Vec<f32>, usize), TrainError> {
    let reviews = train::training_items(histories).len();
    let progress = fsrs::CombinedProgressState::new_shared();
    let started = Instant::now();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| train::train(histories, Some(Arc::clone(&progress))));
        while !worker.is_finished() {
            std::thread::park_timeout(Duration::from_secs(1));
            if let Some(mut p) = lock(&progress) {
                if started.elapsed() > TRAINING_TIME_LIMIT {
                    p.want_abort = true;
                }
                let percent = train::percent_done(&p);
                drop(p);
                on_progress(percent);
            }
        }
        worker
            .join()
            .unwrap_or(Err(TrainError::Fsrs(fsrs::FSRSError::Interrupted)))
    })
    .map(|parameters| (parameters, reviews))
}

fn lock(
    progress: &Mutex<fsrs::CombinedProgressState>,
) -> Option<std::sync::MutexGuard<'_, fsrs::CombinedProgressState>> {
    progress.lock().ok()
}

/// Starts a claimed training on its own thread, off the request path; its progress goes to
/// `fsrs_parameters` for the progress page to show.
pub fn spawn_training(db: Db, user_id: String, now: NaiveDateTime) {
    let spawned = std::thread::Builder::new()
        .name("fsrs-training".into())
        .spawn(move || {
            let report = |percent: u8| {
                if let Ok(mut conn) = db.writer()
                    && let Err(e) = record_progress(&mut conn, &user_id, percent)
                {
                    tracing::warn!(error = %e, "could not record training progress");
                }
            };
            let histories = match db.reader() {
                Ok(mut conn) => histories_only(&mut conn, &user_id),
                Err(e) => return tracing::error!(error = %e, "FSRS training could not start"),
            };
            let outcome = match histories {
                Ok(histories) => fit(&histories, report),
                Err(e) => return tracing::error!(error = %e, "FSRS training could not start"),
            };
            match &outcome {
                Ok((_, reviews)) => tracing::info!(%user_id, reviews, "FSRS parameters trained"),
                Err(e) => tracing::info!(%user_id, error = %e, "FSRS training refused"),
            }
            let recorded = db
                .writer()
                .map_err(SchedulerServiceError::from)
                .and_then(|mut conn| record_outcome(&mut conn, &user_id, &outcome, now));
            if let Err(e) = recorded {
                tracing::error!(%user_id, error = %e, "FSRS training could not be stored");
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the FSRS training thread");
    }
}
