//! Progress pages: statistics, the roadmap, readiness with its plan, the leech notice, and the
//! two downloads. Handlers read the request, call the service and render; the figures come
//! from the pure modules.

use super::cache::{self, RenderedHtml};
use super::chart::BarChart;
use super::readiness::{self, FINAL_REVIEW_DAYS, FINAL_REVIEW_TOPIC, Plan, Share};
use super::roadmap::{AreaNode, Level, LevelCounts};
use super::service::{self, FinalItem, LeechItem, PlanApplied, ReadinessFigures};
use super::stats::{self, Heatmap, PassCount};
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

/// Renders a page into a buffer of about its size (the statistics and roadmap pages run to
/// 60–80 KB, which a growing buffer would copy over and over).
fn render_sized(page: &impl Template) -> Result<String, AppError> {
    let mut body = String::with_capacity(96 * 1024);
    page.render_into(&mut body)?;
    Ok(body)
}

/// `?topic=…` for a topic id.
fn topic_query(topic: &str) -> String {
    format!(
        "?{}",
        serde_urlencoded::to_string([("topic", topic)]).unwrap_or_default()
    )
}

/// Where a grade that made a card a leech leads: the notice explaining it.
pub fn leech_notice_path(key: &str, topic: &Option<String>) -> String {
    match topic {
        Some(topic) => format!("/progress/leech/{key}{}", topic_query(topic)),
        None => format!("/progress/leech/{key}"),
    }
}

/// A retention row of the page.
struct RetentionRow {
    label: &'static str,
    recent: String,
    all: String,
}

fn retention_rows(r: &stats::Retention) -> Vec<RetentionRow> {
    let row = |label, recent: PassCount, all: PassCount| RetentionRow {
        label,
        recent: recent.describe(),
        all: all.describe(),
    };
    vec![
        row(
            "Young cards (interval under 21 days)",
            r.young_recent,
            r.young_all,
        ),
        row(
            "Mature cards (interval 21 days or more)",
            r.mature_recent,
            r.mature_all,
        ),
        row(
            "All scheduled reviews",
            r.young_recent.plus(r.mature_recent),
            r.young_all.plus(r.mature_all),
        ),
    ]
}

/// A card state with its count, as the table shows it.
struct StateRow {
    name: &'static str,
    rule: &'static str,
    count: u64,
}

/// The readiness summary the statistics page shows when an interview date is set.
struct ReadinessGlance {
    days_left: i64,
    percent: u32,
}

#[derive(Template)]
#[template(path = "progress/stats.html")]
struct StatsPage {
    nav: Nav,
    heatmap: Heatmap,
    streak: u32,
    forecast: BarChart,
    forecast_total: u64,
    retention: Vec<RetentionRow>,
    states: Vec<StateRow>,
    time: BarChart,
    time_total: String,
    leeches: Vec<LeechItem>,
    readiness: Option<ReadinessGlance>,
}

#[get("/progress")]
async fn stats_page(SignedIn { context, user }: SignedIn) -> Result<HttpResponse, AppError> {
    let (bank, data) = cache::load(&context.state, &user).await?;
    let figures = data.stats(&bank, &user.user_id);
    let readiness = figures.readiness.map(|(days_left, share)| ReadinessGlance {
        days_left,
        percent: share.percent(),
    });
    let page = StatsPage {
        nav: context.nav(),
        heatmap: figures.heatmap.clone(),
        streak: figures.streak,
        forecast: figures.forecast.clone(),
        forecast_total: figures.forecast_total,
        retention: retention_rows(&figures.retention),
        states: figures
            .states
            .iter()
            .map(|(kind, count)| StateRow {
                name: kind.name(),
                rule: kind.rule(),
                count: *count,
            })
            .collect(),
        time: figures.time.clone(),
        time_total: stats::duration_words(figures.time_total_seconds),
        leeches: figures.leeches.clone(),
        readiness,
    };
    Ok(context.html(StatusCode::OK, render_sized(&page)?))
}

/// The CSS width class of a bar for a percentage (5 % steps, rounded down).
fn width_class(percent: u32) -> String {
    format!("w{}", percent.min(100) / 5 * 5)
}

#[derive(Template)]
#[template(path = "progress/roadmap.html")]
struct RoadmapPage {
    nav: Nav,
    body: RenderedHtml,
}

/// The roadmap below its tabs, the same for every request until the user's progress moves.
#[derive(Template)]
#[template(path = "progress/roadmap_body.html")]
pub struct RoadmapBody<'a> {
    pub areas: &'a [AreaNode],
    pub levels: [Level; 4],
    pub topic_counts: LevelCounts,
}

impl RoadmapBody<'_> {
    fn study_query(&self, topic: &str) -> String {
        topic_query(topic)
    }

    fn count_of(&self, counts: &LevelCounts, level: &Level) -> u32 {
        counts.of(*level)
    }
}

