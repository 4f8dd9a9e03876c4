//! The sets page's queries: every set with its counts, one set's questions, and switching a
//! set or a question on and off (each change bumps the bank's generation in its transaction).

use crate::admin::manage::{bump_bank_generation, when};
use crate::db::DbConnection;
use crate::db::schema::{question_sets, questions, topics};
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::collections::HashMap;

/// A set in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetRow {
    pub slug: String,
    pub title: String,
    pub enabled: bool,
    pub active: i64,
    pub retired: i64,
}

/// Every set in roadmap order, with its active and retired question counts.
pub fn list_sets(conn: &mut DbConnection) -> QueryResult<Vec<SetRow>> {
    let counts = |conn: &mut DbConnection, retired: bool| -> QueryResult<HashMap<String, i64>> {
        let query = questions::table
            .group_by(questions::set_slug)
            .select((questions::set_slug, count_star()))
            .into_boxed();
        let query = if retired {
            query.filter(questions::retired_at.is_not_null())
        } else {
            query.filter(questions::retired_at.is_null())
        };
        Ok(query.load::<(String, i64)>(conn)?.into_iter().collect())
    };
    let active = counts(conn, false)?;
    let retired = counts(conn, true)?;
    Ok(crate::bank::queries::set_switches(conn)?
        .into_iter()
        .map(|(slug, title, enabled)| SetRow {
            active: active.get(&slug).copied().unwrap_or(0),
            retired: retired.get(&slug).copied().unwrap_or(0),
            slug,
            title,
            enabled,
        })
        .collect())
}

/// A question of a set, retired or not.
#[derive(Clone, Debug)]
pub struct SetQuestion {
    pub local_id: String,
    pub key: String,
    pub summary: String,
    pub topic: String,
    pub difficulty: String,
    /// When it was retired, as shown.
    pub retired: Option<String>,
}

/// A set with all its questions in file order.
#[derive(Clone, Debug)]
pub struct SetDetail {
    pub slug: String,
    pub title: String,
    pub enabled: bool,
    pub questions: Vec<SetQuestion>,
}

pub fn set_detail(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<SetDetail>> {
    let Some((title, enabled)) = question_sets::table
        .find(slug)
        .select((question_sets::title, question_sets::enabled))
        .get_result::<(String, bool)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let rows = questions::table
        .inner_join(topics::table)
        .filter(questions::set_slug.eq(slug))
        .order(questions::position.asc())
        .select((
            questions::local_id,
            questions::question_key,
            questions::prompt_md,
            topics::title,
            questions::difficulty,
            questions::retired_at,
        ))
        .load::<(
            String,
            String,
            String,
            String,
            String,
            Option<NaiveDateTime>,
        )>(conn)?;
    let questions = rows
        .into_iter()
        .map(
            |(local_id, key, prompt_md, topic, difficulty, retired_at)| SetQuestion {
                summary: super::summary(slug, &local_id, prompt_md),
                local_id,
                key,
                topic,
                difficulty,
                retired: retired_at.map(when),
            },
        )
        .collect();
    Ok(Some(SetDetail {
        slug: slug.to_owned(),
        title,
        enabled,
        questions,
    }))
}

/// Whether a change found what it was asked to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    Done,
    NotFound,
}

/// Switches a set on or off for everyone's study (interviews skip disabled sets too).
pub fn set_enabled(
    conn: &mut DbConnection,
    slug: &str,
    enabled: bool,
) -> QueryResult<ChangeOutcome> {
    crate::db::write_transaction(conn, |conn| {
        bump_bank_generation(conn)?;
        let changed = diesel::update(question_sets::table.find(slug))
            .set(question_sets::enabled.eq(enabled))
            .execute(conn)?;
        Ok(if changed == 0 {
            ChangeOutcome::NotFound
        } else {
            ChangeOutcome::Done
        })
    })
}

/// Retires a question (`Some(now)`: hidden everywhere, history kept) or restores it (`None`).
/// An import of a file that still holds the question restores it.
pub fn set_question_retired(
    conn: &mut DbConnection,
    key: &str,
    retired_at: Option<NaiveDateTime>,
) -> QueryResult<ChangeOutcome> {
    crate::db::write_transaction(conn, |conn| {
        bump_bank_generation(conn)?;
        let target = questions::table.filter(questions::question_key.eq(key));
        let changed = match retired_at {
            // Retiring again keeps the first date.
            Some(at) => diesel::update(target.filter(questions::retired_at.is_null()))
                .set(questions::retired_at.eq(Some(at)))
                .execute(conn)?,
            None => diesel::update(target)
                .set(questions::retired_at.eq(None::<NaiveDateTime>))
                .execute(conn)?,
        };
        if changed == 0 {
            let exists = questions::table
                .filter(questions::question_key.eq(key))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if !exists {
                return Ok(ChangeOutcome::NotFound);
            }
        }
        Ok(ChangeOutcome::Done)
    })
}
