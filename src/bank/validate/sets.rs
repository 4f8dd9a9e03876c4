//! Question sets: the set's own fields, then each question field by field (id, topic,
//! difficulty, kind, tags, time limit, prompt, answer, key points, follow-ups). Follow-ups are
//! only resolved here; whether they point at a real question is checked once every set is read
//! (see [`PendingRef`]).

use super::checker::{Checker, Fields, closest};
use super::{MAX_KEY_POINTS, MAX_TAG_CHARS, MAX_TIME_LIMIT_SECS, MIN_TIME_LIMIT_SECS};
use crate::bank::model::{Difficulty, Kind, Question, QuestionSet, Slug};
use crate::bank::yaml::{Node, Pos, Value};
use std::collections::{HashMap, HashSet};

/// A follow-up written in a question, checked against every question once all sets are read.
pub(super) struct PendingRef {
    pub(super) path: String,
    pub(super) pos: Pos,
    pub(super) written: String,
    pub(super) key: String,
    pub(super) owner: String,
}

/// The fields a question may have.
const QUESTION_FIELDS: &[&str] = &[
    "id",
    "topic",
    "difficulty",
    "kind",
    "tags",
    "time_limit",
    "prompt",
    "answer",
    "key_points",
    "follow_ups",
];

impl Checker<'_> {
    pub(super) fn set_file(
        &mut self,
        root: &Node,
        topics: &HashSet<String>,
        set_origin: &mut HashMap<String, (String, Pos)>,
        refs: &mut Vec<PendingRef>,
    ) -> Option<QuestionSet> {
        let fields = self.fields(
            root,
            "a question set",
            &["format", "set", "title", "description", "questions"],
        )?;
        self.format_version(&fields, "this question set");
        let slug_node = self.required(&fields, "set", "this question set");
        let slug = slug_node.and_then(|n| self.slug(n, "set"));
        if let (Some(slug), Some(node)) = (&slug, slug_node) {
            if let Some((other_path, other_pos)) = set_origin.get(slug.as_str()) {
                let msg = format!(
                    "set \"{slug}\" is already defined in {other_path}:{}:{}; each set needs its own slug",
                    other_pos.line, other_pos.column
                );
                self.report(node.pos, msg);
            } else {
                set_origin.insert(slug.as_str().to_owned(), (self.path.to_owned(), node.pos));
            }
        }
        let title = self.required_text(&fields, "title", "this question set");
        let description = match fields.values.get("description") {
            Some(n) if matches!(n.value, Value::Null) => None,
            Some(n) => self.text(n, "description"),
            None => None,
        };
        let mut questions = Vec::new();
        if let Some(list) = self.required(&fields, "questions", "this question set") {
            if let Some(items) = self.list(list, "questions") {
                let mut seen: HashMap<String, Pos> = HashMap::new();
                for item in items {
                    let set_slug = slug.as_ref().map(Slug::as_str).unwrap_or("");
                    if let Some(q) = self.question(item, set_slug, topics, &mut seen, refs) {
                        questions.push(q);
                    }
                }
            }
        }
        Some(QuestionSet {
            slug: slug?,
            title: title?,
            description,
            questions,
            path: self.path.to_owned(),
        })
    }

    /// One question: every field is checked (so every problem is reported), then the question
    /// is built only if all of them were right.
    fn question(
        &mut self,
        node: &Node,
        set: &str,
        topics: &HashSet<String>,
        seen: &mut HashMap<String, Pos>,
        refs: &mut Vec<PendingRef>,
    ) -> Option<Question> {
        let fields = self.fields(node, "a question", QUESTION_FIELDS)?;
        let what = "this question";
        let id = self.question_id(&fields, seen);
        let topic = self.question_topic(&fields, topics);
        let difficulty = self.choice(
            &fields,
            "difficulty",
            Difficulty::parse,
            Difficulty::choices,
        );
        let kind = self.choice(&fields, "kind", Kind::parse, Kind::choices);
        let tags = self.tags(&fields);
        let time_limit = self.time_limit(&fields);
        let prompt = self.required_text(&fields, "prompt", what);
        let answer = self.required_text(&fields, "answer", what);
        let key_points = self.key_points(&fields);
        let owner = id.as_ref().map(|id| format!("{set}/{id}"));
        let follow_ups = self.follow_ups(&fields, set, owner.as_deref(), refs);
        let difficulty = difficulty?;
        Some(Question {
            id: id?,
            topic: topic?,
            difficulty,
            kind: kind?,
            tags,
            time_limit_secs: time_limit.unwrap_or(Some(difficulty.default_time_limit_secs()))?,
            prompt: prompt?,
            answer: answer?,
            key_points: key_points?,
            follow_ups,
        })
    }

    /// The question's id, unique within its set.
    fn question_id(
        &mut self,
        fields: &Fields<'_>,
        seen: &mut HashMap<String, Pos>,
    ) -> Option<Slug> {
        let node = self.required(fields, "id", "this question")?;
        let id = self.slug(node, "question id")?;
        if let Some(first) = seen.get(id.as_str()) {
            let msg = format!(
                "question id \"{id}\" is used twice in this set (lines {} and {})",
                first.line, node.pos.line
            );
            self.report(node.pos, msg);
        } else {
            seen.insert(id.as_str().to_owned(), node.pos);
        }
        Some(id)
    }

    /// The question's topic, which must be in the topic tree.
    fn question_topic(&mut self, fields: &Fields<'_>, topics: &HashSet<String>) -> Option<Slug> {
        let node = self.required(fields, "topic", "this question")?;
        let topic = self.slug(node, "topic")?;
        if topics.contains(topic.as_str()) {
            return Some(topic);
        }
        let known: Vec<&str> = topics.iter().map(String::as_str).collect();
        let hint = closest(topic.as_str(), &known)
            .map(|s| format!("; did you mean \"{s}\"?"))
            .unwrap_or_default();
        self.report(
            node.pos,
            format!("topic \"{topic}\" is not in the topic tree (topics.yaml){hint}"),
        );
        None
    }

    /// A required field whose value is one of a fixed list (difficulty, kind).
    fn choice<T>(
        &mut self,
        fields: &Fields<'_>,
        name: &str,
        parse: fn(&str) -> Option<T>,
        choices: fn() -> String,
    ) -> Option<T> {
        let node = self.required(fields, name, "this question")?;
        let text = self.text(node, name)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.report(
                node.pos,
                format!("{name} \"{text}\" is not one of {}", choices()),
            );
        }
        parsed
    }

    /// The tags: short, one line each, repeats dropped.
    fn tags(&mut self, fields: &Fields<'_>) -> Vec<String> {
        let mut tags = Vec::new();
        let Some(items) = fields.values.get("tags").and_then(|n| self.list(n, "tags")) else {
            return tags;
        };
        for t in items {
            let Some(tag) = self.non_empty_text(t, "tag") else {
                continue;
            };
            let tag = tag.trim().to_owned();
            if tag.chars().count() > MAX_TAG_CHARS || tag.contains('\n') {
                self.report(
                    t.pos,
                    format!("tag \"{tag}\" is too long: a tag is one short word or phrase of at most {MAX_TAG_CHARS} characters"),
                );
            } else if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }

    /// `None`: not given (the difficulty's default applies); `Some(None)`: given but wrong.
    fn time_limit(&mut self, fields: &Fields<'_>) -> Option<Option<u32>> {
        let n = fields.values.get("time_limit")?;
        Some(match parse_duration(&n.value) {
            Some(secs) if (MIN_TIME_LIMIT_SECS..=MAX_TIME_LIMIT_SECS).contains(&secs) => Some(secs),
            Some(secs) => {
                self.report(
                    n.pos,
                    format!("time_limit of {secs} seconds is outside 10 seconds to 2 hours"),
                );
                None
            }
            None => {
                let shown = match &n.value {
                    Value::Str(s) => format!("\"{s}\""),
                    other => other.describe().to_owned(),
                };
                self.report(
                    n.pos,
                    format!("time_limit {shown} is not a duration: write seconds (90) or 90s / 3m"),
                );
                None
            }
        })
    }

    /// 1 to [`MAX_KEY_POINTS`] key points, none empty; `None` when any is wrong.
    fn key_points(&mut self, fields: &Fields<'_>) -> Option<Vec<String>> {
        let n = self.required(fields, "key_points", "this question")?;
        let items = self.list(n, "key_points")?;
        let mut ok = true;
        if items.is_empty() || items.len() > MAX_KEY_POINTS {
            ok = false;
            self.report(
                n.pos,
                format!(
                    "a question needs 1 to {MAX_KEY_POINTS} key points, this one has {}",
                    items.len()
                ),
            );
        }
        let mut key_points = Vec::new();
        for item in items {
            match self.non_empty_text(item, "key point") {
                Some(text) => key_points.push(text.trim().to_owned()),
                None => ok = false,
            }
        }
        ok.then_some(key_points)
    }

    /// The follow-ups as `set/id` keys; each is also noted in `refs` (when the question's own
    /// key is known) to be checked against every question later.
    fn follow_ups(
        &mut self,
        fields: &Fields<'_>,
        set: &str,
        owner: Option<&str>,
        refs: &mut Vec<PendingRef>,
    ) -> Vec<String> {
        let mut follow_ups = Vec::new();
        let Some(items) = fields
            .values
            .get("follow_ups")
            .and_then(|n| self.list(n, "follow_ups"))
        else {
            return follow_ups;
        };
        for item in items {
            let Some(written) = self.text(item, "follow-up") else {
                continue;
            };
            let Some(key) = resolve_ref(&written, set) else {
                self.report(
                    item.pos,
                    format!(
                        "follow-up \"{written}\" should be a question id in this set \
                         or set/id for another set"
                    ),
                );
                continue;
            };
            if let Some(owner) = owner {
                refs.push(PendingRef {
                    path: self.path.to_owned(),
                    pos: item.pos,
                    written,
                    key: key.clone(),
                    owner: owner.to_owned(),
                });
            }
            follow_ups.push(key);
        }
        follow_ups
    }
}

/// `follow-up` → `set/follow-up`; `other/id` stays; anything else is malformed.
pub(super) fn resolve_ref(written: &str, set: &str) -> Option<String> {
    let parts: Vec<&str> = written.split('/').collect();
    match parts.as_slice() {
        [id] if Slug::try_from(*id).is_ok() => Some(format!("{set}/{id}")),
        [s, id] if Slug::try_from(*s).is_ok() && Slug::try_from(*id).is_ok() => {
            Some(written.to_owned())
        }
        _ => None,
    }
}

/// Seconds from `90`, `"90"`, `"90s"` or `"3m"`.
pub fn parse_duration(value: &Value) -> Option<u32> {
    match value {
        Value::Int(n) => u32::try_from(*n).ok(),
        Value::Str(s) => {
            let s = s.trim();
            let (digits, factor) = if let Some(d) = s.strip_suffix('m') {
                (d, 60)
            } else if let Some(d) = s.strip_suffix('s') {
                (d, 1)
            } else {
                (s, 1)
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse::<u32>().ok()?.checked_mul(factor)
        }
        _ => None,
    }
}
