//! The users page's queries: every account, and an admin's action on one, refused when it
//! would leave no enabled admin.

use crate::accounts::service::{self, Role};
use crate::admin::manage::when;
use crate::db::DbConnection;
use crate::db::schema::{sessions, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An account in the list.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub is_admin: bool,
    pub created: String,
    /// When it was disabled, as shown.
    pub disabled: Option<String>,
}

pub fn list_users(conn: &mut DbConnection) -> QueryResult<Vec<UserRow>> {
    Ok(users::table
        .order(users::username.asc())
        .select((
            users::id,
            users::username,
            users::role,
            users::created_at,
            users::disabled_at,
        ))
        .load::<(String, String, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(id, username, role, created_at, disabled_at)| UserRow {
            id,
            username,
            is_admin: role == Role::Admin.as_str(),
            created: when(created_at),
            disabled: disabled_at.map(when),
        })
        .collect())
}

/// What an admin can do to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    MakeAdmin,
    RevokeAdmin,
    Disable,
    Enable,
}

impl UserAction {
    /// Whether this takes an admin away (and so may not leave the site without one).
    pub fn removes_an_admin(self) -> bool {
        matches!(self, UserAction::RevokeAdmin | UserAction::Disable)
    }
}

/// Why an action was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    LastAdmin,
}

/// What an action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange {
    Done,
    Refused(Refusal),
    NotFound,
}

/// Applies `action` to the account `user_id`, in one transaction.
pub fn apply(
    conn: &mut DbConnection,
    user_id: &str,
    action: UserAction,
    now: NaiveDateTime,
) -> QueryResult<UserChange> {
    let admin = Role::Admin.as_str();
    crate::db::write_transaction(conn, |conn| {
        service::lock_admin_rows(conn)?;
        let Some((role, disabled_at)) = users::table
            .find(user_id)
            .select((users::role, users::disabled_at))
            .get_result::<(String, Option<NaiveDateTime>)>(conn)
            .optional()?
        else {
            return Ok(UserChange::NotFound);
        };
        if action.removes_an_admin() && service::is_last_admin(conn, user_id, &role, disabled_at)? {
            return Ok(UserChange::Refused(Refusal::LastAdmin));
        }
        let target = users::table.find(user_id);
        match action {
            UserAction::MakeAdmin => {
                diesel::update(target)
                    .set(users::role.eq(admin))
                    .execute(conn)?;
            }
            UserAction::RevokeAdmin => {
                diesel::update(target)
                    .set(users::role.eq(Role::Candidate.as_str()))
                    .execute(conn)?;
            }
            UserAction::Disable => {
                if disabled_at.is_none() {
                    diesel::update(target)
                        .set(users::disabled_at.eq(Some(now)))
                        .execute(conn)?;
                }
                diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)))
                    .execute(conn)?;
            }
            UserAction::Enable => {
                diesel::update(target)
                    .set(users::disabled_at.eq(None::<NaiveDateTime>))
                    .execute(conn)?;
            }
        }
        Ok(UserChange::Done)
    })
}
