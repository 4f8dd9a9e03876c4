//! Practice over HTTP with an injected clock: the queue's order, counts and limits, grading,
//! undo, bury, suspend, flag, stale pages, day rollover, and 30 days of SM-2 against the pure
//! scheduler.

use crate::helpers::{
    TestApp, TestClock, TestDb, Visitor, assert_contains, assert_page, db_tests, generated_bank,
    hidden_value, location, spawn_app_with_clock,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rehearse::db::schema::{cards, flags, questions, reviews, users};
use rehearse::practice::service::{SCHEDULE_COLUMNS, StoredSchedule};
use rehearse::sm2::{self, DayClock, Grade, Sm2State};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery";

pub(crate) struct Study {
    pub(crate) app: TestApp,
    pub(crate) clock: Arc<TestClock>,
    _bank: tempfile::TempDir,
}

/// An app on a generated bank, a clock at `start`, and a signed-up user "ada".
pub(crate) fn study(test_db: TestDb, alpha: usize, beta: usize, start: &str) -> Study {
    let bank = generated_bank(alpha, beta);
    let clock = TestClock::at(start);
    let app = spawn_app_with_clock(test_db, bank.path(), clock.clone());
    assert_eq!(app.sign_up("ada", PASSWORD).status(), 303);
    Study {
        app,
        clock,
        _bank: bank,
    }
}

impl Study {
    pub(crate) fn set_limits(&self, new_per_day: i32, max_reviews: i32) {
        let mut conn = self.app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("ada")))
            .set((
                users::new_per_day.eq(new_per_day),
                users::max_reviews_per_day.eq(max_reviews),
                // Like every writer of study data, say so: running instances reload their copy.
                users::study_version.eq(users::study_version + 1),
            ))
            .execute(&mut *conn)
            .unwrap();
    }

    fn next_days(&self, days: i64) {
        self.clock.advance(chrono::Duration::days(days));
    }

    fn card(&self, key: &str) -> Option<CardRow> {
        card_row(&self.app, "ada", key)
    }
}

/// (due, new, again today) as the queue page shows them.
pub(crate) fn counts(visitor: &Visitor, path: &str) -> (u32, u32, u32) {
    let page = visitor.get(path).text().unwrap();
    let number = |label: &str| -> u32 {
        let marker = format!("</strong> {label}</li>");
        let end = page
            .find(&marker)
            .unwrap_or_else(|| panic!("no {label} count: {page}"));
        let start = page[..end].rfind("<strong>").unwrap() + "<strong>".len();
        page[start..end].parse().unwrap()
    };
    (number("due"), number("new"), number("again today"))
}

/// The key of the question `/study/next` leads to, or `None` when the day is done.
pub(crate) fn next_key(visitor: &Visitor, topic: Option<&str>) -> Option<String> {
    let query = topic.map(|t| format!("?topic={t}")).unwrap_or_default();
    let response = visitor.get(&format!("/study/next{query}"));
    assert_eq!(response.status(), 303);
    let target = location(&response);
    target
        .strip_prefix("/study/q/")
        .map(|rest| rest.split('?').next().unwrap().to_owned())
}

/// The fields of a question page's grade form.
pub(crate) struct CardPage {
    pub(crate) csrf: String,
    pub(crate) version: String,
    pub(crate) started: String,
    pub(crate) submission: String,
}

pub(crate) fn open_card(visitor: &Visitor, key: &str) -> CardPage {
    let response = visitor.get(&format!("/study/q/{key}"));
    assert_eq!(response.status(), 200);
    let page = response.text().unwrap();
    CardPage {
        csrf: hidden_value(&page, "csrf").unwrap(),
        version: hidden_value(&page, "version").unwrap(),
        started: hidden_value(&page, "started").unwrap(),
        submission: hidden_value(&page, "submission").unwrap(),
    }
}

pub(crate) fn post_grade(
    visitor: &Visitor,
    key: &str,
    page: &CardPage,
    grade: u8,
) -> reqwest::blocking::Response {
    let grade = grade.to_string();
    visitor.post_form(
        &format!("/study/q/{key}/grade"),
        &[
            ("csrf", page.csrf.as_str()),
            ("version", page.version.as_str()),
            ("started", page.started.as_str()),
            ("submission", page.submission.as_str()),
            ("grade", grade.as_str()),
        ],
    )
}

