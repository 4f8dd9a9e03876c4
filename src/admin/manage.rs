//! What the admin pages that change the bank and the accounts share: the bank's generation
//! counter and the `?done=` / `?refused=` notices (read into a [`Notice`]).

use crate::db::DbConnection;
use crate::db::schema::app_locks;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Tells every instance that the bank changed (they reload their in-memory copy on next use).
/// Call it first inside the write transaction that changes questions or sets: on PostgreSQL it
/// also locks the row imports lock, so a change and an import never interleave.
pub fn bump_bank_generation(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(app_locks::table.filter(app_locks::name.eq(crate::bank::cache::BANK_VERSION)))
        .set(app_locks::generation.eq(app_locks::generation + 1))
        .execute(conn)?;
    Ok(())
}

/// `2026-03-02 12:00 UTC`, as the admin tables show times.
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The `?done=…&refused=…` of a page after an action.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Outcome {
    pub done: Option<String>,
    pub refused: Option<String>,
}

/// An outcome an action redirects with (`?done=code`) and the page it lands on puts in words.
pub trait Notice: Copy + 'static {
    /// Every outcome, to read a code back.
    const ALL: &'static [Self];

    /// The outcome's name in the redirect's query.
    fn code(self) -> &'static str;

    /// What the page says about it.
    fn message(self) -> &'static str;

    /// The words for the outcome `code` names (from the query), if it names one.
    fn message_for(code: Option<&str>) -> Option<&'static str> {
        let code = code?;
        Self::ALL
            .iter()
            .find(|notice| notice.code() == code)
            .map(|notice| notice.message())
    }
}
