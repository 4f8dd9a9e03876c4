//! Progress over HTTP on both databases: a seeded history gives the right numbers on the
//! statistics, roadmap and readiness pages; another user's data never shows; the plan sets the
//! daily limit; the CSV and Anki files parse back; the 8th failure suspends a leech (and undo
//! takes it back), and an interview report offers to unsuspend the leeches its grades made; the
//! final review runs as a queue; a grade shows on the held pages at once; the admins see
//! questions that are leeches for several users.

use crate::helpers::{
    TestDb, Visitor, assert_contains, db_tests, header, location, spawn_app_with_clock,
};
use crate::interview::{start, step};
use crate::practice::{open_card, post_grade, study};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rehearse::db::schema::{cards, questions, reviews, user_inactive_sets, users};

const PASSWORD: &str = "correct horse battery";

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn question_id(conn: &mut rehearse::db::DbConnection, key: &str) -> String {
    questions::table
        .filter(questions::question_key.eq(key))
        .select(questions::id)
        .get_result(conn)
        .unwrap()
}

/// A review as the history holds it.
struct Seeded<'a> {
    key: &'a str,
    day: &'a str,
    grade: i32,
    /// `None` for the first sight of a new question.
    before_interval: Option<i32>,
    after_interval: i32,
    redrill: bool,
    seconds: i64,
    undone: bool,
}

