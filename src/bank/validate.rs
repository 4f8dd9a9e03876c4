//! The YAML validator: turns parsed files into a [`Bank`] or a list of every problem found,
//! each with its file, line and column and a message an admin can act on.
//!
//! Pure: no file system, no database. What lives outside the files (topics and questions
//! already imported) comes in through [`Context`].

use super::model::{Bank, CoverageEntry, Difficulty, Kind, Question, QuestionSet, Slug, Topic};
use super::yaml::{self, Node, Pos, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// The only format version this build reads.
pub const FORMAT_VERSION: i64 = 1;
/// Limits from `questions/README.md`.
pub const MAX_KEY_POINTS: usize = 8;
pub const MAX_TAG_CHARS: usize = 40;
pub const MIN_TIME_LIMIT_SECS: u32 = 10;
pub const MAX_TIME_LIMIT_SECS: u32 = 2 * 60 * 60;

/// One thing wrong with the input, at a place in a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    /// `None` when the problem is the file as a whole (missing, unreadable).
    pub pos: Option<Pos>,
    pub message: String,
}

impl Problem {
    pub fn at(path: &str, pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            pos: Some(pos),
            message: message.into(),
        }
    }

    pub fn whole_file(path: &str, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            pos: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.path, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// A file's text with the name to show in messages.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// What the validator needs to know about the world outside the files it is given.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Topics already known (from the database) when no topics file is among the inputs.
    pub known_topics: HashSet<String>,
    /// Question keys (`set/id`) that exist outside the given set files.
    pub known_question_keys: HashSet<String>,
}

/// Validates a batch of files together; problems come back sorted by file and position.
pub fn validate(files: &[SourceFile], context: &Context) -> Result<Bank, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut topics_files = Vec::new();
    let mut set_files = Vec::new();
    let mut coverage_files = Vec::new();

    for (file, parsed) in files.iter().zip(parse_all(files)) {
        match parsed {
            Err(e) => problems.push(Problem::at(&file.path, e.pos, e.message)),
            Ok(root) => {
                let mut check = Checker {
                    path: &file.path,
                    problems: &mut problems,
                };
                match classify(&root) {
                    Some(FileKind::Topics) => topics_files.push((file, root)),
                    Some(FileKind::Set) => set_files.push((file, root)),
                    Some(FileKind::Coverage) => coverage_files.push((file, root)),
                    None => check.report(
                        root.pos,
                        "this file is not a question set, topic tree or coverage list: \
                         it needs a `set:`, `topics:` or `coverage:` field at the top",
                    ),
                }
            }
        }
    }

    let mut topics: Option<Vec<Topic>> = None;
    let mut topic_origin: HashMap<String, (String, Pos)> = HashMap::new();
    for (file, root) in &topics_files {
        let mut check = Checker {
            path: &file.path,
            problems: &mut problems,
        };
        let list = check.topics_file(root, &mut topic_origin);
        topics.get_or_insert_with(Vec::new).extend(list);
    }
    let topic_ids: HashSet<String> = match &topics {
        Some(list) => list.iter().map(|t| t.id.as_str().to_owned()).collect(),
        None => context.known_topics.clone(),
    };

    let mut sets = Vec::new();
    let mut set_origin: HashMap<String, (String, Pos)> = HashMap::new();
    let mut pending_refs = Vec::new();
    for (file, root) in &set_files {
        let mut check = Checker {
            path: &file.path,
            problems: &mut problems,
        };
        if let Some(set) = check.set_file(root, &topic_ids, &mut set_origin, &mut pending_refs) {
            sets.push(set);
        }
    }

    let mut all_keys: HashSet<String> = context.known_question_keys.clone();
    for set in &sets {
        for q in &set.questions {
            all_keys.insert(format!("{}/{}", set.slug, q.id));
        }
    }
    for r in pending_refs {
        if r.key == r.owner {
            problems.push(Problem::at(
                &r.path,
                r.pos,
                format!("follow-up \"{}\" points at the question itself", r.written),
            ));
        } else if !all_keys.contains(&r.key) {
            problems.push(Problem::at(
                &r.path,
                r.pos,
                format!(
                    "follow-up \"{}\" does not match any question (looked for {})",
                    r.written, r.key
                ),
            ));
        }
    }

    let mut coverage = Vec::new();
    for (file, root) in &coverage_files {
        let mut check = Checker {
            path: &file.path,
            problems: &mut problems,
        };
        coverage.extend(check.coverage_file(root, &topic_ids));
    }

    if problems.is_empty() {
        Ok(Bank {
            topics,
            sets,
            coverage,
        })
    } else {
        problems.sort();
        problems.dedup();
        Err(problems)
    }
}

