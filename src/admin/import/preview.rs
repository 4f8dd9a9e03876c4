//! The preview of an upload (`GET /admin/import/{id}`): its stored plan by set, with a diff
//! of each updated question's changed fields, and the button to apply it unless the bank has
//! changed since (then it is stale and the admin uploads again).

use crate::admin::queries;
use crate::bank::import::{self, Change, ImportPlan, preview as previews};
use crate::bank::model::Question;
use crate::db::DbConnection;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use crate::web::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use diesel::QueryResult;
use std::collections::HashMap;

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

/// The plan by set, with a diff of each updated question's changed fields against what is
/// stored now.
fn set_changes(conn: &mut DbConnection, prepared: &ImportPlan) -> QueryResult<Vec<SetChanges>> {
    let (bank, plan) = (&prepared.bank, &prepared.plan);
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
            change: planned.change.word(),
            fields,
        });
    }
    Ok(sets)
}

/// What the preview page shows, read in one go.
enum Shown {
    /// Already applied: the page is the import run's.
    Applied(String),
    Preview {
        files: Vec<String>,
        summary: String,
        sets: Vec<SetChanges>,
        stale: bool,
    },
}

#[get("/import/{id}")]
pub(super) async fn show_preview(
    ctx: PageContext,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let lookup = id.clone();
    let shown = ctx
        .state
        .read(move |conn| {
            let stored = previews::load(conn, &lookup)?.ok_or(AppError::NotFound)?;
            if let Some(run) = stored.applied_run_id {
                return Ok(Shown::Applied(run));
            }
            let plan = &stored.plan;
            Ok(Shown::Preview {
                files: plan.files.iter().map(|f| f.path.clone()).collect(),
                summary: plan.plan.counts.to_string(),
                sets: set_changes(conn, plan)?,
                stale: import::generation(conn)? != plan.generation,
            })
        })
        .await?;
    let (files, summary, sets, stale) = match shown {
        Shown::Applied(run) => return Ok(see_other(&format!("/admin/imports/{run}"))),
        Shown::Preview {
            files,
            summary,
            sets,
            stale,
        } => (files, summary, sets, stale),
    };
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
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}
