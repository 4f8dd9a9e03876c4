//! Applying an [`ImportPlan`]: one transaction writes the topics, the sets, the questions
//! (inserted in batches, updated in place, retired) and the import history, after moving the
//! bank to its next generation, which it refuses to do if the plan was made against another.

use super::plan::{Change, StoredQuestion};
use super::prepare::{FileStamp, ImportPlan};
use super::render::Rendered;
use super::{Actor, ImportError, ImportReport};
use crate::bank::cache::BANK_VERSION;
use crate::bank::model::{Question, QuestionSet, Topic};
use crate::db::DbConnection;
use crate::db::schema::{app_locks, import_runs, question_sets, questions, topics};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// Applies a plan in one transaction: all of it, or nothing.
pub fn apply(
    conn: &mut DbConnection,
    prepared: &ImportPlan,
    rendered: &Rendered,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ImportReport, ImportError> {
    let run_id =
        crate::db::write_transaction(conn, |conn| apply_in(conn, prepared, rendered, actor, now))?;
    Ok(ImportReport {
        plan: prepared.plan.clone(),
        applied: true,
        run_id: Some(run_id),
    })
}

/// [`apply`]'s writes, inside a write transaction the caller opened; returns the import run's
/// id.
pub(super) fn apply_in(
    conn: &mut DbConnection,
    prepared: &ImportPlan,
    rendered: &Rendered,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<String, ImportError> {
    claim_generation(conn, prepared.generation, now)?;
    let bank = &prepared.bank;
    if let Some(list) = &bank.topics {
        upsert_topics(conn, list)?;
    }
    upsert_sets(conn, &bank.sets, &prepared.files, rendered, now)?;
    write_questions(conn, prepared, rendered, now)?;
    order_sets_by_roadmap(conn, &bank.sets)?;
    record_run(conn, prepared, actor, now)
}

/// Moves the bank from the plan's generation to the next (every instance compares this
/// counter to the bank it holds in memory), or refuses with [`ImportError::Stale`] when
/// another write moved it since. On PostgreSQL the UPDATE waits for a concurrent import's
/// row lock and then sees its generation, so two plans made against one bank never both
/// apply; SQLite's immediate transaction already excludes other writers.
fn claim_generation(
    conn: &mut DbConnection,
    expected: i64,
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let claimed = diesel::update(
        app_locks::table
            .filter(app_locks::name.eq(BANK_VERSION))
            .filter(app_locks::generation.eq(expected)),
    )
    .set((
        app_locks::taken_at.eq(Some(now)),
        app_locks::generation.eq(app_locks::generation + 1),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Err(ImportError::Stale);
    }
    Ok(())
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn upsert_topics(conn: &mut DbConnection, list: &[Topic]) -> Result<(), ImportError> {
    let existing: HashMap<String, (Option<String>, String, i32)> =
        crate::bank::queries::stored_topics(conn)?
            .into_iter()
            .map(|(id, parent, title, position)| (id, (parent, title, position)))
            .collect();
    for t in list {
        let parent = t.parent.as_ref().map(|p| p.as_str().to_owned());
        let position = count(t.position as usize);
        match existing.get(t.id.as_str()) {
            None => {
                diesel::insert_into(topics::table)
                    .values((
                        topics::id.eq(t.id.as_str()),
                        topics::parent_id.eq(&parent),
                        topics::title.eq(&t.title),
                        topics::position.eq(position),
                    ))
                    .execute(conn)?;
            }
            Some((p, title, pos)) if *p != parent || *title != t.title || *pos != position => {
                diesel::update(topics::table.find(t.id.as_str()))
                    .set((
                        topics::parent_id.eq(&parent),
                        topics::title.eq(&t.title),
                        topics::position.eq(position),
                    ))
                    .execute(conn)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn upsert_sets(
    conn: &mut DbConnection,
    sets: &[QuestionSet],
    files: &[FileStamp],
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let hashes: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let existing: HashMap<String, (String, Option<String>, String, String)> = question_sets::table
        .select((
            question_sets::slug,
            question_sets::title,
            question_sets::description_md,
            question_sets::file_hash,
            question_sets::source_path,
        ))
        .load::<(String, String, Option<String>, String, String)>(conn)?
        .into_iter()
        .map(|(slug, title, desc, hash, path)| (slug, (title, desc, hash, path)))
        .collect();
    let next_position = question_sets::table.count().get_result::<i64>(conn)?;
    for (offset, set) in sets.iter().enumerate() {
        let hash = hashes.get(set.path.as_str()).copied().unwrap_or("");
        let description_html = rendered.description(set.slug.as_str()).map(|h| h.as_str());
        match existing.get(set.slug.as_str()) {
            None => {
                diesel::insert_into(question_sets::table)
                    .values((
                        question_sets::slug.eq(set.slug.as_str()),
                        question_sets::title.eq(&set.title),
                        question_sets::description_md.eq(&set.description),
                        question_sets::description_html.eq(description_html),
                        question_sets::enabled.eq(true),
                        question_sets::source_path.eq(&set.path),
                        question_sets::file_hash.eq(hash),
                        question_sets::position
                            .eq(count(usize::try_from(next_position).unwrap_or(0) + offset)),
                        question_sets::created_at.eq(now),
                        question_sets::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Some((title, desc, old_hash, path))
                if *title != set.title
                    || *desc != set.description
                    || old_hash != hash
                    || *path != set.path =>
            {
                diesel::update(question_sets::table.find(set.slug.as_str()))
                    .set((
                        question_sets::title.eq(&set.title),
                        question_sets::description_md.eq(&set.description),
                        question_sets::description_html.eq(description_html),
                        question_sets::source_path.eq(&set.path),
                        question_sets::file_hash.eq(hash),
                        question_sets::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Lists sets in roadmap order: a set sits where its earliest topic stands in the tree.
fn order_sets_by_roadmap(conn: &mut DbConnection, sets: &[QuestionSet]) -> Result<(), ImportError> {
    for set in sets {
        let first_topic: Option<i32> = questions::table
            .inner_join(topics::table)
            .filter(questions::set_slug.eq(set.slug.as_str()))
            .filter(questions::retired_at.is_null())
            .select(diesel::dsl::min(topics::position))
            .get_result(conn)?;
        if let Some(position) = first_topic {
            diesel::update(question_sets::table.find(set.slug.as_str()))
                .filter(question_sets::position.ne(position))
                .set(question_sets::position.eq(position))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The import history's line for this import; returns its id.
fn record_run(
    conn: &mut DbConnection,
    prepared: &ImportPlan,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<String, ImportError> {
    let run_id = uuid::Uuid::new_v4().to_string();
    let file_list: Vec<serde_json::Value> = prepared
        .files
        .iter()
        .map(|f| serde_json::json!({ "path": f.path, "sha256": f.sha256 }))
        .collect();
    let counts = &prepared.plan.counts;
    diesel::insert_into(import_runs::table)
        .values((
            import_runs::id.eq(&run_id),
            import_runs::started_at.eq(now),
            import_runs::finished_at.eq(chrono::Utc::now().naive_utc().max(now)),
            import_runs::actor.eq(&actor.name),
            import_runs::source.eq(actor.source),
            import_runs::files.eq(serde_json::Value::Array(file_list).to_string()),
            import_runs::added.eq(count(counts.added)),
            import_runs::updated.eq(count(counts.updated)),
            import_runs::retired.eq(count(counts.retired)),
            import_runs::restored.eq(count(counts.restored)),
            import_runs::unchanged.eq(count(counts.unchanged)),
        ))
        .execute(conn)?;
    Ok(run_id)
}

/// A question's columns, rendered, ready to insert or update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = questions)]
struct QuestionRow<'a> {
    topic_id: &'a str,
    difficulty: &'a str,
    kind: &'a str,
    tags: String,
    time_limit_secs: i32,
    prompt_md: &'a str,
    prompt_html: String,
    answer_md: &'a str,
    answer_html: String,
    key_points: String,
    follow_ups: String,
    position: i32,
    content_hash: String,
    updated_at: NaiveDateTime,
}

fn question_row<'a>(
    q: &'a Question,
    key: &str,
    rendered: &Rendered,
    position: usize,
    now: NaiveDateTime,
) -> QuestionRow<'a> {
    let html = rendered.question(key, q);
    QuestionRow {
        topic_id: q.topic.as_str(),
        difficulty: q.difficulty.as_str(),
        kind: q.kind.as_str(),
        tags: serde_json::to_string(&q.tags).unwrap_or_else(|_| "[]".into()),
        time_limit_secs: i32::try_from(q.time_limit_secs).unwrap_or(i32::MAX),
        prompt_md: &q.prompt,
        prompt_html: html.prompt_html.as_str().to_owned(),
        answer_md: &q.answer,
        answer_html: html.answer_html.as_str().to_owned(),
        key_points: serde_json::to_string(&q.key_points).unwrap_or_else(|_| "[]".into()),
        follow_ups: serde_json::to_string(&q.follow_ups).unwrap_or_else(|_| "[]".into()),
        position: count(position),
        content_hash: q.content_hash(),
        updated_at: now,
    }
}

/// Rows per INSERT: 19 columns each stays far below the bind limits of SQLite (32,766) and
/// PostgreSQL (65,535).
const INSERT_BATCH: usize = 500;

/// A question row to insert, with its identity.
#[derive(Insertable)]
#[diesel(table_name = questions)]
struct NewQuestion<'a> {
    id: String,
    question_key: String,
    set_slug: &'a str,
    local_id: &'a str,
    created_at: NaiveDateTime,
    #[diesel(embed)]
    row: QuestionRow<'a>,
}

/// Inserts rows with one multi-row INSERT: diesel's per-statement work (building the query,
/// binding through `MultiConnection`) cost more than SQLite's own work per row. The rows go to
/// the backend connection itself because `MultiConnection` cannot batch inserts; every column
/// is given, so SQLite (which lacks the DEFAULT keyword) takes them in one statement too.
fn insert_questions(conn: &mut DbConnection, rows: &[NewQuestion<'_>]) -> QueryResult<usize> {
    let insert = diesel::insert_into(questions::table).values(rows);
    match conn {
        DbConnection::Pg(c) => insert.execute(c),
        DbConnection::Sqlite(c) => insert.execute(c),
    }
}

/// Writes the questions as planned: new ones inserted in batches, changed and returning ones
/// updated in place (keeping every user's history), moved ones repositioned, missing ones
/// retired.
fn write_questions(
    conn: &mut DbConnection,
    prepared: &ImportPlan,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let by_key: HashMap<&str, &StoredQuestion> = prepared
        .stored
        .iter()
        .map(|q| (q.key.as_str(), q))
        .collect();
    let changes: HashMap<&str, Change> = prepared
        .plan
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.change))
        .collect();
    let mut inserts = Vec::new();
    for set in &prepared.bank.sets {
        for (position, q) in set.questions.iter().enumerate() {
            let key = format!("{}/{}", set.slug, q.id);
            let change = changes
                .get(key.as_str())
                .copied()
                .unwrap_or(Change::Unchanged);
            match (change, by_key.get(key.as_str())) {
                (Change::Added, _) => {
                    let row = question_row(q, &key, rendered, position, now);
                    inserts.push(NewQuestion {
                        id: uuid::Uuid::new_v4().to_string(),
                        question_key: key,
                        set_slug: set.slug.as_str(),
                        local_id: q.id.as_str(),
                        created_at: now,
                        row,
                    });
                    if inserts.len() == INSERT_BATCH {
                        insert_questions(conn, &inserts)?;
                        inserts.clear();
                    }
                }
                (Change::Updated | Change::Restored, Some(s)) => {
                    let row = question_row(q, &key, rendered, position, now);
                    diesel::update(questions::table.find(&s.id))
                        .set((row, questions::retired_at.eq(None::<NaiveDateTime>)))
                        .execute(conn)?;
                }
                // Reordering a file is not a content change; keep the order quietly.
                (Change::Unchanged, Some(s)) if s.position != count(position) => {
                    diesel::update(questions::table.find(&s.id))
                        .set(questions::position.eq(count(position)))
                        .execute(conn)?;
                }
                _ => {}
            }
        }
    }
    if !inserts.is_empty() {
        insert_questions(conn, &inserts)?;
    }
    let retired: Vec<&str> = prepared
        .plan
        .changes
        .iter()
        .filter(|c| c.change == Change::Retired)
        .filter_map(|c| by_key.get(c.key.as_str()).map(|s| s.id.as_str()))
        .collect();
    for chunk in retired.chunks(500) {
        diesel::update(questions::table.filter(questions::id.eq_any(chunk)))
            .set(questions::retired_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(())
}
