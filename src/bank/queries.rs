//! Read queries over the bank.

use crate::db::DbConnection;
use crate::db::schema::{question_sets, questions, topics};
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

/// A topic as stored: id, parent id, title, position among its siblings.
pub type StoredTopic = (String, Option<String>, String, i32);

/// Every stored topic, in no particular order.
pub fn stored_topics(conn: &mut DbConnection) -> QueryResult<Vec<StoredTopic>> {
    topics::table
        .select((
            topics::id,
            topics::parent_id,
            topics::title,
            topics::position,
        ))
        .load::<StoredTopic>(conn)
}

/// Slugs and titles of every set, in roadmap order.
pub fn set_titles(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    question_sets::table
        .order(question_sets::position.asc())
        .select((question_sets::slug, question_sets::title))
        .load(conn)
}

/// Slug, title and whether it is enabled, of every set, in roadmap order.
pub fn set_switches(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, bool)>> {
    question_sets::table
        .order(question_sets::position.asc())
        .select((
            question_sets::slug,
            question_sets::title,
            question_sets::enabled,
        ))
        .load(conn)
}

/// Filters of the browse page; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct BrowseFilter {
    pub set: Option<String>,
    pub topic: Option<String>,
    pub difficulty: Option<String>,
    pub kind: Option<String>,
}

/// A question in a list.
#[derive(Clone, Debug)]
pub struct QuestionListItem {
    pub set_slug: String,
    pub local_id: String,
    pub topic_title: String,
    pub difficulty: String,
    pub kind: String,
    pub prompt_md: String,
}

impl QuestionListItem {
    /// The prompt's first paragraph as plain text (without Markdown marks), for lists.
    pub fn summary(&self) -> String {
        let paragraph = self
            .prompt_md
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty() && !l.starts_with("```"))
            .collect::<Vec<_>>()
            .join(" ");
        let plain: String = paragraph
            .chars()
            .filter(|c| !matches!(c, '*' | '`' | '#'))
            .collect();
        if plain.trim().is_empty() {
            // A prompt that opens with code still needs a readable link text.
            format!("Question {}/{}", self.set_slug, self.local_id)
        } else if plain.chars().count() > 160 {
            let cut: String = plain.chars().take(160).collect();
            // End on a whole word.
            let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
            format!("{cut}…")
        } else {
            plain
        }
    }
}

/// All topics as (id, title, is an area), in roadmap order, for the filter menu.
pub fn topic_choices(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, bool)>> {
    use crate::db::schema::topics;
    Ok(topics::table
        .order(topics::position.asc())
        .select((topics::id, topics::title, topics::parent_id))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, title, parent)| (id, title, parent.is_none()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::QuestionListItem;

    fn item(prompt: &str) -> QuestionListItem {
        QuestionListItem {
            set_slug: String::new(),
            local_id: String::new(),
            topic_title: String::new(),
            difficulty: String::new(),
            kind: String::new(),
            prompt_md: prompt.to_owned(),
        }
    }

    #[test]
    fn a_summary_joins_the_first_paragraph_and_stops_before_code() {
        let prompt = "What does **this**\nprogram print?\n\n```js\nconsole.log(1)\n```\n";
        assert_eq!(item(prompt).summary(), "What does this program print?");
        assert_eq!(item("```js\nx\n```").summary(), "Question /");
    }

    #[test]
    fn a_long_summary_ends_on_a_whole_word() {
        let summary = item(&"word ".repeat(60)).summary();
        assert!(summary.ends_with("word…"), "{summary}");
        assert!(summary.chars().count() <= 161);
    }
}
