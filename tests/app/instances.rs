//! Two server instances on one database, as behind a load balancer: what one instance writes
//! (an import, a retired question, a grade, a disabled account, a new password, a sign-out)
//! the other serves on its very next request, and grades sent to both at once are each
//! recorded exactly once. Every test runs on PostgreSQL (the deployment the issue is about)
//! and on SQLite (two processes on one file).
//!
//! One browser is one cookie jar used against either instance (cookies belong to the host, not
//! the port), which is what a browser behind a load balancer sees.

use crate::admin::{PASSWORD, admin};
use crate::admin_import::upload;
use crate::helpers::{
    TestApp, TestClock, TestDb, Visitor, assert_contains, copy_dir, db_tests, fixture,
    generated_bank, hidden_value, import_into, location, rehearse_with_input, spawn_app_with_clock,
};
use crate::practice::{CardPage, counts, grade, open_card, post_grade};
use diesel::prelude::*;
use rehearse::db::schema::{cards, reviews, sessions, users};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Barrier};

/// Two instances on one database, on one clock.
fn two_instances(test_db: TestDb, questions: &Path, clock: Arc<TestClock>) -> (TestApp, TestApp) {
    let other = test_db.same_database();
    let a = spawn_app_with_clock(test_db, questions, clock.clone());
    let b = spawn_app_with_clock(other, questions, clock);
    (a, b)
}

/// The browser `visitor` (its cookie jar) sending its next requests to `app`.
fn on(app: &TestApp, visitor: &Visitor) -> Visitor {
    Visitor {
        address: app.address.clone(),
        client: visitor.client.clone(),
    }
}

fn now() -> Arc<TestClock> {
    TestClock::at("2026-03-02T12:00:00Z")
}

/// The status of `path` for `visitor`, and where a redirect leads.
fn status_and_location(visitor: &Visitor, path: &str) -> (u16, String) {
    let response = visitor.get(path);
    (response.status().as_u16(), location(&response))
}

fn an_import_through_one_instance_is_served_by_the_other_on_its_next_request(test_db: TestDb) {
    let (a, b) = two_instances(test_db, &fixture("valid"), now());
    let root = a.new_visitor();
    admin(&a, &root, "root");
    // carol studies on B, which now holds the bank, her queue and the search index in memory.
    let carol = b.new_visitor();
    assert_eq!(carol.sign_up("carol", PASSWORD).status(), 303);
    assert_eq!(counts(&carol, "/study"), (0, 3, 0));
    assert_eq!(carol.get("/questions/streams/brand-new").status(), 404);
    let page = carol.get("/questions?q=slower").text().unwrap();
    assert_contains(&page, &["0 questions match"]);
    let anonymous = b.new_visitor();
    assert!(
        !anonymous
            .get("/questions/streams/backpressure")
            .text()
            .unwrap()
            .contains("A slower consumer")
    );

    // root uploads streams.yaml through A: one answer edited, one question added.
    let edited = std::fs::read_to_string(fixture("valid/streams.yaml"))
        .unwrap()
        .replace("A slow consumer", "A slower consumer")
        + "\n  - id: brand-new\n    topic: streams\n    difficulty: junior\n    kind: concept\n    \
           prompt: What does pipeline() add over pipe()?\n    answer: Error handling and cleanup.\n    \
           key_points: [errors propagate, streams are destroyed]\n";
    let response = upload(&root, vec![("streams.yaml".into(), edited.into_bytes())]);
    assert_eq!(response.status(), 303);
    let preview = location(&response);
    let csrf = hidden_value(&root.get(&preview).text().unwrap(), "csrf").unwrap();
    let response = root.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]);
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/admin/imports/"));

    // B serves the new bank on its next request, signed in or not, in every view.
    let page = anonymous
        .get("/questions/streams/backpressure")
        .text()
        .unwrap();
    assert_contains(&page, &["A slower consumer"]);
    let page = carol.get("/questions/streams/brand-new").text().unwrap();
    assert_contains(&page, &["What does pipeline() add over pipe()?"]);
    let page = carol.get("/questions?q=slower").text().unwrap();
    assert_contains(&page, &["href=\"/questions/streams/backpressure\""]);
    assert_eq!(counts(&carol, "/study"), (0, 4, 0));
    open_card(&carol, "streams/brand-new");

    // And the other way round: root retires the new question through B; A drops it.
    let root_on_b = on(&b, &root);
    let csrf = root_on_b.csrf_from("/admin/sets/streams");
    let response = root_on_b.post_form(
        "/admin/questions/streams/brand-new/retire",
        &[("csrf", &csrf)],
    );
    assert_eq!(response.status(), 303);
    let carol_on_a = on(&a, &carol);
    assert_eq!(carol_on_a.get("/questions/streams/brand-new").status(), 404);
    assert_eq!(counts(&carol_on_a, "/study"), (0, 3, 0));
    assert_eq!(carol.get("/questions/streams/brand-new").status(), 404);
}

