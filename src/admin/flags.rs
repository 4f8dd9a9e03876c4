//! `/admin/flags`: what candidates reported about questions, open ones first, and resolving them.

use super::manage::{Outcome, when};
use crate::bank::queries::QuestionListItem;
use crate::db::DbConnection;
use crate::db::schema::{flags, questions, users};
use crate::state::AppState;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// The most flags one page lists.
const PAGE_LIMIT: i64 = 500;

/// A flag as the admins see it.
#[derive(Clone, Debug)]
pub struct FlagRow {
    pub id: String,
    pub question_key: String,
    pub set_slug: String,
    pub local_id: String,
    pub question_summary: String,
    pub question_retired: bool,
    pub reason: String,
    pub comment: String,
    pub reporter: String,
    pub created: String,
    /// When and by whom, once resolved.
    pub resolved: Option<(String, String)>,
}

/// Which flags to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    Open,
    All,
}

/// Flags newest first, open ones before resolved ones.
pub fn list_flags(conn: &mut DbConnection, show: Show) -> QueryResult<Vec<FlagRow>> {
    type Row = (
        (String, String, String, NaiveDateTime, Option<NaiveDateTime>),
        (Option<String>, Option<String>),
        (String, String, String, String, Option<NaiveDateTime>),
    );
    let mut query = flags::table
        .inner_join(questions::table)
        .select((
            (
                flags::id,
                flags::reason,
                flags::comment,
                flags::created_at,
                flags::resolved_at,
            ),
            (flags::user_id, flags::resolved_by),
            (
                questions::question_key,
                questions::set_slug,
                questions::local_id,
                questions::prompt_md,
                questions::retired_at,
            ),
        ))
        .order((flags::created_at.desc(), flags::id.asc()))
        .limit(PAGE_LIMIT)
        .into_boxed();
    if show == Show::Open {
        query = query.filter(flags::resolved_at.is_null());
    }
    let rows: Vec<Row> = query.load(conn)?;
    let people: HashSet<&String> = rows
        .iter()
        .flat_map(|(_, (user, resolver), _)| user.iter().chain(resolver))
        .collect();
    let names: HashMap<String, String> = users::table
        .filter(users::id.eq_any(people))
        .select((users::id, users::username))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name = |id: &str| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "(deleted user)".into())
    };
    let mut list: Vec<FlagRow> = rows
        .into_iter()
        .map(|(head, (user, resolver), question)| {
            let (id, reason, comment, created_at, resolved_at) = head;
            let (question_key, set_slug, local_id, prompt_md, retired_at) = question;
            FlagRow {
                question_summary: QuestionListItem {
                    set_slug: set_slug.clone(),
                    local_id: local_id.clone(),
                    topic_title: String::new(),
                    difficulty: String::new(),
                    kind: String::new(),
                    prompt_md,
                }
                .summary(),
                id,
                question_key,
                set_slug,
                local_id,
                question_retired: retired_at.is_some(),
                reason,
                comment,
                // A deleted account's flags stay, without the name.
                reporter: user
                    .as_deref()
                    .map(name)
                    .unwrap_or_else(|| "(deleted user)".into()),
                created: when(created_at),
                resolved: resolved_at
                    .map(|at| (when(at), resolver.as_deref().map(name).unwrap_or_default())),
            }
        })
        .collect();
    // Stable: newest first within open and within resolved.
    list.sort_by_key(|flag| flag.resolved.is_some());
    Ok(list)
}

/// What resolving a flag did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolve {
    Resolved,
    AlreadyResolved,
    NotFound,
}

/// Marks a flag resolved by `admin_id` (a flag already resolved keeps its first resolution).
pub fn resolve(
    conn: &mut DbConnection,
    flag_id: &str,
    admin_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Resolve> {
    crate::db::write_transaction(conn, |conn| {
        let changed = diesel::update(
            flags::table
                .find(flag_id)
                .filter(flags::resolved_at.is_null()),
        )
        .set((
            flags::resolved_at.eq(Some(now)),
            flags::resolved_by.eq(Some(admin_id)),
        ))
        .execute(conn)?;
        if changed > 0 {
            return Ok(Resolve::Resolved);
        }
        let exists = flags::table.find(flag_id).count().get_result::<i64>(conn)? > 0;
        Ok(if exists {
            Resolve::AlreadyResolved
        } else {
            Resolve::NotFound
        })
    })
}

impl Resolve {
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

    fn from_code(code: Option<&str>) -> Option<Resolve> {
        let code = code?;
        [
            Resolve::Resolved,
            Resolve::AlreadyResolved,
            Resolve::NotFound,
        ]
        .into_iter()
        .find(|r| r.code() == code)
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
    state: web::Data<AppState>,
    query: web::Query<FlagsQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let show = show_from(query.show.as_deref());
    let (flags, leeches) = state
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
            let summary = QuestionListItem {
                set_slug,
                local_id,
                topic_title: String::new(),
                difficulty: String::new(),
                kind: String::new(),
                prompt_md: leech.prompt_md,
            }
            .summary();
            (leech.question_key, summary, leech.users)
        })
        .collect();
    let page = FlagsPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        flags,
        show_all: show == Show::All,
        notice: Resolve::from_code(query.outcome.done.as_deref()).map(Resolve::message),
        leeches,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[post("/flags/{id}/resolve")]
async fn resolve_flag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { user, fields, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let flag_id = path.into_inner();
    let admin_id = user.user_id.clone();
    let now = state.clock.now().naive_utc();
    let outcome = state
        .write(move |conn| Ok(resolve(conn, &flag_id, &admin_id, now)?))
        .await?;
    if outcome == Resolve::NotFound {
        return Err(AppError::NotFound);
    }
    let show = match show_from(Some(fields.get("show"))) {
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
