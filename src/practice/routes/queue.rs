//! The queue page (`GET /study`): what is due today, what comes next, the topics to study
//! when nothing is due; and `GET /study/next`, which sends the user on to the next question.

use super::{
    LastGradeView, TopicQuery, is_final_review, known_topic, last_grade_view, next_target,
    topic_query,
};
use crate::accounts::settings::Settings;
use crate::bank::cache::BankSnapshot;
use crate::practice::queue::Stage;
use crate::practice::service;
use crate::practice::state::{self as study_state, Counts, StudyState};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDate;

/// How many upcoming questions the queue page lists.
const PREVIEW_LENGTH: usize = 8;

/// An upcoming question on the queue page.
struct PreviewItem {
    stage: &'static str,
    stage_class: &'static str,
    summary: String,
}

/// A topic to study now, with how many of its questions are new to the user.
struct AreaChoice {
    /// `?topic=…` for this area.
    query: String,
    title: String,
    questions: usize,
}

#[derive(Template)]
#[template(path = "practice/study.html")]
struct StudyPage {
    nav: Nav,
    csrf: String,
    topic: Option<(String, String)>,
    topic_query: String,
    counts: Counts,
    preview: Vec<PreviewItem>,
    last: Option<LastGradeView>,
    next_review: Option<String>,
    due_over_limit: usize,
    new_limit_reached: bool,
    areas: Vec<AreaChoice>,
}

impl StudyPage {
    fn topic_param(&self) -> Option<&str> {
        self.topic.as_ref().map(|(id, _)| id.as_str())
    }
}

#[get("/study")]
pub(super) async fn queue_page(
    SignedIn { context, user }: SignedIn,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let user = &user;
    let study = study_state::load(&context.state, user).await?;
    let bank = &study.bank;
    let topic = known_topic(bank, query.into_inner().topic);
    if is_final_review(&topic) {
        // The final review is a queue of its own, with nothing to preview: straight on.
        return Ok(see_other(&format!("/study/next{}", topic_query(&topic))));
    }
    let mut held = study.lock();
    let queue = held.queue(bank, &user.user_id, topic.as_deref());
    let preview = queue
        .due
        .iter()
        .map(|id| (Stage::Review, id))
        .chain(queue.new.iter().map(|id| (Stage::New, id)))
        .chain(queue.redrill.iter().map(|id| (Stage::Redrill, id)))
        .filter_map(|(stage, id)| {
            bank.by_id(id).map(|q| PreviewItem {
                stage: stage.label(),
                stage_class: stage.css_class(),
                summary: q.summary.clone(),
            })
        })
        .take(PREVIEW_LENGTH)
        .collect();
    let areas = if queue.is_empty() {
        area_choices(bank, &held.settings, &user.user_id)
    } else {
        Vec::new()
    };
    let ctx = &context;
    let page = StudyPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        topic_query: topic_query(&topic),
        topic: topic.map(|t| {
            let title = bank.topic_title(&t).unwrap_or_default().to_owned();
            (t, title)
        }),
        counts: Counts::from(&queue),
        preview,
        last: last_grade_view(bank, held.last.clone()),
        next_review: held.next_due_day().map(|d| when_phrase(&held, d)),
        due_over_limit: queue.due_over_limit,
        new_limit_reached: queue.new.is_empty() && queue.new_today >= held.settings.new_per_day,
        areas,
    };
    drop(held);
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

/// The areas of the bank with their number of questions open for study, for "study a topic now".
fn area_choices(bank: &BankSnapshot, settings: &Settings, user_id: &str) -> Vec<AreaChoice> {
    let open = service::candidates(bank, settings, user_id, None);
    let mut areas: Vec<AreaChoice> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for question in bank.questions.iter() {
        if !seen.insert(question.area_id.as_str()) {
            continue;
        }
        let count = open
            .iter()
            .filter(|q| q.area_id == question.area_id)
            .count();
        if count > 0 {
            areas.push(AreaChoice {
                query: topic_query(&Some(question.area_id.clone())),
                title: bank
                    .topic_title(&question.area_id)
                    .unwrap_or_default()
                    .to_owned(),
                questions: count,
            });
        }
    }
    areas
}

/// "tomorrow at 04:00" or "on Mon 30 Nov at 04:00", in the user's timezone.
fn when_phrase(day: &StudyState, due: NaiveDate) -> String {
    let starts = day
        .clock
        .day_starts_at(due)
        .with_timezone(&day.settings.timezone);
    let time = starts.format("%H:%M");
    if Some(due) == day.today.succ_opt() {
        format!("tomorrow at {time}")
    } else {
        format!("on {} at {time}", due.format("%a %-d %b"))
    }
}

#[get("/study/next")]
pub(super) async fn next_card(
    SignedIn { context, user }: SignedIn,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let user = &user;
    let study = study_state::load(&context.state, user).await?;
    let topic = known_topic(&study.bank, query.into_inner().topic);
    if is_final_review(&topic) {
        return next_in_final_review(&context.state, user, &study, &topic).await;
    }
    let next = study
        .lock()
        .glance(&study.bank, &user.user_id, topic.as_deref(), None)
        .next;
    Ok(see_other(&next_target(
        &study.bank,
        next.as_deref(),
        &topic,
    )))
}

/// The final review's next question (see `progress::readiness`), or, when none is left (or
/// the final stretch is over), the readiness page, which says so.
async fn next_in_final_review(
    state: &AppState,
    user: &crate::accounts::service::SessionUser,
    study: &study_state::Study,
    topic: &Option<String>,
) -> Result<HttpResponse, AppError> {
    let (bank, progress) = crate::progress::cache::load(state, user).await?;
    let now = state.clock.now().naive_utc();
    let queue = {
        let held = study.lock();
        crate::progress::service::final_review_queue(
            &bank,
            &user.user_id,
            &progress.loaded,
            now,
            |id| held.latest_grade_today(id),
        )
    };
    Ok(see_other(
        &match queue.first().and_then(|id| bank.by_id(id)) {
            Some(question) => format!("/study/q/{}{}", question.key, topic_query(topic)),
            None => "/progress/readiness?final=done#final-heading".to_owned(),
        },
    ))
}
