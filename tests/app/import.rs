//! `rehearse import` and `export` against real databases: idempotence, round trips, and what
//! an import keeps (schedules, history) and retires.

use crate::helpers::{TestDb, copy_dir, db_tests, fixture, rehearse, snapshot};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use rehearse::db::schema::{cards, questions, reviews, users};

fn summary_line(out: &crate::helpers::CliOutput) -> String {
    out.stdout.lines().last().unwrap_or_default().to_owned()
}

fn importing_the_shipped_bank_twice_changes_nothing_the_second_time(test_db: TestDb) {
    let first = rehearse(Some(&test_db), &["import", "questions"]);
    assert_eq!(first.code, 0, "{first:?}");
    let added: usize = summary_line(&first)
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(added >= 400, "the shipped bank has {added} questions");
    assert_eq!(
        summary_line(&first),
        format!("{added} added, 0 updated, 0 retired, 0 unchanged")
    );
    let second = rehearse(Some(&test_db), &["import", "questions"]);
    assert_eq!(
        second.lines(),
        vec![format!("0 added, 0 updated, 0 retired, {added} unchanged")]
    );

    // Export, then import the export: still nothing to change.
    let out_dir = tempfile::tempdir().unwrap();
    let export = rehearse(
        Some(&test_db),
        &["export", "--out", out_dir.path().to_str().unwrap()],
    );
    assert_eq!(export.code, 0, "{export:?}");
    let db = test_db.open();
    let before = snapshot(&db);
    let again = rehearse(
        Some(&test_db),
        &["import", out_dir.path().to_str().unwrap()],
    );
    assert_eq!(
        again.lines(),
        vec![format!("0 added, 0 updated, 0 retired, {added} unchanged")]
    );
    let after = snapshot(&db);
    // The questions and topics are untouched; the history records one more run (and the sets
    // now name the exported files as their source).
    assert_eq!(after.import_runs, before.import_runs + 1);
    assert!(after.questions == before.questions, "questions changed");
    assert!(after.topics == before.topics, "topics changed");
}

fn a_dry_run_prints_the_plan_and_writes_nothing(test_db: TestDb) {
    let out = rehearse(
        Some(&test_db),
        &["import", "tests/fixtures/valid", "--dry-run"],
    );
    assert_eq!(
        out.lines(),
        vec![
            "+ event-loop/phases-order (added)",
            "+ event-loop/immediate-vs-timeout (added)",
            "+ streams/backpressure (added)",
            "dry run, nothing written: 3 added, 0 updated, 0 retired, 0 unchanged",
        ]
    );
    let db = test_db.open();
    let mut conn = db.reader().unwrap();
    let count: i64 = questions::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 0);
}

