//! Practice pages: the queue overview, the question page (reveal, grade), and the small forms
//! around it (undo, bury, suspend, flag). Handlers only read the request, call the service and
//! pick a page; the rules live in `queue`, `service` and `sm2`.

use super::flag::{self, FlagErrors};
use super::queue::Stage;
use super::service::{self, GradeOutcome, GradeRequest, LastGrade, UndoOutcome};
use super::state::{self as study_state, Counts, StudyState};
use crate::accounts::service::SessionUser;
use crate::accounts::settings::Settings;
use crate::bank::cache::{BankSnapshot, CachedQuestion};
use crate::sm2::Grade;
use crate::state::AppState;
use crate::web::auth::{PageContext, SignedIn};
use crate::web::error::AppError;
use crate::web::form::Fields;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use std::sync::Arc;

/// How many upcoming questions the queue page lists.
const PREVIEW_LENGTH: usize = 8;

/// The grade buttons: value, word, and what it means.
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

fn grade_word(grade: i32) -> &'static str {
    u8::try_from(grade)
        .ok()
        .and_then(Grade::new)
        .map(Grade::label)
        .unwrap_or("?")
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
        grade_word: grade_word(last.grade),
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

/// A topic from a link or form, kept only when the bank knows it.
fn known_topic(bank: &BankSnapshot, topic: Option<String>) -> Option<String> {
    topic.filter(|t| bank.topic_title(t).is_some())
}

#[derive(serde::Deserialize)]
struct TopicQuery {
    topic: Option<String>,
    flagged: Option<u8>,
}

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
async fn queue_page(
    SignedIn { context, user }: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let user = &user;
    let study = study_state::load(&state, user).await?;
    let bank = &study.bank;
    let topic = known_topic(bank, query.into_inner().topic);
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

/// Where to go after a question: the next one of today's queue (for the topic, if any), or
/// the queue page when nothing is left.
fn next_target(bank: &BankSnapshot, next: Option<&str>, topic: &Option<String>) -> String {
    let query = topic_query(topic);
    match next.and_then(|id| bank.by_id(id)) {
        Some(question) => format!("/study/q/{}{query}", question.key),
        None => format!("/study{query}"),
    }
}

#[get("/study/next")]
async fn next_card(
    SignedIn { user, .. }: SignedIn,
    state: web::Data<AppState>,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let user = &user;
    let study = study_state::load(&state, user).await?;
    let topic = known_topic(&study.bank, query.into_inner().topic);
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

/// The state of the question page that travels in its forms.
struct CardForm {
    started_ms: i64,
    submission: String,
    typed: String,
}

#[derive(Template)]
#[template(path = "practice/card.html")]
struct CardPage<'a> {
    nav: Nav,
    csrf: String,
    question: &'a CachedQuestion,
    topic: Option<String>,
    counts: Counts,
    stage: &'static str,
    revealed: bool,
    form: CardForm,
    elapsed_secs: i64,
    elapsed_text: String,
    limit_text: String,
    stage_class: &'static str,
    version: i32,
    suspended: bool,
    last: Option<LastGradeView>,
    grades: &'static [(u8, &'static str, &'static str)],
    flag_errors: FlagErrors,
    flag_reason: String,
    flag_comment: String,
    flag_open: bool,
    notice: Option<&'static str>,
}

impl CardPage<'_> {
    fn topic_param(&self) -> Option<&str> {
        self.topic.as_deref()
    }
}

/// `m:ss`, as the page's clock shows time.
fn minutes_seconds(secs: i64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// What a card page is asked to show on top of the question itself.
struct CardView {
    revealed: bool,
    form: Option<CardForm>,
    topic: Option<String>,
    flag: Option<(String, String, FlagErrors)>,
    notice: Option<&'static str>,
}

/// Renders a card page from the user's study state: when this instance holds it current (the
/// usual case), the page costs no query beyond the session lookup.
async fn card_page(
    ctx: &PageContext,
    state: &AppState,
    user: &SessionUser,
    key: String,
    view: CardView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let study = study_state::load(state, user).await?;
    let bank = &study.bank;
    let question = bank.by_key(&key).ok_or(AppError::NotFound)?;
    let topic = known_topic(bank, view.topic);
    let (glance, card_version, suspended, last) = {
        let mut held = study.lock();
        let glance = held.glance(bank, &user.user_id, topic.as_deref(), Some(&question.id));
        let card = held.card(&question.id);
        (
            glance,
            card.map_or(0, |c| c.version),
            card.is_some_and(|c| c.suspended),
            held.last.clone(),
        )
    };
    let now_ms = state.clock.now().timestamp_millis();
    let form = view.form.unwrap_or_else(|| CardForm {
        started_ms: now_ms,
        submission: uuid::Uuid::new_v4().simple().to_string(),
        typed: String::new(),
    });
    let (flag_reason, flag_comment, flag_errors, flag_open) = match view.flag {
        Some((reason, comment, errors)) => (reason, comment, errors, true),
        None => (String::new(), String::new(), FlagErrors::default(), false),
    };
    let stage = glance.stage;
    let elapsed_secs = ((now_ms - form.started_ms) / 1000).clamp(0, 99 * 60);
    let page = CardPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        question,
        topic,
        counts: glance.counts,
        stage: stage.map(Stage::label).unwrap_or("extra practice"),
        revealed: view.revealed,
        elapsed_secs,
        elapsed_text: minutes_seconds(elapsed_secs),
        limit_text: minutes_seconds(i64::from(question.time_limit_secs)),
        stage_class: stage.map(Stage::css_class).unwrap_or("extra"),
        form,
        version: card_version,
        suspended,
        last: last_grade_view(bank, last),
        grades: &Grade::CHOICES,
        flag_errors,
        flag_reason,
        flag_comment,
        flag_open,
        notice: view.notice,
    };
    Ok(ctx.html(status, page.render()?))
}

