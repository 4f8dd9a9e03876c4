//! `/admin/sets`: every question set, switched on or off for study, exported as YAML, and its
//! questions retired or restored one by one. Every change bumps the bank's generation in the
//! same transaction, so every instance reloads its in-memory copy.

use super::manage::{Notice, Outcome};
use super::queries::sets::{
    ChangeOutcome, SetDetail, SetRow, list_sets, set_detail, set_enabled, set_question_retired,
};
use crate::bank::export;
use crate::state::AppState;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

/// What an action on this page did, for the notice after the redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetNotice {
    Enabled,
    Disabled,
    Retired,
    Restored,
}

impl Notice for SetNotice {
    const ALL: &'static [SetNotice] = &[
        SetNotice::Enabled,
        SetNotice::Disabled,
        SetNotice::Retired,
        SetNotice::Restored,
    ];

    fn code(self) -> &'static str {
        match self {
            SetNotice::Enabled => "enabled",
            SetNotice::Disabled => "disabled",
            SetNotice::Retired => "retired",
            SetNotice::Restored => "restored",
        }
    }

    fn message(self) -> &'static str {
        match self {
            SetNotice::Enabled => "The set is enabled: its questions are back in study queues.",
            SetNotice::Disabled => {
                "The set is disabled: its questions have left every study queue and new interviews."
            }
            SetNotice::Retired => {
                "The question is retired: nobody sees it any more; its review history is kept."
            }
            SetNotice::Restored => "The question is restored and can be studied again.",
        }
    }
}

#[derive(Template)]
#[template(path = "admin/sets.html")]
struct SetsPage {
    nav: Nav,
    csrf: String,
    sets: Vec<SetRow>,
    notice: Option<&'static str>,
}

#[get("/sets")]
async fn sets_page(ctx: PageContext, query: web::Query<Outcome>) -> Result<HttpResponse, AppError> {
    let sets = ctx.state.read(|conn| Ok(list_sets(conn)?)).await?;
    let page = SetsPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        sets,
        notice: SetNotice::message_for(query.done.as_deref()),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[derive(Template)]
#[template(path = "admin/set.html")]
struct SetPage {
    nav: Nav,
    csrf: String,
    set: SetDetail,
    notice: Option<&'static str>,
}

#[get("/sets/{slug}")]
async fn set_page(
    ctx: PageContext,
    path: web::Path<String>,
    query: web::Query<Outcome>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let set = ctx
        .state
        .read(move |conn| set_detail(conn, &slug)?.ok_or(AppError::NotFound))
        .await?;
    let page = SetPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        set,
        notice: SetNotice::message_for(query.done.as_deref()),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

/// `form` is the checked form (its extractor did the work); only its state is used here.
async fn change_set(
    slug: String,
    form: SignedInForm,
    enabled: bool,
) -> Result<HttpResponse, AppError> {
    let change = form
        .context
        .state
        .write(move |conn| Ok(set_enabled(conn, &slug, enabled)?))
        .await?;
    let notice = if enabled {
        SetNotice::Enabled
    } else {
        SetNotice::Disabled
    };
    match change {
        ChangeOutcome::Done => Ok(see_other(&format!("/admin/sets?done={}", notice.code()))),
        ChangeOutcome::NotFound => Err(AppError::NotFound),
    }
}

#[post("/sets/{slug}/enable")]
async fn enable_set(path: web::Path<String>, form: SignedInForm) -> Result<HttpResponse, AppError> {
    change_set(path.into_inner(), form, true).await
}

#[post("/sets/{slug}/disable")]
async fn disable_set(
    path: web::Path<String>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    change_set(path.into_inner(), form, false).await
}

/// `form` is the checked form (its extractor did the work); only its state is used here.
async fn change_question(
    (set, id): (String, String),
    form: SignedInForm,
    retire: bool,
) -> Result<HttpResponse, AppError> {
    let now = form.context.state.clock.now().naive_utc();
    let key = format!("{set}/{id}");
    let change = form
        .context
        .state
        .write(move |conn| Ok(set_question_retired(conn, &key, retire.then_some(now))?))
        .await?;
    let notice = if retire {
        SetNotice::Retired
    } else {
        SetNotice::Restored
    };
    match change {
        ChangeOutcome::Done => Ok(see_other(&format!(
            "/admin/sets/{set}?done={}#q-{id}",
            notice.code()
        ))),
        ChangeOutcome::NotFound => Err(AppError::NotFound),
    }
}

#[post("/questions/{set}/{id}/retire")]
async fn retire_question(
    path: web::Path<(String, String)>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    change_question(path.into_inner(), form, true).await
}

#[post("/questions/{set}/{id}/restore")]
async fn restore_question(
    path: web::Path<(String, String)>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    change_question(path.into_inner(), form, false).await
}

/// A YAML file to download.
fn yaml_download(file_name: String, text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .body(text)
}

/// One set as the import reads it (active questions only): importing it changes nothing.
#[get("/sets/{slug}/export")]
async fn export_set(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let file_name = format!("{slug}.yaml");
    let text = state
        .read(move |conn| Ok(export::set_yaml(conn, &slug)?))
        .await?;
    Ok(yaml_download(file_name, text))
}

/// The topic tree, which an import into an empty database needs beside the set files.
#[get("/topics/export")]
async fn export_topics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let text = state.read(|conn| Ok(export::topics_yaml(conn)?)).await?;
    Ok(yaml_download("topics.yaml".into(), text))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(sets_page)
        .service(set_page)
        .service(enable_set)
        .service(disable_set)
        .service(retire_question)
        .service(restore_question)
        .service(export_set)
        .service(export_topics);
}
