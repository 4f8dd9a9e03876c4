//! End-to-end tests in real headless Chromium driven through chromedriver (WebDriver), plus
//! the checks every page must pass: valid HTML (the Nu HTML Checker) and no serious or
//! critical accessibility problem (axe-core), at desktop and phone widths, light and dark.
//!
//! [`Browser`] is a small synchronous wrapper around `fantoccini` so the blocking tests can
//! drive it: it owns a chromedriver process, a fresh Chromium profile and a tokio runtime.
//!
//! `harness.rs` holds the browser, `checks.rs` the two checkers; this file the tests.

mod checks;
mod harness;

use crate::helpers::{TestDb, assert_contains, fixture, repo_root, spawn_app};
use checks::*;
use harness::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What the page's Content-Security-Policy blocked so far: nothing, if the site works under it.
fn csp_violations(browser: &Browser, name: &str) -> Vec<String> {
    match browser.execute("return window.cspViolations || null;", vec![]) {
        Value::Array(list) => list
            .iter()
            .map(|v| format!("{name}: the Content-Security-Policy refused {v}"))
            .collect(),
        other => vec![format!("{name}: no CSP recorder on the page ({other})")],
    }
}

const DESKTOP: (&str, u32, u32) = ("desktop", 1280, 900);
const PHONE: (&str, u32, u32) = ("phone", 390, 844);

/// What the page checks found, gathered so one run reports every page's problems at once.
#[derive(Default)]
struct Findings {
    served: Vec<(String, String)>,
    accessibility: Vec<String>,
}

impl Findings {
    /// Checks the page the browser shows: its HTML as served (validated later, in one run),
    /// that its Content-Security-Policy blocked nothing, then axe at both widths in light and dark, saving a screenshot of each.
    fn check(&mut self, browser: &Browser, name: &str) {
        self.served.push((name.to_owned(), browser.served_html()));
        self.accessibility.extend(csp_violations(browser, name));
        for (device, width, height) in [DESKTOP, PHONE] {
            browser.set_viewport_size(width, height);
            for scheme in [ColorScheme::Light, ColorScheme::Dark] {
                browser.emulate_color_scheme(scheme);
                let label = format!("{name}-{device}-{}", scheme.name());
                if let Some(problems) = accessibility_problems(browser, &label) {
                    self.accessibility.extend(problems);
                }
                save_artifact(&format!("{label}.png"), &browser.full_page_png());
            }
        }
        browser.set_viewport_size(DESKTOP.1, DESKTOP.2);
        browser.emulate_color_scheme(ColorScheme::Light);
    }

    /// [`Findings::check`] for a page that answered a POST (which fetching its address again
    /// would not reproduce): its HTML is taken from the browser's document instead.
    fn check_rendered(&mut self, browser: &Browser, name: &str) {
        self.check(browser, name);
        if let Some(last) = self.served.last_mut() {
            last.1 = format!("<!DOCTYPE html>\n{}", browser.page_source());
        }
    }

