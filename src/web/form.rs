//! Reading submitted forms as plain name/value pairs, so that a missing or malformed field
//! becomes a message for the person rather than an extractor's 400.

use super::auth::{PageContext, verify_csrf};
use super::error::AppError;
use crate::accounts::service::SessionUser;
use actix_web::dev::Payload;
use actix_web::error::UrlencodedError;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// The largest form body read, in bytes. The biggest fields are a typed answer (20,000
/// characters) and a flag comment (2,000); percent-encoded, a character of 4 UTF-8 bytes takes
/// 12, so 20,000 of them need 240,000 bytes, plus the other fields.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// The form extractor's settings for the whole app: the size above, and errors answered with
/// the site's own page rather than a bare status.
pub fn config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(MAX_FORM_BYTES)
        .error_handler(|error: UrlencodedError, _req: &HttpRequest| AppError::from(error).into())
}

impl From<UrlencodedError> for AppError {
    fn from(error: UrlencodedError) -> Self {
        match error {
            UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
            UrlencodedError::Payload(actix_web::error::PayloadError::Overflow) => {
                AppError::PayloadTooLarge
            }
            other => AppError::BadForm(other),
        }
    }
}

/// The first value of field `name` among submitted pairs, or "" when it is missing (for pairs
/// kept to re-render a refused form).
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or("")
}

/// The fields of a submitted form, in order (a name may repeat, as with checkboxes).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, or "" when it is missing.
    pub fn get(&self, name: &str) -> &str {
        field(&self.0, name)
    }

    /// The first value of a field, trimmed, or `None` when missing or blank.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|v| !v.is_empty())
    }
}

/// A form sent by a signed-in user, the one way POST handlers read a form: the body is read,
/// then the user is required (an anonymous visitor is sent to sign in), then the form's CSRF
/// token and origin are checked. The body is read before anything is refused, so the
/// connection can be kept (see [`PageContext::require_user`]).
pub struct SignedInForm {
    pub context: PageContext,
    pub user: SessionUser,
    pub fields: Fields,
}

impl FromRequest for SignedInForm {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        let context = PageContext::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            // Both run together, as separate extractors would; neither answers alone.
            let (form, context) = futures_util::future::join(form, context).await;
            let fields = Fields(form?.into_inner());
            let signed_in = context?.require_user(&req)?;
            verify_csrf(&req, fields.get("csrf"))?;
            Ok(SignedInForm {
                context: signed_in.context,
                user: signed_in.user,
                fields,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Fields;

    #[test]
    fn missing_fields_read_as_empty() {
        let fields = Fields(vec![("a".into(), " x ".into()), ("a".into(), "y".into())]);
        assert_eq!(fields.get("a"), " x ");
        assert_eq!(fields.get("b"), "");
        assert_eq!(fields.non_empty("a").as_deref(), Some("x"));
        assert_eq!(fields.non_empty("b"), None);
    }
}
