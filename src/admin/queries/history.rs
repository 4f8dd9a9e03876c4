//! The import history's query: import runs, newest first.

use crate::db::DbConnection;
use crate::db::schema::import_runs;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An import run: id, started, finished, actor, source, files (JSON), and the counts (added,
/// updated, retired, restored, unchanged).
pub type RunRow = (
    String,
    NaiveDateTime,
    NaiveDateTime,
    String,
    String,
    String,
    (i32, i32, i32, i32, i32),
);

/// Every import run, newest first, or only the one with `id`.
pub fn load_runs(conn: &mut DbConnection, id: Option<&str>) -> QueryResult<Vec<RunRow>> {
    let mut query = import_runs::table
        .order(import_runs::started_at.desc())
        .select((
            import_runs::id,
            import_runs::started_at,
            import_runs::finished_at,
            import_runs::actor,
            import_runs::source,
            import_runs::files,
            (
                import_runs::added,
                import_runs::updated,
                import_runs::retired,
                import_runs::restored,
                import_runs::unchanged,
            ),
        ))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(import_runs::id.eq(id.to_owned()));
    }
    query.load(conn)
}
