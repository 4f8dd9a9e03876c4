//! Uploading question sets: the files are read with size limits while they stream in, checked
//! by the same validator as the CLI, previewed (what would be added, updated — with a diff of
//! the changed fields —, retired, unchanged), and applied in one transaction that refuses a
//! stale preview.

use super::queries;
use crate::bank::import::{self, Actor, Change, ImportError};
use crate::bank::load::{self, LoadedFile, MAX_FILE_BYTES};
use crate::bank::model::{Bank, Question};
use crate::bank::validate::Problem;
use crate::db::DbConnection;
use crate::state::AppState;
use crate::web::auth::{PageContext, verify_csrf};
use crate::web::error::AppError;
use crate::web::form::SignedInForm;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use diesel::prelude::*;
use futures_util::StreamExt;
use std::collections::HashMap;

/// At most this many files in one upload.
const MAX_FILES: usize = 100;
/// Past this many bytes in one request, reading stops and the upload is refused outright
/// (oversized files below it are drained and reported, so the browser gets a clear page).
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

// ---- Reading the upload ---------------------------------------------------------------------

/// What came in: the CSRF token, the files that fit, and problems for those that did not.
struct Upload {
    csrf: String,
    files: Vec<LoadedFile>,
    refused: Vec<Problem>,
}

/// A file's name as shown in messages: the uploaded name without any folders.
fn display_name(raw: Option<&str>, index: usize) -> String {
    let name = raw
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("upload-{index}.yaml"));
    name.chars().take(120).collect()
}

/// Reads the multipart body, keeping at most 2 MiB of any one file in memory.
async fn read_upload(mut payload: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload {
        csrf: String::new(),
        files: Vec::new(),
        refused: Vec::new(),
    };
    let mut request_bytes = 0usize;
    let mut index = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let limit = if name == "files" {
            usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX)
        } else {
            256
        };
        let mut bytes = Vec::new();
        let mut oversized = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            request_bytes += chunk.len();
            if request_bytes > MAX_REQUEST_BYTES {
                return Err(AppError::BadRequest(
                    "This upload is far larger than any question set (over 64 MiB in all), so \
                     Rehearse stopped reading it. Upload files of at most 2 MiB each."
                        .into(),
                ));
            }
            if oversized || bytes.len() + chunk.len() > limit {
                // Keep reading (and dropping) so the browser receives the answer below.
                oversized = true;
                bytes.clear();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => upload.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "files" => {
                index += 1;
                let shown = display_name(filename.as_deref(), index);
                if filename.as_deref().is_none_or(str::is_empty) && bytes.is_empty() && !oversized {
                    // The browser sends an empty part when no file was chosen.
                    continue;
                }
                if upload.files.len() + upload.refused.len() >= MAX_FILES {
                    upload.refused.push(Problem::whole_file(
                        &shown,
                        "too many files in one upload (at most 100); upload the rest separately",
                    ));
                } else if oversized {
                    upload.refused.push(Problem::whole_file(
                        &shown,
                        "this file is larger than 2 MiB, the limit for one question file; split it into several sets",
                    ));
                } else {
                    match load::from_bytes(&shown, bytes) {
                        Ok(file) => upload.files.push(file),
                        Err(problem) => upload.refused.push(problem),
                    }
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn unreadable() -> AppError {
    AppError::BadRequest(
        "The upload could not be read (it may have been interrupted). Please try again.".into(),
    )
}

// ---- Problems, shown at their lines ----------------------------------------------------------

/// One problem with the offending line and a caret under its column.
struct ProblemView {
    location: String,
    message: String,
    excerpt: Option<String>,
}

fn problem_views(problems: &[Problem], files: &[LoadedFile]) -> Vec<ProblemView> {
    let texts: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.source.path.as_str(), f.source.text.as_str()))
        .collect();
    problems
        .iter()
        .map(|problem| {
            let excerpt = problem.pos.and_then(|pos| {
                let text = texts.get(problem.path.as_str())?;
                let line_index = usize::try_from(pos.line).ok()?.checked_sub(1)?;
                let line = text.lines().nth(line_index)?;
                let number = pos.line.to_string();
                let column = usize::try_from(pos.column).unwrap_or(1).max(1);
                let pad: String = line
                    .chars()
                    .take(column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                Some(format!(
                    "{number} | {line}\n{} | {pad}^",
                    " ".repeat(number.len())
                ))
            });
            ProblemView {
                location: match problem.pos {
                    Some(pos) => format!("{}:{}:{}", problem.path, pos.line, pos.column),
                    None => problem.path.clone(),
                },
                message: problem.message.clone(),
                excerpt,
            }
        })
        .collect()
}

// ---- Pages -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/import.html")]
struct UploadPage {
    nav: Nav,
    csrf: String,
    problems: Vec<ProblemView>,
    notice: Option<String>,
}

#[get("/import")]
async fn upload_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let page = UploadPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        problems: Vec::new(),
        notice: None,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

fn upload_page(
    ctx: &PageContext,
    problems: Vec<ProblemView>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let page = UploadPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        problems,
        notice,
    };
    Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, page.render()?))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFile {
    path: String,
    text: String,
}

