//! The per-question plan: what each question in the files does to the stored ones (added,
//! updated, restored, retired, unchanged), with the counts shown as the import summary. Pure.

use crate::bank::model::Bank;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// What happens to one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Change {
    Added,
    Updated,
    Restored,
    Retired,
    Unchanged,
}

impl Change {
    fn mark(self) -> char {
        match self {
            Change::Added => '+',
            Change::Updated => '~',
            Change::Restored => '^',
            Change::Retired => '-',
            Change::Unchanged => '=',
        }
    }

    /// "added", "updated"…: the word the summaries and the preview use.
    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Updated => "updated",
            Change::Restored => "restored",
            Change::Retired => "retired",
            Change::Unchanged => "unchanged",
        }
    }
}

/// Counts of a plan, printed as the import summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    pub retired: usize,
    pub restored: usize,
    pub unchanged: usize,
}

impl Counts {
    pub fn is_noop(&self) -> bool {
        self.added + self.updated + self.retired + self.restored == 0
    }

    /// Counts one more question with this change.
    pub fn add(&mut self, change: Change) {
        let counter = match change {
            Change::Added => &mut self.added,
            Change::Updated => &mut self.updated,
            Change::Restored => &mut self.restored,
            Change::Retired => &mut self.retired,
            Change::Unchanged => &mut self.unchanged,
        };
        *counter += 1;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} retired, {} unchanged",
            self.added, self.updated, self.retired, self.unchanged
        )?;
        if self.restored > 0 {
            write!(f, ", {} restored", self.restored)?;
        }
        Ok(())
    }
}

/// One line of the per-question plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    pub key: String,
    pub change: Change,
}

impl fmt::Display for PlannedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.change.mark(),
            self.key,
            self.change.word()
        )
    }
}

/// The full plan for a batch of files against the current database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    pub counts: Counts,
}

impl Plan {
    /// The lines worth showing: everything but unchanged questions.
    pub fn changed_lines(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes
            .iter()
            .filter(|c| c.change != Change::Unchanged)
    }
}

/// A question as stored, reduced to what planning needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredQuestion {
    pub id: String,
    pub key: String,
    pub set_slug: String,
    pub content_hash: String,
    pub retired: bool,
    pub position: i32,
}

/// Decides what each question in the bank does to the stored ones. Pure.
pub fn plan(bank: &Bank, stored: &[StoredQuestion]) -> Plan {
    let by_key: HashMap<&str, &StoredQuestion> =
        stored.iter().map(|q| (q.key.as_str(), q)).collect();
    let mut plan = Plan::default();
    let mut in_files: HashSet<String> = HashSet::new();
    for set in &bank.sets {
        for q in &set.questions {
            let key = format!("{}/{}", set.slug, q.id);
            let change = match by_key.get(key.as_str()) {
                None => Change::Added,
                Some(s) if s.retired => Change::Restored,
                Some(s) if s.content_hash != q.content_hash() => Change::Updated,
                Some(_) => Change::Unchanged,
            };
            in_files.insert(key.clone());
            plan.changes.push(PlannedChange { key, change });
        }
    }
    let imported_sets: HashSet<&str> = bank.sets.iter().map(|s| s.slug.as_str()).collect();
    for s in stored {
        if imported_sets.contains(s.set_slug.as_str()) && !s.retired && !in_files.contains(&s.key) {
            plan.changes.push(PlannedChange {
                key: s.key.clone(),
                change: Change::Retired,
            });
        }
    }
    for c in &plan.changes {
        plan.counts.add(c.change);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::validate::{Context, SourceFile, validate};

    fn bank(questions: &[(&str, &str)]) -> Bank {
        let mut text = String::from("format: 1\nset: s\ntitle: S\nquestions:\n");
        for (id, answer) in questions {
            text.push_str(&format!(
                "  - id: {id}\n    topic: t\n    difficulty: junior\n    kind: concept\n    prompt: P {id}\n    answer: {answer}\n    key_points: [k]\n"
            ));
        }
        let topics = "format: 1\ntopics:\n  - id: t\n    title: T\n";
        validate(
            &[
                SourceFile {
                    path: "topics.yaml".into(),
                    text: topics.into(),
                },
                SourceFile {
                    path: "s.yaml".into(),
                    text,
                },
            ],
            &Context::default(),
        )
        .unwrap()
    }

    fn stored_from(bank: &Bank, retired: &[&str]) -> Vec<StoredQuestion> {
        bank.sets[0]
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| StoredQuestion {
                id: format!("id{i}"),
                key: format!("s/{}", q.id),
                set_slug: "s".into(),
                content_hash: q.content_hash(),
                retired: retired.contains(&q.id.as_str()),
                position: i as i32,
            })
            .collect()
    }

    #[test]
    fn an_unchanged_bank_plans_nothing() {
        let b = bank(&[("a", "x"), ("b", "y")]);
        let p = plan(&b, &stored_from(&b, &[]));
        assert_eq!(
            p.counts.to_string(),
            "0 added, 0 updated, 0 retired, 2 unchanged"
        );
    }

    #[test]
    fn a_plan_stored_for_its_preview_reads_back_the_same() {
        let b = bank(&[("a", "x"), ("b", "some **bold** words")]);
        let stored = stored_from(&b, &["b"]);
        let prepared = super::super::ImportPlan {
            generation: 7,
            files: vec![super::super::FileStamp {
                path: "s.yaml".into(),
                sha256: "ab".into(),
            }],
            plan: plan(&b, &stored),
            bank: b,
            stored,
        };
        let json = serde_json::to_string(&prepared).unwrap();
        assert_eq!(
            serde_json::from_str::<super::super::ImportPlan>(&json).unwrap(),
            prepared
        );
    }

    #[test]
    fn changes_additions_removals_and_returns_are_all_planned() {
        let before = bank(&[("a", "x"), ("b", "y"), ("c", "z")]);
        let stored = stored_from(&before, &["c"]);
        let after = bank(&[("a", "changed"), ("c", "z"), ("d", "new")]);
        let p = plan(&after, &stored);
        assert_eq!(
            p.counts,
            Counts {
                added: 1,
                updated: 1,
                retired: 1,
                restored: 1,
                unchanged: 0
            }
        );
        let lines: Vec<String> = p.changed_lines().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "~ s/a (updated)",
                "^ s/c (restored)",
                "+ s/d (added)",
                "- s/b (retired)"
            ]
        );
    }
}
