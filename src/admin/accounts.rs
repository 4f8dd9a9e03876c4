//! `/admin/users/{id}/reset-link` and `/admin/users/{id}/delete`: an admin helps a user who
//! forgot their password (a one-time link, shown once, to pass on) or deletes an account (not
//! the last admin). Registered before `users::routes`, whose `/users/{id}/{action}` would
//! otherwise take these paths.

use super::queries;
use crate::accounts::deletion;
use crate::accounts::reset::{self, RESET_VALID_HOURS};
use crate::accounts::service::AccountError;
use crate::web::auth::PageContext;
use crate::web::client::client_info;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

#[derive(Template)]
#[template(path = "admin/reset_link.html")]
struct ResetLinkPage {
    nav: Nav,
    username: String,
    link: String,
    expires: String,
    hours: i64,
}

/// Makes a new reset link (voiding the previous one) and shows it, this once.
#[post("/users/{id}/reset-link")]
async fn make_reset_link(
    req: HttpRequest,
    path: web::Path<String>,
    SignedInForm { context, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let user_id = path.into_inner();
    let now = context.state.clock.now().naive_utc();
    let link = context
        .state
        .write(move |conn| Ok(reset::create_link(conn, &user_id, now)?))
        .await?;
    let client = client_info(&req);
    let scheme = if context.state.secure_cookies {
        "https"
    } else {
        client.scheme.as_str()
    };
    let page = ResetLinkPage {
        nav: context.nav(),
        username: link.username,
        link: format!("{scheme}://{}/reset/{}", client.host, link.token),
        expires: super::manage::when(link.expires_at),
        hours: RESET_VALID_HOURS,
    };
    // Not cached anywhere: the token is shown once.
    let mut response = context.html(StatusCode::OK, page.render()?);
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "admin/delete_user.html")]
struct DeleteUserPage {
    nav: Nav,
    csrf: String,
    id: String,
    username: String,
    is_admin: bool,
    refusal: Option<&'static str>,
    /// Set once the account is deleted.
    deleted: bool,
}

const LAST_ADMIN: &str = "Nothing changed: this is the last admin who can sign in. Make another \
                          account an admin first, so someone can still manage Rehearse.";

/// Asks before deleting.
#[get("/users/{id}/delete")]
async fn confirm_delete(
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lookup = id.clone();
    let (username, is_admin) = ctx
        .state
        .read(move |conn| Ok(queries::account_name_and_role(conn, &lookup)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let page = DeleteUserPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        id,
        username,
        is_admin,
        refusal: None,
        deleted: false,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

/// Deletes the account and everything it holds (see `accounts::deletion`).
#[post("/users/{id}/delete")]
async fn delete_user(
    path: web::Path<String>,
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = id.clone();
    let outcome = context
        .state
        .write(move |conn| match deletion::delete_account(conn, &target) {
            Ok(username) => Ok(Ok(username)),
            Err(AccountError::LastAdmin) => Ok(Err(queries::account_name_and_role(conn, &target)?
                .map(|(name, _)| name)
                .unwrap_or_default())),
            Err(other) => Err(other.into()),
        })
        .await?;
    let (username, refusal, status) = match outcome {
        // An admin who deleted their own account has nothing left to see here.
        Ok(_) if id == user.user_id => return Ok(see_other("/")),
        Ok(username) => (username, None, StatusCode::OK),
        Err(username) => (username, Some(LAST_ADMIN), StatusCode::CONFLICT),
    };
    let page = DeleteUserPage {
        nav: context.nav(),
        csrf: context.csrf.clone(),
        deleted: refusal.is_none(),
        id,
        username,
        is_admin: refusal.is_some(),
        refusal,
    };
    Ok(context.html(status, page.render()?))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(make_reset_link)
        .service(confirm_delete)
        .service(delete_user);
}