#[get("/progress/roadmap")]
async fn roadmap_page(SignedIn { context, user }: SignedIn) -> Result<HttpResponse, AppError> {
    let (bank, data) = cache::load(&context.state, &user).await?;
    let body = data.roadmap_body(&bank, &user.user_id, |(areas, topic_counts)| {
        render_sized(&RoadmapBody {
            areas,
            levels: Level::ALL,
            topic_counts: *topic_counts,
        })
    })?;
    let page = RoadmapPage {
        nav: context.nav(),
        body,
    };
    Ok(context.html(StatusCode::OK, render_sized(&page)?))
}

/// A readiness bar: the title, the share and its width class.
struct ShareRow {
    title: String,
    study_query: String,
    ready: u32,
    total: u32,
    percent: u32,
    width: String,
}

fn share_row(title: &str, topic: Option<&str>, share: Share) -> ShareRow {
    ShareRow {
        title: title.to_owned(),
        study_query: topic.map(topic_query).unwrap_or_default(),
        ready: share.ready,
        total: share.total,
        percent: share.percent(),
        width: width_class(share.percent()),
    }
}

/// The plan, as the page words it.
struct PlanView {
    /// The daily limit the plan asks for, when there is one to apply.
    new_per_day: Option<u32>,
    /// "12 new questions a day"
    per_day_words: String,
    /// "10 days"
    days_words: String,
    unseen: u32,
    too_late: bool,
}

impl PlanView {
    fn none(unseen: u32, too_late: bool) -> PlanView {
        PlanView {
            new_per_day: None,
            per_day_words: String::new(),
            days_words: String::new(),
            unseen,
            too_late,
        }
    }
}

#[derive(Template)]
#[template(path = "progress/readiness.html")]
struct ReadinessPage {
    nav: Nav,
    csrf: String,
    /// `None` without an interview date.
    interview: Option<String>,
    days_left: i64,
    overall: Option<ShareRow>,
    areas: Vec<ShareRow>,
    plan: PlanView,
    current_new_per_day: u32,
    /// The daily limit is already the plan's.
    plan_matches: bool,
    applied: Option<u32>,
    final_stretch: bool,
    final_days: i64,
    final_review: Vec<FinalItem>,
    /// Where the final review's queue starts.
    final_review_start: String,
    /// Back from the final review's queue with nothing left in it.
    final_review_done: bool,
}

#[derive(serde::Deserialize)]
struct ReadinessQuery {
    applied: Option<u32>,
    #[serde(rename = "final")]
    final_review: Option<String>,
}

fn plan_view(figures: &ReadinessFigures) -> PlanView {
    match figures.plan {
        Plan::PerDay {
            new_per_day,
            days,
            unseen,
        } => {
            let limit = new_per_day.min(crate::accounts::settings::MAX_NEW_PER_DAY);
            PlanView {
                new_per_day: Some(limit),
                per_day_words: format!(
                    "{limit} new question{} a day",
                    if limit == 1 { "" } else { "s" }
                ),
                days_words: format!("{days} day{}", if days == 1 { "" } else { "s" }),
                unseen,
                too_late: false,
            }
        }
        Plan::NothingNew => PlanView::none(0, false),
        Plan::TooLate { unseen } => PlanView::none(unseen, true),
    }
}

#[get("/progress/readiness")]
async fn readiness_page(
    SignedIn { context, user }: SignedIn,
    query: web::Query<ReadinessQuery>,
) -> Result<HttpResponse, AppError> {
    let (bank, data) = cache::load(&context.state, &user).await?;
    let now = context.state.clock.now().naive_utc();
    let loaded = &data.loaded;
    let figures = data.readiness(&bank, &user.user_id, now);
    let final_review = match figures.as_ref() {
        Some(f) if f.final_stretch => {
            // Today's grades live in the study state, which the queue reads too.
            let study = crate::practice::state::load(&context.state, &user).await?;
            let held = study.lock();
            readiness::in_queue_order(f.final_review.iter().cloned(), |item| {
                bank.by_key(&item.key)
                    .and_then(|question| held.latest_grade_today(&question.id))
            })
        }
        Some(f) => f.final_review.clone(),
        None => Vec::new(),
    };
    let page = match figures.as_ref() {
        Some(f) => ReadinessPage {
            nav: context.nav(),
            csrf: context.csrf.clone(),
            interview: Some(f.interview.format("%A %-d %B %Y").to_string()),
            days_left: f.days_left,
            overall: Some(share_row(
                "All questions of your active sets",
                None,
                f.overall,
            )),
            areas: f
                .areas
                .iter()
                .map(|a| share_row(&a.title, Some(&a.id), a.share))
                .collect(),
            plan_matches: plan_view(f).new_per_day == Some(loaded.settings.new_per_day),
            plan: plan_view(f),
            current_new_per_day: loaded.settings.new_per_day,
            applied: query.applied,
            final_stretch: f.final_stretch,
            final_days: FINAL_REVIEW_DAYS,
            final_review,
            final_review_start: format!("/study/next{}", topic_query(FINAL_REVIEW_TOPIC)),
            final_review_done: query.final_review.as_deref() == Some("done"),
        },
        None => ReadinessPage {
            nav: context.nav(),
            csrf: context.csrf.clone(),
            interview: None,
            days_left: 0,
            overall: None,
            areas: Vec::new(),
            plan: PlanView::none(0, false),
            current_new_per_day: loaded.settings.new_per_day,
            plan_matches: false,
            applied: None,
            final_stretch: false,
            final_days: FINAL_REVIEW_DAYS,
            final_review: Vec::new(),
            final_review_start: String::new(),
            final_review_done: false,
        },
    };
    Ok(context.html(StatusCode::OK, page.render()?))
}

