//! Bank pages: the home page listing the question sets.

use super::queries::{self, SetSummary};
use crate::web::AppState;
use crate::web::error::AppError;
use actix_web::{HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "bank/home.html")]
struct HomePage {
    sets: Vec<SetSummary>,
    total_questions: i64,
}

#[get("/")]
async fn home(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let sets = state.read(|conn| Ok(queries::set_summaries(conn)?)).await?;
    let total_questions = sets.iter().map(|s| s.questions).sum();
    let body = HomePage {
        sets,
        total_questions,
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