fn a_cli_import_into_the_database_shows_on_every_running_instance(test_db: TestDb) {
    // On SQLite this is the supported way to change the bank of a running server.
    let bank = copy_dir(&fixture("valid"));
    let (a, b) = two_instances(test_db, bank.path(), now());
    let carol = a.new_visitor();
    assert_eq!(carol.sign_up("carol", PASSWORD).status(), 303);
    let carol_on_b = on(&b, &carol);
    for visitor in [&carol, &carol_on_b] {
        assert_eq!(counts(visitor, "/study"), (0, 3, 0));
        let page = visitor.get("/questions?q=freshly").text().unwrap();
        assert_contains(&page, &["0 questions match"]);
    }
    let file = bank.path().join("streams.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    let changed = yaml.replace("A slow consumer", "A freshly rewritten consumer")
        + "\n  - id: brand-new\n    topic: streams\n    difficulty: junior\n    kind: concept\n    \
           prompt: What does pipeline() add over pipe()?\n    answer: Error handling and cleanup.\n    \
           key_points: [errors propagate, streams are destroyed]\n";
    std::fs::write(&file, changed).unwrap();
    let output = import_into(&a, bank.path());
    assert_eq!(output.code, 0, "{output:?}");
    for visitor in [&carol, &carol_on_b] {
        let page = visitor
            .get("/questions/streams/backpressure")
            .text()
            .unwrap();
        assert_contains(&page, &["A freshly rewritten consumer"]);
        let page = visitor.get("/questions?q=freshly").text().unwrap();
        assert_contains(&page, &["href=\"/questions/streams/backpressure\""]);
        assert_eq!(counts(visitor, "/study"), (0, 4, 0));
    }
}

fn a_session_made_on_one_instance_works_on_the_other(test_db: TestDb) {
    let bank = generated_bank(3, 0);
    let (a, b) = two_instances(test_db, bank.path(), now());
    let ada = a.new_visitor();
    assert_eq!(ada.sign_up("ada", PASSWORD).status(), 303);
    let ada_on_b = on(&b, &ada);
    let home = ada_on_b.get("/").text().unwrap();
    assert_contains(&home, &["Signed in as <strong>ada</strong>"]);
    // A form drawn on one instance is accepted by the other (CSRF token and Origin alike):
    // grading alternates between them and each sees the other's grade.
    let page = open_card(&ada, "alpha/q01");
    assert_eq!(
        location(&post_grade(&ada_on_b, "alpha/q01", &page, 5)),
        "/study/q/alpha/q02"
    );
    assert_eq!(grade(&ada, "alpha/q02", 5), "/study/q/alpha/q03");
    assert_eq!(grade(&ada_on_b, "alpha/q03", 5), "/study");
    assert_eq!(counts(&ada, "/study"), (0, 0, 0));
    assert_eq!(counts(&ada_on_b, "/study"), (0, 0, 0));
    assert_eq!(review_seqs(&a, "ada").len(), 3);
}

/// The `seq` of every review row of `username`, in order.
fn review_seqs(app: &TestApp, username: &str) -> Vec<i64> {
    let user_id = app.user_id(username);
    let mut conn = app.db.reader().unwrap();
    reviews::table
        .filter(reviews::user_id.eq(user_id))
        .select(reviews::seq)
        .order(reviews::seq.asc())
        .load(&mut *conn)
        .unwrap()
}

/// Raises ada's daily limits, the way every writer of study data does it (the version moves).
fn raise_limits(app: &TestApp) {
    let mut conn = app.db.writer().unwrap();
    diesel::update(users::table.filter(users::username.eq("ada")))
        .set((
            users::new_per_day.eq(100),
            users::max_reviews_per_day.eq(100),
            users::study_version.eq(users::study_version + 1),
        ))
        .execute(&mut *conn)
        .unwrap();
}

/// Asserts that ada has `expected` reviews, in an order without duplicates, and as many
/// cards, each reviewed once.
#[track_caller]
fn assert_each_recorded_once(app: &TestApp, expected: usize) {
    let order = review_seqs(app, "ada");
    assert_eq!(order.len(), expected, "review rows: {order:?}");
    let distinct: HashSet<i64> = order.iter().copied().collect();
    assert_eq!(distinct.len(), order.len(), "duplicate seq: {order:?}");
    let user_id = app.user_id("ada");
    let mut conn = app.db.reader().unwrap();
    let reviewed: Vec<i32> = cards::table
        .filter(cards::user_id.eq(user_id))
        .filter(cards::review_count.gt(0))
        .select(cards::review_count)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(reviewed, vec![1; expected], "each card's review count");
}

fn grades_sent_to_both_instances_at_once_are_each_recorded_once(test_db: TestDb) {
    let bank = generated_bank(25, 0);
    let (a, b) = two_instances(test_db, bank.path(), now());
    let ada = a.new_visitor();
    assert_eq!(ada.sign_up("ada", PASSWORD).status(), 303);
    raise_limits(&a);
    let ada_on_b = on(&b, &ada);
    // Both instances hold ada's study state before the race.
    assert_eq!(counts(&ada, "/study"), (0, 25, 0));
    assert_eq!(counts(&ada_on_b, "/study"), (0, 25, 0));

    // Distinct cards, half through each instance, all at once.
    let keys: Vec<String> = (1..=24).map(|n| format!("alpha/q{n:02}")).collect();
    let pages: Vec<CardPage> = keys.iter().map(|k| open_card(&ada, k)).collect();
    let barrier = Barrier::new(keys.len());
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = keys
            .iter()
            .zip(&pages)
            .enumerate()
            .map(|(n, (key, page))| {
                let (barrier, visitor) = (&barrier, if n % 2 == 0 { &ada } else { &ada_on_b });
                scope.spawn(move || {
                    barrier.wait();
                    post_grade(visitor, key, page, 4).status().as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_each_recorded_once(&a, 24);
    assert_eq!(counts(&ada, "/study"), (0, 1, 0));
    assert_eq!(counts(&ada_on_b, "/study"), (0, 1, 0));
    // The last grade, through A alone: B's copy of ada's state is stale until it notices.
    assert_eq!(grade(&ada, "alpha/q25", 5), "/study");
    assert_eq!(counts(&ada_on_b, "/study"), (0, 0, 0));
    assert_each_recorded_once(&a, 25);
}

fn one_form_sent_to_both_instances_at_once_counts_once_and_both_succeed(test_db: TestDb) {
    let bank = generated_bank(12, 0);
    let (a, b) = two_instances(test_db, bank.path(), now());
    let ada = a.new_visitor();
    assert_eq!(ada.sign_up("ada", PASSWORD).status(), 303);
    raise_limits(&a);
    let ada_on_b = on(&b, &ada);
    for n in 1..=12 {
        let key = format!("alpha/q{n:02}");
        // Drawn on either instance, in turn: the form is the same for both.
        let page = open_card(if n % 2 == 0 { &ada } else { &ada_on_b }, &key);
        let barrier = Barrier::new(2);
        let send = |visitor: &Visitor| {
            barrier.wait();
            post_grade(visitor, &key, &page, 3).status().as_u16()
        };
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let first = scope.spawn(|| send(&ada));
            let second = scope.spawn(|| send(&ada_on_b));
            vec![first.join().unwrap(), second.join().unwrap()]
        });
        assert_eq!(statuses, [303, 303], "round {n}: a false conflict");
        assert_each_recorded_once(&a, n);
    }
    // Graded 3, each of the 12 waits for its same-day re-drill, on both instances.
    assert_eq!(counts(&ada, "/study"), (0, 0, 12));
    assert_eq!(counts(&ada_on_b, "/study"), (0, 0, 12));
}

fn an_account_disabled_through_one_instance_is_signed_out_on_the_other(test_db: TestDb) {
    let (a, b) = two_instances(test_db, &fixture("valid"), now());
    let root = a.new_visitor();
    admin(&a, &root, "root");
    let carol = b.new_visitor();
    assert_eq!(carol.sign_up("carol", PASSWORD).status(), 303);
    let carol_on_a = on(&a, &carol);
    assert_eq!(carol.get("/study").status(), 200);
    assert_eq!(carol_on_a.get("/study").status(), 200);

    let carol_id = a.user_id("carol");
    let csrf = root.csrf_from("/admin/users");
    let response = root.post_form(
        &format!("/admin/users/{carol_id}/disable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(location(&response), "/admin/users?done=disabled");
    // Her very next request on either instance is anonymous.
    let signed_out = (303, "/signin?next=%2Fstudy".to_owned());
    assert_eq!(status_and_location(&carol, "/study"), signed_out);
    assert_eq!(status_and_location(&carol_on_a, "/study"), signed_out);
    assert_eq!(a.session_count(&carol_id), 0);
    // Enabled again through B, she can sign in through A.
    let root_on_b = on(&b, &root);
    let csrf = root_on_b.csrf_from("/admin/users");
    let response = root_on_b.post_form(
        &format!("/admin/users/{carol_id}/enable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(location(&response), "/admin/users?done=enabled");
    assert_eq!(carol_on_a.sign_in("carol", PASSWORD).status(), 303);
    assert_eq!(carol.get("/study").status(), 200);
    // Disabled from the command line, beside both servers: signed out on both too.
    let out = rehearse_with_input(Some(&a.database_url), &["user", "disable", "carol"], "");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(status_and_location(&carol, "/study"), signed_out);
    assert_eq!(status_and_location(&carol_on_a, "/study"), signed_out);
}

fn a_password_change_or_sign_out_on_one_instance_ends_the_session_on_the_other(test_db: TestDb) {
    let (a, b) = two_instances(test_db, &fixture("valid"), now());
    let laptop = a.new_visitor();
    assert_eq!(laptop.sign_up("ada", PASSWORD).status(), 303);
    let phone = b.new_visitor();
    assert_eq!(phone.sign_in("ada", PASSWORD).status(), 303);
    let (laptop_on_b, phone_on_a) = (on(&b, &laptop), on(&a, &phone));
    for visitor in [&laptop, &laptop_on_b, &phone, &phone_on_a] {
        assert_eq!(visitor.get("/settings").status(), 200);
    }

    // The password changes on the laptop through A: the phone is signed out on both.
    let csrf = laptop.csrf_from("/settings");
    let response = laptop.post_form(
        "/settings/password",
        &[
            ("csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "a new long password"),
            ("confirm_password", "a new long password"),
        ],
    );
    assert_eq!(location(&response), "/settings?password=1");
    let signed_out = (303, "/signin?next=%2Fsettings".to_owned());
    assert_eq!(status_and_location(&phone, "/settings"), signed_out);
    assert_eq!(status_and_location(&phone_on_a, "/settings"), signed_out);
    // The laptop keeps its session on both.
    assert_eq!(laptop_on_b.get("/settings").status(), 200);
    assert_eq!(laptop.get("/settings").status(), 200);

    // Signing out through B ends the laptop's session on A too.
    let csrf = laptop_on_b.csrf_from("/settings");
    let response = laptop_on_b.post_form("/signout", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 303);
    assert_eq!(status_and_location(&laptop, "/settings"), signed_out);
    assert_eq!(status_and_location(&laptop_on_b, "/settings"), signed_out);
    let mut conn = a.db.reader().unwrap();
    let left: i64 = sessions::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(left, 0, "no session row is left");
}

db_tests!(
    an_import_through_one_instance_is_served_by_the_other_on_its_next_request,
    a_cli_import_into_the_database_shows_on_every_running_instance,
    a_session_made_on_one_instance_works_on_the_other,
    grades_sent_to_both_instances_at_once_are_each_recorded_once,
    one_form_sent_to_both_instances_at_once_counts_once_and_both_succeed,
    an_account_disabled_through_one_instance_is_signed_out_on_the_other,
    a_password_change_or_sign_out_on_one_instance_ends_the_session_on_the_other,
);
