//! What every request leaves behind: a request id (a trusted proxy's `X-Request-Id`, else a
//! new one) on a span that every log line of the request carries and in the response's
//! `X-Request-Id`; one access log line; its metrics. Also, once shutdown has begun, each
//! response closes its connection, so keep-alive clients move to another instance instead of
//! holding this one open until the deadline.

use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tracing::Instrument;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a proxy; longer ones are replaced (they go into every log line).
const MAX_ID_LEN: usize = 128;

/// The route label of requests no route matched (the 404 page), so unknown paths cannot
/// create series.
const UNMATCHED: &str = "unmatched";

/// An id sent by a proxy is kept when it is short and printable ASCII without spaces, so it
/// can neither forge log lines nor break the response header.
fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A new id: 64 random bits from the thread's generator, as 16 hex digits (cheaper than a
/// UUID, and as unlikely to repeat within a day of logs).
fn new_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The request's id: the `X-Request-Id` of a trusted proxy, else a new one.
fn request_id(req: &ServiceRequest, state: Option<&AppState>) -> String {
    let from_proxy = state.is_some_and(|state| {
        req.peer_addr()
            .is_some_and(|peer| state.trusted_proxies.trusts(peer.ip()))
    });
    from_proxy
        .then(|| req.headers().get(&X_REQUEST_ID)?.to_str().ok())
        .flatten()
        .filter(|id| acceptable(id))
        .map_or_else(new_id, str::to_owned)
}

/// The middleware (`middleware::from_fn(observe)`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let id = request_id(&req, state.as_ref().map(|state| state.get_ref()));
    let method = req.method().clone();
    let span = tracing::info_span!("request", id = %id, method = %method, path = %req.path());
    // Off by default (a disabled event costs one cached check); on at debug, it shows which
    // requests the server began, as the shutdown test reads it.
    span.in_scope(|| tracing::debug!(target: "rehearse::access", "received"));
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let elapsed = started.elapsed();
    match result {
        Ok(mut res) => {
            let route = res.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED);
            let status = res.status();
            tracing::info!(
                target: "rehearse::access",
                status = status.as_u16(),
                route,
                micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                "answered"
            );
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(X_REQUEST_ID, value);
            }
            if let Some(state) = state {
                state.metrics.request(&method, route, status, elapsed);
                if state.stopping.load(Ordering::Relaxed) {
                    res.response_mut()
                        .head_mut()
                        .set_connection_type(ConnectionType::Close);
                }
            }
            Ok(res)
        }
        Err(error) => {
            // Errors are answered by actix outside this middleware; log what is known here.
            tracing::info!(
                target: "rehearse::access",
                status = error.as_response_error().status_code().as_u16(),
                route = UNMATCHED,
                micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                "answered with an error"
            );
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_printable_ids_are_taken() {
        assert!(acceptable("nginx-1f3a"));
        assert!(acceptable(&"a".repeat(MAX_ID_LEN)));
        assert!(!acceptable(&"a".repeat(MAX_ID_LEN + 1)));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\nlevel=error forged"));
        assert!(!acceptable("é"));
    }

    #[test]
    fn new_ids_are_sixteen_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