fn add_user_with_reviewed_card(conn: &mut rehearse::db::DbConnection, question_id: &str) {
    let now = Utc::now().naive_utc();
    diesel::insert_into(users::table)
        .values((
            users::id.eq("u1"),
            users::username.eq("ada"),
            users::password_hash.eq("x"),
            users::created_at.eq(now),
        ))
        .execute(conn)
        .unwrap();
    let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    diesel::insert_into(cards::table)
        .values((
            cards::user_id.eq("u1"),
            cards::question_id.eq(question_id),
            cards::repetitions.eq(2),
            cards::interval_days.eq(6),
            cards::easiness_hundredths.eq(260),
            cards::due_day.eq(Some(due)),
            cards::review_count.eq(2),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq("r1"),
            reviews::user_id.eq("u1"),
            reviews::question_id.eq(question_id),
            reviews::grade.eq(5),
            reviews::source.eq("practice"),
            reviews::reviewed_at.eq(now),
            reviews::study_day.eq(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
            reviews::time_taken_ms.eq(12_000_i64),
            reviews::before_repetitions.eq(1),
            reviews::before_interval_days.eq(1),
            reviews::before_easiness_hundredths.eq(250),
            reviews::after_repetitions.eq(2),
            reviews::after_interval_days.eq(6),
            reviews::after_easiness_hundredths.eq(260),
        ))
        .execute(conn)
        .unwrap();
}

fn card_and_history(conn: &mut rehearse::db::DbConnection) -> (Vec<(String, i32, i32, i32)>, i64) {
    let card = cards::table
        .select((
            cards::question_id,
            cards::repetitions,
            cards::interval_days,
            cards::easiness_hundredths,
        ))
        .load(conn)
        .unwrap();
    let reviews: i64 = reviews::table.count().get_result(conn).unwrap();
    (card, reviews)
}

fn changing_an_answer_keeps_schedules_and_a_removed_question_is_retired_then_restored(
    test_db: TestDb,
) {
    let dir = copy_dir(&fixture("valid"));
    let path = dir.path().to_str().unwrap().to_owned();
    assert_eq!(rehearse(Some(&test_db), &["import", &path]).code, 0);
    let db = test_db.open();
    let mut conn = db.writer().unwrap();
    // The question's id and rendered answer.
    let stored = |conn: &mut rehearse::db::DbConnection| -> (String, String) {
        questions::table
            .filter(questions::question_key.eq("event-loop/phases-order"))
            .select((questions::id, questions::answer_html))
            .get_result(conn)
            .unwrap()
    };
    let (question_id, answer_before) = stored(&mut conn);
    add_user_with_reviewed_card(&mut conn, &question_id);
    let state_before = card_and_history(&mut conn);
    drop(conn);

    // 1. Change the answer: updated in place, same id, card and history untouched.
    let file = dir.path().join("event-loop.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let edited = original.replace("close callbacks.", "close callbacks, in that order.");
    // Writes the file, imports the folder and checks what the import reports.
    let import = |text: &str, report: [&str; 2]| {
        std::fs::write(&file, text).unwrap();
        assert_eq!(rehearse(Some(&test_db), &["import", &path]).lines(), report);
    };
    import(
        &edited,
        [
            "~ event-loop/phases-order (updated)",
            "0 added, 1 updated, 0 retired, 2 unchanged",
        ],
    );
    let mut conn = db.writer().unwrap();
    let (id_after, answer_after) = stored(&mut conn);
    assert_eq!(id_after, question_id);
    assert_ne!(answer_after, answer_before);
    assert!(answer_after.contains("in that order"));
    assert_eq!(card_and_history(&mut conn), state_before);
    drop(conn);

    // 2. Remove the question from its file: retired, history kept.
    let without: String = {
        let text = std::fs::read_to_string(&file).unwrap();
        let start = text.find("  - id: phases-order").unwrap();
        let end = text.find("  - id: immediate-vs-timeout").unwrap();
        format!("{}{}", &text[..start], &text[end..]).replace(
            "follow_ups: [immediate-vs-timeout, streams/backpressure]",
            "",
        )
    };
    import(
        &without,
        [
            "- event-loop/phases-order (retired)",
            "0 added, 0 updated, 1 retired, 2 unchanged",
        ],
    );
    let mut conn = db.writer().unwrap();
    let retired: Option<chrono::NaiveDateTime> = questions::table
        .find(&question_id)
        .select(questions::retired_at)
        .get_result(&mut *conn)
        .unwrap();
    assert!(retired.is_some());
    assert_eq!(card_and_history(&mut conn), state_before);
    drop(conn);

    // 3. Put it back: restored under the same id, still with its card.
    import(
        &edited,
        [
            "^ event-loop/phases-order (restored)",
            "0 added, 0 updated, 0 retired, 2 unchanged, 1 restored",
        ],
    );
    let mut conn = db.writer().unwrap();
    let (id, retired): (String, Option<chrono::NaiveDateTime>) = questions::table
        .filter(questions::question_key.eq("event-loop/phases-order"))
        .select((questions::id, questions::retired_at))
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(id, question_id);
    assert!(retired.is_none());
    assert_eq!(card_and_history(&mut conn), state_before);
}

fn migrate_applies_the_schema_once(test_db: TestDb) {
    let first = rehearse(Some(&test_db), &["migrate"]);
    assert_eq!(first.code, 0, "{first:?}");
    let migrations = std::fs::read_dir(crate::helpers::repo_root().join("migrations/sqlite"))
        .unwrap()
        .count();
    assert!(
        first
            .stdout
            .starts_with(&format!("{migrations} migration(s) applied")),
        "{}",
        first.stdout
    );
    let second = rehearse(Some(&test_db), &["migrate"]);
    assert!(
        second.stdout.starts_with("0 migration(s) applied"),
        "{}",
        second.stdout
    );
}

fn exporting_an_unknown_set_is_a_clear_error(test_db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let out = rehearse(
        Some(&test_db),
        &[
            "export",
            "--set",
            "nope",
            "--out",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: there is no question set \"nope\""
    );
}

db_tests!(
    importing_the_shipped_bank_twice_changes_nothing_the_second_time,
    a_dry_run_prints_the_plan_and_writes_nothing,
    changing_an_answer_keeps_schedules_and_a_removed_question_is_retired_then_restored,
    migrate_applies_the_schema_once,
    exporting_an_unknown_set_is_a_clear_error,
);

#[test]
fn every_migration_exists_for_both_backends() {
    let names = |backend: &str| {
        let mut list: Vec<String> =
            std::fs::read_dir(crate::helpers::repo_root().join("migrations").join(backend))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        list.sort();
        list
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
