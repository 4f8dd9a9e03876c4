//! Password reset links made by an admin (there is no mail to send them): a random token, of
//! which only a SHA-256 is stored (a fast hash suits 256 random bits; argon2 is for what people
//! choose), valid for [`RESET_VALID_HOURS`], one per user (a new link replaces the old one), and
//! good for one use. Setting a password this way, or with `rehearse user passwd`, ends every
//! session of the user.

use super::service::{AccountError, new_session_token, token_hash};
use crate::db::DbConnection;
use crate::db::schema::{login_failures, password_resets, sessions, users};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// How long a reset link works.
pub const RESET_VALID_HOURS: i64 = 24;

/// A new link, to show once to the admin who made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetLink {
    /// The secret part of the link (`/reset/{token}`); not stored anywhere.
    pub token: String,
    pub username: String,
    pub expires_at: NaiveDateTime,
}

/// Makes a reset link for `user_id`, voiding any earlier one.
pub fn create_link(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<ResetLink, AccountError> {
    crate::db::write_transaction(conn, |conn| {
        let username = users::table
            .find(user_id)
            .select(users::username)
            .get_result::<String>(conn)
            .optional()?
            .ok_or(AccountError::UnknownUser)?;
        let (token, hash) = new_session_token();
        let expires_at = now + Duration::hours(RESET_VALID_HOURS);
        diesel::delete(password_resets::table.find(user_id)).execute(conn)?;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::user_id.eq(user_id),
                password_resets::token_hash.eq(&hash),
                password_resets::created_at.eq(now),
                password_resets::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(ResetLink {
            token,
            username,
            expires_at,
        })
    })
}

/// The user id and name a link resets, while it is unused, unexpired and the newest one.
pub fn link_owner(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(String, String)>> {
    password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token_hash(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select((users::id, users::username))
        .get_result(conn)
        .optional()
}

/// Uses a link: stores `new_hash` as the password, marks the link used and ends every session
/// of its user, in one transaction. Returns the username.
pub fn use_link(
    conn: &mut DbConnection,
    token: &str,
    new_hash: &str,
    now: NaiveDateTime,
) -> Result<String, AccountError> {
    crate::db::write_transaction(conn, |conn| {
        // Checked again inside the transaction: two tabs sending the form at once cannot both
        // use the link.
        let (user_id, username) =
            link_owner(conn, token, now)?.ok_or(AccountError::InvalidResetLink)?;
        diesel::update(password_resets::table.find(&user_id))
            .set(password_resets::used_at.eq(Some(now)))
            .execute(conn)?;
        diesel::update(users::table.find(&user_id))
            .set(users::password_hash.eq(new_hash))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(&user_id))).execute(conn)?;
        // The wrong guesses that led here should not keep the owner waiting.
        forget_login_failures(conn, &username)?;
        Ok(username)
    })
}

/// Sets `user_id`'s password (the operator's `rehearse user passwd`): ends every session of the
/// user and voids any reset link, in one transaction. Returns how many sessions ended.
pub fn set_password(
    conn: &mut DbConnection,
    user_id: &str,
    username: &str,
    new_hash: &str,
) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set(users::password_hash.eq(new_hash))
            .execute(conn)?;
        diesel::delete(password_resets::table.find(user_id)).execute(conn)?;
        forget_login_failures(conn, username)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
    })
}

/// Deletes the sign-in failures counted against `username` (from any address; the per-address
/// counters are shared with other names and stay).
pub fn forget_login_failures(conn: &mut DbConnection, username: &str) -> QueryResult<usize> {
    // The subjects of `rate_limit::sign_in_subjects`: `user:{name}`, and
    // `user-at:{name}@{address}` for every address, as the range [`…@`, `…A`) ('A' follows '@').
    let user_subject = format!("user:{username}");
    let at_prefix = format!("user-at:{username}@");
    let at_end = format!("user-at:{username}A");
    diesel::delete(
        login_failures::table.filter(
            login_failures::subject
                .eq(user_subject)
                .or(login_failures::subject
                    .ge(at_prefix)
                    .and(login_failures::subject.lt(at_end))),
        ),
    )
    .execute(conn)
}