#[post("/import")]
async fn receive_upload(
    req: HttpRequest,
    ctx: PageContext,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let upload = read_upload(payload).await?;
    verify_csrf(&req, &upload.csrf)?;
    let user = ctx.user.clone().ok_or(AppError::Misconfigured(
        "the admin guard let an anonymous visitor by",
    ))?;
    if upload.files.is_empty() && upload.refused.is_empty() {
        return upload_page(
            &ctx,
            Vec::new(),
            Some("Choose one or more YAML files first.".into()),
        );
    }
    if !upload.refused.is_empty() {
        let views = problem_views(&upload.refused, &upload.files);
        return upload_page(&ctx, views, None);
    }
    let now = state.clock.now().naive_utc();
    let files = upload.files;
    let outcome = state
        .write(move |conn| {
            let base_generation = import::generation(conn)?;
            match import::validate_against_db(conn, &files) {
                Err(ImportError::Invalid(problems)) => Ok(Err((problems, files.clone()))),
                Err(other) => Err(other.into()),
                Ok(_) => {
                    let id = uuid::Uuid::new_v4().to_string();
                    let stored: Vec<StoredFile> = files
                        .iter()
                        .map(|f| StoredFile {
                            path: f.source.path.clone(),
                            text: f.source.text.clone(),
                        })
                        .collect();
                    let files_json = serde_json::to_string(&stored)?;
                    queries::insert_preview(
                        conn,
                        &id,
                        &user.user_id,
                        now,
                        base_generation,
                        &files_json,
                    )?;
                    Ok(Ok(id))
                }
            }
        })
        .await?;
    match outcome {
        Ok(id) => Ok(see_other(&format!("/admin/import/{id}"))),
        Err((problems, files)) => upload_page(&ctx, problem_views(&problems, &files), None),
    }
}

/// A preview's files, as uploaded.
fn preview_files(
    conn: &mut DbConnection,
    id: &str,
) -> Result<(Vec<LoadedFile>, i64, Option<String>), AppError> {
    let (files, base_generation, applied) =
        queries::stored_preview(conn, id)?.ok_or(AppError::NotFound)?;
    // A preview this server wrote that no longer reads is an error, not an empty import.
    let stored: Vec<StoredFile> = serde_json::from_str(&files)?;
    let loaded = stored
        .into_iter()
        .filter_map(|f| load::from_bytes(&f.path, f.text.into_bytes()).ok())
        .collect();
    Ok((loaded, base_generation, applied))
}

/// One changed field of an updated question.
struct FieldChange {
    field: &'static str,
    /// Unified-diff lines: (mark, text) with mark '+', '-' or ' '.
    lines: Vec<(char, String)>,
}

struct QuestionChange {
    key: String,
    change: &'static str,
    fields: Vec<FieldChange>,
}

struct SetChanges {
    slug: String,
    added: usize,
    updated: usize,
    retired: usize,
    restored: usize,
    unchanged: usize,
    questions: Vec<QuestionChange>,
}

#[derive(Template)]
#[template(path = "admin/preview.html")]
struct PreviewPage {
    nav: Nav,
    csrf: String,
    id: String,
    files: Vec<String>,
    summary: String,
    sets: Vec<SetChanges>,
    stale: bool,
    nothing_to_do: bool,
    problems: Vec<ProblemView>,
}

fn change_word(change: Change) -> &'static str {
    match change {
        Change::Added => "added",
        Change::Updated => "updated",
        Change::Restored => "restored",
        Change::Retired => "retired",
        Change::Unchanged => "unchanged",
    }
}

fn text_diff(old: &str, new: &str) -> Vec<(char, String)> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut lines = Vec::new();
    for group in diff.grouped_ops(1) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let mark = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                lines.push((mark, change.value().trim_end_matches('\n').to_owned()));
            }
        }
    }
    lines
}

