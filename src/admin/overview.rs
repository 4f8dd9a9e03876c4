//! `/admin`: where the admin pages start.

use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    nav: Nav,
    questions: i64,
    sets: usize,
    open_flags: i64,
}

#[get("")]
async fn overview(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let (questions, sets, open_flags) = ctx
        .state
        .read(|conn| {
            let summaries = crate::bank::queries::set_summaries(conn)?;
            let open_flags = super::queries::open_flag_count(conn)?;
            Ok((
                summaries.iter().map(|s| s.questions).sum::<i64>(),
                summaries.len(),
                open_flags,
            ))
        })
        .await?;
    let page = OverviewPage {
        nav: ctx.nav(),
        questions,
        sets,
        open_flags,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(overview);
}
