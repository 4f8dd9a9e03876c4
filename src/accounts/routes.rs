//! Sign up, sign in, sign out.

use super::rate_limit;
use super::service::{self, AccountError, Role};
use super::{password, username::Username};
use crate::state::AppState;
use crate::web::auth::{
    self, PageContext, SESSION_COOKIE, csrf_cookie, removal_cookie, safe_next, session_cookie,
    verify_csrf,
};
use crate::web::client::client_info;
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CredentialsForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

#[derive(Default)]
struct FieldErrors {
    username: Option<String>,
    password: Option<String>,
    form: Option<String>,
}

/// The sign-up or the sign-in page: the form as sent, with its mistakes.
#[derive(Template)]
#[template(path = "accounts/credentials.html")]
struct CredentialsPage {
    nav: Nav,
    csrf: String,
    /// The sign-up form (for a new account), or else the sign-in form.
    new_account: bool,
    next: String,
    username: String,
    errors: FieldErrors,
}

impl CredentialsPage {
    /// The form for `ctx`'s visitor with what they typed and no mistakes yet.
    fn new(ctx: &PageContext, new_account: bool, next: String, username: String) -> Self {
        CredentialsPage {
            nav: ctx.nav(),
            csrf: ctx.csrf.clone(),
            new_account,
            next,
            username,
            errors: FieldErrors::default(),
        }
    }

    /// The empty form, going on to `next` afterwards.
    fn blank(
        ctx: &PageContext,
        new_account: bool,
        next: Option<&str>,
    ) -> Result<HttpResponse, AppError> {
        let page = CredentialsPage::new(ctx, new_account, safe_next(next), String::new());
        Ok(ctx.html(StatusCode::OK, page.render()?))
    }
}

/// The browser's `User-Agent` header, or "" without one.
pub(crate) fn user_agent(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[get("/signup")]
async fn sign_up_form(
    ctx: PageContext,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    CredentialsPage::blank(&ctx, true, query.next.as_deref())
}

/// Signs a user in: a new session (so a fixed session id can't be planted) and a new CSRF token.
fn signed_in_response(state: &AppState, token: String, next: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, next.to_owned()))
        .cookie(session_cookie(token, state.secure_cookies))
        .cookie(csrf_cookie(auth::new_csrf_token(), state.secure_cookies))
        .finish()
}

