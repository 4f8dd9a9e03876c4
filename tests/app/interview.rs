//! Mock interviews over HTTP with an injected clock: set-up, reveal, grade, overtime, the total
//! clock running out, resuming, a second tab, skip, abandon, the report, SM-2 updates, and
//! privacy.

use crate::helpers::{
    TestApp, TestClock, TestDb, Visitor, assert_contains, assert_page, db_tests, fixture,
    generated_bank, hidden_value, location, spawn_app_with_clock,
};
use diesel::prelude::*;
use rehearse::db::schema::{cards, interviews, questions, reviews, users};
use rehearse::interview::picker;
use rehearse::sm2::{self, Grade, Sm2State};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery";

struct Setup {
    app: TestApp,
    clock: Arc<TestClock>,
    _bank: Option<tempfile::TempDir>,
}

fn setup(test_db: TestDb) -> Setup {
    let bank = generated_bank(6, 4);
    let clock = TestClock::at("2026-05-04T09:00:00Z");
    let app = spawn_app_with_clock(test_db, bank.path(), clock.clone());
    assert_eq!(app.sign_up("ada", PASSWORD).status(), 303);
    Setup {
        app,
        clock,
        _bank: Some(bank),
    }
}

/// Starts a custom interview; returns its address.
pub(crate) fn start(visitor: &Visitor, fields: &[(&str, &str)]) -> String {
    let csrf = visitor.csrf_from("/interviews/new");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let response = visitor.post_form("/interviews", &all);
    assert_eq!(response.status(), 303, "{}", response.text().unwrap());
    location(&response)
}

/// The current question page: (item id, csrf, page).
fn current(visitor: &Visitor, address: &str) -> (String, String, String) {
    let response = visitor.get(address);
    assert_eq!(response.status(), 200, "{address}");
    let page = response.text().unwrap();
    (
        hidden_value(&page, "item").unwrap(),
        hidden_value(&page, "csrf").unwrap(),
        page,
    )
}

