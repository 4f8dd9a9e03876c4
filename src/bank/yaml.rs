//! Reads YAML into a small tree in which every node knows its line and column.
//!
//! The validator needs to report *every* problem in a file, each at its own position, so we do
//! not deserialize straight into the final types (serde stops at the first error). Instead
//! serde-saphyr parses into this position-carrying tree and `validate` walks it.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A YAML value together with where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; duplicate keys are kept so the validator can name both lines.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// How an admin would call this kind of value in a message.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "true/false",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let location = spanned.referenced;
        Ok(Node {
            pos: Pos {
                line: u32::try_from(location.line()).unwrap_or(u32::MAX),
                column: u32::try_from(location.column()).unwrap_or(u32::MAX),
            },
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Node, Node>()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }
}

/// A YAML file that could not be read as YAML at all.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxProblem {
    pub pos: Pos,
    pub message: String,
}

/// Most alias replays one file may cause: far more than any real question set needs, small
/// enough that an alias bomb ("billion laughs") is refused in milliseconds.
const MAX_ALIAS_REPLAYED_EVENTS: usize = 20_000;
/// Deepest nesting accepted; a question set needs about six levels.
const MAX_DEPTH: usize = 32;

/// Parses one YAML document into a [`Node`] tree, with budgets that refuse hostile input fast.
pub fn parse(text: &str) -> Result<Node, SyntaxProblem> {
    let options = saphyr_options();
    if let Some(node) = fast::parse(text, &options) {
        return Ok(node);
    }
    parse_with_serde(text, options)
}

fn saphyr_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_documents: 1,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAYED_EVENTS,
        },
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::PassThrough,
    }
}

/// The reference reading: every file the fast path declines comes here, so errors, aliases,
/// tags and every typed scalar keep serde-saphyr's exact behaviour and messages.
fn parse_with_serde(text: &str, options: serde_saphyr::Options) -> Result<Node, SyntaxProblem> {
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|error| {
        let pos = error
            .location()
            .map(|l| Pos {
                line: u32::try_from(l.line()).unwrap_or(u32::MAX),
                column: u32::try_from(l.column()).unwrap_or(u32::MAX),
            })
            .unwrap_or(Pos { line: 1, column: 1 });
        SyntaxProblem {
            pos,
            message: friendly_message(&error.without_snippet().to_string()),
        }
    })
}

/// Builds the tree straight from the parser's events, without serde: about twice as fast,
/// and YAML parsing is most of what an unchanged re-import costs.
///
/// It only handles the plain files question banks are made of: one document, no anchors,
/// aliases or tags, and scalars that are text or plain decimal integers. Anything else (and
/// every syntax error) returns `None`, and the file is read by serde-saphyr instead, so both
/// paths always agree; a test checks that on the shipped bank.
mod fast {
    use super::{MAX_DEPTH, Node, Pos, Value};
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

