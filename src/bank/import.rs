//! Import: validate everything, plan what changes, then apply the plan in one transaction.
//!
//! Questions are matched by their key `set/id`. An unchanged question (same content hash) is
//! not touched; a changed one is updated in place so every user's card state and review log
//! stays attached; a question missing from its file is retired (hidden, history kept) and is
//! restored when it comes back.

use super::load::LoadedFile;
use super::model::{Bank, Question, QuestionSet, Topic};
use super::render::markdown_to_html;
use super::validate::{self, Context, Problem, SourceFile};
use crate::db::schema::{app_locks, import_runs, question_sets, questions, topics};
use crate::db::{DbConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};
use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have problems; nothing was written.
    #[error("{} problem(s) found; nothing was imported", .0.len())]
    Invalid(Vec<Problem>),
    /// The bank changed after the plan the caller showed (another import ran meanwhile).
    #[error("the question bank changed since this preview was made")]
    Stale,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Db(DbError::Query(e))
    }
}

/// What happens to one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    Added,
    Updated,
    Restored,
    Retired,
    Unchanged,
}

impl Change {
    fn mark(self) -> char {
        match self {
            Change::Added => '+',
            Change::Updated => '~',
            Change::Restored => '^',
            Change::Retired => '-',
            Change::Unchanged => '=',
        }
    }

    fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Updated => "updated",
            Change::Restored => "restored",
            Change::Retired => "retired",
            Change::Unchanged => "unchanged",
        }
    }
}

/// Counts of a plan, printed as the import summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    pub retired: usize,
    pub restored: usize,
    pub unchanged: usize,
}

impl Counts {
    pub fn is_noop(&self) -> bool {
        self.added + self.updated + self.retired + self.restored == 0
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} retired, {} unchanged",
            self.added, self.updated, self.retired, self.unchanged
        )?;
        if self.restored > 0 {
            write!(f, ", {} restored", self.restored)?;
        }
        Ok(())
    }
}

/// One line of the per-question plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedChange {
    pub key: String,
    pub change: Change,
}

impl fmt::Display for PlannedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.change.mark(),
            self.key,
            self.change.word()
        )
    }
}

/// The full plan for a batch of files against the current database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    pub counts: Counts,
}

impl Plan {
    /// The lines worth showing: everything but unchanged questions.
    pub fn changed_lines(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes
            .iter()
            .filter(|c| c.change != Change::Unchanged)
    }
}

/// A question as stored, reduced to what planning needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredQuestion {
    pub id: String,
    pub key: String,
    pub set_slug: String,
    pub content_hash: String,
    pub retired: bool,
    pub position: i32,
}

/// Decides what each question in the bank does to the stored ones. Pure.
pub fn plan(bank: &Bank, stored: &[StoredQuestion]) -> Plan {
    let by_key: HashMap<&str, &StoredQuestion> =
        stored.iter().map(|q| (q.key.as_str(), q)).collect();
    let mut plan = Plan::default();
    let mut in_files: HashSet<String> = HashSet::new();
    for set in &bank.sets {
        for q in &set.questions {
            let key = format!("{}/{}", set.slug, q.id);
            let change = match by_key.get(key.as_str()) {
                None => Change::Added,
                Some(s) if s.retired => Change::Restored,
                Some(s) if s.content_hash != q.content_hash() => Change::Updated,
                Some(_) => Change::Unchanged,
            };
            in_files.insert(key.clone());
            plan.changes.push(PlannedChange { key, change });
        }
    }
    let imported_sets: HashSet<&str> = bank.sets.iter().map(|s| s.slug.as_str()).collect();
    for s in stored {
        if imported_sets.contains(s.set_slug.as_str()) && !s.retired && !in_files.contains(&s.key) {
            plan.changes.push(PlannedChange {
                key: s.key.clone(),
                change: Change::Retired,
            });
        }
    }
    for c in &plan.changes {
        let counter = match c.change {
            Change::Added => &mut plan.counts.added,
            Change::Updated => &mut plan.counts.updated,
            Change::Restored => &mut plan.counts.restored,
            Change::Retired => &mut plan.counts.retired,
            Change::Unchanged => &mut plan.counts.unchanged,
        };
        *counter += 1;
    }
    plan
}

