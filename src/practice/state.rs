//! One owner of a user's study state: what today's queue is worked out from (the user's cards,
//! a summary of today's grades, their settings and the last grade for undo), held in memory per
//! user so the question page, the grade POST and `/study/next` share it.
//!
//! A copy is current while three things hold: the user's `study_version` (bumped in the
//! database by every write that changes what the study pages show, whichever instance made
//! it), the bank generation, and the study day. The session lookup that every signed-in
//! request makes anyway reads the first two, so a current copy costs no query at all. A grade
//! recorded by this instance is applied to its copy in place; any other change, or a change by
//! another instance, makes the next request load the state again with a few bounded queries.

use super::queue::{self, CardRow, Limits, Queue, Stage, TodaySummary};
use super::service::{self, LastGrade, RecordedGrade};
use crate::accounts::settings::Settings;
use crate::bank::cache::BankSnapshot;
use crate::sm2::DayClock;
use crate::state::AppState;
use crate::web::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A user's study state on one study day.
#[derive(Clone, Debug)]
pub struct StudyState {
    /// The `users.study_version` this state reflects.
    pub version: i64,
    /// The bank generation it was worked out against.
    pub generation: i64,
    pub settings: Settings,
    pub clock: DayClock,
    pub today: NaiveDate,
    /// Every card of the user (at most one per question of the bank).
    cards: Vec<CardRow>,
    graded: TodaySummary,
    /// The grade undo would take back.
    pub last: Option<LastGrade>,
    /// Today's queue over all topics, worked out on first use.
    queue: Option<Queue>,
}

/// The numbers every practice page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub due: usize,
    pub new: usize,
    pub redrill: usize,
}

impl From<&Queue> for Counts {
    fn from(queue: &Queue) -> Self {
        Counts {
            due: queue.due.len(),
            new: queue.new.len(),
            redrill: queue.redrill.len(),
        }
    }
}

impl StudyState {
    pub fn new(
        version: i64,
        generation: i64,
        settings: Settings,
        today: NaiveDate,
        cards: Vec<CardRow>,
        graded: TodaySummary,
        last: Option<LastGrade>,
    ) -> StudyState {
        StudyState {
            version,
            generation,
            clock: settings.day_clock(),
            settings,
            today,
            cards,
            graded,
            last,
            queue: None,
        }
    }

    /// Whether this copy still describes the user at `version` on the bank at `generation`, now.
    pub fn is_current(&self, version: i64, generation: i64, now: DateTime<Utc>) -> bool {
        self.version == version
            && self.generation == generation
            && self.clock.study_day(now) == self.today
    }

    /// Today's queue for one topic, or over all topics (kept until the state changes).
    pub fn queue(&mut self, bank: &BankSnapshot, user_id: &str, topic: Option<&str>) -> Queue {
        match topic {
            Some(_) => self.work_out(bank, user_id, topic),
            None => self.whole_queue(bank, user_id).clone(),
        }
    }

    /// The counts, the stage of one question and the next question, without copying the
    /// queue (the question page and the grade POST need no more).
    pub fn glance(
        &mut self,
        bank: &BankSnapshot,
        user_id: &str,
        topic: Option<&str>,
        question_id: Option<&str>,
    ) -> Glance {
        let glance = |queue: &Queue| Glance {
            counts: Counts::from(queue),
            stage: question_id.and_then(|id| queue.stage_of(id)),
            next: queue.next().map(str::to_owned),
        };
        match topic {
            Some(_) => glance(&self.work_out(bank, user_id, topic)),
            None => glance(self.whole_queue(bank, user_id)),
        }
    }

    fn whole_queue(&mut self, bank: &BankSnapshot, user_id: &str) -> &Queue {
        if self.queue.is_none() {
            self.queue = Some(self.work_out(bank, user_id, None));
        }
        self.queue.get_or_insert_default()
    }

    fn work_out(&self, bank: &BankSnapshot, user_id: &str, topic: Option<&str>) -> Queue {
        let open = service::candidates(bank, &self.settings, user_id, topic);
        let ids: Vec<&str> = open.iter().map(|q| q.id.as_str()).collect();
        // "Study a topic now" is an explicit request: it is not held back by the daily limits.
        let limits = match topic {
            Some(_) => Limits::NONE,
            None => Limits {
                new_per_day: self.settings.new_per_day,
                max_reviews_per_day: self.settings.max_reviews_per_day,
            },
        };
        queue::build_from_summary(self.today, limits, &ids, &self.cards, &self.graded)
    }

    /// The question's latest grade today, if it was graded today.
    pub fn latest_grade_today(&self, question_id: &str) -> Option<u8> {
        self.graded.latest_grade(question_id)
    }

    /// The user's card for a question, if it has one.
    pub fn card(&self, question_id: &str) -> Option<&CardRow> {
        self.cards.iter().find(|c| c.question_id == question_id)
    }

    /// The first day after today on which one of the user's cards falls due.
    pub fn next_due_day(&self) -> Option<NaiveDate> {
        self.cards
            .iter()
            .filter(|c| !c.suspended)
            .filter_map(|c| c.due_day)
            .filter(|day| *day > self.today)
            .min()
    }

