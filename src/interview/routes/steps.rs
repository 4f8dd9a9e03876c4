//! The steps of an interview: reveal the answer, grade it, skip the question, or end the
//! interview early. Each is a small form; the page that follows is the question or the report.

use crate::accounts::service::load_settings;
use crate::interview::service::{self, StepOutcome};
use crate::sm2::Grade;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form::{Fields, SignedInForm};
use crate::web::see_other;
use actix_web::{HttpResponse, post, web};
use std::sync::Arc;

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
pub(super) async fn reveal(
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
pub(super) async fn grade(
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
pub(super) async fn skip(
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
pub(super) async fn abandon(
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
