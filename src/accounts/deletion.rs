//! Deleting an account, by its owner (settings) or an admin: one transaction removes
//! everything the service holds about the user. Their flags stay for the admins, without the
//! name. The last admin who can sign in cannot be deleted.

use super::service::{self, AccountError};
use crate::db::DbConnection;
use crate::db::schema::{
    cards, flags, fsrs_parameters, import_previews, interview_items, interviews, password_resets,
    reviews, sessions, user_inactive_sets, users,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Deletes the account `user_id` and everything that belongs to it; returns its username.
pub fn delete_account(conn: &mut DbConnection, user_id: &str) -> Result<String, AccountError> {
    crate::db::write_transaction(conn, |conn| {
        // As `admin::users::apply` does, so two admins deleting each other cannot both pass.
        service::lock_admin_rows(conn)?;
        let (username, role, disabled_at) = users::table
            .find(user_id)
            .select((users::username, users::role, users::disabled_at))
            .get_result::<(String, String, Option<NaiveDateTime>)>(conn)
            .optional()?
            .ok_or(AccountError::UnknownUser)?;
        if service::is_last_admin(conn, user_id, &role, disabled_at)? {
            return Err(AccountError::LastAdmin);
        }
        // Reviews point at interview items, and items at interviews: delete in that order.
        diesel::delete(reviews::table.filter(reviews::user_id.eq(user_id))).execute(conn)?;
        let own_interviews = interviews::table
            .filter(interviews::user_id.eq(user_id))
            .select(interviews::id);
        diesel::delete(
            interview_items::table.filter(interview_items::interview_id.eq_any(own_interviews)),
        )
        .execute(conn)?;
        diesel::delete(interviews::table.filter(interviews::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(cards::table.filter(cards::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(user_inactive_sets::table.filter(user_inactive_sets::user_id.eq(user_id)))
            .execute(conn)?;
        diesel::delete(import_previews::table.filter(import_previews::user_id.eq(user_id)))
            .execute(conn)?;
        diesel::delete(password_resets::table.find(user_id)).execute(conn)?;
        diesel::delete(fsrs_parameters::table.find(user_id)).execute(conn)?;
        super::reset::forget_login_failures(conn, &username)?;
        diesel::update(flags::table.filter(flags::user_id.eq(user_id)))
            .set(flags::user_id.eq(None::<String>))
            .execute(conn)?;
        diesel::update(flags::table.filter(flags::resolved_by.eq(user_id)))
            .set(flags::resolved_by.eq(None::<String>))
            .execute(conn)?;
        diesel::delete(users::table.find(user_id)).execute(conn)?;
        Ok(username)
    })
}
