//! Import: validate the files once into an [`ImportPlan`] (what changes, against which bank
//! generation), render its Markdown, then apply it in one transaction that refuses a plan made
//! against another generation of the bank.
//!
//! Questions are matched by their key `set/id`. An unchanged question (same content hash) is
//! not touched; a changed one is updated in place so every user's card state and review log
//! stays attached; a question missing from its file is retired (hidden, history kept) and is
//! restored when it comes back.
//!
//! The steps, a file each: `prepare` (read the bank, validate the files against it, plan),
//! `plan` (what each question does, pure), `render` (Markdown → HTML on all cores, before any
//! write), `apply` (the one write transaction), `preview` (plans kept for the web preview).

mod apply;
mod plan;
mod prepare;
pub mod preview;
mod render;

pub use apply::apply;
pub use plan::{Change, Counts, Plan, PlannedChange, StoredQuestion, plan};
pub use prepare::{FileStamp, ImportPlan, prepare};
pub use render::{Rendered, render};

use super::cache::BANK_VERSION;
use super::load::LoadedFile;
use super::validate::Problem;
use crate::db::schema::app_locks;
use crate::db::{DbConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have problems; nothing was written.
    #[error("{} problem(s) found; nothing was imported", .0.len())]
    Invalid(Vec<Problem>),
    /// The bank changed after the plan was made (another import ran meanwhile).
    #[error("the question bank changed since this preview was made")]
    Stale,
    /// A stored preview that no longer reads back (see [`preview`]); nothing was written.
    #[error("the stored import preview could not be read")]
    PreviewUnreadable(#[source] serde_json::Error),
    /// A plan that could not be stored as JSON for its preview.
    #[error("the import preview could not be stored")]
    PreviewUnwritable(#[source] serde_json::Error),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Db(DbError::Query(e))
    }
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

/// Plans an import without writing anything (`--dry-run`).
#[tracing::instrument(skip_all, fields(files = files.len()))]
pub fn dry_run(conn: &mut DbConnection, files: &[LoadedFile]) -> Result<ImportReport, ImportError> {
    Ok(ImportReport {
        plan: prepare(conn, files)?.plan,
        applied: false,
        run_id: None,
    })
}

/// How many times [`import`] plans again when another import committed while it rendered.
const ATTEMPTS: usize = 3;

/// Validates, plans, renders and applies files (the command line and the shipped bank): the
/// writes happen in one transaction, all of them or none. The plan is made before the write
/// transaction, so when another import commits meanwhile the plan is made again.
#[tracing::instrument(skip_all, fields(actor = %actor.name, files = files.len()))]
pub fn import(
    conn: &mut DbConnection,
    files: &[LoadedFile],
    actor: &Actor,
    now: NaiveDateTime,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport, ImportError> {
    let mut attempt = 1;
    loop {
        let started = std::time::Instant::now();
        let prepared = prepare(conn, files)?;
        let rendered = render(&prepared, progress);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis(),
            "validated, planned and rendered"
        );
        match apply(conn, &prepared, &rendered, actor, now) {
            Err(ImportError::Stale) if attempt < ATTEMPTS => attempt += 1,
            result => {
                tracing::debug!(elapsed_ms = started.elapsed().as_millis(), "applied");
                return result;
            }
        }
    }
}

/// The bank's change counter: every import (and any admin change to questions or sets) adds 1.
pub fn generation(conn: &mut DbConnection) -> Result<i64, ImportError> {
    Ok(app_locks::table
        .filter(app_locks::name.eq(BANK_VERSION))
        .select(app_locks::generation)
        .get_result::<i64>(conn)?)
}