/// Who started an import and from where, for the history.
#[derive(Clone, Debug)]
pub struct Actor {
    pub name: String,
    /// `cli` or `web`.
    pub source: &'static str,
}

/// The result of a successful import.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub plan: Plan,
    pub applied: bool,
    pub run_id: Option<String>,
}

/// Validates files against what the database already holds, without writing.
pub fn validate_against_db(
    conn: &mut DbConnection,
    files: &[LoadedFile],
) -> Result<(Bank, Vec<StoredQuestion>), ImportError> {
    let stored = load_stored_questions(conn)?;
    let sources: Vec<SourceFile> = files.iter().map(|f| f.source.clone()).collect();
    let context = context_from_db(conn, &sources, &stored)?;
    let bank = validate::validate(&sources, &context).map_err(ImportError::Invalid)?;
    Ok((bank, stored))
}

fn context_from_db(
    conn: &mut DbConnection,
    sources: &[SourceFile],
    stored: &[StoredQuestion],
) -> Result<Context, ImportError> {
    let known_topics: HashSet<String> = topics::table
        .select(topics::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    // Set slugs in the files replace their stored questions, so only other sets' keys count.
    let slugs_in_files: HashSet<String> = sources
        .iter()
        .filter_map(|s| set_slug_hint(&s.text))
        .collect();
    let known_question_keys = stored
        .iter()
        .filter(|q| !q.retired && !slugs_in_files.contains(&q.set_slug))
        .map(|q| q.key.clone())
        .collect();
    Ok(Context {
        known_topics,
        known_question_keys,
    })
}

/// The `set:` value of a file, read cheaply (the validator reads it properly).
fn set_slug_hint(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("set:"))
        .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_owned())
}

fn load_stored_questions(conn: &mut DbConnection) -> Result<Vec<StoredQuestion>, ImportError> {
    let rows = questions::table
        .select((
            questions::id,
            questions::question_key,
            questions::set_slug,
            questions::content_hash,
            questions::retired_at,
            questions::position,
        ))
        .load::<(String, String, String, String, Option<NaiveDateTime>, i32)>(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, key, set_slug, content_hash, retired_at, position)| StoredQuestion {
                id,
                key,
                set_slug,
                content_hash,
                retired: retired_at.is_some(),
                position,
            },
        )
        .collect())
}

/// Plans an import without writing anything (`--dry-run` and the web preview).
pub fn dry_run(conn: &mut DbConnection, files: &[LoadedFile]) -> Result<ImportReport, ImportError> {
    let (bank, stored) = validate_against_db(conn, files)?;
    Ok(ImportReport {
        plan: plan(&bank, &stored),
        applied: false,
        run_id: None,
    })
}

