//! The admin pages' own queries, one file a page (the bank's are in `bank::queries`, imports
//! and their previews in `bank::import`); the overview's and the import preview's are here.

pub mod flags;
pub mod history;
pub mod sets;
pub mod users;

use crate::bank::queries::QuestionListItem;
use crate::db::DbConnection;
use crate::db::schema::{self, questions};
use diesel::prelude::*;
use std::collections::HashMap;

/// A question's one-line summary for admin lists, from its prompt.
pub fn summary(set_slug: &str, local_id: &str, prompt_md: String) -> String {
    QuestionListItem {
        set_slug: set_slug.to_owned(),
        local_id: local_id.to_owned(),
        topic_title: String::new(),
        difficulty: String::new(),
        kind: String::new(),
        prompt_md,
    }
    .summary()
}

/// Flags nobody has resolved yet.
pub fn open_flag_count(conn: &mut DbConnection) -> QueryResult<i64> {
    schema::flags::table
        .filter(schema::flags::resolved_at.is_null())
        .count()
        .get_result::<i64>(conn)
}

/// What an updated question's stored fields were, as text per field.
pub fn stored_fields(
    conn: &mut DbConnection,
    keys: &[&str],
) -> QueryResult<HashMap<String, Vec<(&'static str, String)>>> {
    type Row = (
        String,
        (String, String, String, String, String),
        (String, String, String, i32),
    );
    let rows: Vec<Row> = questions::table
        .filter(questions::question_key.eq_any(keys))
        .select((
            questions::question_key,
            (
                questions::topic_id,
                questions::difficulty,
                questions::kind,
                questions::tags,
                questions::prompt_md,
            ),
            (
                questions::answer_md,
                questions::key_points,
                questions::follow_ups,
                questions::time_limit_secs,
            ),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(key, a, b)| {
            let list = |json: &str| -> String {
                serde_json::from_str::<Vec<String>>(json)
                    .unwrap_or_default()
                    .join("\n")
            };
            (
                key,
                vec![
                    ("topic", a.0),
                    ("difficulty", a.1),
                    ("kind", a.2),
                    ("tags", list(&a.3)),
                    ("time limit (seconds)", b.3.to_string()),
                    ("prompt", a.4),
                    ("answer", b.0),
                    ("key points", list(&b.1)),
                    ("follow-ups", list(&b.2)),
                ],
            )
        })
        .collect())
}

/// A question that is a leech for several users (see `progress::leech`): often a sign that it
/// is unclear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedLeech {
    pub question_key: String,
    pub prompt_md: String,
    /// How many users' cards of it are leeches.
    pub users: i64,
}

/// Questions that are leeches for at least `min_users` users, most users first.
pub fn shared_leeches(conn: &mut DbConnection, min_users: i64) -> QueryResult<Vec<SharedLeech>> {
    use crate::db::schema::{cards, questions};
    use diesel::dsl::count_star;
    let counts: Vec<(String, i64)> = cards::table
        .filter(cards::lapses.ge(crate::progress::leech::LEECH_LAPSES))
        .group_by(cards::question_id)
        .having(count_star().ge(min_users))
        .select((cards::question_id, count_star()))
        .load(conn)?;
    let ids: Vec<&String> = counts.iter().map(|(id, _)| id).collect();
    let texts: std::collections::HashMap<String, (String, String)> = questions::table
        .filter(questions::id.eq_any(ids))
        .select((questions::id, questions::question_key, questions::prompt_md))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, key, prompt)| (id, (key, prompt)))
        .collect();
    let mut leeches: Vec<SharedLeech> = counts
        .into_iter()
        .filter_map(|(id, users)| {
            texts.get(&id).map(|(key, prompt)| SharedLeech {
                question_key: key.clone(),
                prompt_md: prompt.clone(),
                users,
            })
        })
        .collect();
    leeches.sort_by(|a, b| {
        b.users
            .cmp(&a.users)
            .then_with(|| a.question_key.cmp(&b.question_key))
    });
    Ok(leeches)
}

/// The username of an account and whether it is an admin (for the delete confirmation).
pub fn account_name_and_role(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<(String, bool)>> {
    use crate::accounts::service::Role;
    use crate::db::schema::users;
    Ok(users::table
        .find(user_id)
        .select((users::username, users::role))
        .get_result::<(String, String)>(conn)
        .optional()?
        .map(|(name, role)| (name, role == Role::Admin.as_str())))
}
