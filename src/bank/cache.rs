//! The bank in memory. Questions change only on import, so every instance keeps their rendered
//! HTML here and checks one counter (`app_locks.generation`, bumped by every import) per use to
//! know when to reload; that works the same for one SQLite process and many PostgreSQL ones.

use super::queries::QuestionListItem;
use super::render::SanitizedHtml;
use crate::db::DbConnection;
use crate::db::schema::{app_locks, questions};
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The `app_locks` row whose `generation` counts the bank's changes (it is also the lock imports
/// take, hence its name).
pub const BANK_VERSION: &str = "import";

/// One active (not retired) question, ready to show.
#[derive(Clone, Debug)]
pub struct CachedQuestion {
    pub id: String,
    /// `set/local-id`, as in URLs.
    pub key: String,
    pub set_slug: String,
    pub set_title: String,
    pub set_enabled: bool,
    pub topic_id: String,
    pub topic_title: String,
    /// The top-level topic (the area) this question belongs to.
    pub area_id: String,
    pub difficulty: String,
    pub kind: String,
    pub time_limit_secs: i32,
    /// Sanitized when imported (`bank::render`): the only HTML templates print unescaped.
    pub prompt_html: SanitizedHtml,
    pub answer_html: SanitizedHtml,
    pub prompt_md: String,
    pub answer_md: String,
    pub key_points: Vec<String>,
    pub follow_up_keys: Vec<String>,
    pub tags: Vec<String>,
    /// The prompt's first paragraph as plain text, for lists and notices.
    pub summary: String,
}

/// Every active question in roadmap order (topic tree, then set, then position in the set).
#[derive(Debug, Default)]
pub struct BankSnapshot {
    pub generation: i64,
    pub questions: Vec<CachedQuestion>,
    by_id: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    /// Topic id → (title, parent id), for filters and headings.
    pub topics: HashMap<String, (String, Option<String>)>,
    /// Full-text search over prompts, answers, tags and titles (hits in `questions` order).
    pub search: super::search::SearchIndex,
}