/// Validates and applies files in one transaction: all of it, or nothing.
pub fn import(
    conn: &mut DbConnection,
    files: &[LoadedFile],
    actor: &Actor,
    now: NaiveDateTime,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport, ImportError> {
    import_checked(conn, files, actor, now, None, progress)
}

/// The bank's change counter: every import (and any admin change to questions or sets) adds 1.
pub fn generation(conn: &mut DbConnection) -> Result<i64, ImportError> {
    Ok(app_locks::table
        .filter(app_locks::name.eq("import"))
        .select(app_locks::generation)
        .get_result::<i64>(conn)?)
}

/// [`import`], refused with [`ImportError::Stale`] unless the bank is still at
/// `expected_generation` (the one a preview was made against), checked under the write lock.
pub fn import_checked(
    conn: &mut DbConnection,
    files: &[LoadedFile],
    actor: &Actor,
    now: NaiveDateTime,
    expected_generation: Option<i64>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport, ImportError> {
    crate::db::write_transaction(conn, |conn| {
        if let Some(expected) = expected_generation {
            // Lock the row first (PostgreSQL) so no import slips in between check and write.
            diesel::update(app_locks::table.filter(app_locks::name.eq("import")))
                .set(app_locks::taken_at.eq(Some(now)))
                .execute(conn)?;
            if generation(conn)? != expected {
                return Err(ImportError::Stale);
            }
        }
        // Taking this row lock makes concurrent PostgreSQL imports queue (SQLite's immediate
        // transaction already excludes other writers), so the plan below is made against data
        // nobody else can change before we commit.
        diesel::update(app_locks::table.filter(app_locks::name.eq("import")))
            .set((
                app_locks::taken_at.eq(Some(now)),
                // Every instance compares this counter to the bank it holds in memory.
                app_locks::generation.eq(app_locks::generation + 1),
            ))
            .execute(conn)?;
        let started = std::time::Instant::now();
        let (bank, stored) = validate_against_db(conn, files)?;
        let plan = plan(&bank, &stored);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            "validated and planned"
        );
        if let Some(list) = &bank.topics {
            upsert_topics(conn, list)?;
        }
        upsert_sets(conn, &bank.sets, files, now)?;
        apply_questions(conn, &bank, &stored, &plan, now, progress)?;
        order_sets_by_roadmap(conn, &bank.sets)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            "questions written"
        );
        let run_id = uuid::Uuid::new_v4().to_string();
        let file_list: Vec<serde_json::Value> = files
            .iter()
            .map(|f| serde_json::json!({ "path": f.source.path, "sha256": f.sha256 }))
            .collect();
        diesel::insert_into(import_runs::table)
            .values((
                import_runs::id.eq(&run_id),
                import_runs::started_at.eq(now),
                import_runs::finished_at.eq(chrono::Utc::now().naive_utc().max(now)),
                import_runs::actor.eq(&actor.name),
                import_runs::source.eq(actor.source),
                import_runs::files.eq(serde_json::Value::Array(file_list).to_string()),
                import_runs::added.eq(count(plan.counts.added)),
                import_runs::updated.eq(count(plan.counts.updated)),
                import_runs::retired.eq(count(plan.counts.retired)),
                import_runs::restored.eq(count(plan.counts.restored)),
                import_runs::unchanged.eq(count(plan.counts.unchanged)),
            ))
            .execute(conn)?;
        Ok(ImportReport {
            plan,
            applied: true,
            run_id: Some(run_id),
        })
    })
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn upsert_topics(conn: &mut DbConnection, list: &[Topic]) -> Result<(), ImportError> {
    let existing: HashMap<String, (Option<String>, String, i32)> = topics::table
        .select((
            topics::id,
            topics::parent_id,
            topics::title,
            topics::position,
        ))
        .load::<(String, Option<String>, String, i32)>(conn)?
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
    files: &[LoadedFile],
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let hashes: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.source.path.as_str(), f.sha256.as_str()))
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
        let description_html = set
            .description
            .as_deref()
            .map(|d| markdown_to_html(d).into_string());
        match existing.get(set.slug.as_str()) {
            None => {
                diesel::insert_into(question_sets::table)
                    .values((
                        question_sets::slug.eq(set.slug.as_str()),
                        question_sets::title.eq(&set.title),
                        question_sets::description_md.eq(&set.description),
                        question_sets::description_html.eq(&description_html),
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
                        question_sets::description_html.eq(&description_html),
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

/// A question's columns, rendered, ready to insert or update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = questions)]
pub(crate) struct QuestionRow<'a> {
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

fn question_row(q: &Question, position: usize, now: NaiveDateTime) -> QuestionRow<'_> {
    QuestionRow {
        topic_id: q.topic.as_str(),
        difficulty: q.difficulty.as_str(),
        kind: q.kind.as_str(),
        tags: serde_json::to_string(&q.tags).unwrap_or_else(|_| "[]".into()),
        time_limit_secs: i32::try_from(q.time_limit_secs).unwrap_or(i32::MAX),
        prompt_md: &q.prompt,
        prompt_html: markdown_to_html(&q.prompt).into_string(),
        answer_md: &q.answer,
        answer_html: markdown_to_html(&q.answer).into_string(),
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

/// What the plan asks of one question in the files.
enum Work<'a> {
    Insert {
        key: String,
        set: &'a str,
        q: &'a Question,
        position: usize,
    },
    Update {
        id: &'a str,
        q: &'a Question,
        position: usize,
    },
    Reposition {
        id: &'a str,
        position: usize,
    },
}

impl<'a> Work<'a> {
    /// The question whose Markdown this work renders, if any.
    fn to_render(&self) -> Option<(&'a Question, usize)> {
        match self {
            Work::Insert { q, position, .. } | Work::Update { q, position, .. } => {
                Some((*q, *position))
            }
            Work::Reposition { .. } => None,
        }
    }
}

/// Renders one batch of work: a row for each insert or update, `None` for a reposition.
fn render_batch<'a>(batch: &[Work<'a>], now: NaiveDateTime) -> Vec<Option<QuestionRow<'a>>> {
    batch
        .iter()
        .map(|w| {
            w.to_render()
                .map(|(q, position)| question_row(q, position, now))
        })
        .collect()
}

fn apply_questions(
    conn: &mut DbConnection,
    bank: &Bank,
    stored: &[StoredQuestion],
    plan: &Plan,
    now: NaiveDateTime,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(), ImportError> {
    let by_key: HashMap<&str, &StoredQuestion> =
        stored.iter().map(|q| (q.key.as_str(), q)).collect();
    let changes: HashMap<&str, Change> = plan
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.change))
        .collect();
    let mut work = Vec::new();
    for set in &bank.sets {
        for (position, q) in set.questions.iter().enumerate() {
            let key = format!("{}/{}", set.slug, q.id);
            let change = changes
                .get(key.as_str())
                .copied()
                .unwrap_or(Change::Unchanged);
            match (change, by_key.get(key.as_str())) {
                (Change::Added, _) => work.push(Work::Insert {
                    key,
                    set: set.slug.as_str(),
                    q,
                    position,
                }),
                (Change::Updated | Change::Restored, Some(s)) => work.push(Work::Update {
                    id: s.id.as_str(),
                    q,
                    position,
                }),
                // Reordering a file is not a content change; keep the order quietly.
                (Change::Unchanged, Some(s)) if s.position != count(position) => {
                    work.push(Work::Reposition {
                        id: s.id.as_str(),
                        position,
                    })
                }
                _ => {}
            }
        }
    }
    write_work(conn, work, now, progress)?;
    let retired: Vec<&str> = plan
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
    let total = plan.changes.len();
    progress(total, total);
    Ok(())
}

