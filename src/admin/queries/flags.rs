//! The flags page's queries: flags with their questions and people, and resolving one.

use crate::admin::manage::when;
use crate::db::DbConnection;
use crate::db::schema::{flags, questions, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// The most flags one page lists.
const PAGE_LIMIT: i64 = 500;

/// A flag as the admins see it.
#[derive(Clone, Debug)]
pub struct FlagRow {
    pub id: String,
    pub question_key: String,
    pub set_slug: String,
    pub local_id: String,
    pub question_summary: String,
    pub question_retired: bool,
    pub reason: String,
    pub comment: String,
    pub reporter: String,
    pub created: String,
    /// When and by whom, once resolved.
    pub resolved: Option<(String, String)>,
}

/// Which flags to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    Open,
    All,
}

/// Flags newest first, open ones before resolved ones.
pub fn list_flags(conn: &mut DbConnection, show: Show) -> QueryResult<Vec<FlagRow>> {
    type Row = (
        (String, String, String, NaiveDateTime, Option<NaiveDateTime>),
        (Option<String>, Option<String>),
        (String, String, String, String, Option<NaiveDateTime>),
    );
    let mut query = flags::table
        .inner_join(questions::table)
        .select((
            (
                flags::id,
                flags::reason,
                flags::comment,
                flags::created_at,
                flags::resolved_at,
            ),
            (flags::user_id, flags::resolved_by),
            (
                questions::question_key,
                questions::set_slug,
                questions::local_id,
                questions::prompt_md,
                questions::retired_at,
            ),
        ))
        .order((flags::created_at.desc(), flags::id.asc()))
        .limit(PAGE_LIMIT)
        .into_boxed();
    if show == Show::Open {
        query = query.filter(flags::resolved_at.is_null());
    }
    let rows: Vec<Row> = query.load(conn)?;
    let people: HashSet<&String> = rows
        .iter()
        .flat_map(|(_, (user, resolver), _)| user.iter().chain(resolver))
        .collect();
    let names: HashMap<String, String> = users::table
        .filter(users::id.eq_any(people))
        .select((users::id, users::username))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name = |id: &str| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "(deleted user)".into())
    };
    let mut list: Vec<FlagRow> = rows
        .into_iter()
        .map(|(head, (user, resolver), question)| {
            let (id, reason, comment, created_at, resolved_at) = head;
            let (question_key, set_slug, local_id, prompt_md, retired_at) = question;
            FlagRow {
                question_summary: super::summary(&set_slug, &local_id, prompt_md),
                id,
                question_key,
                set_slug,
                local_id,
                question_retired: retired_at.is_some(),
                reason,
                comment,
                // A deleted account's flags stay, without the name.
                reporter: user
                    .as_deref()
                    .map(name)
                    .unwrap_or_else(|| "(deleted user)".into()),
                created: when(created_at),
                resolved: resolved_at
                    .map(|at| (when(at), resolver.as_deref().map(name).unwrap_or_default())),
            }
        })
        .collect();
    // Stable: newest first within open and within resolved.
    list.sort_by_key(|flag| flag.resolved.is_some());
    Ok(list)
}

/// What resolving a flag did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolve {
    Resolved,
    AlreadyResolved,
    NotFound,
}

/// Marks a flag resolved by `admin_id` (a flag already resolved keeps its first resolution).
pub fn resolve(
    conn: &mut DbConnection,
    flag_id: &str,
    admin_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Resolve> {
    crate::db::write_transaction(conn, |conn| {
        let changed = diesel::update(
            flags::table
                .find(flag_id)
                .filter(flags::resolved_at.is_null()),
        )
        .set((
            flags::resolved_at.eq(Some(now)),
            flags::resolved_by.eq(Some(admin_id)),
        ))
        .execute(conn)?;
        if changed > 0 {
            return Ok(Resolve::Resolved);
        }
        let exists = flags::table.find(flag_id).count().get_result::<i64>(conn)? > 0;
        Ok(if exists {
            Resolve::AlreadyResolved
        } else {
            Resolve::NotFound
        })
    })
}
