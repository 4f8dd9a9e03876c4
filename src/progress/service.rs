//! Loads what the progress pages need (one read transaction per page, a few bounded queries)
//! and puts the pure modules' figures together; applies the readiness plan.

use super::chart::{self, BarChart};
use super::export::{self, AnkiNote};
use super::queries;
use super::readiness::{self, FinalReason, Plan, Share};
use super::roadmap::{self, AreaNode, LevelCounts, QuestionRef, TopicRow};
use super::stats::{self, CardFacts, CardKind, DayTotals, Heatmap, Retention};
use crate::accounts::settings::{MAX_NEW_PER_DAY, Settings};
use crate::bank::cache::{BankSnapshot, CachedQuestion};
use crate::db::DbConnection;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::Connection;
use diesel::result::QueryResult;
use std::collections::HashMap;

/// The user's settings, study day and cards, read together.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub settings: Settings,
    pub today: NaiveDate,
    pub cards: Vec<CardFacts>,
}

impl Loaded {
    fn by_id(&self) -> HashMap<&str, &CardFacts> {
        self.cards
            .iter()
            .map(|c| (c.question_id.as_str(), c))
            .collect()
    }
}

fn load(conn: &mut DbConnection, user_id: &str, now: DateTime<Utc>) -> QueryResult<Loaded> {
    let settings = crate::accounts::service::load_settings(conn, user_id)?;
    let today = settings.day_clock().study_day(now);
    let cards = queries::user_cards(conn, user_id)?;
    Ok(Loaded {
        settings,
        today,
        cards,
    })
}

/// Everything the progress pages read, in one read transaction: the user's settings and cards,
/// their reviews summed per study day, and the topic tree (see `cache`, which holds it).
pub fn load_all(
    conn: &mut DbConnection,
    user_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<(Loaded, Vec<DayTotals>, Vec<TopicRow>)> {
    conn.transaction(|conn| {
        let loaded = load(conn, user_id, now)?;
        let days = queries::day_totals(conn, user_id)?;
        let topics = queries::topic_rows(conn)?;
        Ok((loaded, days, topics))
    })
}

/// A suspended leech, for the list on the statistics page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeechItem {
    pub key: String,
    pub summary: String,
    pub lapses: i32,
}

/// Everything the statistics page shows.
pub struct StatsFigures {
    pub heatmap: Heatmap,
    pub streak: u32,
    pub forecast: BarChart,
    pub forecast_total: u64,
    pub retention: Retention,
    pub states: Vec<(CardKind, u64)>,
    pub time: BarChart,
    pub time_total_seconds: u64,
    pub leeches: Vec<LeechItem>,
    /// Days left and the overall readiness, when an interview date is set.
    pub readiness: Option<(i64, Share)>,
}

fn open_questions<'a>(
    bank: &'a BankSnapshot,
    settings: &Settings,
    user_id: &str,
) -> Vec<&'a CachedQuestion> {
    crate::practice::service::candidates(bank, settings, user_id, None)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn stats_figures(
    bank: &BankSnapshot,
    user_id: &str,
    loaded: &Loaded,
    days: &[DayTotals],
) -> StatsFigures {
    let today = loaded.today;
    let open = open_questions(bank, &loaded.settings, user_id);
    let by_id = loaded.by_id();
    let open_cards: Vec<&CardFacts> = open
        .iter()
        .filter_map(|q| by_id.get(q.id.as_str()).copied())
        .collect();
    let forecast = stats::forecast(today, open_cards.iter().copied());
    let time = stats::time_per_day(today, days);
    let mut leeches: Vec<LeechItem> = loaded
        .cards
        .iter()
        .filter(|c| c.suspended && super::leech::is_leech(c.lapses))
        .filter_map(|c| {
            bank.by_id(&c.question_id).map(|q| LeechItem {
                key: q.key.clone(),
                summary: q.summary.clone(),
                lapses: c.lapses,
            })
        })
        .collect();
    leeches.sort_by(|a, b| b.lapses.cmp(&a.lapses).then_with(|| a.key.cmp(&b.key)));
    let readiness = loaded.settings.interview_date.map(|interview| {
        let mut share = Share::default();
        for q in &open {
            share.count(readiness::is_ready(
                by_id.get(q.id.as_str()).copied(),
                interview,
            ));
        }
        (readiness::days_left(today, interview), share)
    });
    StatsFigures {
        readiness,
        heatmap: stats::heatmap(today, days),
        streak: stats::current_streak(today, days),
        forecast_total: forecast.iter().map(|(_, n)| n).sum(),
        forecast: chart::bar_chart(
            &forecast,
            |n| plural(n, "review", "reviews"),
            |n| n.to_string(),
        ),
        retention: stats::retention(today, days),
        states: stats::card_states(open.iter().map(|q| q.id.as_str()), &by_id, today),
        time_total_seconds: time.iter().map(|(_, s)| s).sum(),
        time: chart::bar_chart(&time, stats::duration_words, |s| {
            if s < 120 {
                format!("{s}s")
            } else {
                format!("{}m", (s + 30) / 60)
            }
        }),
        leeches,
    }
}

