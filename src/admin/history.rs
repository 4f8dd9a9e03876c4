//! Import history: every import, from the web or the command line, with its files' hashes.

use super::queries::history::load_runs;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

/// One import run as listed.
struct RunView {
    id: String,
    when: String,
    actor: String,
    source: String,
    files: usize,
    summary: String,
}

fn summary(counts: (i32, i32, i32, i32, i32)) -> String {
    let (added, updated, retired, restored, unchanged) = counts;
    let mut text =
        format!("{added} added, {updated} updated, {retired} retired, {unchanged} unchanged");
    if restored > 0 {
        text.push_str(&format!(", {restored} restored"));
    }
    text
}

#[derive(serde::Deserialize)]
struct FileEntry {
    path: String,
    sha256: String,
}

#[derive(Template)]
#[template(path = "admin/imports.html")]
struct HistoryPage {
    nav: Nav,
    runs: Vec<RunView>,
}

#[get("/imports")]
async fn history(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let rows = ctx.state.read(|conn| Ok(load_runs(conn, None)?)).await?;
    let runs = rows
        .into_iter()
        .map(|(id, started, _, actor, source, files, counts)| RunView {
            id,
            when: started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor,
            source,
            files: serde_json::from_str::<Vec<serde_json::Value>>(&files)
                .map(|f| f.len())
                .unwrap_or(0),
            summary: summary(counts),
        })
        .collect();
    let page = HistoryPage {
        nav: ctx.nav(),
        runs,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[derive(Template)]
#[template(path = "admin/import_run.html")]
struct RunPage {
    nav: Nav,
    run: RunView,
    finished: String,
    files: Vec<(String, String)>,
}

#[get("/imports/{id}")]
async fn run_details(ctx: PageContext, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let row = ctx
        .state
        .read(move |conn| Ok(load_runs(conn, Some(&id))?.into_iter().next()))
        .await?
        .ok_or(AppError::NotFound)?;
    let (id, started, finished, actor, source, files, counts) = row;
    let entries: Vec<FileEntry> = serde_json::from_str(&files).unwrap_or_default();
    let page = RunPage {
        nav: ctx.nav(),
        run: RunView {
            id,
            when: started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor,
            source,
            files: entries.len(),
            summary: summary(counts),
        },
        finished: finished.format("%H:%M:%S UTC").to_string(),
        files: entries.into_iter().map(|f| (f.path, f.sha256)).collect(),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(history).service(run_details);
}