    fn assert_clean(self) {
        let mut problems = html_problems(&self.served).unwrap_or_default();
        problems.extend(self.accessibility);
        assert!(
            problems.is_empty(),
            "{} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

#[test]
fn pages_are_valid_html_and_accessible() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    let mut findings = Findings::default();

    browser.goto(&format!("{}/", app.address));
    findings.check(&browser, "home");

    browser.goto(&format!("{}/questions", app.address));
    findings.check(&browser, "questions");

    // The code-output question, answer shown: it holds highlighted code.
    let links = browser.find_all(".question-list a");
    assert!(!links.is_empty(), "no question links on /questions");
    let link = links
        .iter()
        .find(|a| {
            a.attr("href")
                .is_some_and(|h| h.ends_with("/immediate-vs-timeout"))
        })
        .unwrap_or(&links[0]);
    link.click();
    browser.click("details.answer summary");
    assert!(browser.find(".answer-body").is_displayed());
    findings.check(&browser, "question");

    browser.goto(&format!("{}/signin", app.address));
    findings.check(&browser, "signin");

    browser.goto(&format!("{}/signup", app.address));
    findings.check(&browser, "signup");

    // Sign up through the real form, as a person would.
    browser.type_into("#username", "ada");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/");
    assert!(
        browser.text(".nav-user").contains("ada"),
        "not signed in after signing up: {}",
        browser.page_source()
    );

    browser.goto(&format!("{}/settings", app.address));
    assert_eq!(browser.text("h1"), "Settings");
    findings.check(&browser, "settings");

    // The schedulers page (a new user: the evidence waits for reviews, training is offered
    // later).
    browser.goto(&format!("{}/progress/schedulers", app.address));
    assert_eq!(browser.text("h1"), "Schedulers");
    findings.check(&browser, "schedulers");

    findings.assert_clean();
}

#[test]
fn signing_in_works_with_the_keyboard_alone() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    browser.goto(&format!("{}/signin", app.address));

    // The first Tab reaches the skip link, which shows itself.
    browser.press_key("Tab");
    let skip = browser.focused();
    assert_eq!(skip.text(), "Skip to content");
    assert!(skip.is_displayed());

    // Then on until the username field has the focus.
    let mut presses = 1;
    while browser.focused().prop("id").as_deref() != Some("username") {
        browser.press_key("Tab");
        presses += 1;
        assert!(presses < 20, "Tab never reached the username field");
    }
    browser.type_keys("someone");
    // Select it all and type over it: chords reach the page too.
    browser.press_key("Ctrl+A");
    browser.type_keys("nobody");
    browser.press_key("Tab");
    assert_eq!(browser.focused().prop("id").as_deref(), Some("password"));
    browser.type_keys("wrong password");
    browser.press_key("Enter");

    let alert = browser.find(".form-error[role=alert]");
    assert!(
        alert.text().contains("do not match an account"),
        "unexpected message: {}",
        alert.text()
    );
    assert_eq!(browser.current_path(), "/signin");
    assert_eq!(
        browser.find("#username").prop("value").as_deref(),
        Some("nobody")
    );
}

/// Guards the guards: a checker that silently checks nothing would pass every page.
#[test]
fn the_checks_catch_invalid_markup_and_poor_contrast_in_either_scheme() {
    let broken = "<!doctype html><html lang=\"en\"><head><title>x</title></head>\n\
                  <body><p>one<div></p></body></html>";
    if let Some(problems) = html_problems(&[("broken".into(), broken.into())]) {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("broken:2:") && p.contains("“p” end tag")),
            "{problems:#?}"
        );
    }

    let Some(browser) = Browser::start(800, 600) else {
        return;
    };
    // Readable in light, unreadable in dark; an image without a text alternative.
    browser.goto(
        "data:text/html,<!doctype html><html lang=en><title>t</title>\
         <style>p{color:rgb(30,30,30);background:white}\
         @media (prefers-color-scheme: dark){p{color:rgb(60,60,60);background:black}}</style>\
         <main><p>Some text</p><img src=a.png></main>",
    );
    let Some(light) = accessibility_problems(&browser, "light") else {
        return;
    };
    assert!(light.iter().any(|p| p.contains("image-alt")), "{light:#?}");
    assert!(
        !light.iter().any(|p| p.contains("color-contrast")),
        "{light:#?}"
    );
    browser.emulate_color_scheme(ColorScheme::Dark);
    let dark = accessibility_problems(&browser, "dark").unwrap();
    assert!(
        dark.iter().any(|p| p.contains("color-contrast")),
        "{dark:#?}"
    );
}