/// Sends a step (`reveal`, `grade`, `skip`) for the current question; returns where it leads.
pub(crate) fn step(
    visitor: &Visitor,
    address: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> String {
    let (item, csrf, _) = current(visitor, address);
    let mut fields = vec![("csrf", csrf.as_str()), ("item", item.as_str())];
    fields.extend_from_slice(extra);
    let response = visitor.post_form(&format!("{address}/{action}"), &fields);
    assert_eq!(response.status(), 303);
    location(&response)
}

fn advance(clock: &TestClock, secs: i64) {
    clock.advance(chrono::Duration::seconds(secs));
}

/// The question key shown on an interview page (from its "details" link in the report we use
/// the database instead): the question ids of the interview's items in order.
fn item_questions(app: &TestApp, interview_id: &str) -> Vec<(String, Option<i32>, bool)> {
    use rehearse::db::schema::interview_items;
    let mut conn = app.db.reader().unwrap();
    interview_items::table
        .inner_join(questions::table)
        .filter(interview_items::interview_id.eq(interview_id))
        .order(interview_items::position.asc())
        .select((
            questions::question_key,
            interview_items::grade,
            interview_items::is_follow_up,
        ))
        .load(&mut *conn)
        .unwrap()
}

fn card_state(app: &TestApp, key: &str) -> Option<Sm2State> {
    let mut conn = app.db.reader().unwrap();
    cards::table
        .inner_join(questions::table)
        .inner_join(users::table)
        .filter(users::username.eq("ada"))
        .filter(questions::question_key.eq(key))
        .select((
            cards::repetitions,
            cards::interval_days,
            cards::easiness_hundredths,
        ))
        .get_result::<(i32, i32, i32)>(&mut *conn)
        .optional()
        .unwrap()
        .map(|(r, i, e)| Sm2State {
            repetitions: r as u32,
            interval_days: i as u32,
            easiness_hundredths: e as u32,
        })
}

fn status(app: &TestApp, id: &str) -> String {
    let mut conn = app.db.reader().unwrap();
    interviews::table
        .find(id)
        .select(interviews::status)
        .get_result(&mut *conn)
        .unwrap()
}

fn a_timed_interview_runs_from_set_up_to_report(test_db: TestDb) {
    let s = setup(test_db);
    let address = start(
        &s.app,
        &[
            ("topic", "alpha"),
            ("difficulty", "any"),
            ("count", "3"),
            ("timing", "per-question"),
        ],
    );
    let id = address.trim_start_matches("/interviews/").to_owned();
    let (_, _, page) = current(&s.app, &address);
    assert_contains(
        &page,
        &["question 1 of 3", "2:00</span> left for this question"],
    );
    assert!(page.contains("(until 09:02:00 UTC)"));
    // Reveal with notes: the model answer and the notes show; the clock went on meanwhile.
    advance(&s.clock, 30);
    assert_eq!(
        step(&s.app, &address, "reveal", &[("notes", "my <notes>")]),
        address
    );
    let (_, _, page) = current(&s.app, &address);
    assert!(page.contains("Model answer"));
    assert!(page.contains("my &#60;notes&#62;") || page.contains("my &lt;notes&gt;"));
    assert_contains(&page, &["1:30</span> left"]);
    step(&s.app, &address, "grade", &[("grade", "4"), ("hit", "0")]);
    // Question 2: its own clock starts now. Run 50 s over, then grade 1.
    let (_, _, page) = current(&s.app, &address);
    assert!(page.contains("question 2 of 3"));
    advance(&s.clock, 170);
    let (_, _, page) = current(&s.app, &address);
    assert_contains(&page, &["over time by 0:50"]);
    step(&s.app, &address, "grade", &[("grade", "1")]);
    // Question 3: skipped; the interview is over.
    advance(&s.clock, 5);
    let target = step(&s.app, &address, "skip", &[]);
    assert_eq!(target, address);
    let response = s.app.get(&address);
    assert_eq!(location(&response), format!("{address}/report"));
    assert_eq!(status(&s.app, &id), "finished");

    let report = s.app.get(&format!("{address}/report")).text().unwrap();
    // (4 + 1 + 0) of 15 = 33%.
    assert_contains(&report, &["Score: <strong>33%</strong>"]);
    assert!(report.contains("1 question ran over time"));
    assert!(report.contains("2:50 / 2:00 <strong class=\"overtime\">+0:50 over</strong>"));
    assert!(report.contains("4/5 (good)") && report.contains("1/5 (wrong)"));
    assert!(report.contains("skipped"));
    // Missed key points: q1 ticked the first, so the second is listed.
    assert!(report.contains("<li>it belongs to alpha</li>"));
    assert!(report.contains("href=\"/study?topic=alpha\""));

    // The grades reached SM-2 exactly as the pure scheduler says; the skip did not.
    let items = item_questions(&s.app, &id);
    let expected = |g: u8| sm2::review(Sm2State::NEW, Grade::new(g).unwrap());
    assert_eq!(card_state(&s.app, &items[0].0), Some(expected(4)));
    assert_eq!(card_state(&s.app, &items[1].0), Some(expected(1)));
    assert_eq!(card_state(&s.app, &items[2].0), None);
    let mut conn = s.app.db.reader().unwrap();
    let sources: Vec<String> = reviews::table
        .select(reviews::source)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(sources, ["interview", "interview"]);
}

fn the_total_clock_running_out_ends_the_interview(test_db: TestDb) {
    let s = setup(test_db);
    let address = start(
        &s.app,
        &[
            ("difficulty", "mix"),
            ("count", "4"),
            ("timing", "total"),
            ("minutes", "3"),
        ],
    );
    let id = address.trim_start_matches("/interviews/").to_owned();
    let (_, _, page) = current(&s.app, &address);
    assert_contains(&page, &["3:00</span> left in this interview"]);
    step(&s.app, &address, "grade", &[("grade", "5")]);
    advance(&s.clock, 181);
    // Any request after the deadline ends it: the page sends you to the report.
    let response = s.app.get(&address);
    assert_eq!(location(&response), format!("{address}/report"));
    assert_eq!(status(&s.app, &id), "expired");
    let report = s.app.get(&format!("{address}/report")).text().unwrap();
    assert!(report.contains("time ran out"));
    assert_eq!(report.matches("not reached").count(), 3, "{report}");
}

fn leaving_and_a_second_tab_see_the_same_clock(test_db: TestDb) {
    let s = setup(test_db);
    let address = start(
        &s.app,
        &[
            ("difficulty", "any"),
            ("count", "2"),
            ("timing", "total"),
            ("minutes", "10"),
        ],
    );
    let (first_item, _, _) = current(&s.app, &address);
    // Away for four minutes: the clock kept running (no pause in timed mode).
    advance(&s.clock, 240);
    let (item, _, page) = current(&s.app, &address);
    assert_eq!(item, first_item, "resumes on the same question");
    assert_contains(&page, &["6:00</span> left in this interview"]);
    // Another browser signed in as the same person sees the same clock and question.
    let other = s.app.new_visitor();
    let csrf = other.csrf_from("/signin");
    other.post_form(
        "/signin",
        &[
            ("username", "ada"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/"),
        ],
    );
    let (item, _, page) = current(&other, &address);
    assert_eq!(item, first_item);
    assert!(page.contains("6:00</span> left in this interview"));
    // The second tab grades; the first tab's stale grade does not count twice.
    let (_, csrf, _) = current(&s.app, &address);
    step(&other, &address, "grade", &[("grade", "3")]);
    let response = s.app.post_form(
        &format!("{address}/grade"),
        &[("csrf", &csrf), ("item", &first_item), ("grade", "5")],
    );
    assert_eq!(location(&response), address);
    let id = address.trim_start_matches("/interviews/");
    let items = item_questions(&s.app, id);
    assert_eq!(items[0].1, Some(3));
    assert_eq!(
        items[1].1, None,
        "the stale grade did not land on question 2"
    );
}

fn abandoning_keeps_what_was_graded(test_db: TestDb) {
    let s = setup(test_db);
    let address = start(
        &s.app,
        &[("difficulty", "any"), ("count", "3"), ("timing", "untimed")],
    );
    let (_, _, page) = current(&s.app, &address);
    assert!(page.contains("Untimed"));
    step(&s.app, &address, "grade", &[("grade", "2")]);
    let csrf = s.app.csrf_from(&address);
    let response = s
        .app
        .post_form(&format!("{address}/abandon"), &[("csrf", &csrf)]);
    assert_eq!(location(&response), format!("{address}/report"));
    let report = s.app.get(&format!("{address}/report")).text().unwrap();
    assert!(report.contains("ended early"));
    assert!(report.contains("2/5 (almost)"));
    assert_eq!(report.matches("not reached").count(), 2);
    let history = s.app.get("/interviews").text().unwrap();
    assert_contains(&history, &["abandoned"]);
}

fn another_user_cannot_open_your_interview(test_db: TestDb) {
    let s = setup(test_db);
    let address = start(
        &s.app,
        &[("difficulty", "any"), ("count", "2"), ("timing", "untimed")],
    );
    let (item, _, _) = current(&s.app, &address);
    let mallory = s.app.new_visitor();
    assert_eq!(mallory.sign_up("mallory", PASSWORD).status(), 303);
    assert_eq!(mallory.get(&address).status(), 404);
    assert_eq!(mallory.get(&format!("{address}/report")).status(), 404);
    let csrf = mallory.csrf_from("/interviews/new");
    for action in ["reveal", "grade", "skip", "abandon"] {
        let response = mallory.post_form(
            &format!("{address}/{action}"),
            &[("csrf", &csrf), ("item", &item), ("grade", "5")],
        );
        assert_eq!(response.status(), 404, "{action}");
    }
    let id = address.trim_start_matches("/interviews/");
    assert_eq!(status(&s.app, id), "running");
    // Anonymous visitors are sent to sign in.
    let response = s.app.new_visitor().get(&address);
    assert!(location(&response).starts_with("/signin?next="));
}

fn set_up_mistakes_are_explained_and_presets_work(test_db: TestDb) {
    let s = setup(test_db);
    let response = s.app.submit(
        "/interviews/new",
        "/interviews",
        &[
            ("difficulty", "mix"),
            ("count", "0"),
            ("timing", "total"),
            ("minutes", "lots"),
        ],
    );
    let page = assert_page(
        response,
        422,
        "id=\"count-error\">Choose between 1 and 30 questions.",
    );
    assert!(page.contains("id=\"minutes-error\">Give the total time in minutes"));
    assert!(page.contains("value=\"lots\""), "keeps what was typed");
    // The quick screen: 5 questions, one 15-minute clock.
    let address = start(&s.app, &[("preset", "quick-screen")]);
    let (_, _, page) = current(&s.app, &address);
    assert!(page.contains("Quick screen"));
    assert!(page.contains("question 1 of 5"));
    assert_contains(&page, &["15:00</span> left in this interview"]);
    // The picker's seed is stored, so the draw can be replayed: the same seed over the same
    // pool gives the same questions in the same order.
    let id = address.trim_start_matches("/interviews/");
    let mut conn = s.app.db.reader().unwrap();
    let seed: i64 = interviews::table
        .find(id)
        .select(interviews::seed)
        .get_result(&mut *conn)
        .unwrap();
    let bank = rehearse::bank::cache::BankCache::default()
        .snapshot(&mut conn)
        .unwrap();
    let pool: Vec<picker::PoolQuestion> = bank
        .questions
        .iter()
        .map(|q| picker::PoolQuestion {
            id: q.id.clone(),
            group: q.area_id.clone(),
            difficulty: q.difficulty.clone(),
            kind: q.kind.clone(),
            last_seen: None,
        })
        .collect();
    let options = picker::PickOptions {
        count: 5,
        difficulty: picker::DifficultyChoice::Mix,
        kinds: Vec::new(),
    };
    let replayed: Vec<String> =
        picker::pick(u64::from_ne_bytes(seed.to_ne_bytes()), &pool, &options)
            .iter()
            .map(|id| bank.by_id(id).unwrap().key.clone())
            .collect();
    drop(conn);
    let asked: Vec<String> = item_questions(&s.app, id)
        .into_iter()
        .map(|i| i.0)
        .collect();
    assert_eq!(replayed, asked);
}

fn a_good_answer_brings_a_follow_up(test_db: TestDb) {
    let clock = TestClock::at("2026-05-04T09:00:00Z");
    let app = spawn_app_with_clock(test_db, &fixture("valid"), clock.clone());
    app.sign_up("ada", PASSWORD);
    let address = start(
        &app,
        &[
            ("topic", "event-loop-phases"),
            ("difficulty", "any"),
            ("count", "1"),
            ("timing", "untimed"),
        ],
    );
    step(&app, &address, "grade", &[("grade", "5")]);
    let (_, _, page) = current(&app, &address);
    assert_contains(&page, &["The interviewer follows up"]);
    assert!(page.contains("question 2 of 2"));
    step(&app, &address, "grade", &[("grade", "5")]);
    let id = address.trim_start_matches("/interviews/");
    let items = item_questions(&app, id);
    assert_eq!(
        items,
        [
            ("event-loop/phases-order".to_owned(), Some(5), false),
            ("event-loop/immediate-vs-timeout".to_owned(), Some(5), true),
        ]
    );
    // No follow-up of a follow-up: the interview is finished.
    assert_eq!(location(&app.get(&address)), format!("{address}/report"));
}

fn the_history_charts_scores_over_time(test_db: TestDb) {
    let s = setup(test_db);
    for grade in ["2", "5"] {
        let address = start(
            &s.app,
            &[("difficulty", "any"), ("count", "1"), ("timing", "untimed")],
        );
        step(&s.app, &address, "grade", &[("grade", grade)]);
        advance(&s.clock, 3600);
    }
    let page = s.app.get("/interviews").text().unwrap();
    assert_contains(&page, &["<svg class=\"trend\""]);
    assert!(page.contains("oldest first: 40%, 100%"));
    assert!(page.contains("100%</td>"));
}

db_tests!(
    a_timed_interview_runs_from_set_up_to_report,
    the_total_clock_running_out_ends_the_interview,
    leaving_and_a_second_tab_see_the_same_clock,
    abandoning_keeps_what_was_graded,
    another_user_cannot_open_your_interview,
    set_up_mistakes_are_explained_and_presets_work,
    a_good_answer_brings_a_follow_up,
    the_history_charts_scores_over_time,
);
