//! Who is asking: the session cookie, the CSRF token, and the extractors handlers use.
//!
//! CSRF protection is the double-submit pattern: a random `rehearse_csrf` cookie (HttpOnly,
//! SameSite=Strict) whose value every form repeats in a hidden field, plus an Origin check.

use super::error::AppError;
use crate::accounts::service::{self, SessionUser};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine as _;
use rand::RngCore;
use std::future::Future;
use std::pin::Pin;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "rehearse_session";
pub const CSRF_COOKIE: &str = "rehearse_csrf";

/// What every page needs: the visitor (if signed in), the CSRF token for its forms and the
/// application state its handler reads through. A new CSRF cookie is set on the response when
/// the visitor had none.
#[derive(Clone)]
pub struct PageContext {
    pub user: Option<SessionUser>,
    pub csrf: String,
    pub state: web::Data<AppState>,
    new_csrf_cookie: bool,
}

impl std::fmt::Debug for PageContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageContext")
            .field("user", &self.user)
            .field("new_csrf_cookie", &self.new_csrf_cookie)
            .finish_non_exhaustive()
    }
}

impl PageContext {
    pub fn username(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.username.as_str())
    }

    /// An HTML response that also stores the CSRF cookie when it is new.
    pub fn html(&self, status: actix_web::http::StatusCode, body: String) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        response.content_type("text/html; charset=utf-8");
        if self.new_csrf_cookie {
            response.cookie(csrf_cookie(self.csrf.clone(), self.state.secure_cookies));
        }
        response.body(body)
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A site-wide cookie that scripts cannot read, sent over HTTPS only when `secure`.
fn private_cookie(
    name: &'static str,
    value: String,
    secure: bool,
    same_site: SameSite,
) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_secure(secure);
    cookie.set_same_site(same_site);
    cookie
}

pub fn csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    private_cookie(CSRF_COOKIE, value, secure, SameSite::Strict)
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    let mut cookie = private_cookie(SESSION_COOKIE, token, secure, SameSite::Lax);
    cookie.set_max_age(CookieDuration::days(service::ABSOLUTE_EXPIRY_DAYS));
    cookie
}

pub fn removal_cookie(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// A fresh CSRF token, for rotating it at sign-in and sign-out.
pub fn new_csrf_token() -> String {
    random_token()
}

pub(crate) async fn current_user(req: &HttpRequest) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let state = app_state(req)?;
    let now = state.clock.now().naive_utc();
    let found = state
        .read_key(move |conn| Ok(service::session_user(conn, &token, now)?))
        .await?;
    match found {
        Some((user, stale)) => {
            if stale {
                let id = user.session_id.clone();
                state
                    .write(move |conn| Ok(service::touch_session(conn, &id, now)?))
                    .await?;
            }
            Ok(Some(user))
        }
        None => Ok(None),
    }
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(AppError::Misconfigured("application state is missing"))
}

impl FromRequest for PageContext {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = current_user(&req).await?;
            let state = app_state(&req)?;
            let existing = req
                .cookie(CSRF_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|v| v.len() >= 32);
            Ok(match existing {
                Some(csrf) => PageContext {
                    user,
                    csrf,
                    state,
                    new_csrf_cookie: false,
                },
                None => PageContext {
                    user,
                    csrf: random_token(),
                    state,
                    new_csrf_cookie: true,
                },
            })
        })
    }
}

impl PageContext {
    /// For handlers that read a form: check sign-in *after* the body is read. (Extractors run
    /// together, so a failing `SignedIn` argument would answer before the body is consumed and
    /// the connection would have to be closed.)
    pub fn require_user(self, req: &HttpRequest) -> Result<SignedIn, AppError> {
        match self.user.clone() {
            Some(user) => Ok(SignedIn {
                context: self,
                user,
            }),
            None => Err(AppError::SignInRequired {
                next: next_path(req),
            }),
        }
    }
}

fn next_path(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into())
}

