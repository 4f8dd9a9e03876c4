//! `/admin/users`: every account, made or unmade admin, disabled or enabled. Disabling ends the
//! account's sessions at once. The last enabled admin can neither lose the role nor be
//! disabled, checked inside the write transaction (`queries::users::apply`). This file holds
//! the page, the action's route and their words.

use super::manage::{Notice, Outcome};
use super::queries::users::{Refusal, UserAction, UserChange, UserRow, apply, list_users};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

/// An action's words: its code in the redirect and the notice it shows.
impl Notice for UserAction {
    const ALL: &'static [UserAction] = &[
        UserAction::MakeAdmin,
        UserAction::RevokeAdmin,
        UserAction::Disable,
        UserAction::Enable,
    ];

    fn code(self) -> &'static str {
        match self {
            UserAction::MakeAdmin => "made-admin",
            UserAction::RevokeAdmin => "revoked-admin",
            UserAction::Disable => "disabled",
            UserAction::Enable => "enabled",
        }
    }

    fn message(self) -> &'static str {
        match self {
            UserAction::MakeAdmin => "The account is now an admin.",
            UserAction::RevokeAdmin => "The account is no longer an admin.",
            UserAction::Disable => {
                "The account is disabled: it was signed out everywhere and cannot sign in."
            }
            UserAction::Enable => "The account is enabled and can sign in again.",
        }
    }
}

/// A refusal's words, as for [`UserAction`].
impl Notice for Refusal {
    const ALL: &'static [Refusal] = &[Refusal::LastAdmin];

    fn code(self) -> &'static str {
        match self {
            Refusal::LastAdmin => "last-admin",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Refusal::LastAdmin => {
                "Nothing changed: this is the last admin who can sign in. Make another account an \
                 admin first, so someone can still manage Rehearse."
            }
        }
    }
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
    query: web::Query<Outcome>,
) -> Result<HttpResponse, AppError> {
    let users = ctx.state.read(|conn| Ok(list_users(conn)?)).await?;
    let page = UsersPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        users,
        me: ctx
            .user
            .as_ref()
            .map(|u| u.user_id.clone())
            .unwrap_or_default(),
        notice: UserAction::message_for(query.done.as_deref()),
        refusal: Refusal::message_for(query.refused.as_deref()),
    };
    let status = if page.refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(ctx.html(status, page.render()?))
}

async fn change_user(
    user_id: String,
    SignedInForm { context, user, .. }: SignedInForm,
    action: UserAction,
) -> Result<HttpResponse, AppError> {
    let now = context.state.clock.now().naive_utc();
    let myself = user.user_id == user_id;
    let change = context
        .state
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
    change_user(id, form, action).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(users_page).service(user_action);
}