    pub(super) fn parse(text: &str, options: &serde_saphyr::Options) -> Option<Node> {
        let mut parser_options = serde_saphyr::granit_parser::Options::default();
        parser_options.strict_indentation = options.strict_indentation;
        parser_options.bom_inside_document_as_content = options.bom_inside_document_as_content;
        // Past serde-saphyr's node budget, let it refuse the file with its own message.
        let max_nodes = options.budget.as_ref().map_or_else(
            || serde_saphyr::Budget::default().max_nodes,
            |b| b.max_nodes,
        );
        let mut nodes = 0usize;
        let mut parser = Parser::new_from_str_with_options(text, parser_options);
        let mut stack: Vec<(Pos, Vec<Node>, bool)> = Vec::new();
        let mut root = None;
        let mut documents = 0;
        while let Some(event) = parser.next_event() {
            let (event, span) = event.ok()?;
            if matches!(
                event,
                Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
            ) {
                nodes += 1;
                if nodes > max_nodes {
                    return None;
                }
            }
            let node = match event {
                Event::StreamStart | Event::DocumentEnd => continue,
                Event::StreamEnd => break,
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        return None;
                    }
                    continue;
                }
                Event::Scalar(value, style, 0, None) => Node {
                    pos: pos(&span),
                    value: scalar(value.as_ref(), style)?,
                },
                Event::SequenceStart(_, 0, None) | Event::MappingStart(_, 0, None) => {
                    if stack.len() >= MAX_DEPTH {
                        return None;
                    }
                    let is_map = matches!(event, Event::MappingStart(..));
                    stack.push((pos(&span), Vec::new(), is_map));
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (at, items, is_map) = stack.pop()?;
                    let value = if is_map {
                        let mut entries = Vec::with_capacity(items.len() / 2);
                        let mut items = items.into_iter();
                        while let Some(key) = items.next() {
                            // A merge key (`<<`) means more than its text; serde-saphyr knows.
                            if key.value == Value::Str("<<".into()) {
                                return None;
                            }
                            entries.push((key, items.next()?));
                        }
                        Value::Map(entries)
                    } else {
                        Value::Seq(items)
                    };
                    Node { pos: at, value }
                }
                // Anchors, aliases, tags and anything newer.
                _ => return None,
            };
            match stack.last_mut() {
                Some((_, items, _)) => items.push(node),
                None if root.is_none() => root = Some(node),
                None => return None,
            }
        }
        if !stack.is_empty() {
            return None;
        }
        root
    }

    /// Where serde-saphyr places a node: the line, and the column counted from 1.
    fn pos(span: &Span) -> Pos {
        Pos {
            line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
            column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        }
    }

    /// Quoted and block scalars are text; a plain one is text when it cannot be read as
    /// anything else, a number when it is a plain decimal, and otherwise left to serde-saphyr
    /// (`null`, `yes`, `0x1f`, `1e3`, `.inf`, `1:30` and the like).
    fn scalar(text: &str, style: ScalarStyle) -> Option<Value> {
        if style != ScalarStyle::Plain {
            return Some(Value::Str(text.to_owned()));
        }
        let first = text.chars().next()?;
        if first.is_ascii_digit() {
            let decimal = text.bytes().all(|b| b.is_ascii_digit())
                && (text == "0" || !text.starts_with('0'))
                && text.len() <= 18;
            if decimal {
                return text.parse().ok().map(Value::Int);
            }
            // Text with a unit ("90s", "5m") cannot be a number of any YAML flavour.
            let clearly_text = text
                .bytes()
                .any(|b| b.is_ascii_alphabetic() && !b"eExXoObBaAcCdDfF".contains(&b))
                && !text.contains(':');
            return clearly_text.then(|| Value::Str(text.to_owned()));
        }
        // serde-saphyr's nulls and booleans; it reads a bare `nan` or `inf` as text.
        let keyword = matches!(
            text.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
        // Only a digit, sign, dot or tilde can start a number or null (`.5`, `-.inf`, `~`);
        // ".nvmrc" and "--watch" are text.
        let maybe_number = match first {
            '~' => true,
            '+' | '-' => !text
                .chars()
                .nth(1)
                .is_some_and(|c| !c.is_ascii_digit() && c != '.'),
            '.' => {
                matches!(text.to_ascii_lowercase().as_str(), ".inf" | ".nan")
                    || text.chars().nth(1).is_none_or(|c| c.is_ascii_digit())
            }
            _ => false,
        };
        (!keyword && !maybe_number).then(|| Value::Str(text.to_owned()))
    }
}

