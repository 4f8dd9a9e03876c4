//! Mock-interview pages: set-up, the question under the clock, the report, the history.

use super::report::{self, Outcome, ReportItem};
use super::service::{self, Interview, InterviewError, StepOutcome};
use super::setup::{self, PRESETS, SetupErrors, SetupForm};
use crate::accounts::service::load_settings;
use crate::bank::cache::{BankSnapshot, CachedQuestion};
use crate::sm2::Grade;
use crate::state::AppState;
use crate::web::auth::{PageContext, SignedIn};
use crate::web::error::AppError;
use crate::web::form::Fields;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDateTime;
use std::sync::Arc;

/// `m:ss`.
fn clock_text(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let secs = secs.abs();
    format!("{sign}{}:{:02}", secs / 60, secs % 60)
}

fn preset_title(id: Option<&str>) -> &'static str {
    PRESETS
        .iter()
        .find(|p| Some(p.id) == id)
        .map(|p| p.title)
        .unwrap_or("Custom interview")
}

// ---- Set-up ---------------------------------------------------------------------------------

struct AreaChoice {
    id: String,
    title: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "interview/new.html")]
struct NewPage {
    nav: Nav,
    csrf: String,
    presets: &'static [setup::Preset],
    areas: Vec<AreaChoice>,
    form: SetupForm,
    errors: SetupErrors,
    notice: Option<&'static str>,
    difficulties: &'static [&'static str],
}

fn areas(bank: &BankSnapshot, checked: &[String]) -> Vec<AreaChoice> {
    let mut seen = std::collections::HashSet::new();
    bank.questions
        .iter()
        .filter(|q| seen.insert(q.area_id.clone()))
        .map(|q| AreaChoice {
            id: q.area_id.clone(),
            title: bank.topic_title(&q.area_id).unwrap_or_default().to_owned(),
            checked: checked.contains(&q.area_id),
        })
        .collect()
}

fn default_form() -> SetupForm {
    SetupForm {
        topics: Vec::new(),
        weakest: false,
        difficulty: "mix".into(),
        count: "5".into(),
        timing: "total".into(),
        minutes: "20".into(),
    }
}

async fn render_new(
    ctx: &PageContext,
    state: &AppState,
    form: SetupForm,
    errors: SetupErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let cache = Arc::clone(&state.bank);
    let checked = form.topics.clone();
    let areas = state
        .read(move |conn| {
            let bank = cache.snapshot(conn)?;
            Ok(areas(&bank, &checked))
        })
        .await?;
    let page = NewPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        presets: &PRESETS,
        areas,
        form,
        errors,
        notice,
        difficulties: &setup::DIFFICULTIES,
    };
    Ok(ctx.html(status, page.render()?))
}