/// A page for signed-in users (use it on GET routes; form handlers use
/// [`PageContext::require_user`]): anonymous visitors are sent to sign in and back.
pub struct SignedIn {
    pub context: PageContext,
    pub user: SessionUser,
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let context = PageContext::from_request(req, payload);
        let next = next_path(req);
        Box::pin(async move {
            let context = context.await?;
            match context.user.clone() {
                Some(user) => Ok(SignedIn { context, user }),
                None => Err(AppError::SignInRequired { next }),
            }
        })
    }
}

/// Checks a state-changing request: the form's token must equal the CSRF cookie, and a
/// browser's Origin (or Referer) must be this site.
pub fn verify_csrf(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    let cookie = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let token_ok = !cookie.is_empty() && bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes()));
    if !token_ok {
        return Err(AppError::Forbidden(
            "This form has expired or did not come from Rehearse. Go back, reload the page and try again."
                .into(),
        ));
    }
    // Our own resolution: X-Forwarded-Host counts only from a trusted proxy.
    let host = super::client::client_info(req).host;
    let claimed = req
        .headers()
        .get("origin")
        .or_else(|| req.headers().get("referer"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(origin) = claimed {
        let without_scheme = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&origin);
        let origin_host = without_scheme.split('/').next().unwrap_or("");
        if origin_host != host {
            return Err(AppError::Forbidden(
                "This request came from another site, so Rehearse refused it.".into(),
            ));
        }
    }
    Ok(())
}

/// Only same-site paths are followed after sign-in, so `next` cannot send people elsewhere.
///
/// Accepted: one `/`, then anything but a second `/` or a `\` (browsers read `//host` and
/// `/\host` as another site), made only of visible ASCII (browsers drop tabs and line breaks
/// inside URLs, so `/<TAB>/host` becomes `//host`; a line break cannot go in a header at all).
/// The same rules hold after one round of percent-decoding, so a later decode cannot turn a
/// local path into another site. Anything else falls back to `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if is_local_path(path.as_bytes(), true)
                && is_local_path(&percent_decode(path), false) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `raw` is the text as sent, which must be visible ASCII; its decoded form may hold spaces
/// and UTF-8 but still no control characters.
fn is_local_path(path: &[u8], raw: bool) -> bool {
    let allowed = |b: &u8| *b != b'\\' && !b.is_ascii_control() && (!raw || b.is_ascii_graphic());
    match path {
        [b'/', b'/' | b'\\', ..] => false,
        [b'/', rest @ ..] => rest.iter().all(allowed),
        _ => false,
    }
}

/// `%XX` sequences decoded to their bytes; anything else kept as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use proptest::prelude::*;

    #[test]
    fn next_follows_local_paths_with_their_query() {
        assert_eq!(safe_next(Some("/study?x=1")), "/study?x=1");
        assert_eq!(safe_next(Some("/questions/a-b%20c")), "/questions/a-b%20c");
        assert_eq!(safe_next(Some("/")), "/");
    }

    #[test]
    fn known_open_redirect_forms_fall_back_to_the_home_page() {
        for bypass in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\r/evil.example",
            "/\n/evil.example",
            "/\nx",
            "/\u{0}x",
            "/\u{7f}x",
            "/\u{85}x",
            "/ /evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%5c/evil.example",
            "/%09/evil.example",
            "/%0d%0a/evil.example",
            "/x%0AX-Injected:1",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bypass)), "/", "{bypass:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    proptest! {
        #[test]
        fn whatever_next_is_the_result_is_a_local_path_that_fits_in_a_header(raw in "\\PC{0,12}|[/\\\\%0-9a-fA-F\t\n:.]{0,12}") {
            let target = safe_next(Some(&raw));
            let mut chars = target.chars();
            prop_assert_eq!(chars.next(), Some('/'));
            prop_assert!(!matches!(chars.next(), Some('/') | Some('\\')));
            prop_assert!(target.bytes().all(|b| b.is_ascii_graphic()));
            prop_assert!(actix_web::http::header::HeaderValue::from_str(&target).is_ok());
        }
    }
}
