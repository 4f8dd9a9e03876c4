//! `/admin/flags`: what candidates reported about questions, open ones first, and resolving them.

use super::manage::{Notice, Outcome};
use super::queries::flags::{FlagRow, Resolve, Show, list_flags, resolve};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

/// What resolving did, in words: its code in the redirect and the notice it shows.
impl Notice for Resolve {
    const ALL: &'static [Resolve] = &[
        Resolve::Resolved,
        Resolve::AlreadyResolved,
        Resolve::NotFound,
    ];

    fn code(self) -> &'static str {
        match self {
            Resolve::Resolved => "resolved",
            Resolve::AlreadyResolved => "already-resolved",
            Resolve::NotFound => "not-found",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Resolve::Resolved => "The flag is resolved.",
            Resolve::AlreadyResolved => {
                "That flag was already resolved (perhaps by another admin); nothing changed."
            }
            Resolve::NotFound => "That flag does not exist.",
        }
    }
}

#[derive(serde::Deserialize)]
struct FlagsQuery {
    show: Option<String>,
    #[serde(flatten)]
    outcome: Outcome,
}

fn show_from(text: Option<&str>) -> Show {
    if text == Some("all") {
        Show::All
    } else {
        Show::Open
    }
}

#[derive(Template)]
#[template(path = "admin/flags.html")]
struct FlagsPage {
    nav: Nav,
    csrf: String,
    flags: Vec<FlagRow>,
    show_all: bool,
    notice: Option<&'static str>,
    /// Questions that are leeches for several users: (key, summary, users).
    leeches: Vec<(String, String, i64)>,
}

/// A question is listed among the shared leeches from this many users on.
const SHARED_LEECH_USERS: i64 = 2;

#[get("/flags")]
async fn flags_page(
    ctx: PageContext,
    query: web::Query<FlagsQuery>,
) -> Result<HttpResponse, AppError> {
    let show = show_from(query.show.as_deref());
    let (flags, leeches) = ctx
        .state
        .read(move |conn| {
            Ok((
                list_flags(conn, show)?,
                super::queries::shared_leeches(conn, SHARED_LEECH_USERS)?,
            ))
        })
        .await?;
    let leeches = leeches
        .into_iter()
        .map(|leech| {
            let (set_slug, local_id) = leech
                .question_key
                .split_once('/')
                .map(|(s, l)| (s.to_owned(), l.to_owned()))
                .unwrap_or_default();
            let summary = super::queries::summary(&set_slug, &local_id, leech.prompt_md);
            (leech.question_key, summary, leech.users)
        })
        .collect();
    let page = FlagsPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        flags,
        show_all: show == Show::All,
        notice: Resolve::message_for(query.outcome.done.as_deref()),
        leeches,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[post("/flags/{id}/resolve")]
async fn resolve_flag(
    path: web::Path<String>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let flag_id = path.into_inner();
    let admin_id = form.user.user_id.clone();
    let state = &form.context.state;
    let now = state.clock.now().naive_utc();
    let outcome = state
        .write(move |conn| Ok(resolve(conn, &flag_id, &admin_id, now)?))
        .await?;
    if outcome == Resolve::NotFound {
        return Err(AppError::NotFound);
    }
    let show = match show_from(Some(form.fields.get("show"))) {
        Show::All => "show=all&",
        Show::Open => "",
    };
    Ok(see_other(&format!(
        "/admin/flags?{show}done={}",
        outcome.code()
    )))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(flags_page).service(resolve_flag);
}