    /// Applies a grade this instance recorded. Returns false (and changes nothing) when the
    /// grade was not made on top of this very state, so the caller must load it again.
    pub fn apply_grade(&mut self, grade: &RecordedGrade) -> bool {
        // A grade that suspended its card as a leech takes it out of every list: load afresh.
        if grade.study_version_before != self.version
            || grade.today != self.today
            || grade.suspended_leech
        {
            return false;
        }
        let card = CardRow {
            question_id: grade.question_id.clone(),
            due_day: grade.result.due_day,
            suspended: false,
            buried_until: None,
            version: grade.card_version,
        };
        match self
            .cards
            .iter_mut()
            .find(|c| c.question_id == grade.question_id)
        {
            Some(existing) => {
                existing.due_day = card.due_day;
                existing.version = card.version;
            }
            None => self.cards.push(card),
        }
        let todays = queue::TodaysGrade {
            question_id: grade.question_id.clone(),
            grade: u8::try_from(grade.result.grade).unwrap_or(0),
            is_redrill: grade.result.is_redrill,
            was_new: grade.was_new,
        };
        self.graded.record(&todays);
        // The queue follows the grade in place; one that cannot (the question was not in it)
        // is worked out afresh on next use.
        if let Some(queue) = self.queue.as_mut() {
            if !queue.follow_grade(&todays) {
                self.queue = None;
            }
        }
        if grade.source == service::SOURCE_PRACTICE {
            self.last = Some(LastGrade {
                review_id: grade.review_id.clone(),
                question_id: grade.question_id.clone(),
                grade: grade.result.grade,
                is_redrill: grade.result.is_redrill,
                interval_days: grade.result.interval_days,
                due_day: grade.result.due_day,
            });
        }
        self.version = grade.study_version_after;
        true
    }
}

/// What the question page and the grade POST need from the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glance {
    pub counts: Counts,
    /// Which list the question is in, if any.
    pub stage: Option<Stage>,
    /// The question to show next (its id).
    pub next: Option<String>,
}

/// Each user's [`StudyState`] in this instance.
#[derive(Debug, Default)]
pub struct StudyCache {
    users: Mutex<HashMap<String, Arc<Mutex<StudyState>>>>,
}

/// How many users' states one instance keeps before it starts afresh: at most about 100 KB each
/// (a card and a queued id per question of the bank), so a few hundred MB at the very worst;
/// the next request of a dropped user loads theirs again.
const MAX_USERS: usize = 5_000;

impl StudyCache {
    /// The user's state if this instance holds a current copy.
    pub fn current(
        &self,
        user_id: &str,
        version: i64,
        generation: i64,
        now: DateTime<Utc>,
    ) -> Option<Arc<Mutex<StudyState>>> {
        let entry = lock(&self.users).get(user_id).cloned()?;
        let current = lock(&entry).is_current(version, generation, now);
        current.then_some(entry)
    }

    /// Keeps a freshly loaded state, replacing any older copy.
    pub fn keep(&self, user_id: &str, state: StudyState) -> Arc<Mutex<StudyState>> {
        let entry = Arc::new(Mutex::new(state));
        let mut users = lock(&self.users);
        if users.len() >= MAX_USERS {
            users.clear();
        }
        users.insert(user_id.to_owned(), Arc::clone(&entry));
        entry
    }

    /// Applies a grade recorded by this instance, or drops the copy when it cannot.
    pub fn apply_grade(&self, user_id: &str, grade: &RecordedGrade) {
        let Some(entry) = lock(&self.users).get(user_id).cloned() else {
            return;
        };
        if !lock(&entry).apply_grade(grade) {
            self.forget(user_id);
        }
    }

    /// Drops the user's copy (after a change this instance made other than a grade).
    pub fn forget(&self, user_id: &str) {
        lock(&self.users).remove(user_id);
    }
}

/// A poisoned lock only means another request panicked while holding it; the state inside is
/// still a whole value (every change is one assignment), so carry on with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The bank and the user's study state, both current: from memory when this instance holds
/// them, else loaded with a few bounded queries.
pub struct Study {
    pub bank: Arc<BankSnapshot>,
    pub state: Arc<Mutex<StudyState>>,
}

impl Study {
    pub fn lock(&self) -> MutexGuard<'_, StudyState> {
        lock(&self.state)
    }
}

/// Today's counts for a user (the home page shows them).
pub async fn today_counts(
    app: &AppState,
    user: &crate::accounts::service::SessionUser,
) -> Result<Counts, AppError> {
    let study = load(app, user).await?;
    let mut held = study.lock();
    Ok(held.glance(&study.bank, &user.user_id, None, None).counts)
}

/// The study state of the signed-in user, for any practice page.
pub async fn load(
    app: &AppState,
    user: &crate::accounts::service::SessionUser,
) -> Result<Study, AppError> {
    let now = app.clock.now();
    let version = user.study_version;
    let bank = app.bank_at(user.bank_generation).await?;
    // The bank may have moved on since the session lookup; the state follows the bank it gets.
    let generation = bank.generation;
    if let Some(state) = app.study.current(&user.user_id, version, generation, now) {
        return Ok(Study { bank, state });
    }
    tracing::debug!(user = %user.user_id, version, generation, "loading the study state");
    let user_id = user.user_id.clone();
    let loaded = app
        .read(move |conn| {
            Ok(service::load_study_state(
                conn, &user_id, version, generation, now,
            )?)
        })
        .await?;
    let state = app.study.keep(&user.user_id, loaded);
    Ok(Study { bank, state })
}
