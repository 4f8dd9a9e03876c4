//! CSS and other assets, compiled into the binary: no CDN, nothing to install.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use std::sync::LazyLock;

const APP_CSS: &str = include_str!("assets/app.css");
const APP_JS: &str = include_str!("assets/app.js");
static HIGHLIGHT_CSS: LazyLock<String> = LazyLock::new(crate::bank::render::highlight_css);

fn css(body: &'static str) -> HttpResponse {
    asset("text/css; charset=utf-8", body)
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

#[get("/static/app.css")]
async fn app_css() -> HttpResponse {
    css(APP_CSS)
}

#[get("/static/app.js")]
async fn app_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

#[get("/static/highlight.css")]
async fn highlight_css() -> HttpResponse {
    css(HIGHLIGHT_CSS.as_str())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(app_css).service(highlight_css).service(app_js);
}
