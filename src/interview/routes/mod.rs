//! Mock-interview pages, one file per page: `new` (set-up), `question` (the question under
//! the clock), `steps` (reveal, grade, skip, abandon), `report` and `history`. This file holds
//! what they share: loading an interview (ending it when its time is up; `OwnInterview`), the clock text, the
//! preset titles, and the route table.

mod history;
mod new;
mod question;
mod report;
mod steps;

use super::service::{self, Interview};
use super::setup::PRESETS;
use crate::accounts::service::SessionUser;
use crate::bank::cache::BankSnapshot;
use crate::state::AppState;
use crate::web::auth::{PageContext, SignedIn};
use crate::web::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;
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

/// The signed-in user's interview named by the path's `{id}`, ended first if its total time
/// is up (see [`load_interview`]): what the question and report pages open with. Another
/// user's interview, or none, is not found.
pub(super) struct OwnInterview {
    pub context: PageContext,
    pub user: SessionUser,
    pub interview: Interview,
    pub bank: Arc<BankSnapshot>,
}

impl FromRequest for OwnInterview {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        let id = req.match_info().get("id").map(str::to_owned);
        Box::pin(async move {
            let SignedIn { context, user } = signed_in.await?;
            let id = id.ok_or(AppError::NotFound)?;
            let (interview, bank) =
                load_interview(&context.state, user.user_id.clone(), id).await?;
            Ok(OwnInterview {
                context,
                user,
                interview,
                bank,
            })
        })
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/interviews/new` before `/interviews/{id}`.
    cfg.service((
        new::new_interview,
        history::interview_history,
        new::create_interview,
        report::show_report,
        question::show_interview,
        steps::reveal,
        steps::grade,
        steps::skip,
        steps::abandon,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_as_minutes_and_seconds() {
        assert_eq!(clock_text(75), "1:15");
        assert_eq!(clock_text(-5), "-0:05");
    }
}