/// Parses every file, several at a time: parsing is most of the time a big import takes to
/// validate, and files are independent.
fn parse_all(files: &[SourceFile]) -> Vec<Result<Node, yaml::SyntaxProblem>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || files.len() < 2 {
        return files.iter().map(|f| yaml::parse(&f.text)).collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|f| yaml::parse(&f.text))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(files.chunks(chunk))
            .flat_map(|(handle, part)| {
                // Parsing never panics on input (it is fuzzed); if it ever did, parse again here
                // so the error surfaces on this thread.
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|f| yaml::parse(&f.text)).collect())
            })
            .collect()
    })
}

enum FileKind {
    Topics,
    Set,
    Coverage,
}

fn classify(root: &Node) -> Option<FileKind> {
    let Value::Map(entries) = &root.value else {
        return None;
    };
    let has = |name: &str| {
        entries
            .iter()
            .any(|(k, _)| matches!(&k.value, Value::Str(s) if s == name))
    };
    if has("set") || has("questions") {
        Some(FileKind::Set)
    } else if has("topics") {
        Some(FileKind::Topics)
    } else if has("coverage") {
        Some(FileKind::Coverage)
    } else {
        None
    }
}

struct PendingRef {
    path: String,
    pos: Pos,
    written: String,
    key: String,
    owner: String,
}

/// The fields of one YAML mapping, checked for unknown and repeated keys on the way in.
struct Fields<'a> {
    map_pos: Pos,
    values: BTreeMap<&'a str, &'a Node>,
    /// Where each field's name stands, for problems about an empty value.
    key_pos: BTreeMap<&'a str, Pos>,
    /// Known names that an unknown field was probably meant to be: already reported once.
    misspelt: HashSet<&'static str>,
}

struct Checker<'p> {
    path: &'p str,
    problems: &'p mut Vec<Problem>,
}

impl<'p> Checker<'p> {
    fn report(&mut self, pos: Pos, message: impl Into<String>) {
        self.problems.push(Problem::at(self.path, pos, message));
    }