/// Opens a question and grades it; returns where the grade sent the browser.
pub(crate) fn grade(visitor: &Visitor, key: &str, grade: u8) -> String {
    let page = open_card(visitor, key);
    let response = post_grade(visitor, key, &page, grade);
    assert_eq!(response.status(), 303, "grading {key}");
    location(&response)
}

fn post_simple(visitor: &Visitor, path: &str) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/study");
    visitor.post_form(path, &[("csrf", csrf.as_str())])
}

/// A card's stored schedule.
type CardRow = StoredSchedule;

fn card_row(app: &TestApp, username: &str, key: &str) -> Option<CardRow> {
    let mut conn = app.db.reader().unwrap();
    cards::table
        .inner_join(users::table)
        .inner_join(questions::table)
        .filter(users::username.eq(username))
        .filter(questions::question_key.eq(key))
        .select(SCHEDULE_COLUMNS)
        .get_result::<CardRow>(&mut *conn)
        .optional()
        .unwrap()
}

pub(crate) fn review_rows(app: &TestApp) -> Vec<(i32, bool, Option<NaiveDateTime>)> {
    let mut conn = app.db.reader().unwrap();
    reviews::table
        .order(reviews::seq.asc())
        .select((reviews::grade, reviews::is_redrill, reviews::undone_at))
        .load(&mut *conn)
        .unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn the_queue_shows_due_reviews_most_overdue_first_then_new_then_redrills(test_db: TestDb) {
    let s = study(test_db, 6, 0, "2026-03-02T12:00:00Z");
    s.set_limits(3, 200);
    assert_eq!(counts(&s.app, "/study"), (0, 3, 0));
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q01"));

    // Day 1: q02 out of turn (due day 2). Day 2: q01 (due day 3).
    grade(&s.app, "alpha/q02", 5);
    s.next_days(1);
    grade(&s.app, "alpha/q01", 5);
    // Day 5: q02 has waited longer than q01, so it comes first though it is later in the roadmap.
    s.next_days(3);
    assert_eq!(counts(&s.app, "/study"), (2, 3, 0));
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q02"));
    grade(&s.app, "alpha/q02", 5);
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q01"));
    // A failed review comes back the same day, after the new questions.
    grade(&s.app, "alpha/q01", 1);
    assert_eq!(counts(&s.app, "/study"), (0, 3, 1));
    for expected in ["alpha/q03", "alpha/q04", "alpha/q05"] {
        assert_eq!(next_key(&s.app, None).as_deref(), Some(expected));
        grade(&s.app, expected, 4);
    }
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q01"));
    // The re-drill passed with 4 ends the day; it did not move the schedule again.
    let before = s.card("alpha/q01").unwrap();
    grade(&s.app, "alpha/q01", 4);
    let after = s.card("alpha/q01").unwrap();
    assert_eq!(
        (before.interval_days, before.due_day, before.repetitions),
        (after.interval_days, after.due_day, after.repetitions)
    );
    assert_eq!(next_key(&s.app, None), None);
    let page = s.app.get("/study").text().unwrap();
    assert_contains(&page, &["Nothing due — next review tomorrow at 04:00."]);
    assert_eq!(
        review_rows(&s.app).iter().filter(|r| r.1).count(),
        1,
        "one re-drill"
    );
}

fn daily_limits_hold_back_new_questions_and_reviews(test_db: TestDb) {
    let s = study(test_db, 5, 0, "2026-03-02T12:00:00Z");
    s.set_limits(2, 1);
    assert_eq!(counts(&s.app, "/study"), (0, 2, 0));
    grade(&s.app, "alpha/q01", 5);
    grade(&s.app, "alpha/q02", 5);
    assert_eq!(counts(&s.app, "/study"), (0, 0, 0));
    let page = s.app.get("/study").text().unwrap();
    assert_contains(&page, &["today's limit of new questions"]);
    // The next day both are due, but only one review is allowed; two new ones are.
    s.next_days(1);
    assert_eq!(counts(&s.app, "/study"), (1, 2, 0));
    let page = s.app.get("/study").text().unwrap();
    assert_contains(&page, &["1 more reviews are due but wait"]);
    grade(&s.app, "alpha/q01", 5);
    assert_eq!(counts(&s.app, "/study"), (0, 2, 0));
    // "Study a topic now" is not held back by the limits.
    assert_eq!(counts(&s.app, "/study?topic=alpha"), (1, 3, 0));
}

fn the_day_rolls_over_at_the_users_hour_in_their_timezone(test_db: TestDb) {
    // 07:00 UTC on 10 March 2026 is 03:00 in New York (EDT since 8 March): still the 9th there.
    let s = study(test_db, 2, 0, "2026-03-10T07:00:00Z");
    {
        let mut conn = s.app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("ada")))
            .set((
                users::timezone.eq("America/New_York"),
                users::day_rollover_hour.eq(4),
                users::study_version.eq(users::study_version + 1),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    grade(&s.app, "alpha/q01", 5);
    let card = s.card("alpha/q01").unwrap();
    assert_eq!(card.due_day, Some(day("2026-03-10")));
    {
        let mut conn = s.app.db.reader().unwrap();
        let study_day: NaiveDate = reviews::table
            .select(reviews::study_day)
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(study_day, day("2026-03-09"));
    }
    // 03:59 local: still the 9th, nothing due.
    s.clock.set("2026-03-10T07:59:00Z");
    assert_eq!(counts(&s.app, "/study?topic=alpha").0, 0);
    // 04:00 local (08:00 UTC): the 10th has begun and q01 is due.
    s.clock.set("2026-03-10T08:00:00Z");
    assert_eq!(counts(&s.app, "/study").0, 1);
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q01"));
}

fn undo_puts_the_card_back_exactly_and_marks_the_log_entry(test_db: TestDb) {
    let s = study(test_db, 3, 0, "2026-03-02T12:00:00Z");
    // Undoing the first grade of a new card: it is new again and first in line.
    grade(&s.app, "alpha/q01", 4);
    let response = post_simple(&s.app, "/study/undo");
    assert_eq!(location(&response), "/study/q/alpha/q01");
    let card = s.card("alpha/q01").unwrap();
    assert_eq!((card.due_day, card.review_count), (None, 0));
    assert_eq!(counts(&s.app, "/study"), (0, 3, 0));
    // A reviewed card: its state after day 1 comes back exactly after undoing day 2's grade.
    grade(&s.app, "alpha/q01", 4);
    let after_day_one = s.card("alpha/q01").unwrap();
    s.next_days(1);
    grade(&s.app, "alpha/q01", 1);
    assert_ne!(s.card("alpha/q01").unwrap(), after_day_one);
    post_simple(&s.app, "/study/undo");
    assert_eq!(s.card("alpha/q01").unwrap(), after_day_one);
    let log = review_rows(&s.app);
    assert_eq!(log.len(), 3, "undone grades stay in the log");
    assert_eq!(log.iter().filter(|r| r.2.is_some()).count(), 2);
    // Nothing left to undo today: back to the queue.
    let response = post_simple(&s.app, "/study/undo");
    assert_eq!(location(&response), "/study");
}

fn bury_hides_a_card_until_tomorrow_and_suspend_until_unsuspended(test_db: TestDb) {
    let s = study(test_db, 3, 0, "2026-03-02T12:00:00Z");
    let response = post_simple(&s.app, "/study/q/alpha/q01/bury");
    assert_eq!(location(&response), "/study/next");
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q02"));
    assert_eq!(counts(&s.app, "/study"), (0, 2, 0));
    post_simple(&s.app, "/study/q/alpha/q02/suspend");
    assert_eq!(counts(&s.app, "/study"), (0, 1, 0));
    s.next_days(1);
    assert_eq!(next_key(&s.app, None).as_deref(), Some("alpha/q01"));
    assert_eq!(counts(&s.app, "/study"), (0, 2, 0), "q02 stays suspended");
    let page = s.app.get("/study/q/alpha/q02").text().unwrap();
    assert!(page.contains("This question is suspended"));
    let response = post_simple(&s.app, "/study/q/alpha/q02/unsuspend");
    assert_eq!(location(&response), "/questions/alpha/q02");
    assert_eq!(counts(&s.app, "/study"), (0, 3, 0));
}

fn flagging_needs_a_reason_and_a_comment_and_reaches_the_admins(test_db: TestDb) {
    let s = study(test_db, 1, 0, "2026-03-02T12:00:00Z");
    let page = open_card(&s.app, "alpha/q01");
    let flag = |reason: &str, comment: &str| {
        s.app.post_form(
            "/study/q/alpha/q01/flag",
            &[
                ("csrf", page.csrf.as_str()),
                ("started", page.started.as_str()),
                ("submission", page.submission.as_str()),
                ("reason", reason),
                ("comment", comment),
            ],
        )
    };
    let response = flag("", "  ");
    assert_eq!(response.status(), 422);
    let body = response.text().unwrap();
    assert!(body.contains("id=\"reason-error\">Choose whether the question is wrong or unclear."));
    assert!(body.contains("id=\"comment-error\">Say what is wrong or unclear"));
    assert!(body.contains("<details class=\"flag\" open>"));
    let count = |app: &TestApp| -> i64 {
        let mut conn = app.db.reader().unwrap();
        flags::table.count().get_result(&mut *conn).unwrap()
    };
    assert_eq!(count(&s.app), 0);
    let response = flag("unclear", "Which widget is meant?");
    assert_eq!(location(&response), "/study/q/alpha/q01?flagged=1");
    let page = s.app.get(&location(&response)).text().unwrap();
    assert!(page.contains("your note is with the admins"));
    let mut conn = s.app.db.reader().unwrap();
    let (reason, comment): (String, String) = flags::table
        .select((flags::reason, flags::comment))
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(
        (reason.as_str(), comment.as_str()),
        ("unclear", "Which widget is meant?")
    );
}

fn a_stale_tab_is_told_and_a_double_submit_counts_once(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-03-02T12:00:00Z");
    let first_tab = open_card(&s.app, "alpha/q01");
    let second_tab = open_card(&s.app, "alpha/q01");
    assert_eq!(first_tab.version, second_tab.version);
    assert_eq!(post_grade(&s.app, "alpha/q01", &first_tab, 5).status(), 303);
    // The same form again (a double click): accepted, counted once.
    assert_eq!(post_grade(&s.app, "alpha/q01", &first_tab, 5).status(), 303);
    let state = s.card("alpha/q01").unwrap();
    // The other tab still shows the old version.
    let response = post_grade(&s.app, "alpha/q01", &second_tab, 0);
    assert_page(response, 409, "Already graded elsewhere");
    assert_eq!(review_rows(&s.app).len(), 1);
    assert_eq!(s.card("alpha/q01").unwrap(), state);
}

fn grading_is_refused_without_a_valid_form(test_db: TestDb) {
    let s = study(test_db, 1, 0, "2026-03-02T12:00:00Z");
    let page = open_card(&s.app, "alpha/q01");
    let forged = CardPage {
        csrf: "x".repeat(43),
        ..open_card(&s.app, "alpha/q01")
    };
    assert_eq!(post_grade(&s.app, "alpha/q01", &forged, 5).status(), 403);
    assert_eq!(post_grade(&s.app, "alpha/q01", &page, 9).status(), 400);
    let anonymous = s.app.new_visitor();
    let response = post_grade(&anonymous, "alpha/q01", &page, 5);
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/signin?next="));
    assert_eq!(s.app.get("/study/q/alpha/nope").status(), 404);
    let response = anonymous.get("/study");
    assert_eq!(location(&response), "/signin?next=%2Fstudy");
    assert!(review_rows(&s.app).is_empty());
}

fn revealing_without_javascript_shows_the_typed_answer_beside_the_model_answer(test_db: TestDb) {
    let s = study(test_db, 1, 0, "2026-03-02T12:00:00Z");
    let page = open_card(&s.app, "alpha/q01");
    let unrevealed = s.app.get("/study/q/alpha/q01").text().unwrap();
    assert!(unrevealed.contains(
        "<section id=\"answer\" class=\"answer\" aria-labelledby=\"answer-heading\" hidden>"
    ));
    let response = s.app.post_form(
        "/study/q/alpha/q01/reveal",
        &[
            ("csrf", page.csrf.as_str()),
            ("started", page.started.as_str()),
            ("submission", page.submission.as_str()),
            ("typed", "a <b>widget</b>"),
        ],
    );
    assert_eq!(response.status(), 200);
    let revealed = response.text().unwrap();
    assert!(revealed.contains("aria-labelledby=\"answer-heading\">"));
    assert!(revealed.contains("It is the 1th alpha widget."));
    assert!(
        revealed.contains("a &#60;b&#62;widget&#60;/b&#62;")
            || revealed.contains("a &lt;b&gt;widget&lt;/b&gt;")
    );
    // The grade form keeps the page's submission id, so grading after reveal counts once.
    assert_eq!(
        hidden_value(&revealed, "submission").unwrap(),
        page.submission
    );
    assert!(!revealed.contains("id=\"reveal-form\""));
}

fn a_question_page_shows_your_history_and_next_review(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-03-02T12:00:00Z");
    let page = s.app.get("/questions/alpha/q01").text().unwrap();
    assert_contains(&page, &["not studied yet"]);
    assert!(page.contains("href=\"/study?topic=alpha\">Study Alpha things now"));
    grade(&s.app, "alpha/q01", 5);
    post_simple(&s.app, "/study/undo");
    grade(&s.app, "alpha/q01", 3);
    let page = s.app.get("/questions/alpha/q01").text().unwrap();
    assert_contains(&page, &["next review on Tue 3 Mar 2026"]);
    let newest = page.find("3 (hard)").unwrap();
    let undone = page.find("5 (perfect)").unwrap();
    assert!(newest < undone, "newest first");
    assert!(page.contains("<tr class=\"undone\">"));
    // Anonymous visitors see the question and an invitation instead.
    let page = s
        .app
        .new_visitor()
        .get("/questions/alpha/q01")
        .text()
        .unwrap();
    assert!(page.contains("to practise this question and see your history"));
}

/// A deterministic stream of grades, mostly passing, some failing.
fn grade_stream(seed: u64) -> impl FnMut() -> u8 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        [5, 4, 4, 3, 3, 2, 1, 0, 5, 4][((state >> 33) % 10) as usize]
    }
}

