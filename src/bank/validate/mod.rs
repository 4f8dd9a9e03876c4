//! The YAML validator: turns parsed files into a [`Bank`] or a list of every problem found,
//! each with its file, line and column and a message an admin can act on.
//!
//! Pure: no file system, no database. What lives outside the files (topics and questions
//! already imported) comes in through [`Context`].
//!
//! [`validate`] runs the steps in order, each in its own file: `files` (parse, sort by kind),
//! `topics`, `sets` (and their questions), the follow-ups across sets (here), `coverage`.
//! `checker` reads fields and reports problems for all of them; `problem` is the report.

mod checker;
mod coverage;
mod files;
mod problem;
mod sets;
mod topics;

pub use problem::Problem;
pub use sets::parse_duration;

use super::model::{Bank, CoverageEntry, QuestionSet, Topic};
use super::yaml::{Node, Pos};
use checker::Checker;
use sets::PendingRef;
use std::collections::{HashMap, HashSet};

/// The only format version this build reads.
pub const FORMAT_VERSION: i64 = 1;
/// Limits from `questions/README.md`.
pub const MAX_KEY_POINTS: usize = 8;
pub const MAX_TAG_CHARS: usize = 40;
pub const MIN_TIME_LIMIT_SECS: u32 = 10;
pub const MAX_TIME_LIMIT_SECS: u32 = 2 * 60 * 60;

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
    /// Question keys (`set/id`) already imported. Those of the sets the batch holds are
    /// ignored: the batch replaces them.
    pub known_question_keys: HashSet<String>,
}

/// Validates a batch of files together; problems come back sorted by file and position.
pub fn validate(files: &[SourceFile], context: &Context) -> Result<Bank, Vec<Problem>> {
    let mut problems = Vec::new();
    let sorted = files::parse_and_sort(files, &mut problems);
    let topics = check_topics(&sorted.topics, &mut problems);
    let topic_ids: HashSet<String> = match &topics {
        Some(list) => list.iter().map(|t| t.id.as_str().to_owned()).collect(),
        None => context.known_topics.clone(),
    };
    let (sets, slugs, pending_refs) = check_sets(&sorted.sets, &topic_ids, &mut problems);
    check_follow_ups(&sets, &slugs, pending_refs, context, &mut problems);
    let coverage = check_coverage(&sorted.coverage, &topic_ids, &mut problems);
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

/// The topic tree, from every topics file together; `None` when the batch has none.
fn check_topics(files: &[(&SourceFile, Node)], problems: &mut Vec<Problem>) -> Option<Vec<Topic>> {
    let mut topics: Option<Vec<Topic>> = None;
    let mut origin: HashMap<String, (String, Pos)> = HashMap::new();
    for (file, root) in files {
        let mut check = Checker {
            path: &file.path,
            problems,
        };
        let list = check.topics_file(root, &mut origin);
        topics.get_or_insert_with(Vec::new).extend(list);
    }
    topics
}

/// The question sets, each slug once; the slugs the files name (of sets with problems too);
/// and the follow-ups their questions name.
fn check_sets(
    files: &[(&SourceFile, Node)],
    topic_ids: &HashSet<String>,
    problems: &mut Vec<Problem>,
) -> (Vec<QuestionSet>, HashSet<String>, Vec<PendingRef>) {
    let mut sets = Vec::new();
    let mut origin: HashMap<String, (String, Pos)> = HashMap::new();
    let mut pending_refs = Vec::new();
    for (file, root) in files {
        let mut check = Checker {
            path: &file.path,
            problems,
        };
        if let Some(set) = check.set_file(root, topic_ids, &mut origin, &mut pending_refs) {
            sets.push(set);
        }
    }
    (sets, origin.into_keys().collect(), pending_refs)
}

/// Every follow-up must name another question: in these sets, or imported before in a set
/// the batch does not replace.
fn check_follow_ups(
    sets: &[QuestionSet],
    slugs_in_batch: &HashSet<String>,
    pending_refs: Vec<PendingRef>,
    context: &Context,
    problems: &mut Vec<Problem>,
) {
    let in_batch: HashSet<String> = sets
        .iter()
        .flat_map(|set| {
            set.questions
                .iter()
                .map(move |q| format!("{}/{}", set.slug, q.id))
        })
        .collect();
    let exists = |key: &str| {
        in_batch.contains(key)
            || (context.known_question_keys.contains(key)
                && key
                    .split_once('/')
                    .is_none_or(|(set, _)| !slugs_in_batch.contains(set)))
    };
    for r in pending_refs {
        if r.key == r.owner {
            problems.push(Problem::at(
                &r.path,
                r.pos,
                format!("follow-up \"{}\" points at the question itself", r.written),
            ));
        } else if !exists(&r.key) {
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
}

/// The coverage entries of every coverage file.
fn check_coverage(
    files: &[(&SourceFile, Node)],
    topic_ids: &HashSet<String>,
    problems: &mut Vec<Problem>,
) -> Vec<CoverageEntry> {
    let mut coverage = Vec::new();
    for (file, root) in files {
        let mut check = Checker {
            path: &file.path,
            problems,
        };
        coverage.extend(check.coverage_file(root, topic_ids));
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::sets::{parse_duration, resolve_ref};
    use super::*;
    use crate::bank::yaml::Value;
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

    #[test]
    fn a_batch_replaces_its_sets_so_their_old_questions_no_longer_answer_follow_ups() {
        let context = Context {
            known_topics: HashSet::new(),
            known_question_keys: ["loop/dropped".to_owned(), "other/kept".to_owned()].into(),
        };
        let check = |follow_up: &str| {
            let text = set_with(&format!("    follow_ups: [{follow_up}]\n"));
            match validate(&[file("t.yaml", TOPICS), file("s.yaml", &text)], &context) {
                Ok(_) => vec![],
                Err(p) => p.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }
        };
        // Another set's stored question still counts; one of the set the batch replaces does not.
        assert_eq!(check("other/kept"), Vec::<String>::new());
        assert_eq!(
            check("dropped"),
            vec![
                "s.yaml:12:18: follow-up \"dropped\" does not match any question (looked for loop/dropped)"
            ]
        );
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
