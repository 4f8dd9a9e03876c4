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
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_documents: 1,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAYED_EVENTS,
        },
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::PassThrough,
    };
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

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
        println!("{}", err.message);
    }
}
