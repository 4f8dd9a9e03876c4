//! Every kind of broken question file is reported at its exact place, by `check` and by
//! `import`, and a refused import leaves the database exactly as it was.

use crate::helpers::{TestDb, db_tests, rehearse, snapshot};

/// (input given on the command line, every line the commands must print)
pub const BROKEN: &[(&str, &[&str])] = &[
    (
        "tests/fixtures/broken/syntax-error.yaml",
        &["tests/fixtures/broken/syntax-error.yaml:9:13: this is not valid YAML: unclosed quote"],
    ),
    (
        "tests/fixtures/broken/unknown-field.yaml",
        &[
            "tests/fixtures/broken/unknown-field.yaml:7:5: unknown field `dificulty` in a question; did you mean `difficulty`?",
        ],
    ),
    (
        "tests/fixtures/broken/missing-field.yaml",
        &[
            "tests/fixtures/broken/missing-field.yaml:5:5: this question is missing the required field `answer`",
        ],
    ),
    (
        "tests/fixtures/broken/wrong-type.yaml",
        &[
            "tests/fixtures/broken/wrong-type.yaml:7:17: `difficulty` should be text, not a list",
            "tests/fixtures/broken/wrong-type.yaml:11:17: `key_points` should be a list, not text",
        ],
    ),
    (
        "tests/fixtures/broken/format-version.yaml",
        &[
            "tests/fixtures/broken/format-version.yaml:1:9: format 2 is not supported: this version of Rehearse reads format 1",
        ],
    ),
    (
        "tests/fixtures/broken/duplicate-id.yaml",
        &[
            "tests/fixtures/broken/duplicate-id.yaml:12:9: question id \"q1\" is used twice in this set (lines 5 and 12)",
        ],
    ),
    (
        "tests/fixtures/broken/duplicate-set",
        &[
            "tests/fixtures/broken/duplicate-set/b.yaml:2:6: set \"twice\" is already defined in tests/fixtures/broken/duplicate-set/a.yaml:2:6; each set needs its own slug",
        ],
    ),
    (
        "tests/fixtures/broken/duplicate-key.yaml",
        &[
            "tests/fixtures/broken/duplicate-key.yaml:11:5: `answer` appears twice in this mapping (first at line 10); keep one",
        ],
    ),
    (
        "tests/fixtures/broken/unknown-topic.yaml",
        &[
            "tests/fixtures/broken/unknown-topic.yaml:6:12: topic \"timer\" is not in the topic tree (topics.yaml); did you mean \"timers\"?",
        ],
    ),
    (
        "tests/fixtures/broken/dangling-follow-up.yaml",
        &[
            "tests/fixtures/broken/dangling-follow-up.yaml:12:18: follow-up \"q2\" does not match any question (looked for dangling/q2)",
            "tests/fixtures/broken/dangling-follow-up.yaml:12:22: follow-up \"streams/nothing-here\" does not match any question (looked for streams/nothing-here)",
        ],
    ),
    (
        "tests/fixtures/broken/empty-text.yaml",
        &[
            "tests/fixtures/broken/empty-text.yaml:9:5: `prompt` is empty; write something here",
            "tests/fixtures/broken/empty-text.yaml:10:5: `answer` is empty; write something here",
            "tests/fixtures/broken/empty-text.yaml:12:30: `key point` is empty; write something here",
        ],
    ),
    (
        "tests/fixtures/broken/bad-slug.yaml",
        &[
            "tests/fixtures/broken/bad-slug.yaml:2:6: set \"Bad Slug\" is not a valid id: use 1 to 64 lowercase letters, digits and dashes (like \"event-loop\")",
            "tests/fixtures/broken/bad-slug.yaml:5:9: question id \"q_1\" is not a valid id: use 1 to 64 lowercase letters, digits and dashes (like \"event-loop\")",
        ],
    ),
    (
        "tests/fixtures/broken/oversize.yaml",
        &[
            "tests/fixtures/broken/oversize.yaml: this file is larger than 2 MiB, the limit for one question file; split it into several sets",
        ],
    ),
    (
        "tests/fixtures/broken/alias-bomb.yaml",
        &[
            "tests/fixtures/broken/alias-bomb.yaml:8:12: this file repeats its aliases (*name) so often that it would expand into far too much data; Rehearse refuses it to protect the server",
        ],
    ),
    (
        "tests/fixtures/broken/deep-nesting.yaml",
        &[
            "tests/fixtures/broken/deep-nesting.yaml:4:43: lists and mappings are nested more than 32 levels deep here; a question set needs about six",
        ],
    ),
    (
        "tests/fixtures/broken/invalid-utf8.yaml",
        &[
            "tests/fixtures/broken/invalid-utf8.yaml:3:11: this file is not valid UTF-8 text; save it as UTF-8 in your editor",
        ],
    ),
];

