//! `/admin/users`: every account, made or unmade admin, disabled or enabled. Disabling ends the
//! account's sessions at once. The last enabled admin can neither lose the role nor be
//! disabled, checked inside the write transaction.

use super::manage::{Outcome, when};
use crate::accounts::service::Role;
use crate::db::DbConnection;
use crate::db::schema::{sessions, users};
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

/// An account in the list.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub is_admin: bool,
    pub created: String,
    /// When it was disabled, as shown.
    pub disabled: Option<String>,
}

pub fn list_users(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    Ok(users::table
        .order(users::username.asc())
        .select((
            users::id,
            users::username,
            users::role,
            users::created_at,
            users::disabled_at,
        ))
        .load::<(String, String, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(id, username, role, created_at, disabled_at)| UserRow {
            id,
            username,
            is_admin: role == Role::Admin.as_str(),
            created: when(created_at),
            disabled: disabled_at.map(when),
        })
        .collect())
}

/// What an admin can do to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    MakeAdmin,
    RevokeAdmin,
    Disable,
    Enable,
}

impl UserAction {
    const ALL: [UserAction; 4] = [
        UserAction::MakeAdmin,
        UserAction::RevokeAdmin,
        UserAction::Disable,
        UserAction::Enable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UserAction::MakeAdmin => "made-admin",
            UserAction::RevokeAdmin => "revoked-admin",
            UserAction::Disable => "disabled",
            UserAction::Enable => "enabled",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            UserAction::MakeAdmin => "The account is now an admin.",
            UserAction::RevokeAdmin => "The account is no longer an admin.",
            UserAction::Disable => {
                "The account is disabled: it was signed out everywhere and cannot sign in."
            }
            UserAction::Enable => "The account is enabled and can sign in again.",
        }
    }

    fn from_code(code: Option<&str>) -> Option<UserAction> {
        let code = code?;
        UserAction::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Whether this takes an admin away (and so may not leave the site without one).
    fn removes_an_admin(self) -> bool {
        matches!(self, UserAction::RevokeAdmin | UserAction::Disable)
    }
}

/// Why an action was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    LastAdmin,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::LastAdmin => "last-admin",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::LastAdmin => {
                "Nothing changed: this is the last admin who can sign in. Make another account an \
                 admin first, so someone can still manage Rehearse."
            }
        }
    }

    fn from_code(code: Option<&str>) -> Option<Refusal> {
        (code? == Refusal::LastAdmin.code()).then_some(Refusal::LastAdmin)
    }
}

/// What an action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange {
    Done,
    Refused(Refusal),
    NotFound,
}

/// Applies `action` to the account `user_id`, in one transaction.
pub fn apply(
    conn: &mut DbConnection,
    user_id: &str,
    action: UserAction,
    now: NaiveDateTime,
) -> QueryResult<UserChange> {
    let admin = Role::Admin.as_str();
    crate::db::write_transaction(conn, |conn| {
        // Lock every admin row first (PostgreSQL; SQLite's immediate transaction already
        // excludes other writers), so two admins removing each other at once cannot both pass
        // the check below.
        diesel::update(users::table.filter(users::role.eq(admin)))
            .set(users::role.eq(users::role))
            .execute(conn)?;
        let Some((role, disabled_at)) = users::table
            .find(user_id)
            .select((users::role, users::disabled_at))
            .get_result::<(String, Option<NaiveDateTime>)>(conn)
            .optional()?
        else {
            return Ok(UserChange::NotFound);
        };
        if action.removes_an_admin() && role == admin && disabled_at.is_none() {
            let other_admins = users::table
                .filter(users::role.eq(admin))
                .filter(users::disabled_at.is_null())
                .filter(users::id.ne(user_id))
                .count()
                .get_result::<i64>(conn)?;
            if other_admins == 0 {
                return Ok(UserChange::Refused(Refusal::LastAdmin));
            }
        }
        let target = users::table.find(user_id);
        match action {
            UserAction::MakeAdmin => {
                diesel::update(target)
                    .set(users::role.eq(admin))
                    .execute(conn)?;
            }
            UserAction::RevokeAdmin => {
                diesel::update(target)
                    .set(users::role.eq(Role::Candidate.as_str()))
                    .execute(conn)?;
            }
            UserAction::Disable => {
                if disabled_at.is_none() {
                    diesel::update(target)
                        .set(users::disabled_at.eq(Some(now)))
                        .execute(conn)?;
                }
                diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
                    .execute(conn)?;
            }
            UserAction::Enable => {
                diesel::update(target)
                    .set(users::disabled_at.eq(None::<NaiveDateTime>))
                    .execute(conn)?;
            }
        }
        Ok(UserChange::Done)
    })
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    nav: Nav,
    csrf: String,
    users: Vec<UserRow>,
    me: String,
    notice: Option<&'static str>,
    refusal: Option<&'static str>,
}

#[get("/users")]
async fn users_page(
    ctx: PageContext,
    state: web::Data<AppState>,
    query: web::Query<Outcome>,
) -> Result<HttpResponse, AppError> {
    let users = state.read(|conn| Ok(list_users(conn)?)).await?;
    let page = UsersPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        users,
        me: ctx
            .user
            .as_ref()
            .map(|u| u.user_id.clone())
            .unwrap_or_default(),
        notice: UserAction::from_code(query.done.as_deref()).map(UserAction::message),
        refusal: Refusal::from_code(query.refused.as_deref()).map(Refusal::message),
    };
    let status = if page.refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(ctx.html(status, page.render()?))
}

async fn change_user(
    state: web::Data<AppState>,
    user_id: String,
    SignedInForm { user, .. }: SignedInForm,
    action: UserAction,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now().naive_utc();
    let myself = user.user_id == user_id;
    let change = state
        .write(move |conn| Ok(apply(conn, &user_id, action, now)?))
        .await?;
    match change {
        // An admin who just gave up the role (or their account) cannot see the page any more.
        UserChange::Done if myself && action.removes_an_admin() => Ok(see_other("/")),
        UserChange::Done => Ok(see_other(&format!("/admin/users?done={}", action.code()))),
        UserChange::Refused(refusal) => Ok(see_other(&format!(
            "/admin/users?refused={}",
            refusal.code()
        ))),
        UserChange::NotFound => Err(AppError::NotFound),
    }
}

/// `POST /admin/users/{id}/make-admin`, `revoke-admin`, `disable` or `enable`.
#[post("/users/{id}/{action}")]
async fn user_action(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let action = match action.as_str() {
        "make-admin" => UserAction::MakeAdmin,
        "revoke-admin" => UserAction::RevokeAdmin,
        "disable" => UserAction::Disable,
        "enable" => UserAction::Enable,
        _ => return Err(AppError::NotFound),
    };
    change_user(state, id, form, action).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(users_page).service(user_action);
}