/// "Use this plan": sets the daily limit of new questions to the plan's figure.
#[post("/progress/readiness/plan")]
async fn apply_plan(
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let bank = context.state.bank_at(user.bank_generation).await?;
    let now = context.state.clock.now();
    let user_id = user.user_id.clone();
    let applied = context
        .state
        .write(move |conn| Ok(service::apply_plan(conn, &bank, &user_id, now)?))
        .await?;
    Ok(see_other(&match applied {
        PlanApplied::Set(limit) => format!("/progress/readiness?applied={limit}"),
        PlanApplied::NoPlan => "/progress/readiness".to_owned(),
    }))
}

#[derive(Template)]
#[template(path = "progress/leech.html")]
struct LeechPage {
    nav: Nav,
    csrf: String,
    key: String,
    summary: String,
    failures: i32,
    threshold: i32,
    topic: Option<String>,
    next: String,
}

#[derive(serde::Deserialize)]
struct TopicParam {
    topic: Option<String>,
}

/// Why a question just left the queue: it became a leech. Offers to unsuspend it.
#[get("/progress/leech/{set}/{id}")]
async fn leech_notice(
    SignedIn { context, user }: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<TopicParam>,
) -> Result<HttpResponse, AppError> {
    let (set, id) = path.into_inner();
    let bank = context.state.bank_at(user.bank_generation).await?;
    let question = bank
        .by_key(&format!("{set}/{id}"))
        .ok_or(AppError::NotFound)?;
    let user_id = user.user_id.clone();
    let question_id = question.id.clone();
    let failures = context
        .state
        .read(move |conn| Ok(service::leech_failures(conn, &user_id, &question_id)?))
        .await?;
    // Unsuspended since (or never a leech): nothing to explain, the question page says the rest.
    let Some(failures) = failures else {
        return Ok(see_other(&format!("/questions/{}", question.key)));
    };
    let topic = query
        .into_inner()
        .topic
        .filter(|t| t == FINAL_REVIEW_TOPIC || bank.topic_title(t).is_some());
    let page = LeechPage {
        nav: context.nav(),
        csrf: context.csrf.clone(),
        key: question.key.clone(),
        summary: question.summary.clone(),
        failures,
        threshold: super::leech::LEECH_LAPSES,
        next: format!(
            "/study/next{}",
            topic.as_deref().map(topic_query).unwrap_or_default()
        ),
        topic,
    };
    Ok(context.html(StatusCode::OK, page.render()?))
}

fn download(content_type: &str, filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type.to_owned()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// The review log as CSV.
#[get("/progress/reviews.csv")]
async fn review_log(SignedIn { context, user }: SignedIn) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let body = context
        .state
        .read(move |conn| service::review_log_csv(conn, &user_id))
        .await?;
    Ok(download(
        "text/csv; charset=utf-8",
        "rehearse-reviews.csv",
        body,
    ))
}

/// The active sets as a file Anki imports.
#[get("/progress/anki.txt")]
async fn anki_export(SignedIn { context, user }: SignedIn) -> Result<HttpResponse, AppError> {
    let bank = context.state.bank_at(user.bank_generation).await?;
    let user_id = user.user_id.clone();
    let settings = context
        .state
        .read(move |conn| Ok(crate::accounts::service::load_settings(conn, &user_id)?))
        .await?;
    let body = service::anki_file(&bank, &settings, &user.user_id)?;
    Ok(download(
        "text/plain; charset=utf-8",
        "rehearse-anki.txt",
        body,
    ))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(stats_page)
        .service(roadmap_page)
        .service(readiness_page)
        .service(apply_plan)
        .service(leech_notice)
        .service(review_log)
        .service(anki_export)
        // The schedulers page is a progress tab; its handlers live with the scheduler.
        .configure(crate::scheduler::routes::routes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_classes_step_by_five() {
        assert_eq!(width_class(0), "w0");
        assert_eq!(width_class(67), "w65");
        assert_eq!(width_class(100), "w100");
        assert_eq!(width_class(250), "w100");
    }

    #[test]
    fn the_leech_notice_keeps_the_topic() {
        assert_eq!(leech_notice_path("s/q1", &None), "/progress/leech/s/q1");
        assert_eq!(
            leech_notice_path("s/q1", &Some("event loop".into())),
            "/progress/leech/s/q1?topic=event+loop"
        );
    }
}