const VALID: &[&str] = &[
    "tests/fixtures/valid/topics.yaml",
    "tests/fixtures/valid/event-loop.yaml",
    "tests/fixtures/valid/streams.yaml",
];

#[test]
fn check_reports_every_broken_fixture_at_its_position() {
    for (input, expected) in BROKEN {
        let out = rehearse(None, &["check", VALID[0], VALID[2], input]);
        assert_eq!(
            out.lines(),
            expected.to_vec(),
            "check {input}\n{}",
            out.stderr
        );
        assert_eq!(out.code, 1, "check {input} should exit 1 (invalid input)");
        let count = expected.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        assert!(
            out.stderr.contains(&format!("{count} {noun} found")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn check_of_a_path_that_does_not_exist_is_an_io_error() {
    let out = rehearse(None, &["check", "tests/fixtures/broken/nope.yaml"]);
    assert_eq!(
        out.lines(),
        vec!["tests/fixtures/broken/nope.yaml: no such file or folder"]
    );
    assert_eq!(out.code, 2);
}

#[test]
fn check_accepts_the_valid_fixtures() {
    let out = rehearse(None, &["check", "tests/fixtures/valid"]);
    assert_eq!(
        out.lines(),
        vec!["0 problems: 3 questions in 2 sets"],
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 0);
}

fn every_broken_import_reports_the_same_problems_and_changes_nothing(test_db: TestDb) {
    let first = rehearse(Some(&test_db), &["import", "tests/fixtures/valid"]);
    assert_eq!(first.code, 0, "{first:?}");
    let db = test_db.open();
    let before = snapshot(&db);
    for (input, expected) in BROKEN {
        let out = rehearse(Some(&test_db), &["import", input]);
        assert_eq!(
            out.lines(),
            expected.to_vec(),
            "import {input}\n{}",
            out.stderr
        );
        assert_eq!(out.code, 1, "import {input}");
        assert_eq!(snapshot(&db), before, "import {input} changed the database");
    }
}

fn an_import_whose_last_file_is_broken_leaves_the_old_data_exactly_as_it_was(test_db: TestDb) {
    let first = rehearse(Some(&test_db), &["import", "tests/fixtures/valid"]);
    assert_eq!(first.code, 0, "{first:?}");
    let db = test_db.open();
    let before = snapshot(&db);
    // The first file changes an answer and would retire a question; the last one is broken.
    let dir = crate::helpers::copy_dir(&crate::helpers::fixture("valid"));
    let edited = std::fs::read_to_string(dir.path().join("event-loop.yaml"))
        .unwrap()
        .replace(
            "Timers, pending callbacks, poll",
            "Timers first, then pending callbacks, poll",
        );
    std::fs::write(dir.path().join("event-loop.yaml"), edited).unwrap();
    std::fs::copy(
        crate::helpers::fixture("broken/missing-field.yaml"),
        dir.path().join("zz-last.yaml"),
    )
    .unwrap();
    let out = rehearse(Some(&test_db), &["import", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.lines().len(), 1);
    assert!(
        out.stdout
            .contains("zz-last.yaml:5:5: this question is missing the required field `answer`")
    );
    assert_eq!(snapshot(&db), before);
}

db_tests!(
    every_broken_import_reports_the_same_problems_and_changes_nothing,
    an_import_whose_last_file_is_broken_leaves_the_old_data_exactly_as_it_was,
);
