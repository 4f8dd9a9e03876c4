//! Flagging a question for the admins (`POST /study/q/{set}/{id}/flag`); a form with mistakes
//! draws the question page again with the messages beside the fields.

use super::card::{CardView, card_form, card_page};
use super::topic_query;
use crate::practice::flag;
use crate::practice::service;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use std::sync::Arc;

#[post("/study/q/{set}/{id}/flag")]
pub(super) async fn flag_question(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let card = card_form(&fields)?;
    let (set, id) = path.into_inner();
    let key = format!("{set}/{id}");
    let topic = fields.non_empty("topic");
    match flag::parse_form(fields.get("reason"), fields.get("comment")) {
        Ok(report) => {
            let user_id = user.user_id.clone();
            let cache = Arc::clone(&state.bank);
            let now = state.clock.now().naive_utc();
            let target_key = key.clone();
            state
                .write(move |conn| {
                    let bank = cache.snapshot(conn)?;
                    let question = bank.by_key(&target_key).ok_or(AppError::NotFound)?;
                    Ok(service::flag(conn, &user_id, &question.id, &report, now)?)
                })
                .await?;
            let query = topic_query(&topic);
            let separator = if query.is_empty() { '?' } else { '&' };
            Ok(see_other(&format!(
                "/study/q/{key}{query}{separator}flagged=1"
            )))
        }
        Err(errors) => {
            let view = CardView {
                revealed: fields.get("revealed") == "1",
                form: Some(card),
                topic,
                flag: Some((
                    fields.get("reason").to_owned(),
                    fields.get("comment").to_owned(),
                    errors,
                )),
                notice: None,
            };
            card_page(
                &context,
                &state,
                &user,
                key,
                view,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
