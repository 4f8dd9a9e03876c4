//! Account storage: users, sessions and sign-in failures.

use super::rate_limit::{Limit, longest_window, wait_before_next_attempt};
use crate::db::DbConnection;
use crate::db::schema::{app_locks, login_failures, sessions, users};
use base64::Engine as _;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A session ends after this long without a request…
pub const IDLE_EXPIRY_DAYS: i64 = 14;
/// …and in any case this long after sign-in.
pub const ABSOLUTE_EXPIRY_DAYS: i64 = 30;
/// `last_seen_at` is refreshed at most this often, so reads don't turn into writes.
const TOUCH_EVERY_MINUTES: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Candidate,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Candidate => "candidate",
            Role::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Role {
        if text == "admin" {
            Role::Admin
        } else {
            Role::Candidate
        }
    }
}

/// The signed-in user behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub session_id: String,
    /// The user's study version at this request (see `practice::state`).
    pub study_version: i64,
    /// The bank's generation at this request (see `bank::cache`).
    pub bank_generation: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("that username is already taken")]
    UsernameTaken,
    #[error("no such account")]
    UnknownUser,
    /// A reset link that is unknown, used, expired or replaced by a newer one.
    #[error("this password reset link no longer works")]
    InvalidResetLink,
    /// Removing this account would leave no admin who can sign in.
    #[error("this is the last admin who can sign in")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A new random session token (for the cookie) and its hash (for the database).
pub fn new_session_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let id = token_hash(&token);
    (token, id)
}

/// What the database stores for a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn create_user(
    conn: &mut DbConnection,
    username: &str,
    password_hash: &str,
    role: Role,
    now: NaiveDateTime,
) -> Result<String, AccountError> {
    crate::db::write_transaction(conn, |conn| {
        let taken = users::table
            .filter(users::username.eq(username))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if taken {
            return Err(AccountError::UsernameTaken);
        }
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&id),
                users::username.eq(username),
                users::password_hash.eq(password_hash),
                users::role.eq(role.as_str()),
                users::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(id)
    })
}

/// Locks every admin row (PostgreSQL; SQLite's immediate transaction already excludes other
/// writers) inside a write transaction, so two admins removing each other at once cannot both
/// pass the last-admin check.
pub fn lock_admin_rows(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(users::table.filter(users::role.eq(Role::Admin.as_str())))
        .set(users::role.eq(users::role))
        .execute(conn)?;
    Ok(())
}

/// Whether removing the account `user_id` (of `role`, disabled since `disabled_at`) as an
/// admin would leave no admin who can sign in. Call after [`lock_admin_rows`].
pub fn is_last_admin(
    conn: &mut DbConnection,
    user_id: &str,
    role: &str,
    disabled_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    if role != Role::Admin.as_str() || disabled_at.is_some() {
        return Ok(false);
    }
    let other_admins = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(user_id))
        .count()
        .get_result::<i64>(conn)?;
    Ok(other_admins == 0)
}

/// The id of the account named `username` (already normalised, see `Username`).
pub fn user_id_by_name(conn: &mut DbConnection, username: &str) -> QueryResult<Option<String>> {
    users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .get_result(conn)
        .optional()
}

/// The id and password hash of an enabled user, for sign-in.
pub fn credentials(
    conn: &mut DbConnection,
    username: &str,
) -> QueryResult<Option<(String, String)>> {
    users::table
        .filter(users::username.eq(username))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::password_hash))
        .get_result(conn)
        .optional()
}