#[get("/study/q/{set}/{id}")]
async fn show_card(
    SignedIn { context, user }: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let (set, id) = path.into_inner();
    let query = query.into_inner();
    let view = CardView {
        revealed: false,
        form: None,
        topic: query.topic,
        flag: None,
        notice: (query.flagged == Some(1))
            .then_some("Thanks: your note is with the admins, who will look at this question."),
    };
    card_page(
        &context,
        &state,
        &user,
        format!("{set}/{id}"),
        view,
        StatusCode::OK,
    )
    .await
}

/// Reads the card-page state carried by a form, checking the CSRF token first.
fn card_form(fields: &Fields) -> Result<CardForm, AppError> {
    let submission = fields.get("submission");
    if submission.is_empty()
        || submission.len() > 64
        || !submission.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(AppError::BadRequest(
            "This page is missing part of its form. Reload the question and try again.".into(),
        ));
    }
    Ok(CardForm {
        started_ms: fields.get("started").trim().parse().unwrap_or(0),
        submission: submission.to_owned(),
        typed: fields.get("typed").chars().take(20_000).collect(),
    })
}

/// "Show answer" without JavaScript: the same page, revealed, with the typed answer beside the
/// model answer. (Nothing is stored.)
#[post("/study/q/{set}/{id}/reveal")]
async fn reveal(
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
    let view = CardView {
        revealed: true,
        form: Some(card),
        topic: fields.non_empty("topic"),
        flag: None,
        notice: None,
    };
    card_page(
        &context,
        &state,
        &user,
        format!("{set}/{id}"),
        view,
        StatusCode::OK,
    )
    .await
}

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
async fn grade_answer(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let card = card_form(&fields)?;
    let grade = Grade::parse_field(fields.get("grade"))?;
    let expected_version = fields.get("version").trim().parse::<i32>().map_err(|_| {
        AppError::BadRequest(
            "This page is missing part of its form. Reload it and try again.".into(),
        )
    })?;
    let (set, id) = path.into_inner();
    let user = &user;
    let study = study_state::load(&state, user).await?;
    let question = study
        .bank
        .by_key(&format!("{set}/{id}"))
        .ok_or(AppError::NotFound)?;
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
    let topic = known_topic(&study.bank, fields.non_empty("topic"));
    match outcome {
        GradeOutcome::Recorded(recorded) if recorded.suspended_leech => Ok(see_other(
            &crate::progress::routes::leech_notice_path(&question.key, &topic),
        )),
        GradeOutcome::Recorded(recorded) => {
            // Answer with the next question straight away: this instance's copy of the study
            // state follows the grade in memory, so the next page needs no query either.
            state.study.apply_grade(&user.user_id, &recorded);
            let mut held = study.lock();
            let target = if held.version == recorded.study_version_after {
                let next = held
                    .glance(&study.bank, &user.user_id, topic.as_deref(), None)
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
async fn undo(
    state: web::Data<AppState>,
    SignedInForm {
        context,
        user,
        fields,
    }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let study = study_state::load(&state, &user).await?;
    let user_id = user.user_id.clone();
    let today = study.lock().today;
    let now = state.clock.now().naive_utc();
    let outcome = state
        .write(move |conn| Ok(service::undo_last(conn, &user_id, today, now)?))
        .await?;
    let query = topic_query(&fields.non_empty("topic"));
    match outcome {
        UndoOutcome::Undone { question_id } => {
            Ok(see_other(&match study.bank.by_id(&question_id) {
                Some(question) => format!("/study/q/{}{query}", question.key),
                None => format!("/study{query}"),
            }))
        }
        UndoOutcome::NothingToUndo => Ok(see_other(&format!("/study{query}"))),
        UndoOutcome::CardChanged => notice_page(
            &context,
            StatusCode::CONFLICT,
            "Nothing was undone",
            "That question changed after it was graded (it was buried or suspended), so the grade \
             stays as it is.",
            format!("/study{query}"),
            "Back to today's queue",
        ),
    }
}

/// Bury, suspend and unsuspend: one small form each, then on to the next question.
async fn change_card(
    state: web::Data<AppState>,
    key: String,
    SignedInForm { user, fields, .. }: SignedInForm,
    action: CardAction,
) -> Result<HttpResponse, AppError> {
    let study = study_state::load(&state, &user).await?;
    let question_id = study
        .bank
        .by_key(&key)
        .map(|q| q.id.clone())
        .ok_or(AppError::NotFound)?;
    let today = study.lock().today;
    let user_id = user.user_id.clone();
    state
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
async fn card_action(
    state: web::Data<AppState>,
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
    change_card(state, format!("{set}/{id}"), form, action).await
}

#[post("/study/q/{set}/{id}/flag")]
async fn flag_question(
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(queue_page)
        .service(next_card)
        .service(show_card)
        .service(reveal)
        .service(grade_answer)
        .service(undo)
        .service(flag_question)
        .service(card_action);
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
