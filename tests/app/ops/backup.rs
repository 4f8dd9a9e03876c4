//! `rehearse backup`: a copy of a live SQLite database taken while grades come in holds every
//! grade acknowledged before it started; PostgreSQL is pointed to pg_dump.

use crate::helpers::{TestDb, hidden_value, location, rehearse};
use crate::practice::study;
use diesel::prelude::*;
use rehearse::db::schema::reviews;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Grades cards (failing them, so the queue never runs dry) until `stop`; pushes the
/// submission id of every grade the server acknowledged.
fn grade_until(
    visitor: &crate::helpers::Visitor,
    acknowledged: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        let next = visitor.get("/study/next");
        let card = location(&next);
        assert!(card.starts_with("/study/q/"), "{card}");
        let page = visitor.get(&card).text().unwrap();
        let field = |name| hidden_value(&page, name).unwrap();
        let submission = field("submission");
        let response = visitor.post_form(
            &format!("{card}/grade"),
            &[
                ("csrf", field("csrf").as_str()),
                ("version", field("version").as_str()),
                ("started", field("started").as_str()),
                ("submission", submission.as_str()),
                ("grade", "1"),
            ],
        );
        assert_eq!(response.status(), 303, "grading {card}");
        acknowledged.lock().unwrap().push(submission);
    }
}

#[test]
fn a_backup_taken_while_grading_holds_every_grade_acknowledged_before_it() {
    let s = study(TestDb::sqlite(), 30, 0, "2026-03-02T09:00:00Z");
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let out = tempfile::tempdir().unwrap();
    let backup = out.path().join("rehearse-backup.db");
    let backup_text = backup.to_str().unwrap();
    std::thread::scope(|scope| {
        let grader = scope.spawn(|| grade_until(&s.app, &acknowledged, &stop));
        while acknowledged.lock().unwrap().len() < 10 && !grader.is_finished() {
            std::thread::yield_now();
        }
        let before_backup = acknowledged.lock().unwrap().clone();
        let result = rehearse(
            None,
            &[
                "--database",
                &s.app.database_url,
                "backup",
                "--out",
                backup_text,
            ],
        );
        let during_backup = acknowledged.lock().unwrap().len();
        stop.store(true, Ordering::Relaxed);
        grader.join().unwrap();
        assert_eq!(result.code, 0, "{result:?}");
        assert!(result.stdout.contains("backed up"), "{result:?}");

        // Restoring is using the file: every grade acknowledged before is in it.
        let mut restored = SqliteConnection::establish(backup_text).unwrap();
        let stored: Vec<Option<String>> = reviews::table
            .select(reviews::submission_id)
            .load(&mut restored)
            .unwrap();
        let stored: std::collections::HashSet<_> = stored.into_iter().flatten().collect();
        for submission in &before_backup {
            assert!(stored.contains(submission), "grade {submission} is missing");
        }
        assert!(stored.len() >= before_backup.len());
        assert!(
            stored.len() <= during_backup + 1,
            "no more than was graded by the end"
        );
    });

    // A second backup to the same file is refused and leaves it alone.
    let size = std::fs::metadata(&backup).unwrap().len();
    let again = rehearse(
        None,
        &[
            "--database",
            &s.app.database_url,
            "backup",
            "--out",
            backup_text,
        ],
    );
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{again:?}");
    assert_eq!(std::fs::metadata(&backup).unwrap().len(), size);
}

#[test]
fn a_postgresql_backup_is_pointed_to_pg_dump() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("copy.db");
    let result = rehearse(Some(&test_db), &["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stderr.contains("pg_dump"), "{result:?}");
    assert!(
        !result.stderr.contains(&test_db.url_text),
        "the URL is redacted"
    );
    assert!(!file.exists());
}

#[test]
fn a_backup_of_a_missing_database_creates_nothing() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("copy.db");
    let missing = out.path().join("nothing-here.db");
    let result = rehearse(
        None,
        &[
            "--database",
            missing.to_str().unwrap(),
            "backup",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stderr.contains("no database"), "{result:?}");
    assert!(!file.exists() && !missing.exists());
}
