//! The schedulers page of progress (`/progress/schedulers`): both schedulers evaluated on the
//! user's own reviews, and FSRS training (started here, run on a background thread, its
//! progress shown while it runs).

use super::evaluate::{Evaluation, Scores};
use super::service::{self, JobStatus, TrainingStatus};
use super::train::MIN_TRAINING_REVIEWS;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

/// One scheduler's line of the evaluation table.
struct ScoreRow {
    name: &'static str,
    log_loss: String,
    rmse: String,
}

fn score_row(name: &'static str, scores: Scores) -> ScoreRow {
    ScoreRow {
        name,
        log_loss: format!("{:.4}", scores.log_loss),
        rmse: format!("{:.2} %", scores.rmse_bins * 100.0),
    }
}

#[derive(Template)]
#[template(path = "progress/schedulers.html")]
struct SchedulersPage {
    nav: Nav,
    csrf: String,
    scheduler: &'static str,
    retention: u8,
    reviews: usize,
    rows: Vec<ScoreRow>,
    /// Which scheduler predicted better on log loss (None when there is nothing to compare).
    better: Option<&'static str>,
    trained: Option<String>,
    trained_reviews: i32,
    trainable_reviews: usize,
    min_reviews: usize,
    running: bool,
    progress_percent: i32,
    failed: Option<String>,
}

#[get("/progress/schedulers")]
async fn schedulers_page(SignedIn { context, user }: SignedIn) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let (status, evaluation): (TrainingStatus, Option<Evaluation>) = context
        .state
        .read(move |conn| {
            Ok((
                service::training_status(conn, &user_id)?,
                service::evaluate_user(conn, &user_id)?,
            ))
        })
        .await?;
    let running = status.job == JobStatus::Running;
    let page = SchedulersPage {
        nav: context.nav(),
        csrf: context.csrf.clone(),
        scheduler: status.settings.choice.label(),
        retention: status.settings.retention.percent(),
        reviews: evaluation.map_or(0, |e| e.reviews),
        rows: evaluation
            .map(|e| vec![score_row("FSRS", e.fsrs), score_row("SM-2", e.sm2)])
            .unwrap_or_default(),
        better: evaluation.map(|e| {
            if e.fsrs.log_loss < e.sm2.log_loss {
                "FSRS"
            } else {
                "SM-2"
            }
        }),
        trained: status
            .trained_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        trained_reviews: status.trained_reviews,
        trainable_reviews: status.trainable_reviews,
        min_reviews: MIN_TRAINING_REVIEWS,
        running,
        progress_percent: status.progress_percent,
        failed: (status.job == JobStatus::Failed).then_some(status.message),
    };
    let mut response = context.html(StatusCode::OK, page.render()?);
    if running {
        // The page reloads itself while the training runs, so its progress moves without
        // script.
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str("3") {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("refresh"),
                value,
            );
        }
    }
    Ok(response)
}

/// Starts fitting the user's FSRS parameters on a background thread (one at a time per user).
#[post("/progress/schedulers/train")]
async fn start_training(
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let now = context.state.clock.now().naive_utc();
    let claimed = context
        .state
        .write(move |conn| Ok(service::claim_training(conn, &user_id, now)?))
        .await?;
    if claimed {
        service::spawn_training(context.state.db.clone(), user.user_id.clone(), now);
    }
    Ok(see_other("/progress/schedulers"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(schedulers_page).service(start_training);
}
