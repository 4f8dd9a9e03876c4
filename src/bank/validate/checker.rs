//! [`Checker`]: reads one file's YAML nodes as fields, text, ids and lists, and reports what
//! does not fit (a missing field, a typo with the name it was probably meant to be) as a
//! [`Problem`] at its position. The kinds of file (`topics`, `sets`, `coverage`) build on it.

use super::{FORMAT_VERSION, Problem};
use crate::bank::model::Slug;
use crate::bank::yaml::{Node, Pos, Value};
use std::collections::{BTreeMap, HashSet};

/// The fields of one YAML mapping, checked for unknown and repeated keys on the way in.
pub(super) struct Fields<'a> {
    pub(super) map_pos: Pos,
    pub(super) values: BTreeMap<&'a str, &'a Node>,
    /// Where each field's name stands, for problems about an empty value.
    pub(super) key_pos: BTreeMap<&'a str, Pos>,
    /// Known names that an unknown field was probably meant to be: already reported once.
    pub(super) misspelt: HashSet<&'static str>,
}

pub(super) struct Checker<'p> {
    pub(super) path: &'p str,
    pub(super) problems: &'p mut Vec<Problem>,
}

impl<'p> Checker<'p> {
    pub(super) fn report(&mut self, pos: Pos, message: impl Into<String>) {
        self.problems.push(Problem::at(self.path, pos, message));
    }

    /// Reads a mapping's fields; reports duplicates and unknown names (suggesting the closest).
    pub(super) fn fields<'a>(
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

    pub(super) fn required<'a>(
        &mut self,
        fields: &Fields<'a>,
        name: &str,
        what: &str,
    ) -> Option<&'a Node> {
        let found = fields.values.get(name).copied();
        if found.is_none() && !fields.misspelt.contains(name) {
            self.report(
                fields.map_pos,
                format!("{what} is missing the required field `{name}`"),
            );
        }
        found
    }

    pub(super) fn text(&mut self, node: &Node, name: &str) -> Option<String> {
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

    pub(super) fn non_empty_text(&mut self, node: &Node, name: &str) -> Option<String> {
        self.non_empty_text_at(node, name, node.pos)
    }

    /// Like [`Self::non_empty_text`], but an empty value is reported at `empty_pos` (the field's
    /// name): an empty block scalar has no position of its own worth showing.
    pub(super) fn non_empty_text_at(
        &mut self,
        node: &Node,
        name: &str,
        empty_pos: Pos,
    ) -> Option<String> {
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
    pub(super) fn required_text(
        &mut self,
        fields: &Fields<'_>,
        name: &str,
        what: &str,
    ) -> Option<String> {
        let node = self.required(fields, name, what)?;
        let at = fields.key_pos.get(name).copied().unwrap_or(node.pos);
        self.non_empty_text_at(node, name, at)
    }

    pub(super) fn slug(&mut self, node: &Node, name: &str) -> Option<Slug> {
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

    pub(super) fn list<'a>(&mut self, node: &'a Node, name: &str) -> Option<&'a [Node]> {
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

    pub(super) fn format_version(&mut self, fields: &Fields<'_>, what: &str) {
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
}

/// The known name closest to a misspelt one, if any is close enough to be a likely typo.
pub(super) fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}
