//! The question page (`GET /study/q/{set}/{id}`) and its "Show answer" form for browsers
//! without JavaScript. `card_page` draws it for the other forms too (a flag with mistakes).

use super::{
    LastGradeView, TopicQuery, is_final_review, known_topic, last_grade_view, queue_topic,
};
use crate::accounts::service::SessionUser;
use crate::bank::cache::CachedQuestion;
use crate::practice::flag::FlagErrors;
use crate::practice::state::{self as study_state, Counts};
use crate::sm2::Grade;
use crate::web::auth::{PageContext, SignedIn};
use crate::web::error::AppError;
use crate::web::form::{Fields, SignedInForm};
use crate::web::layout::Nav;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use std::future::Future;
use std::pin::Pin;

/// The state of the question page that travels in its forms.
pub(super) struct CardForm {
    pub(super) started_ms: i64,
    pub(super) submission: String,
    pub(super) typed: String,
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
pub(super) struct CardView {
    pub(super) revealed: bool,
    pub(super) form: Option<CardForm>,
    pub(super) topic: Option<String>,
    pub(super) flag: Option<(String, String, FlagErrors)>,
    pub(super) notice: Option<&'static str>,
}

/// Renders a card page from the user's study state: when this instance holds it current (the
/// usual case), the page costs no query beyond the session lookup.
pub(super) async fn card_page(
    ctx: &PageContext,
    user: &SessionUser,
    key: String,
    view: CardView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let study = study_state::load(&ctx.state, user).await?;
    let bank = &study.bank;
    let question = bank.by_key(&key).ok_or(AppError::NotFound)?;
    let topic = known_topic(bank, view.topic);
    let (glance, card_version, suspended, last) = {
        let mut held = study.lock();
        let glance = held.glance(bank, &user.user_id, queue_topic(&topic), Some(&question.id));
        let card = held.card(&question.id);
        (
            glance,
            card.map_or(0, |c| c.version),
            card.is_some_and(|c| c.suspended),
            held.last.clone(),
        )
    };
    let now_ms = ctx.state.clock.now().timestamp_millis();
    let form = view.form.unwrap_or_else(|| CardForm {
        started_ms: now_ms,
        submission: uuid::Uuid::new_v4().simple().to_string(),
        typed: String::new(),
    });
    let (flag_reason, flag_comment, flag_errors, flag_open) = match view.flag {
        Some((reason, comment, errors)) => (reason, comment, errors, true),
        None => (String::new(), String::new(), FlagErrors::default(), false),
    };
    let (stage, stage_class) = match glance.stage {
        _ if is_final_review(&topic) => ("final review", "extra"),
        Some(stage) => (stage.label(), stage.css_class()),
        None => ("extra practice", "extra"),
    };
    let elapsed_secs = ((now_ms - form.started_ms) / 1000).clamp(0, 99 * 60);
    let page = CardPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        question,
        topic,
        counts: glance.counts,
        stage,
        revealed: view.revealed,
        elapsed_secs,
        elapsed_text: minutes_seconds(elapsed_secs),
        limit_text: minutes_seconds(i64::from(question.time_limit_secs)),
        stage_class,
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
pub(super) async fn show_card(
    SignedIn { context, user }: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<TopicQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (set, id) = path.into_inner();
    let view = CardView {
        revealed: false,
        form: None,
        topic: query.topic,
        flag: None,
        notice: (query.flagged == Some(1))
            .then_some("Thanks: your note is with the admins, who will look at this question."),
    };
    let key = format!("{set}/{id}");
    card_page(&context, &user, key, view, StatusCode::OK).await
}

/// Reads the card-page state carried by a form.
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

/// A form posted from the question page (`/study/q/{set}/{id}/…`), read once for the reveal,
/// grade and flag handlers: the signed-in form (CSRF checked, see [`SignedInForm`]), the
/// question's key (`set/id`) from the path, and the card-page state the form carries.
pub(super) struct CardSubmission {
    pub(super) form: SignedInForm,
    pub(super) key: String,
    pub(super) card: CardForm,
}

impl FromRequest for CardSubmission {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let path = web::Path::<(String, String)>::from_request(req, payload);
        let form = SignedInForm::from_request(req, payload);
        Box::pin(async move {
            let (set, id) = path.await?.into_inner();
            let form = form.await?;
            let card = card_form(&form.fields)?;
            let key = format!("{set}/{id}");
            Ok(CardSubmission { form, key, card })
        })
    }
}

/// "Show answer" without JavaScript: the same page, revealed, with the typed answer beside the
/// model answer. (Nothing is stored.)
#[post("/study/q/{set}/{id}/reveal")]
pub(super) async fn reveal(
    CardSubmission { form, key, card }: CardSubmission,
) -> Result<HttpResponse, AppError> {
    let view = CardView {
        revealed: true,
        form: Some(card),
        topic: form.fields.non_empty("topic"),
        flag: None,
        notice: None,
    };
    card_page(&form.context, &form.user, key, view, StatusCode::OK).await
}
