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
    /// A form that could not be read (not one that was read and found wrong: that one
    /// re-renders with a message beside the field).
    #[error("an unreadable form")]
    BadForm(#[source] actix_web::error::UrlencodedError),
    /// An address whose query string does not fit the page (`/study?flagged=abc`).
    #[error("an unreadable query string")]
    BadQuery(#[from] actix_web::error::QueryPayloadError),
    /// An address whose path segments do not fit the route.
    #[error("an unreadable path")]
    BadPath(#[from] actix_web::error::PathError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Search(#[from] crate::bank::search::SearchError),
    #[error("could not render the page")]
    Template(#[from] askama::Error),
    /// An import failed for a reason other than the files' problems or a stale preview.
    #[error("the import failed")]
    Import(#[source] crate::bank::import::ImportError),
    /// An upload's stored preview that no longer reads back: nothing was imported, and the
    /// admin is asked to upload again.
    #[error("an unreadable import preview")]
    BrokenPreview(#[source] crate::bank::import::ImportError),
    #[error("the export failed")]
    Export(#[source] crate::bank::export::ExportError),
    /// The review log or the Anki file could not be written.
    #[error("the progress export failed")]
    ProgressExport(#[from] crate::progress::export::ExportError),
    /// Switching scheduler, evaluating or training FSRS failed (the database or the FSRS
    /// crate).
    #[error("the scheduler could not be applied")]
    Scheduler(#[source] crate::scheduler::service::SchedulerServiceError),
    /// The "My data" download could not be written.
    #[error("the data export failed")]
    DataExport(#[source] serde_json::Error),
    /// argon2's error is not a `std::error::Error` (the crate is built without `std`), so it
    /// is kept as a value and printed in the message.
    #[error("could not hash the password: {0}")]
    PasswordHash(argon2::password_hash::Error),
    #[error(transparent)]
    PasswordWork(#[from] crate::accounts::password::Cancelled),
    /// The blocking thread running a query or a job was cancelled (the server is stopping).
    #[error("a blocking task was cancelled")]
    Blocking(#[from] actix_web::error::BlockingError),
    /// A handler ran outside the app it belongs to (a wiring mistake, not the visitor's).
    #[error("the application is misconfigured: {0}")]
    Misconfigured(&'static str),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Db(crate::db::DbError::Query(e))
    }
}

impl From<crate::bank::import::ImportError> for AppError {
    fn from(e: crate::bank::import::ImportError) -> Self {
        match e {
            crate::bank::import::ImportError::Db(db) => AppError::Db(db),
            broken @ crate::bank::import::ImportError::PreviewUnreadable(_) => {
                AppError::BrokenPreview(broken)
            }
            other => AppError::Import(other),
        }
    }
}

impl From<crate::bank::export::ExportError> for AppError {
    fn from(e: crate::bank::export::ExportError) -> Self {
        use crate::bank::export::ExportError;
        match e {
            ExportError::UnknownSet(_) => AppError::NotFound,
            ExportError::Query(e) => e.into(),
            other => AppError::Export(other),
        }
    }
}

impl From<crate::interview::service::InterviewError> for AppError {
    fn from(e: crate::interview::service::InterviewError) -> Self {
        use crate::interview::service::InterviewError;
        match e {
            InterviewError::NotFound => AppError::NotFound,
            InterviewError::NoQuestions => AppError::BadRequest(
                "No questions match these choices. Go back and choose more topics or another difficulty."
                    .into(),
            ),
            InterviewError::Db(e) => e.into(),
        }
    }
}

impl From<crate::scheduler::service::SchedulerServiceError> for AppError {
    fn from(e: crate::scheduler::service::SchedulerServiceError) -> Self {
        use crate::scheduler::service::SchedulerServiceError;
        match e {
            SchedulerServiceError::Db(e) => e.into(),
            SchedulerServiceError::Connection(e) => AppError::Db(e),
            other => AppError::Scheduler(other),
        }
    }
}

impl From<crate::accounts::service::AccountError> for AppError {
    fn from(e: crate::accounts::service::AccountError) -> Self {
        use crate::accounts::service::AccountError;
        match e {
            AccountError::UsernameTaken => {
                AppError::BadRequest("That username is taken; choose another.".into())
            }
            AccountError::UnknownUser => AppError::NotFound,
            AccountError::InvalidResetLink => AppError::BadRequest(
                "This password reset link no longer works: it was used, it expired, or a newer \
                 one replaced it. Ask an admin for a new one."
                    .into(),
            ),
            AccountError::LastAdmin => AppError::Forbidden(
                "this is the last admin who can sign in; make another account an admin first"
                    .into(),
            ),
            AccountError::Db(e) => e.into(),
        }
    }
}

impl From<crate::sm2::GradeFieldError> for AppError {
    fn from(e: crate::sm2::GradeFieldError) -> Self {
        AppError::BadRequest(e.to_string())
    }
}

impl From<argon2::password_hash::Error> for AppError {
    fn from(e: argon2::password_hash::Error) -> Self {
        AppError::PasswordHash(e)
    }
}

/// The query and path extractors' settings for the whole app: a value that does not fit
/// gets the site's own error page (the form's are in [`crate::web::form::config`]).
pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|error, _req| AppError::BadQuery(error).into())
}

/// See [`query_config`].
pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default()
        .error_handler(|error, _req| AppError::BadPath(error).into())
}

fn chain(error: &AppError) -> String {
    crate::telemetry::chain(error)
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
            AppError::BadRequest(_)
            | AppError::BadForm(_)
            | AppError::BadQuery(_)
            | AppError::BadPath(_) => StatusCode::BAD_REQUEST,
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
        if status.is_client_error() {
            tracing::debug!(status = status.as_u16(), reason = %chain(self), "request refused");
        }
        let (title, message) = match self {
            AppError::Forbidden(message) => ("Request refused", message.as_str()),
            AppError::BadRequest(message) => ("That did not work", message.as_str()),
            AppError::BadForm(_) => (
                "That did not work",
                "This form could not be read. Go back, reload the page and try again.",
            ),
            AppError::BadQuery(_) | AppError::BadPath(_) => (
                "That did not work",
                "This address could not be read. Check the link, or start from the home page.",
            ),
            AppError::PayloadTooLarge => (
                "That form is too large",
                "Rehearse did not read this form because it is larger than any of its forms allow. Go back, shorten what you typed and try again.",
            ),
            AppError::BrokenPreview(_) => {
                tracing::error!(error = %chain(self), "request failed");
                (
                    "This preview cannot be used",
                    "Rehearse could not read back the preview it stored for this upload, so nothing was imported. Upload the files again for a fresh preview.",
                )
            }
            AppError::NotFound => (
                "Page not found",
                "There is nothing at this address. Check the link, or start from the home page.",
            ),
            other => {
                // Log the whole chain once, here; the visitor gets a calm page without internals.
                tracing::error!(error = %chain(other), "request failed");
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