/// Renders the work's Markdown on all cores while this thread writes the batches already
/// rendered, in order: rendering and writing are the two slow parts of a big import, and
/// overlapping them hides most of the writing.
fn write_work(
    conn: &mut DbConnection,
    work: Vec<Work<'_>>,
    now: NaiveDateTime,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(), ImportError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let batches: Vec<&[Work<'_>]> = work.chunks(INSERT_BATCH).collect();
    let renders = work.iter().filter(|w| w.to_render().is_some()).count();
    if renders == 0 {
        // Nothing to render (an unchanged re-import): no threads to start.
        for batch in &batches {
            write_batch(conn, batch, render_batch(batch, now), now)?;
        }
        return Ok(());
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(batches.len());
    let next_batch = AtomicUsize::new(0);
    let rendered = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::channel();
        for _ in 0..threads {
            let sender = sender.clone();
            let (batches, next_batch, rendered) = (&batches, &next_batch, &rendered);
            scope.spawn(move || {
                loop {
                    let i = next_batch.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(i) else { break };
                    let rows = render_batch(batch, now);
                    let done = rendered.fetch_add(batch.len(), Ordering::Relaxed) + batch.len();
                    progress(done.min(renders), renders);
                    // The writer stopped (a database error): no one wants the rest.
                    if sender.send((i, rows)).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the workers' senders remain, so `recv` fails once they have all finished.
        drop(sender);
        let mut ready = std::collections::BTreeMap::new();
        for (i, batch) in batches.iter().enumerate() {
            let rows = loop {
                if let Some(rows) = ready.remove(&i) {
                    break rows;
                }
                match receiver.recv() {
                    Ok((j, rows)) => {
                        ready.insert(j, rows);
                    }
                    // A render thread only stops early on a bug (a panic); render its batch
                    // here so the import still completes.
                    Err(_) => break render_batch(batch, now),
                }
            };
            write_batch(conn, batch, rows, now)?;
        }
        Ok(())
    })
}

/// Writes one batch of work with its rendered rows: updates one by one, inserts together.
fn write_batch<'a>(
    conn: &mut DbConnection,
    batch: &[Work<'a>],
    rows: Vec<Option<QuestionRow<'a>>>,
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let mut inserts = Vec::new();
    for (w, row) in batch.iter().zip(rows) {
        match (w, row) {
            (Work::Insert { key, set, q, .. }, Some(row)) => inserts.push(NewQuestion {
                id: uuid::Uuid::new_v4().to_string(),
                question_key: key.clone(),
                set_slug: set,
                local_id: q.id.as_str(),
                created_at: now,
                row,
            }),
            (Work::Update { id, .. }, Some(row)) => {
                diesel::update(questions::table.find(*id))
                    .set((row, questions::retired_at.eq(None::<NaiveDateTime>)))
                    .execute(conn)?;
            }
            (Work::Reposition { id, position }, _) => {
                diesel::update(questions::table.find(*id))
                    .set(questions::position.eq(count(*position)))
                    .execute(conn)?;
            }
            // `render_batch` gives every insert and update its row.
            (Work::Insert { .. } | Work::Update { .. }, None) => {}
        }
    }
    if !inserts.is_empty() {
        insert_questions(conn, &inserts)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::validate::{SourceFile, validate};

    fn bank(questions: &[(&str, &str)]) -> Bank {
        let mut text = String::from("format: 1\nset: s\ntitle: S\nquestions:\n");
        for (id, answer) in questions {
            text.push_str(&format!(
                "  - id: {id}\n    topic: t\n    difficulty: junior\n    kind: concept\n    prompt: P {id}\n    answer: {answer}\n    key_points: [k]\n"
            ));
        }
        let topics = "format: 1\ntopics:\n  - id: t\n    title: T\n";
        validate(
            &[
                SourceFile {
                    path: "topics.yaml".into(),
                    text: topics.into(),
                },
                SourceFile {
                    path: "s.yaml".into(),
                    text,
                },
            ],
            &Context::default(),
        )
        .unwrap()
    }

    fn stored_from(bank: &Bank, retired: &[&str]) -> Vec<StoredQuestion> {
        bank.sets[0]
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| StoredQuestion {
                id: format!("id{i}"),
                key: format!("s/{}", q.id),
                set_slug: "s".into(),
                content_hash: q.content_hash(),
                retired: retired.contains(&q.id.as_str()),
                position: i as i32,
            })
            .collect()
    }

    #[test]
    fn an_unchanged_bank_plans_nothing() {
        let b = bank(&[("a", "x"), ("b", "y")]);
        let p = plan(&b, &stored_from(&b, &[]));
        assert_eq!(
            p.counts.to_string(),
            "0 added, 0 updated, 0 retired, 2 unchanged"
        );
    }

    #[test]
    fn changes_additions_removals_and_returns_are_all_planned() {
        let before = bank(&[("a", "x"), ("b", "y"), ("c", "z")]);
        let stored = stored_from(&before, &["c"]);
        let after = bank(&[("a", "changed"), ("c", "z"), ("d", "new")]);
        let p = plan(&after, &stored);
        assert_eq!(
            p.counts,
            Counts {
                added: 1,
                updated: 1,
                retired: 1,
                restored: 1,
                unchanged: 0
            }
        );
        let lines: Vec<String> = p.changed_lines().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "~ s/a (updated)",
                "^ s/c (restored)",
                "+ s/d (added)",
                "- s/b (retired)"
            ]
        );
    }
}
