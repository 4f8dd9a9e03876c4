//! The one place where errors become HTTP responses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    /// An anonymous visitor asked for a page of signed-in users; `next` brings them back.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A form or link with a value that cannot be right; the message says what to do.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form larger than any the site sends ([`crate::web::form::MAX_FORM_BYTES`]).
    #[error("the form is too large")]
    PayloadTooLarge,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("could not render the page: {0}")]
    Template(#[from] askama::Error),
    #[error("{0}")]
    Unexpected(String),
}

impl From<crate::accounts::password::Cancelled> for AppError {
    fn from(e: crate::accounts::password::Cancelled) -> Self {
        AppError::Unexpected(e.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Db(crate::db::DbError::Query(e))
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    nav: crate::web::layout::Nav,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let AppError::SignInRequired { next } = self {
            let target = format!(
                "/signin?next={}",
                serde_urlencoded::to_string([("", next)])
                    .unwrap_or_default()
                    .trim_start_matches('=')
            );
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, target))
                .finish();
        }
        let (title, message) = match self {
            AppError::Forbidden(message) => ("Request refused", message.as_str()),
            AppError::BadRequest(message) => ("That did not work", message.as_str()),
            AppError::PayloadTooLarge => (
                "That form is too large",
                "Rehearse did not read this form because it is larger than any of its forms allow. Go back, shorten what you typed and try again.",
            ),
            AppError::NotFound => (
                "Page not found",
                "There is nothing at this address. Check the link, or start from the home page.",
            ),
            other => {
                // Log the whole chain once, here; the visitor gets a calm page without internals.
                let mut chain = other.to_string();
                let mut source = std::error::Error::source(other);
                while let Some(s) = source {
                    chain.push_str(": ");
                    chain.push_str(&s.to_string());
                    source = s.source();
                }
                tracing::error!(error = %chain, "request failed");
                (
                    "Something went wrong",
                    "Rehearse could not finish this request. Nothing you did caused it; please try again in a moment.",
                )
            }
        };
        let body = ErrorPage {
            nav: crate::web::layout::Nav::default(),
            title,
            message,
        }
        .render()
        .unwrap_or_else(|_| message.to_owned());
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
