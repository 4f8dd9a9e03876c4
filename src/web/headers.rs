//! Security headers sent with every response: pages, static files, error pages and redirects.

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

/// Only our own scripts, styles, fonts and frames; images also as `data:` URLs (never from
/// another site, so a question with an external `<img>` cannot make browsers call out); no
/// plugins, no `<base>`, no framing (clickjacking), forms only to us. No inline script or
/// style is allowed, so the templates carry none.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// HSTS: a year, sent only when Rehearse is served over HTTPS (`--secure-cookies`).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The middleware for `run()`. Headers a handler set itself are kept.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"));
    if https {
        headers.add((header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY))
    } else {
        headers
    }
}
