//! Export: writes the stored bank back as YAML files that re-import with no changes.

use crate::db::DbConnection;
use crate::db::schema::{question_sets, questions, topics};
use diesel::prelude::*;
use serde::Serialize;
use serde_saphyr::LitString;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there is no question set \"{0}\"")]
    UnknownSet(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("could not write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not turn the data into YAML: {0}")]
    Yaml(String),
}

#[derive(Serialize)]
struct TopicsFile {
    format: u32,
    topics: Vec<TopicNode>,
}

#[derive(Serialize)]
struct TopicNode {
    id: String,
    title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<TopicNode>,
}

#[derive(Serialize)]
struct SetFile {
    format: u32,
    set: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<LitString>,
    questions: Vec<QuestionOut>,
}

#[derive(Serialize)]
struct QuestionOut {
    id: String,
    topic: String,
    difficulty: String,
    kind: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    time_limit: String,
    prompt: LitString,
    answer: LitString,
    key_points: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    follow_ups: Vec<String>,
}

/// Seconds as the shortest duration the format reads back to the same number.
fn duration_text(secs: i32) -> String {
    if secs % 60 == 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn to_yaml<T: Serialize>(value: &T) -> Result<String, ExportError> {
    serde_saphyr::to_string(value).map_err(|e| ExportError::Yaml(e.to_string()))
}

/// The topic tree as YAML.
pub fn topics_yaml(conn: &mut DbConnection) -> Result<String, ExportError> {
    let rows = topics::table
        .select((topics::id, topics::parent_id, topics::title))
        .order(topics::position.asc())
        .load::<(String, Option<String>, String)>(conn)?;
    let mut children: BTreeMap<Option<String>, Vec<(String, String)>> = BTreeMap::new();
    for (id, parent, title) in rows {
        children.entry(parent).or_default().push((id, title));
    }
    fn build(
        parent: Option<String>,
        children: &BTreeMap<Option<String>, Vec<(String, String)>>,
    ) -> Vec<TopicNode> {
        children
            .get(&parent)
            .map(|list| {
                list.iter()
                    .map(|(id, title)| TopicNode {
                        id: id.clone(),
                        title: title.clone(),
                        children: build(Some(id.clone()), children),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    to_yaml(&TopicsFile {
        format: 1,
        topics: build(None, &children),
    })
}

/// One set as YAML (active questions only, in file order).
pub fn set_yaml(conn: &mut DbConnection, slug: &str) -> Result<String, ExportError> {
    let (title, description) = question_sets::table
        .find(slug)
        .select((question_sets::title, question_sets::description_md))
        .get_result::<(String, Option<String>)>(conn)
        .optional()?
        .ok_or_else(|| ExportError::UnknownSet(slug.to_owned()))?;
    type Row = (
        String,
        String,
        String,
        String,
        String,
        i32,
        String,
        String,
        String,
        String,
    );
    let rows = questions::table
        .filter(questions::set_slug.eq(slug))
        .filter(questions::retired_at.is_null())
        .order(questions::position.asc())
        .select((
            questions::local_id,
            questions::topic_id,
            questions::difficulty,
            questions::kind,
            questions::tags,
            questions::time_limit_secs,
            questions::prompt_md,
            questions::answer_md,
            questions::key_points,
            questions::follow_ups,
        ))
        .load::<Row>(conn)?;
    let prefix = format!("{slug}/");
    let questions = rows
        .into_iter()
        .map(
            |(id, topic, difficulty, kind, tags, secs, prompt, answer, key_points, follow_ups)| {
                let follow_ups: Vec<String> = serde_json::from_str(&follow_ups).unwrap_or_default();
                QuestionOut {
                    id,
                    topic,
                    difficulty,
                    kind,
                    tags: serde_json::from_str(&tags).unwrap_or_default(),
                    time_limit: duration_text(secs),
                    prompt: LitString(prompt),
                    answer: LitString(answer),
                    key_points: serde_json::from_str(&key_points).unwrap_or_default(),
                    follow_ups: follow_ups
                        .into_iter()
                        .map(|k| k.strip_prefix(&prefix).map(str::to_owned).unwrap_or(k))
                        .collect(),
                }
            },
        )
        .collect();
    to_yaml(&SetFile {
        format: 1,
        set: slug.to_owned(),
        title,
        description: description.map(LitString),
        questions,
    })
}

/// Writes `topics.yaml` and one `<set>.yaml` per set (or only `only_set`) into `out`.
pub fn export_to_dir(
    conn: &mut DbConnection,
    only_set: Option<&str>,
    out: &Path,
) -> Result<Vec<PathBuf>, ExportError> {
    let slugs: Vec<String> = match only_set {
        Some(slug) => vec![slug.to_owned()],
        None => question_sets::table
            .select(question_sets::slug)
            .order(question_sets::position.asc())
            .load(conn)?,
    };
    let mut contents = vec![("topics.yaml".to_owned(), topics_yaml(conn)?)];
    for slug in &slugs {
        contents.push((format!("{slug}.yaml"), set_yaml(conn, slug)?));
    }
    std::fs::create_dir_all(out).map_err(|source| ExportError::Write {
        path: out.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, text) in contents {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| ExportError::Write {
            path: path.display().to_string(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
