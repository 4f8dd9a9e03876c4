//! Each user's progress data held in memory, so a progress page loaded again costs no query
//! beyond the session lookup and no figure worked out again.
//!
//! What the pages read (settings, cards, reviews summed per study day, the topic tree) changes
//! only through writes that bump the user's `study_version` (grades, undo, suspend, settings,
//! the plan), or through an import (a new bank generation), or when the study day turns over.
//! The session lookup that every signed-in request makes reads the first two, so a copy is
//! current while all three match — the same rule as `practice::state`. The statistics and
//! roadmap figures depend on nothing else, so they are worked out once per copy, and so are the
//! readiness figures except in the final stretch before the interview, where the final review's
//! "not graded for a week" moves with the clock: there they are worked out on each request
//! from the held data.

use super::readiness;
use super::roadmap::{AreaNode, LevelCounts, TopicRow};
use super::service::{self, Loaded, ReadinessFigures, StatsFigures};
use super::stats::DayTotals;
use crate::accounts::service::SessionUser;
use crate::bank::cache::BankSnapshot;
use crate::practice::state::lock;
use crate::state::AppState;
use crate::web::error::AppError;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One user's progress data at one study version, bank generation and study day.
pub struct ProgressData {
    version: i64,
    generation: i64,
    pub loaded: Loaded,
    pub days: Vec<DayTotals>,
    pub topics: Vec<TopicRow>,
    stats: OnceLock<Arc<StatsFigures>>,
    roadmap: OnceLock<Arc<(Vec<AreaNode>, LevelCounts)>>,
    /// The roadmap page below its tabs, as rendered from `roadmap`.
    roadmap_body: OnceLock<RenderedHtml>,
    /// Readiness outside the final stretch (where nothing in it depends on the time of day).
    readiness: OnceLock<Arc<Option<ReadinessFigures>>>,
}

impl ProgressData {
    fn is_current(&self, version: i64, generation: i64, now: DateTime<Utc>) -> bool {
        self.version == version
            && self.generation == generation
            && self.loaded.settings.day_clock().study_day(now) == self.loaded.today
    }

    /// The statistics page's figures, worked out on first use.
    pub fn stats(&self, bank: &BankSnapshot, user_id: &str) -> Arc<StatsFigures> {
        Arc::clone(self.stats.get_or_init(|| {
            Arc::new(service::stats_figures(
                bank,
                user_id,
                &self.loaded,
                &self.days,
            ))
        }))
    }

    /// The roadmap's tree and counts, worked out on first use.
    pub fn roadmap(&self, bank: &BankSnapshot, user_id: &str) -> Arc<(Vec<AreaNode>, LevelCounts)> {
        Arc::clone(self.roadmap.get_or_init(|| {
            Arc::new(service::roadmap_figures(
                bank,
                user_id,
                &self.loaded,
                &self.topics,
            ))
        }))
    }
}

impl ProgressData {
    /// The roadmap page's body, rendered by `render` from the roadmap's figures on first use:
    /// the page is some 60 KB, and rendering it again on every request was most of its cost.
    pub fn roadmap_body<E>(
        &self,
        bank: &BankSnapshot,
        user_id: &str,
        render: impl FnOnce(&(Vec<AreaNode>, LevelCounts)) -> Result<String, E>,
    ) -> Result<RenderedHtml, E> {
        if let Some(held) = self.roadmap_body.get() {
            return Ok(held.clone());
        }
        let rendered = RenderedHtml(render(&self.roadmap(bank, user_id))?.into());
        Ok(self.roadmap_body.get_or_init(|| rendered).clone())
    }

    /// The readiness page's figures at `now`: worked out once, except in the final stretch,
    /// where the final review's "not graded for a week" moves with the clock.
    pub fn readiness(
        &self,
        bank: &BankSnapshot,
        user_id: &str,
        now: NaiveDateTime,
    ) -> Arc<Option<ReadinessFigures>> {
        let work_out = || {
            Arc::new(service::readiness_figures(
                bank,
                user_id,
                &self.loaded,
                &self.topics,
                now,
            ))
        };
        let in_final_stretch = self
            .loaded
            .settings
            .interview_date
            .is_some_and(|interview| readiness::in_final_stretch(self.loaded.today, interview));
        if in_final_stretch {
            return work_out();
        }
        Arc::clone(self.readiness.get_or_init(work_out))
    }
}

/// HTML that a template rendered (so escaped as it rendered), held to be printed into a page
/// again: askama prints it as it is instead of escaping it a second time.
#[derive(Clone, Debug)]
pub struct RenderedHtml(Arc<str>);

impl std::fmt::Display for RenderedHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for RenderedHtml {}

/// Each user's [`ProgressData`] in this instance.
#[derive(Default)]
pub struct ProgressCache {
    users: Mutex<HashMap<String, Arc<ProgressData>>>,
    /// One lock per user whose data is being loaded, so requests that find it missing at the
    /// same moment (a page opened in several tabs, or 32 benchmark connections) wait for one
    /// load instead of each running it.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// How many users' data one instance keeps before it starts afresh: a card per question, a row
/// per day studied, the topic tree and the figures come to some 150 KB for a year of history,
/// so 150 MB at the very worst; a user past the limit costs one load again.
const MAX_USERS: usize = 1_000;

impl ProgressCache {
    fn current(
        &self,
        user_id: &str,
        version: i64,
        generation: i64,
        now: DateTime<Utc>,
    ) -> Option<Arc<ProgressData>> {
        let data = lock(&self.users).get(user_id).cloned()?;
        data.is_current(version, generation, now).then_some(data)
    }

    fn loading_lock(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut loading = lock(&self.loading);
        if loading.len() >= MAX_USERS {
            loading.retain(|_, held| Arc::strong_count(held) > 1);
        }
        Arc::clone(loading.entry(user_id.to_owned()).or_default())
    }

    fn keep(&self, user_id: &str, data: ProgressData) -> Arc<ProgressData> {
        let data = Arc::new(data);
        let mut users = lock(&self.users);
        if users.len() >= MAX_USERS {
            users.clear();
        }
        users.insert(user_id.to_owned(), Arc::clone(&data));
        data
    }
}

/// The bank and the signed-in user's progress data, both current: from memory when this
/// instance holds them, else loaded in one read transaction.
pub async fn load(
    app: &AppState,
    user: &SessionUser,
) -> Result<(Arc<BankSnapshot>, Arc<ProgressData>), AppError> {
    let now = app.clock.now();
    let version = user.study_version;
    let bank = app.bank_at(user.bank_generation).await?;
    let generation = bank.generation;
    let current = || {
        app.progress
            .current(&user.user_id, version, generation, now)
    };
    if let Some(data) = current() {
        return Ok((bank, data));
    }
    let loading = app.progress.loading_lock(&user.user_id);
    let _one_load = loading.lock().await;
    if let Some(data) = current() {
        return Ok((bank, data));
    }
    let user_id = user.user_id.clone();
    let (loaded, days, topics) = app
        .read(move |conn| Ok(service::load_all(conn, &user_id, now)?))
        .await?;
    let data = ProgressData {
        version,
        generation,
        loaded,
        days,
        topics,
        stats: OnceLock::new(),
        roadmap: OnceLock::new(),
        roadmap_body: OnceLock::new(),
        readiness: OnceLock::new(),
    };
    Ok((bank, app.progress.keep(&user.user_id, data)))
}
