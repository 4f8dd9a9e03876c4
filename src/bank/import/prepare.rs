//! Preparing an import: read what the bank holds, validate the files against it once, and
//! plan what applying them changes. The result, an [`ImportPlan`], is all the apply needs; the
//! web preview stores it between the upload and the apply.

use super::ImportError;
use super::plan::{Plan, StoredQuestion, plan};
use crate::bank::load::LoadedFile;
use crate::bank::model::Bank;
use crate::bank::validate::{self, Context, SourceFile};
use crate::db::DbConnection;
use crate::db::schema::{questions, topics};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A file of an import, as the sets and the import history record it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: String,
    pub sha256: String,
}

/// A batch of files validated against the bank, with what applying them would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    /// The bank generation it was made against: the apply refuses any other.
    pub generation: i64,
    pub files: Vec<FileStamp>,
    pub bank: Bank,
    /// The stored questions of the sets in the files (the rows the apply updates or retires).
    pub stored: Vec<StoredQuestion>,
    pub plan: Plan,
}

/// Validates files against what the database holds and plans the import, without writing.
pub fn prepare(conn: &mut DbConnection, files: &[LoadedFile]) -> Result<ImportPlan, ImportError> {
    // The generation first: a write committed after this read makes the plan stale (the apply
    // refuses it); read after the rows, it could stamp an old plan with a new generation.
    let generation = super::generation(conn)?;
    let stored = load_stored_questions(conn)?;
    let known_topics: HashSet<String> = topics::table
        .select(topics::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let context = Context {
        known_topics,
        // The validator ignores the keys of the sets the files hold: the files replace them.
        known_question_keys: stored
            .iter()
            .filter(|q| !q.retired)
            .map(|q| q.key.clone())
            .collect(),
    };
    let sources: Vec<SourceFile> = files.iter().map(|f| f.source.clone()).collect();
    let bank = validate::validate(&sources, &context).map_err(ImportError::Invalid)?;
    let plan = plan(&bank, &stored);
    let in_files: HashSet<&str> = bank.sets.iter().map(|s| s.slug.as_str()).collect();
    let stored = stored
        .into_iter()
        .filter(|q| in_files.contains(q.set_slug.as_str()))
        .collect();
    Ok(ImportPlan {
        generation,
        files: files
            .iter()
            .map(|f| FileStamp {
                path: f.source.path.clone(),
                sha256: f.sha256.clone(),
            })
            .collect(),
        bank,
        stored,
        plan,
    })
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