/// The roadmap page's tree and its counts of topics per level.
pub fn roadmap_figures(
    bank: &BankSnapshot,
    user_id: &str,
    loaded: &Loaded,
    topics: &[TopicRow],
) -> (Vec<AreaNode>, LevelCounts) {
    let open = open_questions(bank, &loaded.settings, user_id);
    let refs: Vec<QuestionRef<'_>> = open
        .iter()
        .map(|q| QuestionRef {
            id: &q.id,
            topic_id: &q.topic_id,
        })
        .collect();
    let tree = roadmap::roadmap(topics, &refs, &loaded.by_id());
    let counts = roadmap::topic_level_counts(&tree);
    (tree, counts)
}

/// One area's readiness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaReadiness {
    pub id: String,
    pub title: String,
    pub share: Share,
}

/// A question of the final review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalItem {
    pub key: String,
    pub summary: String,
    pub failed: bool,
    /// "never" or the date of the last grade (UTC).
    pub last_seen: String,
}

/// Everything the readiness page shows once an interview date is set.
pub struct ReadinessFigures {
    pub interview: NaiveDate,
    pub days_left: i64,
    pub overall: Share,
    pub areas: Vec<AreaReadiness>,
    pub unseen: u32,
    pub plan: Plan,
    pub final_stretch: bool,
    pub final_review: Vec<FinalItem>,
}

/// The questions of the active sets never graded yet (suspended ones left out: they are not
/// studied).
fn unseen(open: &[&CachedQuestion], by_id: &HashMap<&str, &CardFacts>) -> u32 {
    let count = open
        .iter()
        .filter(|q| match by_id.get(q.id.as_str()) {
            None => true,
            Some(card) => card.due_day.is_none() && !card.suspended,
        })
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The readiness page's figures at `now` (the final review's "not seen for a week" moves with
/// the clock, so these are worked out on each request from the held data).
pub fn readiness_figures(
    bank: &BankSnapshot,
    user_id: &str,
    loaded: &Loaded,
    topics: &[TopicRow],
    now: NaiveDateTime,
) -> Option<ReadinessFigures> {
    let interview = loaded.settings.interview_date?;
    let today = loaded.today;
    let open = open_questions(bank, &loaded.settings, user_id);
    let by_id = loaded.by_id();
    let mut overall = Share::default();
    let mut per_area: HashMap<&str, Share> = HashMap::new();
    for q in &open {
        let ready = readiness::is_ready(by_id.get(q.id.as_str()).copied(), interview);
        overall.count(ready);
        per_area.entry(q.area_id.as_str()).or_default().count(ready);
    }
    let mut areas_in_order: Vec<&TopicRow> =
        topics.iter().filter(|t| t.parent_id.is_none()).collect();
    areas_in_order.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    let areas = areas_in_order
        .into_iter()
        .filter_map(|t| {
            per_area.get(t.id.as_str()).map(|share| AreaReadiness {
                id: t.id.clone(),
                title: t.title.clone(),
                share: *share,
            })
        })
        .collect();
    let unseen = unseen(&open, &by_id);
    let final_stretch = readiness::in_final_stretch(today, interview);
    let final_review = final_review_cards(bank, user_id, loaded, now)
        .into_iter()
        .filter_map(|(card, reason)| {
            bank.by_id(&card.question_id).map(|q| FinalItem {
                key: q.key.clone(),
                summary: q.summary.clone(),
                failed: reason == FinalReason::Failed,
                last_seen: card
                    .last_reviewed_at
                    .map(|at| at.format("%a %-d %b").to_string())
                    .unwrap_or_else(|| "never".into()),
            })
        })
        .collect();
    Some(ReadinessFigures {
        interview,
        days_left: readiness::days_left(today, interview),
        overall,
        areas,
        unseen,
        plan: readiness::plan(today, interview, unseen),
        final_stretch,
        final_review,
    })
}

/// The final review's cards in order (failed last time first, then the longest unseen) among
/// the questions of the user's active sets; none outside the final stretch before an
/// interview date.
fn final_review_cards<'a>(
    bank: &BankSnapshot,
    user_id: &str,
    loaded: &'a Loaded,
    now: NaiveDateTime,
) -> Vec<(&'a CardFacts, FinalReason)> {
    let in_stretch = loaded
        .settings
        .interview_date
        .is_some_and(|interview| readiness::in_final_stretch(loaded.today, interview));
    if !in_stretch {
        return Vec::new();
    }
    let by_id = loaded.by_id();
    let open_cards = open_questions(bank, &loaded.settings, user_id)
        .into_iter()
        .filter_map(|q| by_id.get(q.id.as_str()).copied());
    readiness::final_review(open_cards, now)
}