/// Starts a session; returns the cookie token. Expired sessions of the user are cleared.
/// `user_agent` is the browser's header, stored only as a short summary.
pub fn start_session(
    conn: &mut DbConnection,
    user_id: &str,
    user_agent: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let (token, id) = new_session_token();
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::expires_at.le(now)),
    )
    .execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(now + Duration::days(ABSOLUTE_EXPIRY_DAYS)),
            sessions::user_agent.eq(super::user_agent::summarize(user_agent)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The user of a live session, and whether its `last_seen_at` is due for a refresh. The one
/// query also brings the two version numbers that tell whether this instance's in-memory copies
/// of the user's study state and of the bank are current, so a signed-in request whose copies
/// are current needs no other query.
pub fn session_user(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(SessionUser, bool)>> {
    let id = token_hash(token);
    let row = sessions::table
        .inner_join(users::table)
        .inner_join(app_locks::table.on(app_locks::name.eq(crate::bank::cache::BANK_VERSION)))
        .filter(sessions::id.eq(&id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - Duration::days(IDLE_EXPIRY_DAYS)))
        .filter(users::disabled_at.is_null())
        .select((
            users::id,
            users::username,
            users::role,
            sessions::last_seen_at,
            users::study_version,
            app_locks::generation,
        ))
        .get_result::<(String, String, String, NaiveDateTime, i64, i64)>(conn)
        .optional()?;
    Ok(row.map(
        |(user_id, username, role, last_seen, study_version, bank_generation)| {
            (
                SessionUser {
                    user_id,
                    username,
                    role: Role::parse(&role),
                    session_id: id,
                    study_version,
                    bank_generation,
                },
                now - last_seen > Duration::minutes(TOUCH_EVERY_MINUTES),
            )
        },
    ))
}

pub fn touch_session(
    conn: &mut DbConnection,
    session_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn end_session(conn: &mut DbConnection, session_id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(session_id)).execute(conn)?;
    Ok(())
}

/// An arbitrary constant naming the PostgreSQL advisory lock that makes a reservation atomic
/// across connections (on SQLite, `BEGIN IMMEDIATE` already serialises writers).
const ATTEMPT_LOCK_KEY: i64 = 0x5245_4845_4154_5450;

/// Reserves an attempt on every subject (`user-at:…`, `ip:…`, `user:…`, `signup:…`) in one
/// transaction, *before* the slow password work: the attempt counts as a failure until
/// [`release_attempt`] forgives it. Parallel requests therefore cannot all pass the check
/// before any of them is recorded. Returns the reserved rows, or how long to wait when a
/// limit is reached (then nothing is recorded).
pub fn reserve_attempt(
    conn: &mut DbConnection,
    subjects: &[(String, Limit)],
    now: NaiveDateTime,
) -> QueryResult<Result<Vec<String>, Duration>> {
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Pg(pg) = conn {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({ATTEMPT_LOCK_KEY})"))
                .execute(pg)?;
        }
        // Old attempts only matter for the windows; drop them as we go.
        diesel::delete(
            login_failures::table.filter(login_failures::failed_at.le(now - longest_window())),
        )
        .execute(conn)?;
        let mut longest_wait = None;
        for (subject, limit) in subjects {
            let recent = login_failures::table
                .filter(login_failures::subject.eq(subject))
                .filter(login_failures::failed_at.gt(now - limit.window()))
                .select(login_failures::failed_at)
                .load::<NaiveDateTime>(conn)?;
            let wait = wait_before_next_attempt(*limit, &recent, now);
            longest_wait = longest_wait.max(wait);
        }
        if let Some(wait) = longest_wait {
            return Ok(Err(wait));
        }
        let mut reserved = Vec::with_capacity(subjects.len());
        for (subject, _) in subjects {
            let id = uuid::Uuid::new_v4().to_string();
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::id.eq(&id),
                    login_failures::subject.eq(subject),
                    login_failures::failed_at.eq(now),
                ))
                .execute(conn)?;
            reserved.push(id);
        }
        Ok(Ok(reserved))
    })
}

/// Forgives a successful attempt: its reserved rows, and every failure of `subject` (the
/// user at this address).
pub fn release_attempt(
    conn: &mut DbConnection,
    reserved: &[String],
    subject: &str,
) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(reserved)))
        .execute(conn)?;
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)?;
    Ok(())
}

/// A user's study settings as stored.
pub fn load_settings(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<super::settings::Settings> {
    use super::settings::{NewOrder, Settings};
    use crate::db::schema::user_inactive_sets;
    let (new_per_day, max_reviews, timezone, rollover, order, interview_date) = users::table
        .find(user_id)
        .select((
            users::new_per_day,
            users::max_reviews_per_day,
            users::timezone,
            users::day_rollover_hour,
            users::new_order,
            users::interview_date,
        ))
        .get_result::<(i32, i32, String, i32, String, Option<chrono::NaiveDate>)>(conn)?;
    let inactive_sets = user_inactive_sets::table
        .filter(user_inactive_sets::user_id.eq(user_id))
        .select(user_inactive_sets::set_slug)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(Settings {
        new_per_day: u32::try_from(new_per_day).unwrap_or(0),
        max_reviews_per_day: u32::try_from(max_reviews).unwrap_or(0),
        timezone: timezone.parse().unwrap_or(chrono_tz::Tz::UTC),
        rollover_hour: u8::try_from(rollover).unwrap_or(4).min(23),
        new_order: NewOrder::parse(&order).unwrap_or(NewOrder::Roadmap),
        interview_date,
        inactive_sets,
    })
}

pub fn save_settings(
    conn: &mut DbConnection,
    user_id: &str,
    settings: &super::settings::Settings,
) -> QueryResult<()> {
    use crate::db::schema::user_inactive_sets;
    crate::db::write_transaction(conn, |conn| {
        crate::practice::service::bump_study_version(conn, user_id)?;
        diesel::update(users::table.find(user_id))
            .set((
                users::new_per_day.eq(i32::try_from(settings.new_per_day).unwrap_or(i32::MAX)),
                users::max_reviews_per_day
                    .eq(i32::try_from(settings.max_reviews_per_day).unwrap_or(i32::MAX)),
                users::timezone.eq(settings.timezone.name()),
                users::day_rollover_hour.eq(i32::from(settings.rollover_hour)),
                users::new_order.eq(settings.new_order.as_str()),
                users::interview_date.eq(settings.interview_date),
            ))
            .execute(conn)?;
        diesel::delete(user_inactive_sets::table.filter(user_inactive_sets::user_id.eq(user_id)))
            .execute(conn)?;
        for slug in &settings.inactive_sets {
            diesel::insert_into(user_inactive_sets::table)
                .values((
                    user_inactive_sets::user_id.eq(user_id),
                    user_inactive_sets::set_slug.eq(slug),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
