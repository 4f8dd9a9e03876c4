//! Bank pages: the home page listing the question sets.

use super::queries::{self, SetSummary};
use crate::web::AppState;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "bank/home.html")]
struct HomePage {
    nav: Nav,
    sets: Vec<SetSummary>,
    total_questions: i64,
}

#[get("/")]
async fn home(ctx: PageContext, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let sets = state.read(|conn| Ok(queries::set_summaries(conn)?)).await?;
    let total_questions = sets.iter().map(|s| s.questions).sum();
    let body = HomePage {
        nav: ctx.nav(),
        sets,
        total_questions,
    }
    .render()?;
    Ok(ctx.html(StatusCode::OK, body))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