/// The final review as a study queue: the ids of its questions in order (see
/// [`readiness::final_queue`]).
pub fn final_review_queue(
    bank: &BankSnapshot,
    user_id: &str,
    loaded: &Loaded,
    now: NaiveDateTime,
    latest_grade_today: impl Fn(&str) -> Option<u8>,
) -> Vec<String> {
    let list = final_review_cards(bank, user_id, loaded, now);
    readiness::final_queue(list.iter().map(|(card, _)| *card), latest_grade_today)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// What applying the plan did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanApplied {
    /// The daily limit of new questions is now this.
    Set(u32),
    /// No interview date, or no plan to apply (nothing new, or too late).
    NoPlan,
}

/// Sets the daily limit of new questions to the plan worked out now, in one transaction (the
/// plan is worked out again here rather than taken from the form, so it matches the data).
pub fn apply_plan(
    conn: &mut DbConnection,
    bank: &BankSnapshot,
    user_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<PlanApplied> {
    crate::db::write_transaction(conn, |conn| {
        let loaded = load(conn, user_id, now)?;
        let Some(interview) = loaded.settings.interview_date else {
            return Ok(PlanApplied::NoPlan);
        };
        let open = open_questions(bank, &loaded.settings, user_id);
        let unseen = unseen(&open, &loaded.by_id());
        match readiness::plan(loaded.today, interview, unseen) {
            Plan::PerDay { new_per_day, .. } => {
                let limit = new_per_day.min(MAX_NEW_PER_DAY);
                crate::practice::service::bump_study_version(conn, user_id)?;
                queries::set_new_per_day(conn, user_id, limit)?;
                Ok(PlanApplied::Set(limit))
            }
            Plan::NothingNew | Plan::TooLate { .. } => Ok(PlanApplied::NoPlan),
        }
    })
}

/// The user's review log as CSV.
pub fn review_log_csv(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<Vec<u8>, crate::web::error::AppError> {
    let lines = queries::review_log(conn, user_id)?;
    Ok(export::review_log_csv(&lines)?)
}

/// The questions of the user's active sets as a file Anki imports, in roadmap order.
pub fn anki_file(
    bank: &BankSnapshot,
    settings: &Settings,
    user_id: &str,
) -> Result<Vec<u8>, export::ExportError> {
    let open = open_questions(bank, settings, user_id);
    let notes: Vec<AnkiNote<'_>> = open
        .iter()
        .map(|q| {
            let mut tags = vec![
                q.set_slug.as_str(),
                q.topic_id.as_str(),
                q.difficulty.as_str(),
            ];
            tags.extend(q.tags.iter().map(String::as_str));
            AnkiNote {
                key: &q.key,
                front_html: q.prompt_html.as_str(),
                answer_html: q.answer_html.as_str(),
                key_points: &q.key_points,
                tags,
            }
        })
        .collect();
    export::anki_file(&notes)
}

/// What the leech notice shows: the question's failures, if its card is a suspended leech.
pub fn leech_failures(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
) -> QueryResult<Option<i32>> {
    let card = crate::practice::service::card_state(conn, user_id, question_id)?;
    Ok((card.suspended && super::leech::is_leech(card.lapses)).then_some(card.lapses))
}
