//! The steps of an interview: reveal the answer, grade it, skip the question, or end the
//! interview early. Each is a small form; the page that follows is the question or the report.

use crate::accounts::service::load_settings;
use crate::db::DbConnection;
use crate::interview::service::{self, StepOutcome};
use crate::sm2::Grade;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::see_other;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, post, web};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What every step's form carries: the interview (from the path), the question the page was
/// showing (a page left open on an earlier question changes nothing), and who sent it.
struct Step {
    id: String,
    item: String,
    user_id: String,
}

impl Step {
    fn read(id: String, form: &SignedInForm) -> Result<Step, AppError> {
        let item = form.fields.non_empty("item").ok_or_else(|| {
            AppError::BadRequest(
                "This page is missing part of its form. Reload it and try again.".into(),
            )
        })?;
        Ok(Step {
            id,
            item,
            user_id: form.user.user_id.clone(),
        })
    }
}

/// A step's request: the checked form (see [`SignedInForm`]) and the step it names.
struct StepForm {
    form: SignedInForm,
    step: Step,
}

impl FromRequest for StepForm {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = SignedInForm::from_request(req, payload);
        let id = req.match_info().get("id").map(str::to_owned);
        Box::pin(async move {
            let form = form.await?;
            let id = id.ok_or(AppError::NotFound)?;
            let step = Step::read(id, &form)?;
            Ok(StepForm { form, step })
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
pub(super) async fn reveal(StepForm { form, step }: StepForm) -> Result<HttpResponse, AppError> {
    let state = &form.context.state;
    let notes: String = form.fields.get("notes").chars().take(20_000).collect();
    let now = state.clock.now().naive_utc();
    run_step(state, step, move |conn, s| {
        Ok(service::reveal(
            conn, &s.user_id, &s.id, &s.item, &notes, now,
        )?)
    })
    .await
}

#[post("/interviews/{id}/grade")]
pub(super) async fn grade(StepForm { form, step }: StepForm) -> Result<HttpResponse, AppError> {
    let state = &form.context.state;
    let grade = Grade::parse_field(form.fields.get("grade"))?;
    let hit: Vec<usize> = form
        .fields
        .0
        .iter()
        .filter(|(k, _)| k == "hit")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|i| *i < 50)
        .collect();
    let now = state.clock.now();
    let cache = Arc::clone(&state.bank);
    run_step(state, step, move |conn, s| {
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
pub(super) async fn skip(StepForm { form, step }: StepForm) -> Result<HttpResponse, AppError> {
    let state = &form.context.state;
    let now = state.clock.now().naive_utc();
    run_step(state, step, move |conn, s| {
        Ok(service::skip(conn, &s.user_id, &s.id, &s.item, now)?)
    })
    .await
}

#[post("/interviews/{id}/abandon")]
pub(super) async fn abandon(
    path: web::Path<String>,
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user_id = user.user_id.clone();
    let now = context.state.clock.now().naive_utc();
    let target = id.clone();
    let found = context
        .state
        .write(move |conn| Ok(service::abandon(conn, &user_id, &target, now)?))
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(see_other(&format!("/interviews/{id}/report")))
}
