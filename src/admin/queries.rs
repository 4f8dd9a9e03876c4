//! The admin pages' own queries (the bank's are in `bank::queries`, imports and their
//! previews in `bank::import`).

use crate::db::DbConnection;
use crate::db::schema::{flags, questions};
use diesel::prelude::*;
use std::collections::HashMap;

/// Flags nobody has resolved yet.
pub fn open_flag_count(conn: &mut DbConnection) -> QueryResult<i64> {
    flags::table
        .filter(flags::resolved_at.is_null())
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