fn thirty_days_of_reviews_match_the_pure_scheduler(test_db: TestDb) {
    let s = study(test_db, 8, 4, "2026-01-05T12:00:00Z");
    s.set_limits(3, 200);
    let mut next_grade = grade_stream(7);
    // What the pure scheduler says each question should be: state and due day.
    let mut expected: std::collections::HashMap<String, (Sm2State, NaiveDate)> =
        std::collections::HashMap::new();
    let clock = DayClock::default();
    let mut graded = 0;
    for day_number in 0..30 {
        let today = clock.study_day(rehearse::web::Clock::now(&*s.clock));
        let mut graded_today = std::collections::HashSet::new();
        while let Some(key) = next_key(&s.app, None) {
            let grade_value = next_grade();
            grade(&s.app, &key, grade_value);
            graded += 1;
            if graded_today.insert(key.clone()) {
                let (state, _) = expected
                    .get(&key)
                    .copied()
                    .unwrap_or((Sm2State::NEW, today));
                let state = sm2::review(state, Grade::new(grade_value).unwrap());
                expected.insert(key, (state, DayClock::due_day(today, state.interval_days)));
            }
            assert!(graded < 1000, "the day never ends");
        }
        // Only cards due today, new ones, and today's failures were shown.
        for (key, (_, due)) in &expected {
            assert!(*due > today, "day {day_number}: {key} was left due");
        }
        s.next_days(1);
    }
    assert_eq!(expected.len(), 12, "every question was introduced");
    for (key, (state, due)) in &expected {
        let card = s.card(key).unwrap();
        assert_eq!(
            (
                card.repetitions as u32,
                card.interval_days as u32,
                card.easiness_hundredths as u32,
                card.due_day
            ),
            (
                state.repetitions,
                state.interval_days,
                state.easiness_hundredths,
                Some(*due)
            ),
            "{key}"
        );
    }
    assert!(graded > 40, "only {graded} grades in 30 days");
}

db_tests!(
    the_queue_shows_due_reviews_most_overdue_first_then_new_then_redrills,
    daily_limits_hold_back_new_questions_and_reviews,
    the_day_rolls_over_at_the_users_hour_in_their_timezone,
    undo_puts_the_card_back_exactly_and_marks_the_log_entry,
    bury_hides_a_card_until_tomorrow_and_suspend_until_unsuspended,
    flagging_needs_a_reason_and_a_comment_and_reaches_the_admins,
    a_stale_tab_is_told_and_a_double_submit_counts_once,
    grading_is_refused_without_a_valid_form,
    revealing_without_javascript_shows_the_typed_answer_beside_the_model_answer,
    thirty_days_of_reviews_match_the_pure_scheduler,
    a_question_page_shows_your_history_and_next_review,
);