fn seed_reviews(conn: &mut rehearse::db::DbConnection, user: &str, seeded: &[Seeded<'_>]) {
    let start: i64 = reviews::table
        .filter(reviews::user_id.eq(user))
        .count()
        .get_result(conn)
        .unwrap();
    for (n, r) in seeded.iter().enumerate() {
        let day = d(r.day);
        diesel::insert_into(reviews::table)
            .values((
                reviews::id.eq(uuid::Uuid::new_v4().to_string()),
                reviews::user_id.eq(user),
                reviews::question_id.eq(question_id(conn, r.key)),
                reviews::grade.eq(r.grade),
                reviews::source.eq(if n % 2 == 0 { "practice" } else { "interview" }),
                reviews::is_redrill.eq(r.redrill),
                reviews::reviewed_at.eq(day.and_hms_opt(10, 0, 0).unwrap()),
                reviews::study_day.eq(day),
                reviews::time_taken_ms.eq(r.seconds * 1000),
                (
                    reviews::before_repetitions.eq(1),
                    reviews::before_interval_days.eq(r.before_interval.unwrap_or(0)),
                    reviews::before_easiness_hundredths.eq(250),
                    reviews::before_due_day.eq(r.before_interval.map(|_| day)),
                ),
                (
                    reviews::after_repetitions.eq(1),
                    reviews::after_interval_days.eq(r.after_interval),
                    reviews::after_easiness_hundredths.eq(250),
                    reviews::after_due_day.eq(Some(day)),
                ),
                reviews::undone_at.eq(r.undone.then(|| day.and_hms_opt(11, 0, 0).unwrap())),
                reviews::seq.eq(start + i64::try_from(n).unwrap() + 1),
            ))
            .execute(conn)
            .unwrap();
    }
    // As in the app, a review's place in the log is the study version its grade bumped to, so
    // later grades (which take the next version) never meet a seeded one.
    let last = start + i64::try_from(seeded.len()).unwrap();
    diesel::update(users::table.find(user))
        .filter(users::study_version.lt(last))
        .set(users::study_version.eq(last))
        .execute(conn)
        .unwrap();
}

/// A card: (key, repetitions, interval, due day, suspended, lapses, last graded).
fn seed_card(
    conn: &mut rehearse::db::DbConnection,
    user: &str,
    (key, reps, interval, due, suspended, lapses, last): (&str, i32, i32, &str, bool, i32, &str),
) {
    diesel::insert_into(cards::table)
        .values((
            cards::user_id.eq(user),
            cards::question_id.eq(question_id(conn, key)),
            cards::repetitions.eq(reps),
            cards::interval_days.eq(interval),
            cards::due_day.eq(Some(d(due))),
            cards::suspended.eq(suspended),
            cards::lapses.eq(lapses),
            cards::review_count.eq(1),
            cards::last_reviewed_at.eq(Some(at(last))),
        ))
        .execute(conn)
        .unwrap();
}

/// Gives ada's alpha/q01 seven lapses (one short of a leech), due on `due`.
fn seed_seven_lapses(app: &crate::helpers::TestApp, due: &str) {
    let ada = app.user_id("ada");
    let mut conn = app.db.writer().unwrap();
    let card = ("alpha/q01", 3, 10, due, false, 7, "2026-11-27 10:00");
    seed_card(&mut conn, &ada, card);
    bump(&mut conn, &ada);
}

fn bump(conn: &mut rehearse::db::DbConnection, user: &str) {
    diesel::update(users::table.find(user))
        .set(users::study_version.eq(users::study_version + 1))
        .execute(conn)
        .unwrap();
}

/// Ada's history (bank: alpha q01–q06 in topic alpha-basics, beta q01–q02 in area beta), and
/// bob's, which must never show on ada's pages.
fn seed_history(app: &crate::helpers::TestApp) {
    let (ada, bob) = (app.user_id("ada"), app.user_id("bob"));
    let mut conn = app.db.writer().unwrap();
    let r = |key, day, grade, before_interval, seconds| Seeded {
        key,
        day,
        grade,
        before_interval,
        after_interval: 6,
        redrill: false,
        seconds,
        undone: false,
    };
    seed_reviews(
        &mut conn,
        &ada,
        &[
            r("alpha/q01", "2026-12-07", 4, Some(6), 30), // young, passed
            r("alpha/q02", "2026-12-07", 2, Some(25), 30), // mature, failed
            r("alpha/q03", "2026-12-06", 5, None, 60),    // first sight: no retention
            r("alpha/q01", "2026-12-05", 3, Some(1), 45), // young, passed
            r("alpha/q02", "2026-10-01", 5, Some(30), 20), // mature, passed, 67 days ago
            Seeded {
                undone: true,
                ..r("beta/q01", "2026-12-07", 0, Some(3), 600)
            },
            Seeded {
                redrill: true,
                ..r("alpha/q02", "2026-12-07", 1, Some(1), 15)
            },
        ],
    );
    for card in [
        (
            "alpha/q01",
            2,
            6,
            "2026-12-13",
            false,
            0,
            "2026-12-07 10:00",
        ),
        (
            "alpha/q02",
            0,
            1,
            "2026-12-08",
            false,
            1,
            "2026-12-07 10:00",
        ),
        (
            "alpha/q03",
            1,
            1,
            "2026-12-07",
            false,
            0,
            "2026-12-06 10:00",
        ),
        ("alpha/q04", 0, 1, "2026-12-05", true, 8, "2026-12-04 10:00"),
        (
            "beta/q01",
            4,
            30,
            "2027-01-06",
            false,
            0,
            "2026-12-15 10:00",
        ),
        (
            "beta/q02",
            3,
            21,
            "2027-01-10",
            false,
            0,
            "2026-11-01 10:00",
        ),
    ] {
        seed_card(&mut conn, &ada, card);
    }
    // Bob studied a lot today and has every card mature.
    let many: Vec<Seeded> = (0..40)
        .map(|_| r("alpha/q05", "2026-12-07", 0, Some(40), 100))
        .collect();
    seed_reviews(&mut conn, &bob, &many);
    for key in ["alpha/q05", "alpha/q06"] {
        seed_card(
            &mut conn,
            &bob,
            (key, 5, 60, "2026-12-08", false, 9, "2026-12-07 10:00"),
        );
    }
    bump(&mut conn, &ada);
    bump(&mut conn, &bob);
}

/// The text of the table row whose header cell is `header`, tags removed.
fn row_text(page: &str, header: &str) -> String {
    let marker = format!("<th scope=\"row\">{header}</th>");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {header}: {page}"));
    let end = page[start..].find("</tr>").unwrap() + start;
    strip_tags(&page[start..end])
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn setup(test_db: TestDb) -> (crate::practice::Study, Visitor) {
    let s = study(test_db, 6, 2, "2026-12-07T12:00:00Z");
    let bob = s.app.new_visitor();
    assert_eq!(bob.sign_up("bob", PASSWORD).status(), 303);
    seed_history(&s.app);
    (s, bob)
}

fn a_seeded_history_shows_the_right_statistics(test_db: TestDb) {
    let (s, bob) = setup(test_db);
    let response = s.app.get("/progress");
    assert_eq!(response.status(), 200);
    let page = response.text().unwrap();
    // Undone grades are left out; bob's 40 never show.
    assert_contains(&page, &["6 reviews on 4 days; the busiest day had 3."]);
    assert!(page.contains(">3 days</p>"), "streak: {page}");
    assert_eq!(
        row_text(&page, "Young cards (interval under 21 days)"),
        "Young cards (interval under 21 days) 100 % (2 of 2) 100 % (2 of 2)"
    );
    assert_eq!(
        row_text(&page, "Mature cards (interval 21 days or more)"),
        "Mature cards (interval 21 days or more) 0 % (0 of 1) 50 % (1 of 2)"
    );
    for (state, count) in [
        ("new", 2),
        ("learning", 2),
        ("young", 1),
        ("mature", 2),
        ("suspended", 1),
        ("buried", 0),
    ] {
        let row = row_text(&page, state);
        assert!(row.starts_with(&format!("{state} {count} ")), "{row}");
    }
    // Due in the next 30 days: q03 today, q02 tomorrow, q01 on the 13th; beta is later.
    assert_contains(
        &page,
        &[
            ">3 reviews</p>",
            "<title>Sun 13 Dec: 1 review</title>",
            "<title>Mon 7 Dec: 1 review</title>",
        ],
    );
    // Time: 30 + 30 + 15 s today, 60 s yesterday, 45 s on the 5th (the undone 600 s is not).
    assert_contains(
        &page,
        &[
            "3 min in the last 30 days",
            "<title>Mon 7 Dec: 1 min</title>",
        ],
    );
    // The heatmap has a cell for every day of the year, the month table the totals.
    assert_eq!(page.matches("rx=\"2\"><title>").count(), 365);
    assert_contains(
        &page,
        &[
            "<td>Dec 2026</td><td>5</td><td>3</td>",
            "<td>Oct 2026</td><td>1</td><td>1</td>",
        ],
    );
    // The leech is listed with its failures.
    assert_contains(&page, &["failed 8 times", "/questions/alpha/q04"]);

    // Bob sees his own numbers only.
    let theirs = bob.get("/progress").text().unwrap();
    assert_contains(&theirs, &["40 reviews on 1 day", ">1 day</p>"]);
    assert!(!theirs.contains("/questions/alpha/q04"));
    assert_eq!(
        row_text(&theirs, "Mature cards (interval 21 days or more)"),
        "Mature cards (interval 21 days or more) 0 % (0 of 40) 0 % (0 of 40)"
    );
}

fn the_roadmap_shows_each_topics_earned_level(test_db: TestDb) {
    let (s, bob) = setup(test_db);
    let page = s.app.get("/progress/roadmap").text().unwrap();
    let text = strip_tags(&page);
    // Alpha: 2 known, 2 heard (failing now), 2 not started; beta: both mature.
    assert_contains(
        &text,
        &["Alpha things 👂 heard 6 questions: 0 used, 2 known, 2 heard, 2 not started."],
    );
    assert_contains(
        &text,
        &[
            "Alpha basics 👂 heard 2 of 6 known",
            "Beta things 🖐️ used 2 questions: 2 used, 0 known, 0 heard, 0 not started.",
        ],
    );
    // Topics per level: alpha-basics heard, beta (an area without subtopics) used.
    assert!(row_text(&page, &level_header("none", "·", "not started")).ends_with(" 0"));
    assert!(row_text(&page, &level_header("heard", "👂", "heard")).ends_with(" 1"));
    assert!(row_text(&page, &level_header("used", "🖐️", "used")).ends_with(" 1"));
    assert_contains(&page, &["href=\"/study?topic=alpha-basics\""]);
    // Every rule is on the page.
    assert!(text.contains("every question passed at least once and none failing now"));

    // Bob's cards: alpha q05 and q06 used, nothing else.
    let theirs = strip_tags(&bob.get("/progress/roadmap").text().unwrap());
    assert_contains(
        &theirs,
        &["Alpha things 👂 heard 6 questions: 2 used, 0 known, 0 heard, 4 not started."],
    );
    assert_contains(&theirs, &["Beta things · not started"]);
}

fn level_header(css: &str, mark: &str, name: &str) -> String {
    format!(
        "<span class=\"level level-{css}\"><span aria-hidden=\"true\">{mark}</span> {name}</span>"
    )
}

fn set_interview(s: &crate::practice::Study, date: &str) {
    let mut conn = s.app.db.writer().unwrap();
    diesel::update(users::table.filter(users::username.eq("ada")))
        .set((
            users::interview_date.eq(Some(d(date))),
            users::study_version.eq(users::study_version + 1),
        ))
        .execute(&mut *conn)
        .unwrap();
}

fn readiness_shows_the_figures_the_plan_and_in_the_last_days_the_final_review(test_db: TestDb) {
    let (s, bob) = setup(test_db);
    // No date yet: the page says where to set it.
    let page = s.app.get("/progress/readiness").text().unwrap();
    assert_contains(&page, &["No interview date yet"]);

    set_interview(&s, "2026-12-20");
    let page = s.app.get("/progress/readiness").text().unwrap();
    assert_contains(&page, &[">13 days left</p>"]);
    // Ready: beta q01 and q02 (passed, due after the 20th); 2 of 8.
    assert_contains(&page, &["id=\"overall-readiness\">25 %</p>"]);
    let areas = strip_tags(&page);
    assert_contains(
        &areas,
        &["Alpha things 0 % 0 of 6", "Beta things 100 % 2 of 2"],
    );
    // Two new questions over 12 days: 1 a day.
    assert_contains(
        &areas,
        &[
            "each of the 2 questions",
            "take 1 new question a day for the next 12 days",
        ],
    );
    assert!(!page.contains("id=\"final-review\""));
    // The statistics page sums it up.
    let stats = s.app.get("/progress").text().unwrap();
    assert_contains(&stats, &["25 % ready"]);

    // One click sets the limit (a POST with the CSRF token).
    let csrf = s.app.csrf_from("/progress/readiness");
    let refused = s.app.post_form("/progress/readiness/plan", &[]);
    assert_ne!(
        refused.status(),
        303,
        "a form without its CSRF token is refused"
    );
    let applied = s
        .app
        .post_form("/progress/readiness/plan", &[("csrf", csrf.as_str())]);
    assert_eq!(applied.status(), 303);
    assert_eq!(location(&applied), "/progress/readiness?applied=1");
    {
        let mut conn = s.app.db.reader().unwrap();
        let limits: Vec<(String, i32)> = users::table
            .select((users::username, users::new_per_day))
            .order(users::username)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(limits, vec![("ada".into(), 1), ("bob".into(), 20)]);
    }
    let page = s.app.get(&location(&applied)).text().unwrap();
    assert_contains(&page, &["you now get up to 1 new questions a day"]);
    assert!(page.contains("Your limit already matches the plan."));
    // The study queue follows the new limit at once.
    let queue = s.app.get("/study").text().unwrap();
    assert_contains(&queue, &["<strong>1</strong> new"]);

    // The day before: the final review, failed first, then the longest unseen; the
    // suspended leech is left out.
    s.clock.set("2026-12-19T12:00:00Z");
    let page = s.app.get("/progress/readiness").text().unwrap();
    assert_contains(&page, &[">Tomorrow</p>"]);
    let list_start = page.find("id=\"final-review\"").expect("a final review");
    let list = &page[list_start..page[list_start..].find("</ol>").unwrap() + list_start];
    let order: Vec<usize> = ["alpha/q02", "beta/q02", "alpha/q03", "alpha/q01"]
        .iter()
        .map(|key| {
            list.find(&format!("/study/q/{key}\""))
                .unwrap_or_else(|| panic!("{key} missing: {list}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{list}");
    assert!(
        !list.contains("alpha/q04") && !list.contains("beta/q01\""),
        "{list}"
    );
    assert!(list.contains("failed last time"));
    // Too close now to see the 2 new questions twice.
    assert_contains(&page, &["no longer time to see each of them twice"]);
    // Bob has no date: his page has none of this.
    assert!(
        bob.get("/progress/readiness")
            .text()
            .unwrap()
            .contains("No interview date yet")
    );
}

fn the_review_log_csv_parses_back_with_only_the_users_reviews(test_db: TestDb) {
    let (s, bob) = setup(test_db);
    let response = s.app.get("/progress/reviews.csv");
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/csv"));
    assert!(header(&response, "content-disposition").contains("attachment"));
    let body = response.text().unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        rehearse::progress::export::REVIEW_LOG_HEADER
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // Seven seeded, one undone.
    assert_eq!(rows.len(), 6);
    let first = &rows[0];
    assert_eq!(
        first.iter().collect::<Vec<_>>(),
        [
            "2026-12-07T10:00:00Z",
            "2026-12-07",
            "alpha/q01",
            "alpha",
            "Alpha basics",
            "4",
            "6",
            "6",
            "practice",
            "no",
            "30.0"
        ]
    );
    assert!(rows.iter().any(|r| &r[8] == "interview"));
    assert!(rows.iter().any(|r| &r[9] == "yes"));
    assert!(
        rows.iter().all(|r| &r[2] != "beta/q01"),
        "the undone grade is not listed"
    );
    // Bob's log has his 40 and nothing of ada's.
    let theirs = bob.get("/progress/reviews.csv").text().unwrap();
    let their_rows: Vec<csv::StringRecord> = csv::Reader::from_reader(theirs.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(their_rows.len(), 40);
    assert!(their_rows.iter().all(|r| &r[2] == "alpha/q05"));
}

fn the_anki_file_has_one_sanitized_row_per_question_of_the_active_sets(test_db: TestDb) {
    let bank = tempfile::tempdir().unwrap();
    std::fs::write(
        bank.path().join("topics.yaml"),
        "format: 1\ntopics:\n  - id: web\n    title: The web\n",
    )
    .unwrap();
    std::fs::write(
        bank.path().join("web.yaml"),
        "format: 1\nset: web\ntitle: Web\nquestions:\n  - id: xss\n    topic: web\n    difficulty: mid\n    kind: concept\n    tags: [security, html escaping]\n    prompt: \"What does **this** do? <script>alert(1)</script> <b onclick=\\\"x()\\\">hi</b>\"\n    answer: |\n      It runs:\n\n      ```js\n      console.log('a\\tb');\n      ```\n    key_points:\n      - escape <output>\n  - id: plain\n    topic: web\n    difficulty: junior\n    kind: concept\n    prompt: A plain question?\n    answer: A plain answer.\n    key_points:\n      - one\n",
    )
    .unwrap();
    std::fs::write(
        bank.path().join("other.yaml"),
        "format: 1\nset: other\ntitle: Other\nquestions:\n  - id: q1\n    topic: web\n    difficulty: junior\n    kind: concept\n    prompt: Another set?\n    answer: Yes.\n    key_points:\n      - yes\n",
    )
    .unwrap();
    let clock = crate::helpers::TestClock::at("2026-12-07T12:00:00Z");
    let app = spawn_app_with_clock(test_db, bank.path(), clock);
    assert_eq!(app.sign_up("ada", PASSWORD).status(), 303);
    {
        let ada = app.user_id("ada");
        let mut conn = app.db.writer().unwrap();
        diesel::insert_into(user_inactive_sets::table)
            .values((
                user_inactive_sets::user_id.eq(&ada),
                user_inactive_sets::set_slug.eq("other"),
            ))
            .execute(&mut *conn)
            .unwrap();
        bump(&mut conn, &ada);
    }
    let response = app.get("/progress/anki.txt");
    assert_eq!(response.status(), 200);
    let body = response.text().unwrap();
    assert!(body.starts_with("#separator:tab\n#html:true\n"), "{body}");
    let data: String = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .from_reader(data.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    // The rows are the questions of the active set, in order; the inactive set is left out.
    let mut conn = app.db.reader().unwrap();
    let expected: Vec<(String, String)> = questions::table
        .filter(questions::set_slug.eq("web"))
        .order(questions::position)
        .select((questions::prompt_html, questions::answer_html))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(rows.len(), expected.len());
    for (row, (prompt, answer)) in rows.iter().zip(&expected) {
        assert_eq!(&row[0], prompt);
        assert!(row[1].starts_with(answer.as_str()), "{}", &row[1]);
        assert!(row[2].starts_with("web web "), "{}", &row[2]);
    }
    let xss = &rows[0];
    assert!(xss[0].contains("<strong>this</strong>"), "{}", &xss[0]);
    for field in xss.iter() {
        assert!(!field.to_lowercase().contains("<script"), "{field}");
        assert!(!field.contains("onclick"), "{field}");
    }
    assert!(
        xss[1].contains("<li>escape &lt;output&gt;</li>"),
        "{}",
        &xss[1]
    );
    assert_eq!(&xss[2], "web web mid security html_escaping");
    assert!(!body.contains("Another set?"));
}

fn the_eighth_failure_suspends_a_leech_with_a_notice_and_undo_takes_it_back(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-12-07T12:00:00Z");
    seed_seven_lapses(&s.app, "2026-12-07");
    let card = open_card(&s.app, "alpha/q01");
    let response = post_grade(&s.app, "alpha/q01", &card, 1);
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/progress/leech/alpha/q01");
    let notice = s.app.get("/progress/leech/alpha/q01").text().unwrap();
    assert_contains(&notice, &["failed <strong>", " 8 times"]);
    assert!(notice.contains("action=\"/study/q/alpha/q01/unsuspend\""));
    let stored = |app: &crate::helpers::TestApp| -> (bool, i32, bool) {
        let mut conn = app.db.reader().unwrap();
        let (suspended, lapses) = cards::table
            .inner_join(questions::table)
            .filter(questions::question_key.eq("alpha/q01"))
            .select((cards::suspended, cards::lapses))
            .get_result::<(bool, i32)>(&mut *conn)
            .unwrap();
        let leech_review = reviews::table
            .filter(reviews::suspended_leech.eq(true))
            .filter(reviews::undone_at.is_null())
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap()
            > 0;
        (suspended, lapses, leech_review)
    };
    assert_eq!(stored(&s.app), (true, 8, true));
    // Out of the queue (not even in today's re-drill), listed on the progress page and
    // explained on its own page.
    let queue = s.app.get("/study").text().unwrap();
    assert_contains(&queue, &["<strong>0</strong> again today"]);
    assert!(
        !queue.contains("</span> What is alpha widget number 1?"),
        "{queue}"
    );
    let progress = s.app.get("/progress").text().unwrap();
    assert!(progress.contains("failed 8 times"), "{progress}");
    assert!(
        s.app
            .get("/questions/alpha/q01")
            .text()
            .unwrap()
            .contains("suspended as a leech")
    );

    // Undo takes the grade and the suspension back.
    let csrf = s.app.csrf_from("/study");
    let undone = s.app.post_form("/study/undo", &[("csrf", csrf.as_str())]);
    assert_eq!(location(&undone), "/study/q/alpha/q01");
    assert_eq!(stored(&s.app), (false, 7, false));
    // The notice no longer applies.
    assert_eq!(
        location(&s.app.get("/progress/leech/alpha/q01")),
        "/questions/alpha/q01"
    );

    // Failing it again suspends it again; unsuspending from the notice brings it back.
    let card = open_card(&s.app, "alpha/q01");
    assert_eq!(
        location(&post_grade(&s.app, "alpha/q01", &card, 0)),
        "/progress/leech/alpha/q01"
    );
    let csrf = s.app.csrf_from("/progress/leech/alpha/q01");
    let back = s
        .app
        .post_form("/study/q/alpha/q01/unsuspend", &[("csrf", csrf.as_str())]);
    assert_eq!(back.status(), 303);
    assert!(!stored(&s.app).0);
    // Its 9th failure does not suspend it (the next time is the 12th).
    s.clock.set("2026-12-08T12:00:00Z");
    let card = open_card(&s.app, "alpha/q01");
    let response = post_grade(&s.app, "alpha/q01", &card, 0);
    assert!(
        location(&response).starts_with("/study/q/"),
        "{}",
        location(&response)
    );
    assert!(!stored(&s.app).0);
    assert_eq!(stored(&s.app).1, 9);
}

fn a_mock_interview_failure_can_make_a_leech_too(test_db: TestDb) {
    let s = study(test_db, 1, 0, "2026-12-07T12:00:00Z");
    seed_seven_lapses(&s.app, "2026-12-20");
    let one_question = [("count", "1"), ("difficulty", "any"), ("timing", "untimed")];
    let interview = start(&s.app, &one_question);
    step(&s.app, &interview, "grade", &[("grade", "1")]);
    let mut conn = s.app.db.reader().unwrap();
    let (suspended, lapses): (bool, i32) = cards::table
        .select((cards::suspended, cards::lapses))
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!((suspended, lapses), (true, 8));
    drop(conn);
    let progress = s.app.get("/progress").text().unwrap();
    assert!(progress.contains("failed 8 times"), "{progress}");

    // The report says so, as practice's notice does, and offers to unsuspend it.
    let report = s.app.get(&format!("{interview}/report")).text().unwrap();
    let start = report
        .find("id=\"interview-leeches\"")
        .unwrap_or_else(|| panic!("no leech notice: {report}"));
    let notice = &report[start..start + report[start..].find("</section>").unwrap()];
    assert!(notice.contains("Suspended as leech<"), "{notice}");
    assert!(notice.contains("/questions/alpha/q01"), "{notice}");
    assert!(notice.contains("failed 8 times"), "{notice}");
    assert!(
        notice.contains("action=\"/study/q/alpha/q01/unsuspend\""),
        "{notice}"
    );
    let csrf = crate::helpers::hidden_value(notice, "csrf").unwrap();
    let back = s
        .app
        .post_form("/study/q/alpha/q01/unsuspend", &[("csrf", csrf.as_str())]);
    assert_eq!(back.status(), 303);
    let mut conn = s.app.db.reader().unwrap();
    let suspended: bool = cards::table
        .select(cards::suspended)
        .get_result(&mut *conn)
        .unwrap();
    assert!(!suspended);
    drop(conn);
    // Unsuspended: the report no longer asks.
    let report = s.app.get(&format!("{interview}/report")).text().unwrap();
    assert!(!report.contains("interview-leeches"), "{report}");
}

/// The pages are held in memory between requests; a grade (which moves the user's study
/// version) shows at once.
fn a_grade_shows_on_the_progress_pages_at_once(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-12-07T12:00:00Z");
    let before = s.app.get("/progress").text().unwrap();
    assert!(before.contains("<p>0 reviews on 0 days"), "{before}");
    let roadmap = s.app.get("/progress/roadmap").text().unwrap();
    assert!(roadmap.contains("2 not started"), "{roadmap}");
    crate::practice::grade(&s.app, "alpha/q01", 4);
    let after = s.app.get("/progress").text().unwrap();
    assert!(after.contains("<p>1 review on 1 day"), "{after}");
    let roadmap = s.app.get("/progress/roadmap").text().unwrap();
    assert!(roadmap.contains(", 1 not started"), "{roadmap}");
}

/// An interview a user with no leech takes has no notice on its report.
fn an_interview_without_a_new_leech_has_no_leech_notice(test_db: TestDb) {
    let s = study(test_db, 1, 0, "2026-12-07T12:00:00Z");
    let one_question = [("count", "1"), ("difficulty", "any"), ("timing", "untimed")];
    let interview = start(&s.app, &one_question);
    step(&s.app, &interview, "grade", &[("grade", "1")]);
    let report = s.app.get(&format!("{interview}/report")).text().unwrap();
    assert!(report.contains("Question by question"), "{report}");
    assert!(!report.contains("interview-leeches"), "{report}");
}

/// Grades the open final-review question (the topic field carries the filter); returns where
/// the grade leads.
fn grade_in_final_review(app: &crate::helpers::TestApp, path: &str, grade: &str) -> String {
    let page = app.get(path).text().unwrap();
    assert!(page.contains("final review"), "{page}");
    let field = |name: &str| crate::helpers::hidden_value(&page, name).unwrap();
    let key = path
        .trim_start_matches("/study/q/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let response = app.post_form(
        &format!("/study/q/{key}/grade"),
        &[
            ("csrf", field("csrf").as_str()),
            ("version", field("version").as_str()),
            ("started", field("started").as_str()),
            ("submission", field("submission").as_str()),
            ("topic", field("topic").as_str()),
            ("grade", grade),
        ],
    );
    assert_eq!(response.status(), 303, "grading {key}");
    location(&response)
}

/// Follows `/study/next` in the final review; returns the question it leads to.
/// The question keys the readiness page lists in its final review, in order.
fn final_review_list(app: &crate::helpers::TestApp) -> Vec<String> {
    let page = app.get("/progress/readiness").text().unwrap();
    let Some(start) = page.find("id=\"final-review\"") else {
        return Vec::new();
    };
    let list = &page[start..start + page[start..].find("</ol>").unwrap()];
    list.split("href=\"/study/q/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

fn next_in_final_review(app: &crate::helpers::TestApp, path: &str) -> String {
    assert!(path.starts_with("/study/next?topic="), "{path}");
    location(&app.get(path))
}

fn the_final_review_is_a_queue_failed_first_then_longest_unseen(test_db: TestDb) {
    let (s, bob) = setup(test_db);
    set_interview(&s, "2026-12-20");
    // Not yet in the last three days: no queue, back to the readiness page.
    let early = location(&s.app.get("/study/next?topic=*final-review"));
    assert!(early.starts_with("/progress/readiness"), "{early}");

    s.clock.set("2026-12-19T12:00:00Z");
    let page = s.app.get("/progress/readiness").text().unwrap();
    let start = page
        .find("id=\"start-final-review\"")
        .unwrap_or_else(|| panic!("no start button: {page}"));
    let button = &page[page[..start].rfind('<').unwrap()..];
    let href = &button[button.find("href=\"").unwrap() + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#x2a;", "*");
    assert!(button[..button.find("</a>").unwrap()].contains("(4 questions)"));

    // Failed last time first (failing it again sends it to the end), then the longest unseen.
    let first = next_in_final_review(&s.app, &href);
    assert!(first.starts_with("/study/q/alpha/q02?topic="), "{first}");
    let next = grade_in_final_review(&s.app, &first, "1");
    // The readiness page lists what the queue serves: the question failed just now goes last.
    assert_eq!(
        final_review_list(&s.app),
        ["beta/q02", "alpha/q03", "alpha/q01", "alpha/q02"]
    );
    let second = next_in_final_review(&s.app, &next);
    assert!(second.starts_with("/study/q/beta/q02?"), "{second}");
    let third = next_in_final_review(&s.app, &grade_in_final_review(&s.app, &second, "4"));
    assert!(third.starts_with("/study/q/alpha/q03?"), "{third}");
    let fourth = next_in_final_review(&s.app, &grade_in_final_review(&s.app, &third, "5"));
    assert!(fourth.starts_with("/study/q/alpha/q01?"), "{fourth}");
    let again = next_in_final_review(&s.app, &grade_in_final_review(&s.app, &fourth, "4"));
    assert!(again.starts_with("/study/q/alpha/q02?"), "{again}");
    // Passed this time: the queue is done.
    let done = next_in_final_review(&s.app, &grade_in_final_review(&s.app, &again, "3"));
    assert_eq!(done, "/progress/readiness?final=done#final-heading");
    let page = s.app.get(&done).text().unwrap();
    assert!(page.contains("id=\"final-review-done\""), "{page}");
    // Every question of the list passed today: the page lists none of them any more.
    assert!(final_review_list(&s.app).is_empty());
    assert!(page.contains("Nothing to go over"), "{page}");

    // Graded as usual: five grades today, each in the review log.
    let ada = s.app.user_id("ada");
    let mut conn = s.app.db.reader().unwrap();
    let today: Vec<(String, i32)> = reviews::table
        .inner_join(questions::table)
        .filter(reviews::user_id.eq(&ada))
        .filter(reviews::study_day.eq(d("2026-12-19")))
        .order(reviews::seq)
        .select((questions::question_key, reviews::grade))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        today,
        vec![
            ("alpha/q02".into(), 1),
            ("beta/q02".into(), 4),
            ("alpha/q03".into(), 5),
            ("alpha/q01".into(), 4),
            ("alpha/q02".into(), 3),
        ]
    );
    drop(conn);
    // Bob has no interview date: nothing to review.
    let bobs = location(&bob.get("/study/next?topic=*final-review"));
    assert!(bobs.starts_with("/progress/readiness"), "{bobs}");
}

fn admins_see_questions_that_are_leeches_for_several_users(test_db: TestDb) {
    let s = study(test_db, 3, 0, "2026-12-07T12:00:00Z");
    let root = s.app.new_visitor();
    crate::admin::admin(&s.app, &root, "root");
    let bob = s.app.new_visitor();
    assert_eq!(bob.sign_up("bob", PASSWORD).status(), 303);
    for (name, key, lapses) in [
        ("ada", "alpha/q02", 8),
        ("bob", "alpha/q02", 12),
        ("root", "alpha/q02", 9),
        ("ada", "alpha/q03", 8),
        ("bob", "alpha/q03", 7),
    ] {
        let id = s.app.user_id(name);
        let mut conn = s.app.db.writer().unwrap();
        seed_card(
            &mut conn,
            &id,
            (key, 0, 1, "2026-12-08", true, lapses, "2026-12-07 10:00"),
        );
    }
    let page = root.get("/admin/flags").text().unwrap();
    let start = page.find("id=\"shared-leeches\"").unwrap();
    let section = &page[start..];
    assert_contains(
        section,
        &["/questions/alpha/q02", "<td data-label=\"Users\">3</td>"],
    );
    // A leech for one user only is not listed.
    assert!(!section.contains("/questions/alpha/q03"), "{section}");
}

db_tests!(
    a_seeded_history_shows_the_right_statistics,
    the_roadmap_shows_each_topics_earned_level,
    readiness_shows_the_figures_the_plan_and_in_the_last_days_the_final_review,
    the_review_log_csv_parses_back_with_only_the_users_reviews,
    the_anki_file_has_one_sanitized_row_per_question_of_the_active_sets,
    the_eighth_failure_suspends_a_leech_with_a_notice_and_undo_takes_it_back,
    a_mock_interview_failure_can_make_a_leech_too,
    an_interview_without_a_new_leech_has_no_leech_notice,
    a_grade_shows_on_the_progress_pages_at_once,
    the_final_review_is_a_queue_failed_first_then_longest_unseen,
    admins_see_questions_that_are_leeches_for_several_users,
);
