//! The one check in front of every admin route.

use crate::accounts::service::Role;
use crate::web::auth::current_user;
use crate::web::error::AppError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Anonymous visitors are sent to sign in (and back); signed-in candidates get a 403 page.
pub async fn require_admin(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match current_user(request.request()).await? {
        Some(user) if user.role == Role::Admin => next.call(request).await,
        Some(_) => Err(AppError::Forbidden(
            "This page is for admins. Ask an admin if you need access.".into(),
        )
        .into()),
        None => {
            let path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/admin".into());
            // After signing in, a form's address would answer 405 to a GET: go to its page.
            let next = if request.method() == actix_web::http::Method::GET {
                path
            } else {
                "/admin".into()
            };
            Err(AppError::SignInRequired { next }.into())
        }
    }
}
