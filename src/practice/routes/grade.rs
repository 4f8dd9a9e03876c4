//! Grading a question (`POST /study/q/{set}/{id}/grade`) and undoing the last grade
//! (`POST /study/undo`), with the notice page either shows when another tab got there first.

use super::card::CardSubmission;
use super::{known_topic, next_target, queue_topic, topic_query};
use crate::practice::service::{self, GradeOutcome, GradeRequest, UndoOutcome};
use crate::practice::state as study_state;
use crate::sm2::Grade;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post};
use askama::Template;

#[derive(Template)]
#[template(path = "practice/notice.html")]
struct NoticePage<'a> {
    nav: Nav,
    title: &'a str,
    message: &'a str,
    link: String,
    link_text: &'a str,
}

fn notice_page(
    ctx: &PageContext,
    status: StatusCode,
    title: &str,
    message: &str,
    link: String,
    link_text: &str,
) -> Result<HttpResponse, AppError> {
    let page = NoticePage {
        nav: ctx.nav(),
        title,
        message,
        link,
        link_text,
    };
    Ok(ctx.html(status, page.render()?))
}

#[post("/study/q/{set}/{id}/grade")]
pub(super) async fn grade_answer(
    CardSubmission { form, key, card }: CardSubmission,
) -> Result<HttpResponse, AppError> {
    let (context, user, fields) = (form.context, form.user, form.fields);
    let state = &context.state;
    let grade = Grade::parse_field(fields.get("grade"))?;
    let expected_version = fields.get("version").trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest(
            "This page is missing part of its form. Reload it and try again.".into(),
        )
    })?;
    let user = &user;
    let study = study_state::load(state, user).await?;
    let question = study.bank.by_key(&key).ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let request = GradeRequest {
        user_id: user.user_id.clone(),
        question_id: question.id.clone(),
        expected_version,
        grade,
        submission_id: card.submission,
        now: now.naive_utc(),
        today: study.lock().today,
        // Time on the page, from the moment it was first drawn; bounded so a tab left open
        // overnight does not skew the statistics.
        time_taken_ms: (now.timestamp_millis() - card.started_ms).clamp(0, 3_600_000),
        source: service::SOURCE_PRACTICE,
        interview_item_id: None,
    };
    let outcome = state
        .write_idempotent(move |conn| Ok(service::grade(conn, &request)?))
        .await?;
    if let GradeOutcome::Recorded(_) = outcome {
        state.metrics.grade();
    }
    let topic = known_topic(&study.bank, fields.non_empty("topic"));
    match outcome {
        GradeOutcome::Recorded(recorded) if recorded.suspended_leech => Ok(crate::web::see_other(
            &crate::progress::routes::leech_notice_path(&question.key, &topic),
        )),
        GradeOutcome::Recorded(recorded) => {
            // Answer with the next question straight away: this instance's copy of the study
            // state follows the grade in memory, so the next page needs no query either.
            state.study.apply_grade(&user.user_id, &recorded);
            let mut held = study.lock();
            let target = if held.version == recorded.study_version_after {
                let next = held
                    .glance(&study.bank, &user.user_id, queue_topic(&topic), None)
                    .next;
                next_target(&study.bank, next.as_deref(), &topic)
            } else {
                format!("/study/next{}", topic_query(&topic))
            };
            Ok(see_other(&target))
        }
        GradeOutcome::AlreadyRecorded(_) => {
            Ok(see_other(&format!("/study/next{}", topic_query(&topic))))
        }
        GradeOutcome::Stale => notice_page(
            &context,
            StatusCode::CONFLICT,
            "Already graded elsewhere",
            "This question changed after this page was opened (it was graded or undone in another \
             tab or window), so this grade was not recorded. Nothing else changed.",
            format!("/study/next{}", topic_query(&topic)),
            "Continue studying",
        ),
    }
}

#[post("/study/undo")]
pub(super) async fn undo(form: SignedInForm) -> Result<HttpResponse, AppError> {
    let study = study_state::load(&form.context.state, &form.user).await?;
    let user_id = form.user.user_id.clone();
    let today = study.lock().today;
    let now = form.context.state.clock.now().naive_utc();
    let outcome = form
        .context
        .state
        .write(move |conn| Ok(service::undo_last(conn, &user_id, today, now)?))
        .await?;
    let query = topic_query(&form.fields.non_empty("topic"));
    match outcome {
        UndoOutcome::Undone { question_id } => {
            Ok(see_other(&match study.bank.by_id(&question_id) {
                Some(question) => format!("/study/q/{}{query}", question.key),
                None => format!("/study{query}"),
            }))
        }
        UndoOutcome::NothingToUndo => Ok(see_other(&format!("/study{query}"))),
        UndoOutcome::CardChanged => notice_page(
            &form.context,
            StatusCode::CONFLICT,
            "Nothing was undone",
            "That question changed after it was graded (it was buried or suspended), so the grade \
             stays as it is.",
            format!("/study{query}"),
            "Back to today's queue",
        ),
    }
}
