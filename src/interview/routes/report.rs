//! The report of a finished interview (`GET /interviews/{id}/report`): each question's
//! result and time, scores by area, the strongest and weakest areas.

use super::{OwnInterview, clock_text, preset_title};
use crate::interview::report::{self, Outcome, ReportItem};
use crate::interview::service;
use crate::sm2::Grade;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get};
use askama::Template;

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

/// A question this interview's grades suspended as a leech.
struct LeechView {
    key: String,
    summary: String,
    failures: i32,
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
    csrf: String,
    leeches: Vec<LeechView>,
    leech_threshold: i32,
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
pub(super) async fn show_report(own: OwnInterview) -> Result<HttpResponse, AppError> {
    let (interview, bank) = (&own.interview, &own.bank);
    if interview.status == service::RUNNING {
        return Ok(see_other(&format!("/interviews/{}", interview.id)));
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
    let (user_id, id) = (own.user.user_id.clone(), interview.id.clone());
    let leeches = own
        .context
        .state
        .read(move |conn| Ok(service::suspended_leeches(conn, &user_id, &id)?))
        .await?
        .into_iter()
        .filter_map(|(question_id, failures)| {
            bank.by_id(&question_id).map(|q| LeechView {
                key: q.key.clone(),
                summary: q.summary.clone(),
                failures,
            })
        })
        .collect();
    let ctx = &own.context;
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
                    Outcome::Graded(g) => format!("{g}/5 ({})", Grade::stored_label(g)),
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
        csrf: ctx.csrf.clone(),
        leeches,
        leech_threshold: crate::progress::leech::LEECH_LAPSES,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}
