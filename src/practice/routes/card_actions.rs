//! Bury, suspend and unsuspend (`POST /study/q/{set}/{id}/{action}`): one small form each,
//! then on to the next question.

use super::topic_query;
use crate::practice::service;
use crate::practice::state as study_state;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::see_other;
use actix_web::{HttpResponse, post, web};

/// Bury, suspend and unsuspend: one small form each, then on to the next question.
async fn change_card(
    key: String,
    SignedInForm {
        context,
        user,
        fields,
        ..
    }: SignedInForm,
    action: CardAction,
) -> Result<HttpResponse, AppError> {
    let study = study_state::load(&context.state, &user).await?;
    let question_id = study
        .bank
        .by_key(&key)
        .map(|q| q.id.clone())
        .ok_or(AppError::NotFound)?;
    let today = study.lock().today;
    let user_id = user.user_id.clone();
    context
        .state
        .write_idempotent(move |conn| {
            match action {
                CardAction::Bury => service::bury(conn, &user_id, &question_id, today)?,
                CardAction::Suspend => service::set_suspended(conn, &user_id, &question_id, true)?,
                CardAction::Unsuspend => {
                    service::set_suspended(conn, &user_id, &question_id, false)?
                }
            }
            Ok(())
        })
        .await?;
    let query = topic_query(&fields.non_empty("topic"));
    Ok(match action {
        CardAction::Unsuspend => see_other(&format!("/questions/{key}")),
        _ => see_other(&format!("/study/next{query}")),
    })
}

#[derive(Clone, Copy)]
enum CardAction {
    Bury,
    Suspend,
    Unsuspend,
}

/// Bury, suspend or unsuspend (`POST /study/q/{set}/{id}/bury` and so on); registered after
/// the other card forms, so `grade`, `reveal` and `flag` keep their own handlers.
#[post("/study/q/{set}/{id}/{action}")]
pub(super) async fn card_action(
    path: web::Path<(String, String, String)>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let (set, id, action) = path.into_inner();
    let action = match action.as_str() {
        "bury" => CardAction::Bury,
        "suspend" => CardAction::Suspend,
        "unsuspend" => CardAction::Unsuspend,
        _ => return Err(AppError::NotFound),
    };
    change_card(format!("{set}/{id}"), form, action).await
}
