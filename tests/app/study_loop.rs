//! The study loop under load, on both databases: grades of one user sent in parallel keep a
//! review order without collisions, a form sent twice at once counts once and both answers are
//! successes, the grade answers with the next question, and a page's cost in statements stays
//! the same however long the user's history.

use crate::helpers::{TestClock, TestDb, db_tests, generated_bank, location, spawn_app_with_clock};
use crate::practice::{CardPage, Study, counts, grade, open_card, post_grade, review_rows, study};
use diesel::prelude::*;
use rehearse::db::schema::{reviews, users};
use std::collections::HashSet;
use std::sync::Barrier;

fn seqs(s: &Study) -> Vec<i64> {
    let mut conn = s.app.db.reader().unwrap();
    reviews::table
        .select(reviews::seq)
        .order(reviews::seq.asc())
        .load(&mut *conn)
        .unwrap()
}

fn parallel_grades_of_one_user_leave_no_duplicate_order(test_db: TestDb) {
    let s = study(test_db, 24, 0, "2026-03-02T12:00:00Z");
    s.set_limits(100, 100);
    let keys: Vec<String> = (1..=24).map(|n| format!("alpha/q{n:02}")).collect();
    let pages: Vec<CardPage> = keys.iter().map(|k| open_card(&s.app, k)).collect();
    let barrier = Barrier::new(keys.len());
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = keys
            .iter()
            .zip(&pages)
            .map(|(key, page)| {
                let barrier = &barrier;
                let app = &s.app;
                scope.spawn(move || {
                    barrier.wait();
                    post_grade(app, key, page, 4).status().as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let order = seqs(&s);
    assert_eq!(order.len(), keys.len(), "every grade recorded");
    let distinct: HashSet<i64> = order.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        order.len(),
        "duplicate review order: {order:?}"
    );
    // Every question was graded once; the queue agrees with the log.
    assert_eq!(counts(&s.app, "/study"), (0, 0, 0));
}

fn a_form_sent_twice_at_once_counts_once_and_both_answers_are_successes(test_db: TestDb) {
    let s = study(test_db, 20, 0, "2026-03-02T12:00:00Z");
    s.set_limits(100, 100);
    for n in 1..=20 {
        let key = format!("alpha/q{n:02}");
        let page = open_card(&s.app, &key);
        let barrier = Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let send = || {
                barrier.wait();
                post_grade(&s.app, &key, &page, 3).status().as_u16()
            };
            let first = scope.spawn(send);
            let second = scope.spawn(send);
            vec![first.join().unwrap(), second.join().unwrap()]
        });
        assert_eq!(statuses, [303, 303], "round {n}: a false conflict");
        assert_eq!(review_rows(&s.app).len(), n, "round {n}: counted once");
    }
    // Graded 3, each of the 20 waits for its same-day re-drill.
    assert_eq!(counts(&s.app, "/study"), (0, 0, 20));
}

fn a_submission_id_sent_again_for_another_question_counts_as_recorded(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-03-02T12:00:00Z");
    let first = open_card(&s.app, "alpha/q01");
    assert_eq!(post_grade(&s.app, "alpha/q01", &first, 5).status(), 303);
    // A form for q02 that carries q01's submission id (a replayed or forged form).
    let second = CardPage {
        submission: first.submission.clone(),
        ..open_card(&s.app, "alpha/q02")
    };
    let response = post_grade(&s.app, "alpha/q02", &second, 5);
    assert_eq!(response.status(), 303);
    assert_eq!(review_rows(&s.app).len(), 1, "nothing recorded twice");
    // q02 is still new: the replay changed nothing.
    assert_eq!(counts(&s.app, "/study"), (0, 1, 0));
}

fn a_grade_answers_with_the_next_question_or_the_queue_page(test_db: TestDb) {
    let s = study(test_db, 2, 1, "2026-03-02T12:00:00Z");
    assert_eq!(grade(&s.app, "alpha/q01", 2), "/study/q/alpha/q02");
    // Studying one topic keeps to the topic.
    let page = open_card(&s.app, "beta/q01");
    let response = s.app.post_form(
        "/study/q/beta/q01/grade",
        &[
            ("csrf", page.csrf.as_str()),
            ("version", page.version.as_str()),
            ("started", page.started.as_str()),
            ("submission", page.submission.as_str()),
            ("grade", "5"),
            ("topic", "alpha-basics"),
        ],
    );
    assert_eq!(location(&response), "/study/q/alpha/q02?topic=alpha-basics");
    // q01 failed: its re-drill comes once nothing new is left, then the day is done.
    assert_eq!(grade(&s.app, "alpha/q02", 5), "/study/q/alpha/q01");
    assert_eq!(grade(&s.app, "alpha/q01", 4), "/study");
}

fn a_second_instance_on_the_same_database_shows_what_the_first_recorded(test_db: TestDb) {
    // Two servers on one database, as behind a load balancer; "ada" is signed in on both.
    let bank = generated_bank(3, 0);
    let clock = TestClock::at("2026-03-02T12:00:00Z");
    let other_db = test_db.same_database();
    let first = spawn_app_with_clock(test_db, bank.path(), clock.clone());
    let second = spawn_app_with_clock(other_db, bank.path(), clock);
    assert_eq!(first.sign_up("ada", "correct horse battery").status(), 303);
    assert_eq!(second.sign_in("ada", "correct horse battery").status(), 303);
    // The second instance now holds ada's study state in memory.
    assert_eq!(counts(&second, "/study"), (0, 3, 0));
    assert_eq!(grade(&first, "alpha/q01", 2), "/study/q/alpha/q02");
    // It notices the first one's grade on its next request: the grade is in its queue...
    assert_eq!(counts(&second, "/study"), (0, 2, 1));
    // ...and grading there moves on from it, not from its old copy.
    assert_eq!(grade(&second, "alpha/q02", 5), "/study/q/alpha/q03");
    assert_eq!(grade(&first, "alpha/q03", 5), "/study/q/alpha/q01");
    // A page the first instance drew before the second graded is refused there as stale.
    let stale = open_card(&first, "alpha/q01");
    assert_eq!(grade(&second, "alpha/q01", 4), "/study");
    assert_eq!(post_grade(&first, "alpha/q01", &stale, 4).status(), 409);
    assert_eq!(counts(&first, "/study"), (0, 0, 0));
}

/// Statements the app sent while `request` ran.
fn statements(s: &Study, request: impl FnOnce()) -> u64 {
    let before = s.app.db.statements_sent();
    request();
    s.app.db.statements_sent() - before
}

/// (question page, grade POST, question page after another instance's write) in statements.
fn costs(s: &Study, key: &str, next: &str) -> (u64, u64, u64) {
    let mut page = None;
    let shown = statements(s, || page = Some(open_card(&s.app, key)));
    let page = page.unwrap();
    let graded = statements(s, || {
        let response = post_grade(&s.app, key, &page, 5);
        assert_eq!(location(&response), format!("/study/q/{next}"));
    });
    // Another instance changed this user's study state: this one must load it again.
    {
        let mut conn = s.app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("ada")))
            .set(users::study_version.eq(users::study_version + 1))
            .execute(&mut *conn)
            .unwrap();
    }
    let reloaded = statements(s, || {
        open_card(&s.app, next);
    });
    (shown, graded, reloaded)
}

