//! Setting up an interview: the form (`GET /interviews/new`) and starting it
//! (`POST /interviews`), which draws the form again with messages when the choices are wrong.

use crate::bank::cache::BankSnapshot;
use crate::interview::service::{self, InterviewError};
use crate::interview::setup::{self, PRESETS, SetupErrors, SetupForm};
use crate::web::auth::{PageContext, SignedIn};
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post};
use askama::Template;
use std::sync::Arc;

struct AreaChoice {
    id: String,
    title: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "interview/new.html")]
struct NewPage {
    nav: Nav,
    csrf: String,
    presets: &'static [setup::Preset],
    areas: Vec<AreaChoice>,
    form: SetupForm,
    errors: SetupErrors,
    notice: Option<&'static str>,
    difficulties: &'static [&'static str],
}

fn areas(bank: &BankSnapshot, checked: &[String]) -> Vec<AreaChoice> {
    let mut seen = std::collections::HashSet::new();
    bank.questions
        .iter()
        .filter(|q| seen.insert(q.area_id.clone()))
        .map(|q| AreaChoice {
            id: q.area_id.clone(),
            title: bank.topic_title(&q.area_id).unwrap_or_default().to_owned(),
            checked: checked.contains(&q.area_id),
        })
        .collect()
}

fn default_form() -> SetupForm {
    SetupForm {
        topics: Vec::new(),
        weakest: false,
        difficulty: "mix".into(),
        count: "5".into(),
        timing: "total".into(),
        minutes: "20".into(),
    }
}

async fn render_new(
    ctx: &PageContext,
    form: SetupForm,
    errors: SetupErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let cache = Arc::clone(&ctx.state.bank);
    let checked = form.topics.clone();
    let areas = ctx
        .state
        .read(move |conn| {
            let bank = cache.snapshot(conn)?;
            Ok(areas(&bank, &checked))
        })
        .await?;
    let page = NewPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        presets: &PRESETS,
        areas,
        form,
        errors,
        notice,
        difficulties: &setup::DIFFICULTIES,
    };
    Ok(ctx.html(status, page.render()?))
}

#[get("/interviews/new")]
pub(super) async fn new_interview(
    SignedIn { context, .. }: SignedIn,
) -> Result<HttpResponse, AppError> {
    render_new(
        &context,
        default_form(),
        SetupErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/interviews")]
pub(super) async fn create_interview(form: SignedInForm) -> Result<HttpResponse, AppError> {
    let fields = &form.fields;
    let preset = fields.non_empty("preset");
    let raw = SetupForm {
        topics: fields
            .0
            .iter()
            .filter(|(k, _)| k == "topic")
            .map(|(_, v)| v.clone())
            .collect(),
        weakest: fields.get("weakest") == "on",
        difficulty: fields.get("difficulty").to_owned(),
        count: fields.get("count").to_owned(),
        timing: fields.get("timing").to_owned(),
        minutes: fields.get("minutes").to_owned(),
    };
    // The form is parsed against the bank before the writer is taken: the write holds it only
    // to pick and store the questions.
    let bank = form
        .context
        .state
        .bank_at(form.user.bank_generation)
        .await?;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let options = match preset.as_deref() {
        Some(id) => setup::preset_options(id)
            .ok_or_else(|| AppError::BadRequest("That interview preset does not exist.".into()))?,
        None => match setup::parse_form(&raw, |t| bank.topic_title(t).is_some()) {
            Ok(options) => options,
            Err(errors) => {
                return render_new(&form.context, raw, errors, None, unprocessable).await;
            }
        },
    };
    let user_id = form.user.user_id.clone();
    let now = form.context.state.clock.now().naive_utc();
    let seed: u64 = rand::random();
    let created = form
        .context
        .state
        .write(move |conn| {
            let preset = preset.as_deref();
            match service::create(conn, &bank, &user_id, &options, preset, seed, now) {
                Err(InterviewError::NoQuestions) => Ok(None),
                created => Ok(Some(created?)),
            }
        })
        .await?;
    match created {
        Some(id) => Ok(see_other(&format!("/interviews/{id}"))),
        None => {
            let errors = SetupErrors::default();
            let message =
                Some("No questions match these choices. Choose more topics or any difficulty.");
            render_new(&form.context, raw, errors, message, unprocessable).await
        }
    }
}
