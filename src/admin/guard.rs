//! The one check in front of every admin route.

use crate::accounts::service::Role;
use crate::web::auth::current_user;
use crate::web::error::AppError;
use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Anonymous visitors are sent to sign in (and back); signed-in candidates get a 403 page.
pub async fn require_admin(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = match current_user(request.request()).await? {
        Some(user) if user.role == Role::Admin => {
            return Ok(next.call(request).await?.map_into_left_body());
        }
        Some(_) => {
            AppError::Forbidden("This page is for admins. Ask an admin if you need access.".into())
        }
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
            AppError::SignInRequired { next }
        }
    };
    let mut response = refusal.error_response();
    // The request's body (an upload, say) is left unread, so the connection cannot be reused.
    response
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(request.into_response(response).map_into_right_body())
}