fn a_page_and_a_grade_cost_the_same_few_statements_however_long_the_history(test_db: TestDb) {
    let s = study(test_db, 120, 0, "2026-03-02T12:00:00Z");
    s.set_limits(500, 500);
    open_card(&s.app, "alpha/q01");
    let fresh = costs(&s, "alpha/q01", "alpha/q02");
    eprintln!(
        "statements: page {}, grade {}, page after a reload {}",
        fresh.0, fresh.1, fresh.2
    );
    // The session lookup alone: the study state is in memory.
    assert_eq!(fresh.0, 1, "question page");
    assert!(fresh.1 <= 9, "grade POST: {}", fresh.1);
    assert!(fresh.2 <= 10, "reloading the study state: {}", fresh.2);
    // A long day: 100 more grades, half of them failed (re-drills pile up).
    for n in 3..=102u8 {
        grade(&s.app, &format!("alpha/q{n:02}"), 2 + 3 * (n % 2));
    }
    let after = costs(&s, "alpha/q02", "alpha/q103");
    assert_eq!(
        after, fresh,
        "costs grew with history: {fresh:?} then {after:?}"
    );
}

db_tests!(
    parallel_grades_of_one_user_leave_no_duplicate_order,
    a_form_sent_twice_at_once_counts_once_and_both_answers_are_successes,
    a_grade_answers_with_the_next_question_or_the_queue_page,
    a_submission_id_sent_again_for_another_question_counts_as_recorded,
    a_second_instance_on_the_same_database_shows_what_the_first_recorded,
    a_page_and_a_grade_cost_the_same_few_statements_however_long_the_history,
);