/// A JSON list of strings as the import stores it; anything else is a broken row, reported as
/// diesel's deserialization error rather than read as an empty list.
fn stored_list(json: &str) -> QueryResult<Vec<String>> {
    serde_json::from_str(json).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

impl BankSnapshot {
    pub fn by_id(&self, id: &str) -> Option<&CachedQuestion> {
        self.by_id.get(id).and_then(|&i| self.questions.get(i))
    }

    pub fn by_key(&self, key: &str) -> Option<&CachedQuestion> {
        self.by_key.get(key).and_then(|&i| self.questions.get(i))
    }

    /// The roadmap position of a question (for ordering new questions).
    pub fn rank_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Whether a question is in `topic` (an area matches its subtopics).
    pub fn in_topic(question: &CachedQuestion, topic: &str) -> bool {
        question.topic_id == topic || question.area_id == topic
    }

    pub fn topic_title(&self, topic: &str) -> Option<&str> {
        self.topics.get(topic).map(|(title, _)| title.as_str())
    }

    fn load(conn: &mut DbConnection, generation: i64) -> QueryResult<BankSnapshot> {
        let topic_rows = super::queries::stored_topics(conn)?;
        let topic_position: HashMap<String, i32> = topic_rows
            .iter()
            .map(|(id, _, _, position)| (id.clone(), *position))
            .collect();
        let topics: HashMap<String, (String, Option<String>)> = topic_rows
            .into_iter()
            .map(|(id, parent, title, _)| (id, (title, parent)))
            .collect();
        let sets: HashMap<String, (String, bool)> = super::queries::set_switches(conn)?
            .into_iter()
            .map(|(slug, title, enabled)| (slug, (title, enabled)))
            .collect();
        type Row = (
            (String, String, String, String, String, String, String),
            (i32, String, String, String, String, String, String),
            (i32, String),
        );
        let rows: Vec<Row> = questions::table
            .filter(questions::retired_at.is_null())
            .select((
                (
                    questions::id,
                    questions::question_key,
                    questions::set_slug,
                    questions::local_id,
                    questions::topic_id,
                    questions::difficulty,
                    questions::kind,
                ),
                (
                    questions::time_limit_secs,
                    questions::prompt_html,
                    questions::answer_html,
                    questions::prompt_md,
                    questions::answer_md,
                    questions::key_points,
                    questions::follow_ups,
                ),
                (questions::position, questions::tags),
            ))
            .load(conn)?;
        let mut questions: Vec<(i32, i32, CachedQuestion)> = rows
            .into_iter()
            .map(|(head, body, (position, tags))| -> QueryResult<_> {
                let (id, key, set_slug, local_id, topic_id, difficulty, kind) = head;
                let (secs, prompt_html, answer_html, prompt_md, answer_md, points, follow) = body;
                // Foreign keys guarantee both rows; were one missing, the question would show
                // with an empty title rather than take the whole bank down.
                let (set_title, set_enabled) = sets.get(&set_slug).cloned().unwrap_or_default();
                let (topic_title, parent) = topics.get(&topic_id).cloned().unwrap_or_default();
                let summary = QuestionListItem {
                    set_slug: set_slug.clone(),
                    local_id,
                    topic_title: String::new(),
                    difficulty: String::new(),
                    kind: String::new(),
                    prompt_md: prompt_md.clone(),
                }
                .summary();
                let question = CachedQuestion {
                    id,
                    key,
                    area_id: parent.unwrap_or_else(|| topic_id.clone()),
                    set_title,
                    set_enabled,
                    topic_title,
                    difficulty,
                    kind,
                    time_limit_secs: secs,
                    prompt_html: SanitizedHtml::from_trusted_storage(prompt_html),
                    answer_html: SanitizedHtml::from_trusted_storage(answer_html),
                    prompt_md,
                    answer_md,
                    key_points: stored_list(&points)?,
                    follow_up_keys: stored_list(&follow)?,
                    tags: stored_list(&tags)?,
                    summary,
                    set_slug,
                    topic_id,
                };
                // A topic outside the tree (none today) sorts last.
                let topic_rank = topic_position
                    .get(&question.topic_id)
                    .copied()
                    .unwrap_or(i32::MAX);
                Ok((topic_rank, position, question))
            })
            .collect::<QueryResult<_>>()?;
        questions.sort_by(|a, b| (a.0, &a.2.set_slug, a.1).cmp(&(b.0, &b.2.set_slug, b.1)));
        let questions: Vec<CachedQuestion> = questions.into_iter().map(|(_, _, q)| q).collect();
        let by_id = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let titles: Vec<String> = questions
            .iter()
            .map(|q| format!("{} {}", q.set_title, q.topic_title))
            .collect();
        // The key points are part of the answer as far as search is concerned.
        let answers: Vec<String> = questions
            .iter()
            .map(|q| format!("{}\n{}", q.answer_md, q.key_points.join("\n")))
            .collect();
        let topic_lists: Vec<[&str; 2]> = questions
            .iter()
            .map(|q| [q.topic_id.as_str(), q.area_id.as_str()])
            .collect();
        let built = super::search::SearchIndex::build(
            questions
                .iter()
                .zip(titles.iter().zip(&answers))
                .zip(&topic_lists)
                .map(|((q, (title, answer)), topics)| super::search::SearchDoc {
                    prompt: &q.prompt_md,
                    answer,
                    tags: &q.tags,
                    title,
                    set: &q.set_slug,
                    topics,
                    difficulty: &q.difficulty,
                    kind: &q.kind,
                }),
        );
        // The bank stays usable without search: the browse page reports the failure when a
        // search is made, and the next generation tries again.
        let search = built.unwrap_or_else(|error| {
            tracing::error!(error = %crate::telemetry::chain(&error), "building the search index failed");
            super::search::SearchIndex::unavailable()
        });
        let by_key = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.key.clone(), i))
            .collect();
        Ok(BankSnapshot {
            generation,
            questions,
            by_id,
            by_key,
            topics,
            search,
        })
    }
}

/// The current snapshot, shared by all requests of one instance.
#[derive(Debug)]
pub struct BankCache {
    current: RwLock<Arc<BankSnapshot>>,
}

impl Default for BankCache {
    fn default() -> Self {
        BankCache {
            current: RwLock::new(Arc::new(BankSnapshot {
                generation: -1,
                ..BankSnapshot::default()
            })),
        }
    }
}

impl BankCache {
    /// The bank as the database holds it now: one key lookup, and a reload after an import.
    pub fn snapshot(&self, conn: &mut DbConnection) -> QueryResult<Arc<BankSnapshot>> {
        let generation = app_locks::table
            .filter(app_locks::name.eq(BANK_VERSION))
            .select(app_locks::generation)
            .get_result::<i64>(conn)?;
        self.snapshot_at(conn, generation)
    }

    /// The snapshot of `generation` when this instance holds it (no query), else `None`.
    pub fn held(&self, generation: i64) -> Option<Arc<BankSnapshot>> {
        let held = self
            .current
            .read()
            .map(|snapshot| Arc::clone(&snapshot))
            .ok()?;
        (held.generation == generation).then_some(held)
    }

    /// The bank at `generation` (just read): from memory, or loaded.
    fn snapshot_at(
        &self,
        conn: &mut DbConnection,
        generation: i64,
    ) -> QueryResult<Arc<BankSnapshot>> {
        if let Some(held) = self.held(generation) {
            return Ok(held);
        }
        let fresh = Arc::new(BankSnapshot::load(conn, generation)?);
        if let Ok(mut slot) = self.current.write() {
            // Another request may have loaded a newer one meanwhile; keep the newest.
            if slot.generation < fresh.generation {
                *slot = Arc::clone(&fresh);
            }
        }
        Ok(fresh)
    }
}