/// Waits until the address is no longer `from` and returns the new path.
fn wait_for_path_change(browser: &Browser, from: &str) -> String {
    let started = Instant::now();
    loop {
        let now = browser.current_path();
        if now != from {
            return now;
        }
        assert!(started.elapsed() < WAIT, "still on {from} after {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Presses Tab until the element matching `css` has the focus.
fn tab_to(browser: &Browser, css: &str) {
    let mut presses = 0;
    loop {
        browser.press_key("Tab");
        presses += 1;
        let focused = browser.execute(
            "return document.activeElement && document.activeElement.matches(arguments[0]);",
            vec![json!(css)],
        );
        if focused == json!(true) {
            return;
        }
        assert!(presses < 60, "Tab never reached {css}");
    }
}

#[test]
fn studying_five_questions_with_the_keyboard_alone() {
    use diesel::prelude::*;
    use rehearse::db::schema::reviews;
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &repo_root().join("questions"));
    let mut findings = Findings::default();

    browser.goto(&format!("{}/signup?next=/study", app.address));
    browser.type_into("#username", "grace");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/study");
    assert!(
        browser.text(".counts").contains("20 new"),
        "{}",
        browser.text(".counts")
    );
    findings.check(&browser, "study-queue");

    // Start with the keyboard: Tab to "Start studying", Enter.
    tab_to(&browser, "#start");
    browser.press_key("Enter");
    let mut path = wait_for_path_change(&browser, "/study");
    assert!(path.starts_with("/study/q/"), "{path}");
    let first_question = path.clone();

    for (index, grade) in ["4", "5", "2", "3", "4"].iter().enumerate() {
        assert!(
            !browser.find("#answer").is_displayed(),
            "answer hidden at first"
        );
        if index == 0 {
            findings.check(&browser, "question");
        }
        // Type an answer first on one question: Tab into the box, type, Escape the box by Tab.
        if index == 1 {
            tab_to(&browser, "#typed");
            browser.type_keys("Timers first, then I/O callbacks.");
            tab_to(&browser, "#reveal-button");
            browser.press_key("Enter");
        } else {
            browser.press_key(" ");
        }
        assert!(
            browser.find("#answer").is_displayed(),
            "Space reveals the answer"
        );
        if index == 1 {
            assert!(browser.find("#your-answer").is_displayed());
            assert_eq!(
                browser.text("#your-answer-text"),
                "Timers first, then I/O callbacks."
            );
        }
        if index == 0 {
            // Ticking every key point with the keyboard suggests a 5.
            for checkbox in browser.find_all("#grade-form input[name=hit]") {
                let _ = checkbox;
                tab_to(&browser, "#grade-form input[name=hit]:not(:checked)");
                browser.press_key(" ");
            }
            assert!(
                browser.text("#suggestion").contains("suggested grade 5"),
                "{}",
                browser.text("#suggestion")
            );
            findings.check(&browser, "answer");
        }
        browser.press_key(grade);
        path = wait_for_path_change(&browser, &path);
        assert!(path.starts_with("/study/q/") || path == "/study", "{path}");
    }
    let graded = |app: &crate::helpers::TestApp| -> (i64, i64) {
        let mut conn = app.db.reader().unwrap();
        let all = reviews::table.count().get_result(&mut *conn).unwrap();
        let undone = reviews::table
            .filter(reviews::undone_at.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap();
        (all, undone)
    };
    assert_eq!(graded(&app), (5, 0));
    assert!(browser.text(".last-grade").contains("4 (good)"));

    // Ctrl+Z takes the last grade back and shows that question again.
    browser.press_key("Ctrl+Z");
    let undone_at = wait_for_path_change(&browser, &path);
    assert!(undone_at.starts_with("/study/q/"), "{undone_at}");
    assert_ne!(undone_at, first_question);
    assert_eq!(graded(&app), (5, 1));

    // Browse and search, then sign out, all from the keyboard.
    browser.goto(&format!("{}/questions", app.address));
    tab_to(&browser, "#q");
    browser.type_keys("event loop phases");
    browser.press_key("Enter");
    wait_for_path_change(&browser, "/questions");
    assert!(
        browser
            .current_path()
            .starts_with("/questions?q=event+loop+phases")
    );
    assert!(
        !browser.find_all(".question-list li").is_empty(),
        "search found nothing"
    );
    findings.check(&browser, "search");

    tab_to(&browser, ".nav button.link-button");
    browser.press_key("Enter");
    browser.wait_for_path("/");
    assert!(browser.find_all(".nav-user").is_empty(), "still signed in");
    findings.assert_clean();
}

#[test]
fn a_three_question_timed_interview_with_the_keyboard_reaches_the_report() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &repo_root().join("questions"));
    let mut findings = Findings::default();
    browser.goto(&format!("{}/signup?next=/interviews/new", app.address));
    browser.type_into("#username", "linus");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/interviews/new");
    findings.check(&browser, "interview-setup");

    // A custom interview: 3 questions, 10 minutes in all, chosen with the keyboard.
    tab_to(&browser, "#count");
    browser.press_key("Ctrl+A");
    browser.type_keys("3");
    tab_to(&browser, "#minutes");
    browser.press_key("Ctrl+A");
    browser.type_keys("10");
    tab_to(&browser, "#custom-interview button[type=submit]");
    browser.press_key("Enter");
    let interview = wait_for_path_change(&browser, "/interviews/new");
    assert!(interview.starts_with("/interviews/"), "{interview}");

    // The question on screen (its item id), or None on the report.
    let on_screen = |browser: &Browser| -> Option<String> {
        browser
            .execute(
                "var f = document.querySelector('input[name=item]'); return f ? f.value : null;",
                vec![],
            )
            .as_str()
            .map(str::to_owned)
    };
    let wait_for_next = |browser: &Browser, from: &str| {
        let started = Instant::now();
        while on_screen(browser).as_deref() == Some(from) {
            assert!(started.elapsed() < WAIT, "the grade did not move on");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // Three questions (and any follow-up a good grade brings), all from the keyboard.
    let grades = ["3", "4", "2", "3", "3", "3"];
    let mut asked = 0;
    while let Some(item) = on_screen(&browser) {
        let countdown = browser.text("#countdown");
        assert!(
            countdown.contains(':') && !countdown.contains("over"),
            "countdown shows: {countdown}"
        );
        if asked == 0 {
            findings.check(&browser, "interview-question");
        }
        browser.press_key(" ");
        browser.find("#answer");
        if asked == 0 {
            findings.check(&browser, "interview-answer");
        }
        browser.press_key(grades[asked]);
        wait_for_next(&browser, &item);
        asked += 1;
        assert!(asked < grades.len(), "more questions than expected");
    }
    browser.wait_for_path(&format!("{interview}/report"));
    assert!(asked >= 3, "only {asked} questions");
    assert!(
        browser.text("h1").contains("report"),
        "{}",
        browser.text("h1")
    );
    assert!(browser.page_source().contains("Score:"));
    findings.check(&browser, "interview-report");
    browser.goto(&format!("{}/interviews", app.address));
    findings.check(&browser, "interview-history");
    findings.assert_clean();
}

#[test]
fn an_admin_fixes_an_upload_previews_and_applies_it_and_candidates_see_it() {
    use diesel::prelude::*;
    use rehearse::db::schema::users;
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    let mut findings = Findings::default();
    browser.goto(&format!("{}/signup?next=/admin/import", app.address));
    browser.type_into("#username", "root");
    browser.type_into("#password", "correct horse battery");
    // The account exists once the form is sent (a candidate, refused here); then it is made
    // an admin.
    browser.press_key("Enter");
    browser.wait_for_path("/admin/import");
    assert!(browser.page_source().contains("This page is for admins"));
    {
        let mut conn = app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("root")))
            .set(users::role.eq("admin"))
            .execute(&mut *conn)
            .unwrap();
    }
    browser.goto(&format!("{}/admin/import", app.address));
    findings.check(&browser, "admin-upload");

    let folder = tempfile::tempdir().unwrap();
    let good = "format: 1\nset: timers-extra\ntitle: More about timers\nquestions:\n  - id: set-interval-drift\n    topic: timers\n    difficulty: mid\n    kind: concept\n    prompt: Why does setInterval drift, and how do you schedule work on a steady beat?\n    answer: |\n      Each callback runs only when the event loop gets to it, so delays add up.\n      Compute the next deadline from the start time and use setTimeout for each tick.\n    key_points:\n      - callbacks run late when the loop is busy\n      - schedule from a fixed start time\n";
    let broken = good.replace("difficulty: mid", "dificulty: mid");
    let file = folder.path().join("timers-extra.yaml");
    std::fs::write(&file, &broken).unwrap();
    browser.type_into("#files", file.to_str().unwrap());
    browser.click("form[enctype] button[type=submit]");
    let problem = browser.find(".problems");
    let text = problem.text();
    assert!(
        text.contains("timers-extra.yaml:7:5") && text.contains("did you mean `difficulty`?"),
        "{text}"
    );
    assert!(browser.text("pre.excerpt").contains("dificulty: mid"));
    findings.check(&browser, "admin-upload-error");

    std::fs::write(&file, good).unwrap();
    browser.type_into("#files", file.to_str().unwrap());
    browser.click("form[enctype] button[type=submit]");
    browser.find("#apply");
    assert!(
        browser
            .text(".summary")
            .contains("1 added, 0 updated, 0 retired, 0 unchanged"),
        "{}",
        browser.text(".summary")
    );
    findings.check(&browser, "admin-preview");
    browser.click("#apply");
    let started = Instant::now();
    while !browser.current_path().starts_with("/admin/imports/") {
        assert!(started.elapsed() < WAIT, "apply did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    findings.check(&browser, "admin-import-run");

    // A candidate finds the new question straight away.
    let candidate = app.new_visitor();
    assert_eq!(
        candidate.sign_up("cand", "correct horse battery").status(),
        303
    );
    let page = candidate
        .get("/questions?q=setInterval+drift")
        .text()
        .unwrap();
    assert_contains(&page, &["/questions/timers-extra/set-interval-drift"]);
    findings.assert_clean();
}

#[test]
fn a_new_user_studies_then_checks_progress_roadmap_and_readiness_and_downloads_the_log() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &repo_root().join("questions"));
    let mut findings = Findings::default();
    browser.goto(&format!("{}/signup?next=/study", app.address));
    browser.type_into("#username", "hopper");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/study");

    // Study four questions: reveal with Space, grade with a digit.
    browser.click("#start");
    let mut path = wait_for_path_change(&browser, "/study");
    for grade in ["5", "4", "1", "3"] {
        browser.press_key(" ");
        assert!(browser.find("#answer").is_displayed());
        browser.press_key(grade);
        path = wait_for_path_change(&browser, &path);
    }

    // The navigation leads to the progress page, which counts them.
    browser.click(".nav a[href='/progress']");
    browser.wait_for_path("/progress");
    let summary = browser.text("#heatmap-heading + p");
    assert!(summary.starts_with("4 reviews on 1 day"), "{summary}");
    assert!(browser.text("#streak-heading + p").contains("1 day"));
    let states = browser.text("#card-states");
    let states = states.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&states, &["learning 4 "]);
    findings.check(&browser, "progress");

    browser.click(".progress-tabs a[href='/progress/roadmap']");
    browser.wait_for_path("/progress/roadmap");
    assert!(
        browser.page_source().contains("👂"),
        "a topic is heard of now"
    );
    findings.check(&browser, "roadmap");

    // Without a date the readiness page points to the settings; set one three weeks ahead.
    browser.click(".progress-tabs a[href='/progress/readiness']");
    browser.wait_for_path("/progress/readiness");
    assert!(browser.text("h2").contains("No interview date yet"));
    browser.goto(&format!("{}/settings", app.address));
    let date = (chrono::Utc::now() + chrono::Duration::days(21))
        .format("%Y-%m-%d")
        .to_string();
    browser.execute(
        "document.querySelector('#interview_date').value = arguments[0];",
        vec![json!(date)],
    );
    browser.click("form[action='/settings'] button.primary");
    browser.find(".notice");
    browser.goto(&format!("{}/progress/readiness", app.address));
    assert!(
        browser.text("#days-left").contains("days left"),
        "{}",
        browser.text("#days-left")
    );
    let plan = browser.text("#plan");
    assert_contains(&plan, &["new questions a day"]);
    findings.check(&browser, "readiness");

    // One click applies the plan.
    browser.click("#apply-plan");
    let notice = browser.find(".notice[role=status]").text();
    assert_contains(&notice, &["new questions a day"]);
    assert!(browser.find_all("#apply-plan").is_empty());
    findings.check(&browser, "readiness-applied");

    // The review log downloads as a file with a row per grade.
    let downloads = tempfile::tempdir().unwrap();
    browser.cdp(
        "Page.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path().to_str().unwrap() }),
    );
    browser.goto(&format!("{}/progress", app.address));
    browser.click("#download-reviews");
    let file = downloads.path().join("rehearse-reviews.csv");
    let started = Instant::now();
    while !file.exists() {
        assert!(started.elapsed() < WAIT, "the CSV did not download");
        std::thread::sleep(Duration::from_millis(50));
    }
    let csv_text = std::fs::read_to_string(&file).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    // Four grades, and the re-drill of the one graded 1 is not graded yet.
    assert_eq!(rows.len(), 4, "{csv_text}");
    assert_eq!(
        rows.iter().map(|r| r[5].to_owned()).collect::<Vec<_>>(),
        ["5", "4", "1", "3"]
    );
    findings.assert_clean();
}

