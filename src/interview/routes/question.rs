//! The question under the clock (`GET /interviews/{id}`): the current question, the time
//! left, and the forms for its steps.

use super::{OwnInterview, clock_text, preset_title};
use crate::bank::cache::CachedQuestion;
use crate::sm2::Grade;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get};
use askama::Template;
use chrono::NaiveDateTime;

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

fn time_text(at: NaiveDateTime) -> String {
    at.format("%H:%M:%S UTC").to_string()
}

#[get("/interviews/{id}")]
pub(super) async fn show_interview(own: OwnInterview) -> Result<HttpResponse, AppError> {
    let (ctx, interview, bank) = (&own.context, &own.interview, &own.bank);
    let Some(current) = interview.current() else {
        return Ok(see_other(&format!("/interviews/{}/report", interview.id)));
    };
    let question = bank.by_id(&current.question_id).ok_or(AppError::NotFound)?;
    let now = ctx.state.clock.now().naive_utc();
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