    /// Reads a mapping's fields; reports duplicates and unknown names (suggesting the closest).
    fn fields<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        known: &[&'static str],
    ) -> Option<Fields<'a>> {
        let Value::Map(entries) = &node.value else {
            self.report(
                node.pos,
                format!(
                    "{what} should be a mapping of `name: value` lines, not {}",
                    node.value.describe()
                ),
            );
            return None;
        };
        let mut values: BTreeMap<&str, &Node> = BTreeMap::new();
        let mut key_pos: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut misspelt = HashSet::new();
        for (key, value) in entries {
            let Value::Str(name) = &key.value else {
                self.report(
                    key.pos,
                    format!("field names must be text, not {}", key.value.describe()),
                );
                continue;
            };
            if let Some(first) = values.get(name.as_str()) {
                let _ = first;
                let first_line = entries
                    .iter()
                    .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == name))
                    .map(|(k, _)| k.pos.line)
                    .unwrap_or(0);
                self.report(
                    key.pos,
                    format!("`{name}` appears twice in this mapping (first at line {first_line}); keep one"),
                );
                continue;
            }
            if !known.contains(&name.as_str()) {
                let nearest = closest(name, known);
                let suggestion = nearest
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("; known fields are {}", known.join(", ")));
                misspelt.extend(nearest);
                self.report(
                    key.pos,
                    format!("unknown field `{name}` in {what}{suggestion}"),
                );
                continue;
            }
            values.insert(name.as_str(), value);
            key_pos.insert(name.as_str(), key.pos);
        }
        Some(Fields {
            map_pos: node.pos,
            values,
            key_pos,
            misspelt,
        })
    }

    fn required<'a>(&mut self, fields: &Fields<'a>, name: &str, what: &str) -> Option<&'a Node> {
        let found = fields.values.get(name).copied();
        if found.is_none() && !fields.misspelt.contains(name) {
            self.report(
                fields.map_pos,
                format!("{what} is missing the required field `{name}`"),
            );
        }
        found
    }

    fn text(&mut self, node: &Node, name: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.report(
                    node.pos,
                    format!("`{name}` should be text, not {}", other.describe()),
                );
                None
            }
        }
    }

    fn non_empty_text(&mut self, node: &Node, name: &str) -> Option<String> {
        self.non_empty_text_at(node, name, node.pos)
    }

    /// Like [`Self::non_empty_text`], but an empty value is reported at `empty_pos` (the field's
    /// name): an empty block scalar has no position of its own worth showing.
    fn non_empty_text_at(&mut self, node: &Node, name: &str, empty_pos: Pos) -> Option<String> {
        let text = self.text(node, name)?;
        if text.trim().is_empty() {
            self.report(
                empty_pos,
                format!("`{name}` is empty; write something here"),
            );
            return None;
        }
        Some(text)
    }

    /// A required text field that must not be empty.
    fn required_text(&mut self, fields: &Fields<'_>, name: &str, what: &str) -> Option<String> {
        let node = self.required(fields, name, what)?;
        let at = fields.key_pos.get(name).copied().unwrap_or(node.pos);
        self.non_empty_text_at(node, name, at)
    }

    fn slug(&mut self, node: &Node, name: &str) -> Option<Slug> {
        let text = self.text(node, name)?;
        match Slug::try_from(text.as_str()) {
            Ok(s) => Some(s),
            Err(()) => {
                self.report(
                    node.pos,
                    format!(
                        "{name} \"{text}\" is not a valid id: use 1 to 64 lowercase letters, \
                         digits and dashes (like \"event-loop\")"
                    ),
                );
                None
            }
        }
    }

    fn list<'a>(&mut self, node: &'a Node, name: &str) -> Option<&'a [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            Value::Null => Some(&[]),
            other => {
                self.report(
                    node.pos,
                    format!("`{name}` should be a list, not {}", other.describe()),
                );
                None
            }
        }
    }

    fn format_version(&mut self, fields: &Fields<'_>, what: &str) {
        if let Some(node) = self.required(fields, "format", what) {
            match &node.value {
                Value::Int(FORMAT_VERSION) => {}
                Value::Int(other) => self.report(
                    node.pos,
                    format!(
                        "format {other} is not supported: this version of Rehearse reads format 1"
                    ),
                ),
                other => self.report(
                    node.pos,
                    format!("`format` should be the number 1, not {}", other.describe()),
                ),
            }
        }
    }

    fn topics_file(
        &mut self,
        root: &Node,
        origin: &mut HashMap<String, (String, Pos)>,
    ) -> Vec<Topic> {
        let mut out = Vec::new();
        let Some(fields) = self.fields(root, "the topic tree", &["format", "topics"]) else {
            return out;
        };
        self.format_version(&fields, "the topic tree");
        if let Some(list) = self.required(&fields, "topics", "the topic tree") {
            if let Some(items) = self.list(list, "topics") {
                self.topic_nodes(items, None, 1, &mut out, origin);
            }
        }
        out
    }

    fn topic_nodes(
        &mut self,
        items: &[Node],
        parent: Option<&Slug>,
        depth: u32,
        out: &mut Vec<Topic>,
        origin: &mut HashMap<String, (String, Pos)>,
    ) {
        for item in items {
            let Some(fields) = self.fields(item, "a topic", &["id", "title", "children"]) else {
                continue;
            };
            let id = self
                .required(&fields, "id", "this topic")
                .and_then(|n| self.slug(n, "topic id"));
            let title = self.required_text(&fields, "title", "this topic");
            let id_pos = fields.values.get("id").map(|n| n.pos).unwrap_or(item.pos);
            if let (Some(id), Some(title)) = (id.clone(), title) {
                if let Some((other_path, other_pos)) = origin.get(id.as_str()) {
                    let msg = format!(
                        "topic id \"{id}\" is used twice in the tree (also at {other_path}:{}:{})",
                        other_pos.line, other_pos.column
                    );
                    self.report(id_pos, msg);
                } else {
                    origin.insert(id.as_str().to_owned(), (self.path.to_owned(), id_pos));
                    out.push(Topic {
                        id,
                        title,
                        parent: parent.cloned(),
                        position: u32::try_from(out.len()).unwrap_or(u32::MAX),
                    });
                }
            }
            if let Some(children) = fields.values.get("children") {
                if depth >= 3 {
                    self.report(children.pos, "topics nest at most three levels deep");
                } else if let Some(items) = self.list(children, "children") {
                    self.topic_nodes(items, id.as_ref(), depth + 1, out, origin);
                }
            }
        }
    }

    fn set_file(
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

    fn question(
        &mut self,
        node: &Node,
        set: &str,
        topics: &HashSet<String>,
        seen: &mut HashMap<String, Pos>,
        refs: &mut Vec<PendingRef>,
    ) -> Option<Question> {
        const KNOWN: &[&str] = &[
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
        let fields = self.fields(node, "a question", KNOWN)?;
        let what = "this question";
        let id_node = self.required(&fields, "id", what);
        let id = id_node.and_then(|n| self.slug(n, "question id"));
        if let (Some(id), Some(n)) = (&id, id_node) {
            if let Some(first) = seen.get(id.as_str()) {
                let msg = format!(
                    "question id \"{id}\" is used twice in this set (lines {} and {})",
                    first.line, n.pos.line
                );
                self.report(n.pos, msg);
            } else {
                seen.insert(id.as_str().to_owned(), n.pos);
            }
        }
        let topic = self.required(&fields, "topic", what).and_then(|n| {
            let topic = self.slug(n, "topic")?;
            if topics.contains(topic.as_str()) {
                Some(topic)
            } else {
                let known: Vec<&str> = topics.iter().map(String::as_str).collect();
                let hint = closest(topic.as_str(), &known)
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default();
                self.report(
                    n.pos,
                    format!("topic \"{topic}\" is not in the topic tree (topics.yaml){hint}"),
                );
                None
            }
        });
        let difficulty = self.required(&fields, "difficulty", what).and_then(|n| {
            let text = self.text(n, "difficulty")?;
            let parsed = Difficulty::parse(&text);
            if parsed.is_none() {
                self.report(
                    n.pos,
                    format!(
                        "difficulty \"{text}\" is not one of {}",
                        Difficulty::choices()
                    ),
                );
            }
            parsed
        });
        let kind = self.required(&fields, "kind", what).and_then(|n| {
            let text = self.text(n, "kind")?;
            let parsed = Kind::parse(&text);
            if parsed.is_none() {
                self.report(
                    n.pos,
                    format!("kind \"{text}\" is not one of {}", Kind::choices()),
                );
            }
            parsed
        });
        let mut tags = Vec::new();
        if let Some(n) = fields.values.get("tags") {
            if let Some(items) = self.list(n, "tags") {
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
            }
        }
        let time_limit = match fields.values.get("time_limit") {
            None => None,
            Some(n) => match parse_duration(&n.value) {
                Some(secs) if (MIN_TIME_LIMIT_SECS..=MAX_TIME_LIMIT_SECS).contains(&secs) => {
                    Some(Some(secs))
                }
                Some(secs) => {
                    self.report(
                        n.pos,
                        format!("time_limit of {secs} seconds is outside 10 seconds to 2 hours"),
                    );
                    Some(None)
                }
                None => {
                    let shown = match &n.value {
                        Value::Str(s) => format!("\"{s}\""),
                        other => other.describe().to_owned(),
                    };
                    self.report(
                        n.pos,
                        format!(
                            "time_limit {shown} is not a duration: write seconds (90) or 90s / 3m"
                        ),
                    );
                    Some(None)
                }
            },
        };
        let prompt = self.required_text(&fields, "prompt", what);
        let answer = self.required_text(&fields, "answer", what);
        let mut key_points = Vec::new();
        let mut key_points_ok = false;
        if let Some(n) = self.required(&fields, "key_points", what) {
            if let Some(items) = self.list(n, "key_points") {
                key_points_ok = true;
                if items.is_empty() || items.len() > MAX_KEY_POINTS {
                    key_points_ok = false;
                    self.report(
                        n.pos,
                        format!(
                            "a question needs 1 to {MAX_KEY_POINTS} key points, this one has {}",
                            items.len()
                        ),
                    );
                }
                for item in items {
                    match self.non_empty_text(item, "key point") {
                        Some(text) => key_points.push(text.trim().to_owned()),
                        None => key_points_ok = false,
                    }
                }
            }
        }
        let mut follow_ups = Vec::new();
        if let Some(n) = fields.values.get("follow_ups") {
            if let Some(items) = self.list(n, "follow_ups") {
                for item in items {
                    let Some(written) = self.text(item, "follow-up") else {
                        continue;
                    };
                    let key = match resolve_ref(&written, set) {
                        Some(key) => key,
                        None => {
                            self.report(
                                item.pos,
                                format!(
                                    "follow-up \"{written}\" should be a question id in this set \
                                     or set/id for another set"
                                ),
                            );
                            continue;
                        }
                    };
                    if let Some(id) = &id {
                        refs.push(PendingRef {
                            path: self.path.to_owned(),
                            pos: item.pos,
                            written,
                            key: key.clone(),
                            owner: format!("{set}/{id}"),
                        });
                    }
                    follow_ups.push(key);
                }
            }
        }
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
            key_points: if key_points_ok {
                key_points
            } else {
                return None;
            },
            follow_ups,
        })
    }

    fn coverage_file(&mut self, root: &Node, topics: &HashSet<String>) -> Vec<CoverageEntry> {
        let mut out = Vec::new();
        let Some(fields) = self.fields(root, "the coverage list", &["format", "coverage"]) else {
            return out;
        };
        self.format_version(&fields, "the coverage list");
        let Some(list) = self.required(&fields, "coverage", "the coverage list") else {
            return out;
        };
        let Some(items) = self.list(list, "coverage") else {
            return out;
        };
        for item in items {
            let Some(f) = self.fields(item, "a coverage entry", &["seed", "item", "topics"]) else {
                continue;
            };
            let seed = self
                .required(&f, "seed", "this entry")
                .and_then(|n| self.non_empty_text(n, "seed"));
            let text = self
                .required(&f, "item", "this entry")
                .and_then(|n| self.non_empty_text(n, "item"));
            let mut ids = Vec::new();
            if let Some(n) = self.required(&f, "topics", "this entry") {
                for t in self.list(n, "topics").unwrap_or(&[]) {
                    if let Some(slug) = self.slug(t, "topic") {
                        if topics.contains(slug.as_str()) {
                            ids.push(slug);
                        } else {
                            self.report(
                                t.pos,
                                format!("topic \"{slug}\" is not in the topic tree"),
                            );
                        }
                    }
                }
            }
            if let (Some(seed), Some(item)) = (seed, text) {
                out.push(CoverageEntry {
                    seed,
                    item,
                    topics: ids,
                });
            }
        }
        out
    }
}