/// Turns the parser's wording into something an admin can act on. The position is reported
/// separately, so trailing "at line …" details are dropped.
fn friendly_message(raw: &str) -> String {
    let lower = raw.to_lowercase();
    if lower.contains("alias") && (lower.contains("limit") || lower.contains("depth")) {
        return "this file repeats its aliases (*name) so often that it would expand into far too \
                much data; Rehearse refuses it to protect the server"
            .to_owned();
    }
    if lower.contains("depth") && lower.contains("budget") {
        return format!(
            "lists and mappings are nested more than {MAX_DEPTH} levels deep here; \
             a question set needs about six"
        );
    }
    if lower.contains("budget") {
        return "this file is too large or complex to read safely".to_owned();
    }
    let detail = match raw.find(" at line ") {
        Some(i) => raw.get(..i).unwrap_or(raw),
        None => raw,
    };
    format!("this is not valid YAML: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_positions_of_keys_and_values() {
        let tree = parse("a: 1\nb:\n  - x\n  - y: z\n").unwrap();
        let Value::Map(entries) = tree.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(entries[0].1.pos, Pos { line: 1, column: 4 });
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        assert_eq!(items[1].pos.line, 4);
        assert_eq!(items[0].value, Value::Str("x".into()));
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_validator() {
        let tree = parse("a: 1\na: 2\n").unwrap();
        let Value::Map(entries) = tree.value else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 2);
    }

    /// Every YAML file in the repository, and some scalars on the edge of being numbers.
    fn sample_texts() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for dir in ["questions", "tests/fixtures/valid", "tests/fixtures/broken"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push((path.display().to_string(), text));
                }
            }
        }
        let scalars = [
            "0",
            "7",
            "007",
            "-3",
            "+3",
            "1_000",
            "1e3",
            "0x1f",
            "0o17",
            "1.5",
            ".5",
            ".inf",
            "1:30",
            "90s",
            "5m",
            "2h",
            "12ab",
            "yes",
            "No",
            "ON",
            "~",
            "null",
            "NULL",
            "True",
            "nan",
            "NaN",
            "inf",
            "Infinity",
            "y",
            "text",
            ".nvmrc",
            ".Nan",
            ".INF",
            ".nodejs",
            "/etc",
            "`x`",
            "(a)",
            "-",
            "- 1",
            "--watch",
            "-.inf",
            "+.5",
            "-x",
            "+1",
            "héllo",
            "'quoted'",
            "\"7\"",
            "<< : x",
            "99999999999999999999",
            "123456789012345678",
        ];
        for v in scalars {
            texts.push((format!("scalar {v}"), format!("a: {v}\nb: [{v}]\n{v}: c\n")));
        }
        texts.push(("empty".into(), String::new()));
        texts.push(("anchor".into(), "a: &x 1\nb: *x\n".into()));
        texts.push(("tag".into(), "a: !!str 1\n".into()));
        texts.push(("two documents".into(), "a: 1\n---\nb: 2\n".into()));
        texts.push(("no value".into(), "a:\nb: 1\n".into()));
        texts.push((
            "blocks".into(),
            "a: |\n  x\n  y\nb: >-\n  folded\n  text\nc:\n  - - 1\n    - 2\n  - {d: e}\n".into(),
        ));
        texts
    }

    #[test]
    fn the_fast_reading_agrees_with_serde_saphyr_whenever_it_answers() {
        let mut answered = 0;
        for (name, text) in sample_texts() {
            let options = saphyr_options();
            match fast::parse(&text, &options) {
                Some(fast) => {
                    answered += 1;
                    assert_eq!(Ok(fast), parse_with_serde(&text, options), "{name}");
                }
                // The shipped bank must take the fast path, or it is no faster.
                None => assert!(
                    !(name.contains("questions/") && name.ends_with(".yaml")),
                    "{name} was not read fast"
                ),
            }
        }
        assert!(answered > 25, "only {answered} files took the fast path");
    }

    #[test]
    fn a_file_past_the_node_budget_is_left_to_serde_saphyr_to_refuse() {
        let text = format!("a: [{}1]\n", "1, ".repeat(300_000));
        assert_eq!(fast::parse(&text, &saphyr_options()), None);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
        println!("{}", err.message);
    }
}