#[post("/signup")]
async fn sign_up(
    req: HttpRequest,
    ctx: PageContext,
    form: web::Form<CredentialsForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let mut errors = FieldErrors::default();
    let username = Username::try_from(form.username.as_str())
        .map_err(|e| errors.username = Some(e.to_owned()))
        .ok();
    if let Err(e) = password::check_new(&form.password) {
        errors.password = Some(e.to_owned());
    }
    let rerender = |errors: FieldErrors, status: StatusCode| -> Result<HttpResponse, AppError> {
        let typed = CredentialsPage::new(&ctx, true, next.clone(), form.username.clone());
        let page = CredentialsPage { errors, ..typed };
        Ok(ctx.html(status, page.render()?))
    };
    let Some(username) = username.filter(|_| errors.password.is_none()) else {
        return rerender(errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // A sign-up is counted before the slow hash, so parallel ones cannot all pass the check.
    let address = client_info(&req).address;
    let now = ctx.state.clock.now().naive_utc();
    let subject = vec![rate_limit::sign_up_subject(&address)];
    let reservation = ctx
        .state
        .write(move |conn| Ok(service::reserve_attempt(conn, &subject, now)?))
        .await?;
    if let Err(wait) = reservation {
        return rerender(
            FieldErrors {
                form: Some(format!(
                    "Too many accounts were created from your network just now. Try again in {}.",
                    rate_limit::describe_wait(wait)
                )),
                ..FieldErrors::default()
            },
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let secret = form.password.clone();
    let hash = ctx
        .state
        .password_work
        .run(move || password::hash(&secret))
        .await??;
    let name = username.as_str().to_owned();
    let user_agent = user_agent(&req);
    let created = ctx
        .state
        .write(
            move |conn| match service::create_user(conn, &name, &hash, Role::Candidate, now) {
                Ok(id) => Ok(Some(service::start_session(conn, &id, &user_agent, now)?)),
                Err(AccountError::UsernameTaken) => Ok(None),
                Err(other) => Err(other.into()),
            },
        )
        .await?;
    match created {
        Some(token) => Ok(signed_in_response(&ctx.state, token, &next)),
        None => rerender(
            FieldErrors {
                username: Some("That username is taken; choose another.".into()),
                ..FieldErrors::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

#[get("/signin")]
async fn sign_in_form(
    ctx: PageContext,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    CredentialsPage::blank(&ctx, false, query.next.as_deref())
}

/// Checked against when the username does not exist, so both failures take equally long.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password::hash("not a real password").unwrap_or_default());

#[post("/signin")]
async fn sign_in(
    req: HttpRequest,
    ctx: PageContext,
    form: web::Form<CredentialsForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let rerender = |message: String, status: StatusCode| -> Result<HttpResponse, AppError> {
        let errors = FieldErrors {
            form: Some(message),
            ..FieldErrors::default()
        };
        let typed = CredentialsPage::new(&ctx, false, next.clone(), form.username.clone());
        let page = CredentialsPage { errors, ..typed };
        Ok(ctx.html(status, page.render()?))
    };
    let name = form.username.trim().to_ascii_lowercase();
    let address = client_info(&req).address;
    let subjects = rate_limit::sign_in_subjects(&name, &address);
    let now = ctx.state.clock.now().naive_utc();

    // The attempt is reserved (counted as a failure) before the password is checked, so
    // parallel guesses cannot all slip through before any is recorded.
    let reservation = ctx
        .state
        .write(move |conn| Ok(service::reserve_attempt(conn, &subjects, now)?))
        .await?;
    let reserved = match reservation {
        Ok(reserved) => reserved,
        Err(wait) => {
            return rerender(
                format!(
                    "Too many failed sign-in attempts. Try again in {}.",
                    rate_limit::describe_wait(wait)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
    };
    let lookup_name = name.clone();
    let credentials = ctx
        .state
        .read(move |conn| Ok(service::credentials(conn, &lookup_name)?))
        .await?;
    let secret = form.password.clone();
    let stored_hash = credentials.as_ref().map(|(_, h)| h.clone());
    // The dummy hash is built (once) on the blocking thread too: hashing never runs on an
    // async worker.
    let matches = ctx
        .state
        .password_work
        .run(move || {
            password::verify(
                &secret,
                stored_hash.as_deref().unwrap_or(DUMMY_HASH.as_str()),
            )
        })
        .await?;
    match credentials.filter(|_| matches) {
        Some((user_id, _)) => {
            let forgiven = rate_limit::sign_in_subjects(&name, &address)
                .into_iter()
                .next()
                .map(|(subject, _)| subject)
                .unwrap_or_default();
            let user_agent = user_agent(&req);
            let token = ctx
                .state
                .write(move |conn| {
                    service::release_attempt(conn, &reserved, &forgiven)?;
                    Ok(service::start_session(conn, &user_id, &user_agent, now)?)
                })
                .await?;
            Ok(signed_in_response(&ctx.state, token, &next))
        }
        None => rerender(
            "That username and password do not match an account.".into(),
            StatusCode::UNAUTHORIZED,
        ),
    }
}

#[post("/signout")]
async fn sign_out(form: SignedInForm) -> Result<HttpResponse, AppError> {
    let session_id = form.user.session_id;
    form.context
        .state
        .write(move |conn| Ok(service::end_session(conn, &session_id)?))
        .await?;
    let mut response = see_other("/");
    response.add_cookie(&removal_cookie(SESSION_COOKIE)).ok();
    response
        .add_cookie(&csrf_cookie(
            auth::new_csrf_token(),
            form.context.state.secure_cookies,
        ))
        .ok();
    Ok(response)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_up_form)
        .service(sign_up)
        .service(sign_in_form)
        .service(sign_in)
        .service(sign_out);
}