/// `follow-up` → `set/follow-up`; `other/id` stays; anything else is malformed.
fn resolve_ref(written: &str, set: &str) -> Option<String> {
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

/// The known name closest to a misspelt one, if any is close enough to be a likely typo.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOPICS: &str = "format: 1\ntopics:\n  - id: runtime\n    title: Runtime\n    children:\n      - id: event-loop-phases\n        title: Phases\n";

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    fn set_with(question_fields: &str) -> String {
        format!(
            "format: 1\nset: loop\ntitle: Loop\nquestions:\n  - id: q1\n    topic: event-loop-phases\n    difficulty: mid\n    kind: concept\n    prompt: Why?\n    answer: Because.\n    key_points: [one]\n{question_fields}"
        )
    }

    fn problems(files: &[SourceFile]) -> Vec<String> {
        match validate(files, &Context::default()) {
            Ok(_) => vec![],
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_set_becomes_a_bank_with_defaults_filled_in() {
        let bank = validate(
            &[file("t.yaml", TOPICS), file("s.yaml", &set_with(""))],
            &Context::default(),
        )
        .unwrap();
        let q = &bank.sets[0].questions[0];
        assert_eq!(q.time_limit_secs, 240);
        assert_eq!(bank.topics.unwrap().len(), 2);
    }

    #[test]
    fn a_bad_difficulty_is_reported_at_its_value() {
        let text = set_with("").replace("difficulty: mid", "difficulty: hard");
        assert_eq!(
            problems(&[file("t.yaml", TOPICS), file("s.yaml", &text)]),
            vec!["s.yaml:7:17: difficulty \"hard\" is not one of junior, mid, senior"]
        );
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let text = set_with("    dificulty: x\n    time_limit: 3 min\n")
            .replace("kind: concept", "kind: essay");
        let p = problems(&[file("t.yaml", TOPICS), file("s.yaml", &text)]);
        // The misspelt `dificulty` is reported once, not also as a missing `difficulty`.
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("kind \"essay\""));
        assert!(
            p[1].ends_with("unknown field `dificulty` in a question; did you mean `difficulty`?")
        );
        assert!(p[2].contains("time_limit \"3 min\" is not a duration"));
    }

    #[test]
    fn durations_accept_seconds_and_minutes() {
        assert_eq!(parse_duration(&Value::Int(90)), Some(90));
        assert_eq!(parse_duration(&Value::Str("90s".into())), Some(90));
        assert_eq!(parse_duration(&Value::Str("3m".into())), Some(180));
        assert_eq!(parse_duration(&Value::Str("3 min".into())), None);
        assert_eq!(parse_duration(&Value::Str("m".into())), None);
    }

    #[test]
    fn follow_ups_resolve_within_the_set_and_across_sets() {
        assert_eq!(resolve_ref("a", "s"), Some("s/a".into()));
        assert_eq!(resolve_ref("t/a", "s"), Some("t/a".into()));
        assert_eq!(resolve_ref("t/a/b", "s"), None);
    }

    proptest! {
        #[test]
        fn the_validator_never_panics_and_every_problem_has_a_position(text in ".{0,400}") {
            let result = validate(&[file("t.yaml", TOPICS), file("x.yaml", &text)], &Context::default());
            if let Err(problems) = result {
                for p in problems {
                    prop_assert!(p.pos.is_some_and(|pos| pos.line >= 1));
                }
            }
        }

        #[test]
        fn mutated_sets_never_panic(cut in 0usize..400, insert in "[ :\\-\\[\\]{}a-z\n&*]{0,8}") {
            let mut text = set_with("    tags: [a, b]\n    follow_ups: [q1]\n");
            let at = text.char_indices().map(|(i, _)| i).nth(cut % text.len()).unwrap_or(0);
            text.insert_str(at, &insert);
            let result = validate(&[file("t.yaml", TOPICS), file("x.yaml", &text)], &Context::default());
            if let Err(problems) = result {
                for p in problems {
                    prop_assert!(p.pos.is_some_and(|pos| pos.line >= 1));
                }
            }
        }
    }
}
