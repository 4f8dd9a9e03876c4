//! The steps of an interview: reveal the answer, grade it, skip the question, or end the
//! interview early. Each is a small form; the page that follows is the question or the report.

use crate::accounts::service::{SessionUser, load_settings};
use crate::db::DbConnection;
use crate::interview::service::{self, StepOutcome};
use crate::sm2::Grade;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form::{Fields, SignedInForm};
use crate::web::see_other;
use actix_web::{HttpResponse, post, web};
use std::sync::Arc;

/// What every step's form carries: the interview (from the path), the question the page was
/// showing (a page left open on an earlier question changes nothing), and who sent it.
struct Step {
    id: String,
    item: String,
    user_id: String,
}

impl Step {
    fn read(
        path: web::Path<String>,
        user: &SessionUser,
        fields: &Fields,
    ) -> Result<Step, AppError> {
        let item = fields.non_empty("item").ok_or_else(|| {
            AppError::BadRequest(
                "This page is missing part of its form. Reload it and try again.".into(),
            )
        })?;
        Ok(Step {
            id: path.into_inner(),
            item,
            user_id: user.user_id.clone(),
        })
    }
}

/// Runs a step on the writer, then shows the interview, or its report once it is over.
async fn run_step<F>(state: &AppState, step: Step, write: F) -> Result<HttpResponse, AppError>
where
    F: Fn(&mut DbConnection, &Step) -> Result<StepOutcome, AppError> + Send + 'static,
{
    let id = step.id.clone();
    let outcome = state.write(move |conn| write(conn, &step)).await?;
    Ok(match outcome {
        StepOutcome::Over => see_other(&format!("/interviews/{id}/report")),
        StepOutcome::Done | StepOutcome::NotCurrent => see_other(&format!("/interviews/{id}")),
    })
}

#[post("/interviews/{id}/reveal")]
pub(super) async fn reveal(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let step = Step::read(path, &user, &fields)?;
    let notes: String = fields.get("notes").chars().take(20_000).collect();
    let now = state.clock.now().naive_utc();
    run_step(&state, step, move |conn, s| {
        Ok(service::reveal(
            conn, &s.user_id, &s.id, &s.item, &notes, now,
        )?)
    })
    .await
}

#[post("/interviews/{id}/grade")]
pub(super) async fn grade(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let step = Step::read(path, &user, &fields)?;
    let grade = Grade::parse_field(fields.get("grade"))?;
    let hit: Vec<usize> = fields
        .0
        .iter()
        .filter(|(k, _)| k == "hit")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|i| *i < 50)
        .collect();
    let now = state.clock.now();
    let cache = Arc::clone(&state.bank);
    run_step(&state, step, move |conn, s| {
        let bank = cache.snapshot(conn)?;
        let today = load_settings(conn, &s.user_id)?.day_clock().study_day(now);
        Ok(service::grade(
            conn,
            &bank,
            &s.user_id,
            &s.id,
            &s.item,
            grade,
            hit.clone(),
            now.naive_utc(),
            today,
        )?)
    })
    .await
}

#[post("/interviews/{id}/skip")]
pub(super) async fn skip(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let step = Step::read(path, &user, &fields)?;
    let now = state.clock.now().naive_utc();
    run_step(&state, step, move |conn, s| {
        Ok(service::skip(conn, &s.user_id, &s.id, &s.item, now)?)
    })
    .await
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
