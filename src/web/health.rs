//! `/healthz`: the process answers. `/readyz`: and its database does too.

use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let reachable = state
        .read(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
    match reachable {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain")
            .body("ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable\n")
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