fn new_fields(question: &Question, set: &str) -> Vec<(&'static str, String)> {
    vec![
        ("topic", question.topic.as_str().to_owned()),
        ("difficulty", question.difficulty.as_str().to_owned()),
        ("kind", question.kind.as_str().to_owned()),
        ("tags", question.tags.join("\n")),
        ("time limit (seconds)", question.time_limit_secs.to_string()),
        ("prompt", question.prompt.clone()),
        ("answer", question.answer.clone()),
        ("key points", question.key_points.join("\n")),
        (
            "follow-ups",
            question
                .follow_ups
                .iter()
                .map(|f| {
                    if f.contains('/') {
                        f.clone()
                    } else {
                        format!("{set}/{f}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ]
}

fn set_changes(
    conn: &mut DbConnection,
    bank: &Bank,
    plan: &import::Plan,
) -> QueryResult<Vec<SetChanges>> {
    let updated_keys: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.change == Change::Updated)
        .map(|c| c.key.as_str())
        .collect();
    let before = queries::stored_fields(conn, &updated_keys)?;
    let mut by_key: HashMap<String, Vec<(&'static str, String)>> = HashMap::new();
    for set in &bank.sets {
        for question in &set.questions {
            let key = format!("{}/{}", set.slug.as_str(), question.id.as_str());
            if before.contains_key(&key) {
                by_key.insert(key, new_fields(question, set.slug.as_str()));
            }
        }
    }
    let mut sets: Vec<SetChanges> = Vec::new();
    for planned in &plan.changes {
        let slug = planned.key.split('/').next().unwrap_or_default().to_owned();
        if sets.last().is_none_or(|s| s.slug != slug) {
            sets.push(SetChanges {
                slug: slug.clone(),
                added: 0,
                updated: 0,
                retired: 0,
                restored: 0,
                unchanged: 0,
                questions: Vec::new(),
            });
        }
        let Some(set) = sets.last_mut() else { continue };
        match planned.change {
            Change::Added => set.added += 1,
            Change::Updated => set.updated += 1,
            Change::Retired => set.retired += 1,
            Change::Restored => set.restored += 1,
            Change::Unchanged => {
                set.unchanged += 1;
                continue;
            }
        }
        let fields = match (before.get(&planned.key), by_key.get(&planned.key)) {
            (Some(old), Some(new)) => old
                .iter()
                .zip(new)
                .filter(|((_, a), (_, b))| a.trim_end() != b.trim_end())
                .map(|((field, a), (_, b))| FieldChange {
                    field,
                    lines: text_diff(a.trim_end(), b.trim_end()),
                })
                .collect(),
            _ => Vec::new(),
        };
        set.questions.push(QuestionChange {
            key: planned.key.clone(),
            change: change_word(planned.change),
            fields,
        });
    }
    Ok(sets)
}

#[get("/import/{id}")]
async fn preview(
    ctx: PageContext,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lookup = id.clone();
    let (files, summary, sets, stale, applied, problems) = state
        .read(move |conn| {
            let (files, base_generation, applied) = preview_files(conn, &lookup)?;
            let stale = import::generation(conn)? != base_generation;
            let names: Vec<String> = files.iter().map(|f| f.source.path.clone()).collect();
            match import::validate_against_db(conn, &files) {
                Ok((bank, stored)) => {
                    let plan = import::plan(&bank, &stored);
                    let sets = set_changes(conn, &bank, &plan)?;
                    Ok((
                        names,
                        plan.counts.to_string(),
                        sets,
                        stale,
                        applied,
                        Vec::new(),
                    ))
                }
                Err(ImportError::Invalid(problems)) => {
                    let views = problem_views(&problems, &files);
                    Ok((names, String::new(), Vec::new(), true, applied, views))
                }
                Err(other) => Err(other.into()),
            }
        })
        .await?;
    if let Some(run) = applied {
        return Ok(see_other(&format!("/admin/imports/{run}")));
    }
    let nothing_to_do = sets
        .iter()
        .all(|s| s.added + s.updated + s.retired + s.restored == 0);
    let page = PreviewPage {
        nav: ctx.nav(),
        csrf: ctx.csrf.clone(),
        id,
        files,
        summary,
        sets,
        stale,
        nothing_to_do,
        problems,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[derive(Template)]
#[template(path = "admin/stale.html")]
struct StalePage {
    nav: Nav,
}

#[post("/import/{id}/apply")]
async fn apply(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedInForm { context, user, .. }: SignedInForm,
) -> Result<HttpResponse, AppError> {
    let name = user.username;
    let id = path.into_inner();
    let now = state.clock.now().naive_utc();
    let outcome = state
        .write(move |conn| {
            let (files, base_generation, applied) = preview_files(conn, &id)?;
            if let Some(run) = applied {
                return Ok(Ok(run));
            }
            let actor = Actor {
                name: name.clone(),
                source: "web",
            };
            match import::import_checked(
                conn,
                &files,
                &actor,
                now,
                Some(base_generation),
                &|_, _| {},
            ) {
                Ok(report) => {
                    let run = report.run_id.unwrap_or_default();
                    queries::mark_preview_applied(conn, &id, &run)?;
                    Ok(Ok(run))
                }
                Err(ImportError::Stale) | Err(ImportError::Invalid(_)) => Ok(Err(())),
                Err(other) => Err(other.into()),
            }
        })
        .await?;
    match outcome {
        Ok(run) => Ok(see_other(&format!("/admin/imports/{run}"))),
        Err(()) => {
            let page = StalePage { nav: context.nav() };
            Ok(context.html(StatusCode::CONFLICT, page.render()?))
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(upload_form)
        .service(receive_upload)
        .service(preview)
        .service(apply);
}