#[test]
fn an_admin_makes_a_reset_link_and_a_signed_out_user_sets_a_password_with_it() {
    use diesel::prelude::*;
    use rehearse::db::schema::users;
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    let mut findings = Findings::default();
    // carol has an account and forgot its password.
    let carol = app.new_visitor();
    assert_eq!(carol.sign_up("carol", "forgotten password").status(), 303);
    let carol_id: String = {
        let mut conn = app.db.reader().unwrap();
        users::table
            .filter(users::username.eq("carol"))
            .select(users::id)
            .get_result(&mut *conn)
            .unwrap()
    };

    // The admin signs up in the browser and is made an admin.
    browser.goto(&format!("{}/signup?next=/admin/users", app.address));
    browser.type_into("#username", "root");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/admin/users");
    {
        let mut conn = app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("root")))
            .set(users::role.eq("admin"))
            .execute(&mut *conn)
            .unwrap();
    }
    browser.goto(&format!("{}/admin/users", app.address));
    findings.check(&browser, "admin-users");
    browser.goto(&format!("{}/admin/users/{carol_id}/delete", app.address));
    assert!(browser.text("h1").contains("Delete the account carol?"));
    findings.check(&browser, "admin-delete-account");

    browser.goto(&format!("{}/admin/users", app.address));
    browser.click("#user-carol form[action$='/reset-link'] button");
    let link = browser
        .find("#reset-link")
        .prop("value")
        .expect("the link is shown");
    assert!(
        link.starts_with(&format!("{}/reset/", app.address)),
        "{link}"
    );
    findings.check_rendered(&browser, "admin-reset-link");

    // Signed out, the link's page sets the new password.
    browser.click("form[action='/signout'] button");
    browser.wait_for_path("/");
    browser.goto(&link);
    assert_eq!(browser.text("h1"), "Choose a new password");
    findings.check(&browser, "reset-form");
    browser.type_into("#new_password", "remembered this time");
    browser.type_into("#confirm_password", "remembered this time");
    browser.click("form[action^='/reset/'] button.primary");
    browser.find("#signin-after-reset");
    assert_eq!(browser.text("h1"), "Your password is set");
    findings.check_rendered(&browser, "reset-done");
    // carol's old session ended with it.
    assert_eq!(carol.get("/study").status(), 303);

    browser.click("#signin-after-reset");
    browser.wait_for_path("/signin");
    browser.type_into("#username", "carol");
    browser.type_into("#password", "remembered this time");
    browser.press_key("Enter");
    browser.wait_for_path("/");
    assert!(
        browser.text(".nav-user").contains("carol"),
        "not signed in with the new password: {}",
        browser.page_source()
    );
    // The link is spent.
    browser.goto(&link);
    assert_eq!(browser.text("h1"), "This link no longer works");
    findings.check(&browser, "reset-spent");
    findings.assert_clean();
}
