//! Flagging a question for the admins (`POST /study/q/{set}/{id}/flag`); a form with mistakes
//! draws the question page again with the messages beside the fields.

use super::card::{CardSubmission, CardView, card_page};
use super::topic_query;
use crate::practice::flag;
use crate::practice::service;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};

#[post("/study/q/{set}/{id}/flag")]
pub(super) async fn flag_question(
    CardSubmission { form, key, card }: CardSubmission,
) -> Result<HttpResponse, AppError> {
    let SignedInForm {
        context,
        user,
        fields,
    } = form;
    let topic = fields.non_empty("topic");
    match flag::parse_form(fields.get("reason"), fields.get("comment")) {
        Ok(report) => {
            // The bank is read before the writer is taken, so the write holds it only for the
            // insert.
            let bank = context.state.bank_at(user.bank_generation).await?;
            let question_id = bank.by_key(&key).ok_or(AppError::NotFound)?.id.clone();
            let user_id = user.user_id.clone();
            let now = context.state.clock.now().naive_utc();
            context
                .state
                .write(move |conn| Ok(service::flag(conn, &user_id, &question_id, &report, now)?))
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
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            card_page(&context, &user, key, view, status).await
        }
    }
}
