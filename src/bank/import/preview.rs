//! Plans kept for the web preview. An upload is validated once into an [`ImportPlan`], stored
//! (as JSON) under an id; the preview page shows it and the apply writes exactly it, in one
//! transaction with the mark that the preview was applied. A stored plan that no longer reads
//! back is an error ([`ImportError::PreviewUnreadable`]), never an empty import.

use super::apply::apply_in;
use super::prepare::ImportPlan;
use super::render::Rendered;
use super::{Actor, ImportError};
use crate::db::DbConnection;
use crate::db::schema::import_previews;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored preview: its plan, and the import run that applied it, if any.
#[derive(Debug)]
pub struct Preview {
    pub plan: ImportPlan,
    pub applied_run_id: Option<String>,
}

/// Stores a plan for its preview page and the apply that may follow.
pub fn save(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    now: NaiveDateTime,
    plan: &ImportPlan,
) -> Result<(), ImportError> {
    let json = serde_json::to_string(plan).map_err(ImportError::PreviewUnwritable)?;
    diesel::insert_into(import_previews::table)
        .values((
            import_previews::id.eq(id),
            import_previews::user_id.eq(user_id),
            import_previews::created_at.eq(now),
            import_previews::base_generation.eq(plan.generation),
            // The column is named for what it first held (the uploaded files); it holds the
            // plan made from them.
            import_previews::files.eq(json),
        ))
        .execute(conn)?;
    Ok(())
}

/// The preview stored under `id`, if there is one.
pub fn load(conn: &mut DbConnection, id: &str) -> Result<Option<Preview>, ImportError> {
    let Some((json, applied_run_id)) = import_previews::table
        .find(id)
        .select((import_previews::files, import_previews::applied_run_id))
        .get_result::<(String, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let plan = serde_json::from_str(&json).map_err(ImportError::PreviewUnreadable)?;
    Ok(Some(Preview {
        plan,
        applied_run_id,
    }))
}

/// Applies a stored preview's plan (read with [`load`], rendered with
/// [`super::render`]) and marks the preview applied, in one transaction; returns the import
/// run's id. A preview applied meanwhile (a second click, another tab) returns that run.
pub fn apply(
    conn: &mut DbConnection,
    id: &str,
    plan: &ImportPlan,
    rendered: &Rendered,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<String, ImportError> {
    crate::db::write_transaction(conn, |conn| {
        let applied = import_previews::table
            .find(id)
            .select(import_previews::applied_run_id)
            .get_result::<Option<String>>(conn)?;
        if let Some(run) = applied {
            return Ok(run);
        }
        let run = apply_in(conn, plan, rendered, actor, now)?;
        diesel::update(import_previews::table.find(id))
            .set(import_previews::applied_run_id.eq(Some(&run)))
            .execute(conn)?;
        Ok(run)
    })
}
