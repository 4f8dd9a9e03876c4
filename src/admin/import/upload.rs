//! The upload form (`GET /admin/import`) and the upload itself (`POST /admin/import`): files
//! with problems are shown at their lines and nothing is stored; good files are validated
//! once into a plan, stored as a preview, and the admin is sent to it.

use super::multipart::read_upload;
use super::problems::{ProblemView, problem_views};
use crate::bank::import::{self, ImportError, preview};
use crate::web::auth::{PageContext, verify_csrf};
use crate::web::error::AppError;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post};
use askama::Template;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct UploadPage {
    nav: Nav,
    csrf: String,
    problems: Vec<ProblemView>,
    notice: Option<String>,
}

fn upload_page(
    ctx: &PageContext,
    status: StatusCode,
    problems: Vec<ProblemView>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = UploadPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        problems,
        notice,
    };
    Ok(ctx.html(status, page.render()?))
}

#[get("/import")]
pub(super) async fn upload_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    upload_page(&ctx, StatusCode::OK, Vec::new(), None)
}

#[post("/import")]
pub(super) async fn receive_upload(
    req: HttpRequest,
    ctx: PageContext,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let upload = read_upload(payload).await?;
    verify_csrf(&req, &upload.csrf)?;
    let user = ctx.user.clone().ok_or(AppError::Misconfigured(
        "the admin guard let an anonymous visitor by",
    ))?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    if upload.files.is_empty() && upload.refused.is_empty() {
        let notice = Some("Choose one or more YAML files first.".into());
        return upload_page(&ctx, invalid, Vec::new(), notice);
    }
    if !upload.refused.is_empty() {
        let views = problem_views(&upload.refused, &upload.files);
        return upload_page(&ctx, invalid, views, None);
    }
    // Validating a big upload takes a while: on a reader, so writes go on meanwhile. The plan
    // carries the bank generation it was made at, so a write in between only makes it stale.
    let files = Arc::new(upload.files);
    let checked = Arc::clone(&files);
    let prepared = ctx
        .state
        .read(move |conn| match import::prepare(conn, &checked) {
            Ok(plan) => Ok(Ok(plan)),
            Err(ImportError::Invalid(problems)) => Ok(Err(problems)),
            Err(other) => Err(other.into()),
        })
        .await?;
    let plan = match prepared {
        Ok(plan) => plan,
        Err(problems) => return upload_page(&ctx, invalid, problem_views(&problems, &files), None),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.state.clock.now().naive_utc();
    let stored_id = id.clone();
    ctx.state
        .write(move |conn| Ok(preview::save(conn, &stored_id, &user.user_id, now, &plan)?))
        .await?;
    Ok(see_other(&format!("/admin/import/{id}")))
}
