//! Read queries over the bank.

use crate::db::DbConnection;
use crate::db::schema::{question_sets, questions};
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::collections::HashMap;

/// A set on the home page.
#[derive(Clone, Debug)]
pub struct SetSummary {
    pub slug: String,
    pub title: String,
    pub questions: i64,
}

/// Every set in its import order, with the number of questions open for study.
pub fn set_summaries(conn: &mut DbConnection) -> QueryResult<Vec<SetSummary>> {
    let counts: HashMap<String, i64> = questions::table
        .filter(questions::retired_at.is_null())
        .group_by(questions::set_slug)
        .select((questions::set_slug, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let sets = question_sets::table
        .order(question_sets::position.asc())
        .select((question_sets::slug, question_sets::title))
        .load::<(String, String)>(conn)?;
    Ok(sets
        .into_iter()
        .map(|(slug, title)| SetSummary {
            questions: counts.get(&slug).copied().unwrap_or(0),
            slug,
            title,
        })
        .collect())
}

/// Slugs and titles of every set, in roadmap order.
pub fn set_titles(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    question_sets::table
        .order(question_sets::position.asc())
        .select((question_sets::slug, question_sets::title))
        .load(conn)
}
