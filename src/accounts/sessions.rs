//! A user's own sessions: listing them, ending the others, and changing the password (which
//! ends the others too).

use super::service::IDLE_EXPIRY_DAYS;
use crate::db::DbConnection;
use crate::db::schema::{sessions, users};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// One live session, as the settings page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSummary {
    pub browser: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    /// The session making this request.
    pub current: bool,
}

/// The user's live sessions, most recently seen first.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    current_session_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<SessionSummary>> {
    let rows = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - Duration::days(IDLE_EXPIRY_DAYS)))
        .order((sessions::last_seen_at.desc(), sessions::id))
        .select((
            sessions::id,
            sessions::user_agent,
            sessions::created_at,
            sessions::last_seen_at,
        ))
        .load::<(String, String, NaiveDateTime, NaiveDateTime)>(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, browser, created_at, last_seen_at)| SessionSummary {
            browser,
            created_at,
            last_seen_at,
            current: id == current_session_id,
        })
        .collect())
}

/// Ends every session of the user but `keep`; returns how many ended.
pub fn end_others(conn: &mut DbConnection, user_id: &str, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep)),
    )
    .execute(conn)
}

/// The stored password hash of a user.
pub fn password_hash(conn: &mut DbConnection, user_id: &str) -> QueryResult<String> {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .get_result(conn)
}

/// Stores a new password hash and ends every other session, in one transaction; returns how
/// many sessions ended.
pub fn change_password(
    conn: &mut DbConnection,
    user_id: &str,
    new_hash: &str,
    keep: &str,
) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(new_hash))
            .execute(conn)?;
        end_others(conn, user_id, keep)
    })
}
