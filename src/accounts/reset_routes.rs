//! `/reset/{token}`: the page a reset link opens. It sets a new password once, which ends
//! every session of the account; a used, expired or replaced link says so and changes nothing.

use super::password;
use super::reset;
use super::service::AccountError;
use crate::web::auth::{PageContext, verify_csrf};
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

/// What the page shows.
enum ResetState {
    /// The form, for this account.
    Form { username: String },
    /// The link does not work (any more).
    Invalid,
    /// The password is set.
    Done { username: String },
}

#[derive(Default)]
struct ResetErrors {
    new: Option<String>,
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    nav: Nav,
    csrf: String,
    token: String,
    state: ResetState,
    errors: ResetErrors,
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn render(
    ctx: &PageContext,
    token: String,
    state: ResetState,
    errors: ResetErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = ResetPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        token,
        state,
        errors,
    };
    Ok(ctx.html(status, page.render()?))
}

/// The page for a link that does not work (any more).
fn invalid_link(ctx: &PageContext) -> Result<HttpResponse, AppError> {
    let errors = ResetErrors::default();
    render(
        ctx,
        String::new(),
        ResetState::Invalid,
        errors,
        StatusCode::GONE,
    )
}

/// The username of the account the link `token` resets, while it works.
async fn link_owner(ctx: &PageContext, token: &str) -> Result<Option<String>, AppError> {
    let now = ctx.state.clock.now().naive_utc();
    let lookup = token.to_owned();
    let owner = ctx
        .state
        .read(move |conn| Ok(reset::link_owner(conn, &lookup, now)?))
        .await?;
    Ok(owner.map(|(_, username)| username))
}

/// The form, or why the link does not work.
#[get("/reset/{token}")]
async fn reset_form(ctx: PageContext, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    match link_owner(&ctx, &token).await? {
        Some(username) => render(
            &ctx,
            token,
            ResetState::Form { username },
            ResetErrors::default(),
            StatusCode::OK,
        ),
        None => invalid_link(&ctx),
    }
}

/// Sets the new password: the form is checked, then the link (before the slow hash), then
/// the link is used in one transaction with the password change and the sign-out.
#[post("/reset/{token}")]
async fn reset_password(
    req: HttpRequest,
    ctx: PageContext,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&req, &form.csrf)?;
    let token = token.into_inner();
    let form = form.into_inner();
    let Some(username) = link_owner(&ctx, &token).await? else {
        return invalid_link(&ctx);
    };
    let mut errors = ResetErrors::default();
    if let Err(message) = password::check_new(&form.new_password) {
        errors.new = Some(message.to_owned());
    } else if form.new_password != form.confirm_password {
        errors.confirm = Some("The two passwords differ; type the same one twice.".to_owned());
    }
    if errors.new.is_some() || errors.confirm.is_some() {
        return render(
            &ctx,
            token,
            ResetState::Form { username },
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let secret = form.new_password;
    let hash = ctx
        .state
        .password_work
        .run(move || password::hash(&secret))
        .await??;
    let used = token.clone();
    let now = ctx.state.clock.now().naive_utc();
    let outcome = ctx
        .state
        .write(move |conn| match reset::use_link(conn, &used, &hash, now) {
            Ok(username) => Ok(Some(username)),
            Err(AccountError::InvalidResetLink) => Ok(None),
            Err(other) => Err(other.into()),
        })
        .await?;
    match outcome {
        Some(username) => render(
            &ctx,
            String::new(),
            ResetState::Done { username },
            ResetErrors::default(),
            StatusCode::OK,
        ),
        // Another tab used it a moment ago.
        None => invalid_link(&ctx),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(reset_form).service(reset_password);
}