#[get("/interviews/new")]
async fn new_interview(
    SignedIn { context, .. }: SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render_new(
        &context,
        &state,
        default_form(),
        SetupErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/interviews")]
async fn create_interview(
    state: web::Data<AppState>,
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let preset = fields.non_empty("preset");
    let raw = SetupForm {
        topics: fields
            .0
            .iter()
            .filter(|(k, _)| k == "topic")
            .map(|(_, v)| v.clone())
            .collect(),
        weakest: fields.get("weakest") == "on",
        difficulty: fields.get("difficulty").to_owned(),
        count: fields.get("count").to_owned(),
        timing: fields.get("timing").to_owned(),
        minutes: fields.get("minutes").to_owned(),
    };
    let cache = Arc::clone(&state.bank);
    let user_id = user.user_id.clone();
    let now = state.clock.now().naive_utc();
    let seed: u64 = rand::random();
    let form_for_errors = raw.clone();
    let created = state
        .write(move |conn| {
            let bank = cache.snapshot(conn)?;
            let options = match preset.as_deref() {
                Some(id) => setup::preset_options(id).ok_or_else(|| {
                    AppError::BadRequest("That interview preset does not exist.".into())
                })?,
                None => match setup::parse_form(&raw, |t| bank.topic_title(t).is_some()) {
                    Ok(options) => options,
                    Err(errors) => return Ok(Err(Some(errors))),
                },
            };
            match service::create(
                conn,
                &bank,
                &user_id,
                &options,
                preset.as_deref(),
                seed,
                now,
            ) {
                Ok(id) => Ok(Ok(id)),
                Err(InterviewError::NoQuestions) => Ok(Err(None)),
                Err(other) => Err(other.into()),
            }
        })
        .await?;
    let ctx = &context;
    match created {
        Ok(id) => Ok(see_other(&format!("/interviews/{id}"))),
        Err(Some(errors)) => {
            render_new(
                ctx,
                &state,
                form_for_errors,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(None) => {
            render_new(
                ctx,
                &state,
                form_for_errors,
                SetupErrors::default(),
                Some("No questions match these choices. Choose more topics or any difficulty."),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- The interview --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "interview/question.html")]
struct QuestionPage<'a> {
    nav: Nav,
    csrf: String,
    interview_id: String,
    title: &'static str,
    item_id: String,
    number: usize,
    total: usize,
    is_follow_up: bool,
    question: &'a CachedQuestion,
    revealed: bool,
    notes: String,
    /// Seconds left on the clock that applies (negative: over time), or `None` untimed.
    remaining_secs: Option<i64>,
    remaining_text: String,
    clock_label: &'static str,
    deadline_text: String,
    elapsed_text: String,
    grades: &'static [(u8, &'static str, &'static str)],
}

/// Loads the interview, ending it first if its total time is up.
async fn load_interview(
    state: &AppState,
    user_id: String,
    id: String,
) -> Result<(Interview, Arc<BankSnapshot>), AppError> {
    let cache = Arc::clone(&state.bank);
    let now = state.clock.now().naive_utc();
    let (reader_user, reader_id) = (user_id.clone(), id.clone());
    let (interview, bank) = state
        .read(move |conn| {
            let bank = cache.snapshot(conn)?;
            let interview =
                service::load(conn, &reader_user, &reader_id)?.ok_or(AppError::NotFound)?;
            Ok((interview, bank))
        })
        .await?;
    if !interview.ran_out_of_time(now) {
        return Ok((interview, bank));
    }
    // Out of time: end it on the writer (another request may have ended it meanwhile) and
    // read it back as ended.
    let interview = state
        .write(move |conn| {
            let interview = service::load(conn, &user_id, &id)?.ok_or(AppError::NotFound)?;
            service::expire_if_over(conn, &interview, now)?;
            service::load(conn, &user_id, &id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((interview, bank))
}

fn time_text(at: NaiveDateTime) -> String {
    at.format("%H:%M:%S UTC").to_string()
}

#[get("/interviews/{id}")]
async fn show_interview(
    SignedIn { context, user }: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (interview, bank) = load_interview(&state, user.user_id.clone(), id.clone()).await?;
    let Some(current) = interview.current() else {
        return Ok(see_other(&format!("/interviews/{id}/report")));
    };
    let question = bank.by_id(&current.question_id).ok_or(AppError::NotFound)?;
    let now = state.clock.now().naive_utc();
    // The clock that applies: the whole interview's, else this question's own.
    let (deadline, clock_label) = match (interview.deadline_at, current.deadline_at) {
        (Some(total), _) => (Some(total), "left in this interview"),
        (None, Some(own)) => (Some(own), "left for this question"),
        (None, None) => (None, ""),
    };
    let remaining_secs = deadline.map(|d| (d - now).num_seconds());
    let elapsed = current
        .started_at
        .map(|s| (now - s).num_seconds().max(0))
        .unwrap_or(0);
    let ctx = &context;
    let number = interview
        .items
        .iter()
        .position(|i| i.id == current.id)
        .unwrap_or(0)
        + 1;
    let page = QuestionPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        interview_id: interview.id.clone(),
        title: preset_title(interview.preset.as_deref()),
        item_id: current.id.clone(),
        number,
        total: interview.items.len(),
        is_follow_up: current.is_follow_up,
        question,
        revealed: current.revealed_at.is_some(),
        notes: current.notes.clone(),
        remaining_text: remaining_secs
            .map(|s| {
                if s < 0 {
                    format!("over time by {}", clock_text(-s))
                } else {
                    clock_text(s)
                }
            })
            .unwrap_or_default(),
        remaining_secs,
        clock_label,
        deadline_text: deadline.map(time_text).unwrap_or_default(),
        elapsed_text: clock_text(elapsed),
        grades: &Grade::CHOICES,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

/// The form of a step: the CSRF token and which question the page was showing.
fn step_fields(fields: &Fields) -> Result<String, AppError> {
    fields.non_empty("item").ok_or_else(|| {
        AppError::BadRequest(
            "This page is missing part of its form. Reload it and try again.".into(),
        )
    })
}

fn after_step(id: &str, outcome: StepOutcome) -> HttpResponse {
    match outcome {
        StepOutcome::Over => see_other(&format!("/interviews/{id}/report")),
        StepOutcome::Done | StepOutcome::NotCurrent => see_other(&format!("/interviews/{id}")),
    }
}

#[post("/interviews/{id}/reveal")]
async fn reveal(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let item = step_fields(&fields)?;
    let id = path.into_inner();
    let notes: String = fields.get("notes").chars().take(20_000).collect();
    let user_id = user.user_id.clone();
    let now = state.clock.now().naive_utc();
    let target = id.clone();
    let outcome = state
        .write(move |conn| {
            Ok(service::reveal(
                conn, &user_id, &target, &item, &notes, now,
            )?)
        })
        .await?;
    Ok(after_step(&id, outcome))
}

#[post("/interviews/{id}/grade")]
async fn grade(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let item = step_fields(&fields)?;
    let grade = Grade::parse_field(fields.get("grade"))?;
    let hit: Vec<usize> = fields
        .0
        .iter()
        .filter(|(k, _)| k == "hit")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|i| *i < 50)
        .collect();
    let id = path.into_inner();
    let user_id = user.user_id.clone();
    let now = state.clock.now();
    let cache = Arc::clone(&state.bank);
    let target = id.clone();
    let outcome = state
        .write(move |conn| {
            let bank = cache.snapshot(conn)?;
            let today = load_settings(conn, &user_id)?.day_clock().study_day(now);
            Ok(service::grade(
                conn,
                &bank,
                &user_id,
                &target,
                &item,
                grade,
                hit.clone(),
                now.naive_utc(),
                today,
            )?)
        })
        .await?;
    Ok(after_step(&id, outcome))
}

#[post("/interviews/{id}/skip")]
async fn skip(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let item = step_fields(&fields)?;
    let id = path.into_inner();
    let user_id = user.user_id.clone();
    let now = state.clock.now().naive_utc();
    let target = id.clone();
    let outcome = state
        .write(move |conn| Ok(service::skip(conn, &user_id, &target, &item, now)?))
        .await?;
    Ok(after_step(&id, outcome))
}

#[post("/interviews/{id}/abandon")]
async fn abandon(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user_id = user.user_id.clone();
    let now = state.clock.now().naive_utc();
    let target = id.clone();
    let found = state
        .write(move |conn| Ok(service::abandon(conn, &user_id, &target, now)?))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/interviews/{id}/report")))
}

// ---- Report and history ---------------------------------------------------------------------

struct RowView {
    key: String,
    summary: String,
    area_title: String,
    is_follow_up: bool,
    result: String,
    missed: Vec<String>,
    time: String,
    limit: String,
    overtime: Option<String>,
}

struct AreaView {
    title: String,
    percent: u32,
    questions: usize,
    query: String,
}

#[derive(Template)]
#[template(path = "interview/report.html")]
struct ReportPage {
    nav: Nav,
    title: &'static str,
    status: String,
    started: String,
    percent: Option<u32>,
    rows: Vec<RowView>,
    areas: Vec<AreaView>,
    overtime_questions: usize,
    strongest: Option<AreaView>,
    weakest: Option<AreaView>,
}

fn area_view(area: &report::AreaScore) -> AreaView {
    AreaView {
        title: area.title.clone(),
        percent: area.percent,
        questions: area.questions,
        query: format!(
            "?{}",
            serde_urlencoded::to_string([("topic", &area.area_id)]).unwrap_or_default()
        ),
    }
}

#[get("/interviews/{id}/report")]
async fn show_report(
    SignedIn { context, user }: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (interview, bank) = load_interview(&state, user.user_id.clone(), id.clone()).await?;
    if interview.status == service::RUNNING {
        return Ok(see_other(&format!("/interviews/{id}")));
    }
    let items: Vec<ReportItem> = interview
        .items
        .iter()
        .filter_map(|item| {
            let q = bank.by_id(&item.question_id)?;
            Some(ReportItem {
                key: q.key.clone(),
                summary: q.summary.clone(),
                area_id: q.area_id.clone(),
                area_title: bank.topic_title(&q.area_id).unwrap_or_default().to_owned(),
                grade: item.grade,
                skipped: item.skipped,
                is_follow_up: item.is_follow_up,
                key_points: q.key_points.clone(),
                hit: item.key_points_hit.clone(),
                limit_secs: item.time_limit_secs.map(i64::from),
                started_at: item.started_at,
                ended_at: item.graded_at,
            })
        })
        .collect();
    let report = report::build(&items);
    let ctx = &context;
    let page = ReportPage {
        nav: ctx.nav(),
        title: preset_title(interview.preset.as_deref()),
        status: match interview.status.as_str() {
            service::ABANDONED => "ended early".into(),
            service::EXPIRED => "time ran out".into(),
            _ => "finished".into(),
        },
        started: interview
            .started_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        percent: report.percent,
        rows: report
            .rows
            .iter()
            .map(|row| RowView {
                key: row.key.clone(),
                summary: row.summary.clone(),
                area_title: row.area_title.clone(),
                is_follow_up: row.is_follow_up,
                result: match row.outcome {
                    Outcome::Graded(g) => format!(
                        "{g}/5 ({})",
                        u8::try_from(g)
                            .ok()
                            .and_then(Grade::new)
                            .map(Grade::label)
                            .unwrap_or("?")
                    ),
                    Outcome::Skipped => "skipped".into(),
                    Outcome::NotReached => "not reached".into(),
                },
                missed: row.missed.clone(),
                time: row.time_secs.map(clock_text).unwrap_or_else(|| "—".into()),
                limit: row.limit_secs.map(clock_text).unwrap_or_else(|| "—".into()),
                overtime: row.overtime_secs.map(clock_text),
            })
            .collect(),
        areas: report.areas.iter().map(area_view).collect(),
        overtime_questions: report.overtime_questions,
        strongest: report.strongest.as_ref().map(area_view),
        weakest: report.weakest.as_ref().map(area_view),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

struct PastView {
    id: String,
    title: &'static str,
    when: String,
    status: String,
    questions: usize,
    percent: Option<u32>,
    running: bool,
}

#[derive(Template)]
#[template(path = "interview/history.html")]
struct HistoryPage {
    nav: Nav,
    past: Vec<PastView>,
    chart: Option<TrendChart>,
}

/// A small inline SVG line chart of scores (0–100) over time, oldest first; drawn by
/// `interview/trend_chart.html`, so every value in it is escaped like any other.
struct TrendChart {
    width: i64,
    height: i64,
    pad: i64,
    /// "40%, 80%": what a screen reader says for the chart.
    label: String,
    /// The polyline's `points`.
    line: String,
    /// Each score's dot: x, y and the score.
    dots: Vec<(i64, i64, u32)>,
}

fn trend_chart(scores: &[u32]) -> Option<TrendChart> {
    if scores.len() < 2 {
        return None;
    }
    let (width, height, pad) = (600_i64, 160_i64, 20_i64);
    let steps = i64::try_from(scores.len() - 1).unwrap_or(1).max(1);
    let dots: Vec<(i64, i64, u32)> = scores
        .iter()
        .enumerate()
        .map(|(i, score)| {
            let x = pad + (width - 2 * pad) * i64::try_from(i).unwrap_or(0) / steps;
            let y = pad + (height - 2 * pad) * (100 - i64::from(*score)) / 100;
            (x, y, *score)
        })
        .collect();
    let line: Vec<String> = dots.iter().map(|(x, y, _)| format!("{x},{y}")).collect();
    Some(TrendChart {
        width,
        height,
        pad,
        label: scores
            .iter()
            .map(|s| format!("{s}%"))
            .collect::<Vec<_>>()
            .join(", "),
        line: line.join(" "),
        dots,
    })
}

#[get("/interviews")]
async fn interview_history(
    SignedIn { context, user }: SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let past = state
        .read(move |conn| Ok(service::history(conn, &user_id)?))
        .await?;
    let percent = |p: &service::PastInterview| -> Option<u32> {
        let most = i64::try_from(p.answered).ok()? * 5;
        (most > 0).then(|| u32::try_from((p.points * 100 + most / 2) / most).unwrap_or(0))
    };
    let scores: Vec<u32> = past
        .iter()
        .filter(|p| p.status != service::RUNNING)
        .filter_map(percent)
        .collect();
    let ctx = &context;
    let page = HistoryPage {
        nav: ctx.nav(),
        chart: trend_chart(&scores),
        past: past
            .iter()
            .rev()
            .map(|p| PastView {
                id: p.id.clone(),
                title: preset_title(p.preset.as_deref()),
                when: p.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                status: p.status.clone(),
                questions: p.questions,
                percent: percent(p),
                running: p.status == service::RUNNING,
            })
            .collect(),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/interviews/new` before `/interviews/{id}`.
    cfg.service(new_interview)
        .service(interview_history)
        .service(create_interview)
        .service(show_report)
        .service(show_interview)
        .service(reveal)
        .service(grade)
        .service(skip)
        .service(abandon);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_as_minutes_and_seconds() {
        assert_eq!(clock_text(75), "1:15");
        assert_eq!(clock_text(-5), "-0:05");
    }

    #[test]
    fn the_trend_chart_needs_two_scores_and_names_them() {
        /// The chart's template alone, as the history page includes it.
        #[derive(askama::Template)]
        #[template(path = "interview/trend_chart.html")]
        struct Alone<'a> {
            chart: &'a super::TrendChart,
        }
        assert!(trend_chart(&[50]).is_none());
        let chart = trend_chart(&[40, 80]).unwrap();
        let svg = askama::Template::render(&Alone { chart: &chart }).unwrap();
        assert!(svg.contains("40%, 80%"));
        assert!(svg.contains("<polyline points=\"20,92 580,44\""), "{svg}");
    }
}
