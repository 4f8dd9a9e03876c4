//! Practice pages, one file per part of the study loop: `queue` (today's queue and "next"),
//! `card` (the question page and its reveal), `grade` (grading and undoing it), `card_actions`
//! (bury, suspend, unsuspend) and `flag` (reporting a question). Handlers only read the request,
//! call the service and pick a page; the rules live in `queue`, `service` and `sm2`. This file
//! holds what several pages share: the topic filter, the last-grade banner, and the route table.

mod card;
mod card_actions;
mod flag;
mod grade;
mod queue;

use super::service::LastGrade;
use crate::bank::cache::BankSnapshot;
use crate::progress::readiness::FINAL_REVIEW_TOPIC;
use crate::sm2::Grade;
use actix_web::web;

/// "again tomorrow", "again in 6 days", or for a same-day re-drill "schedule unchanged".
pub fn again_phrase(interval_days: i32, is_redrill: bool) -> String {
    if is_redrill {
        "schedule unchanged (a same-day re-drill)".into()
    } else if interval_days <= 1 {
        "again tomorrow".into()
    } else {
        format!("again in {interval_days} days")
    }
}

/// The banner about the grade just given, with its undo button.
pub struct LastGradeView {
    pub summary: String,
    pub key: String,
    pub grade: i32,
    pub grade_word: &'static str,
    pub again: String,
}

fn last_grade_view(bank: &BankSnapshot, last: Option<LastGrade>) -> Option<LastGradeView> {
    let last = last?;
    let question = bank.by_id(&last.question_id)?;
    Some(LastGradeView {
        summary: question.summary.clone(),
        key: question.key.clone(),
        grade: last.grade,
        grade_word: Grade::stored_label(last.grade),
        again: again_phrase(last.interval_days, last.is_redrill),
    })
}

/// `?topic=…` for links that keep studying the same topic, or "".
fn topic_query(topic: &Option<String>) -> String {
    match topic {
        Some(topic) => format!(
            "?{}",
            serde_urlencoded::to_string([("topic", topic)]).unwrap_or_default()
        ),
        None => String::new(),
    }
}

/// A topic from a link or form, kept only when the bank knows it (or it is the final review,
/// which filters like a topic: see [`FINAL_REVIEW_TOPIC`]).
fn known_topic(bank: &BankSnapshot, topic: Option<String>) -> Option<String> {
    topic.filter(|t| t == FINAL_REVIEW_TOPIC || bank.topic_title(t).is_some())
}

/// Whether the user is going through the final review (its questions come from
/// `progress`, one at a time through `/study/next`).
fn is_final_review(topic: &Option<String>) -> bool {
    topic.as_deref() == Some(FINAL_REVIEW_TOPIC)
}

/// The topic today's queue is worked out for: the final review has its own order, so the
/// counts and stages beside its questions are those of the whole queue.
fn queue_topic(topic: &Option<String>) -> Option<&str> {
    topic.as_deref().filter(|t| *t != FINAL_REVIEW_TOPIC)
}

#[derive(serde::Deserialize)]
struct TopicQuery {
    topic: Option<String>,
    flagged: Option<u8>,
}

/// Where to go after a question: the next one of today's queue (for the topic, if any), or
/// the queue page when nothing is left; in the final review, `/study/next`, which picks its
/// next question.
fn next_target(bank: &BankSnapshot, next: Option<&str>, topic: &Option<String>) -> String {
    let query = topic_query(topic);
    if is_final_review(topic) {
        return format!("/study/next{query}");
    }
    match next.and_then(|id| bank.by_id(id)) {
        Some(question) => format!("/study/q/{}{query}", question.key),
        None => format!("/study{query}"),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service((
        queue::queue_page,
        queue::next_card,
        card::show_card,
        card::reveal,
        grade::grade_answer,
        grade::undo,
        flag::flag_question,
        // Last: `/study/q/{set}/{id}/{action}` would otherwise catch the forms above.
        card_actions::card_action,
    ));
}

#[cfg(test)]
mod tests {
    use super::again_phrase;

    #[test]
    fn the_next_review_is_said_in_words() {
        assert_eq!(again_phrase(1, false), "again tomorrow");
        assert_eq!(again_phrase(6, false), "again in 6 days");
        assert!(again_phrase(6, true).contains("unchanged"));
    }
}
