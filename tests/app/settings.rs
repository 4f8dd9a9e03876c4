//! The settings page: signed-in only, saves every field, and explains mistakes beside them.

use crate::helpers::{TestDb, assert_page, db_tests, fixture, hidden_value, location, spawn_app};

fn anonymous_visitors_are_sent_to_sign_in_and_brought_back(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let response = app.get("/settings");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/signin?next=%2Fsettings");
    // Signing up from there lands back on the settings page.
    let form = app.get("/signup?next=/settings").text().unwrap();
    let csrf = hidden_value(&form, "csrf").unwrap();
    let response = app.post_form(
        "/signup",
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
            ("next", "/settings"),
        ],
    );
    assert_eq!(location(&response), "/settings");
    assert_eq!(app.get("/settings").status(), 200);
}

fn saved_settings_are_shown_the_next_time(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    app.sign_up("ada", "correct horse battery");
    let page = app.get("/settings").text().unwrap();
    assert!(
        page.contains("value=\"20\""),
        "default of 20 new per day: {page}"
    );
    assert!(
        page.contains("name=\"set:streams\" checked"),
        "every set starts active"
    );
    let csrf = hidden_value(&page, "csrf").unwrap();
    // A date two months ahead stays within the allowed range whenever the test runs.
    let interview_date = (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string();
    let response = app.post_form(
        "/settings",
        &[
            ("csrf", csrf.as_str()),
            ("new_per_day", "12"),
            ("max_reviews_per_day", "120"),
            ("timezone", "America/New_York"),
            ("rollover_hour", "5"),
            ("new_order", "shuffled"),
            ("interview_date", interview_date.as_str()),
            ("set:event-loop", "on"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/settings?saved=1");
    let page = app.get("/settings?saved=1").text().unwrap();
    assert!(page.contains("Your settings are saved."));
    for expected in [
        "id=\"new_per_day\" name=\"new_per_day\" inputmode=\"numeric\" value=\"12\"",
        "value=\"120\"",
        "value=\"America/New_York\"",
        "value=\"5\"",
        format!("value=\"{interview_date}\"").as_str(),
        "value=\"shuffled\" checked",
        "name=\"set:event-loop\" checked",
    ] {
        assert!(page.contains(expected), "missing {expected}: {page}");
    }
    assert!(
        !page.contains("name=\"set:streams\" checked"),
        "streams was switched off: {page}"
    );
}

fn mistakes_are_shown_beside_their_fields_and_nothing_is_saved(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    app.sign_up("ada", "correct horse battery");
    let response = app.submit(
        "/settings",
        "/settings",
        &[
            ("new_per_day", "many"),
            ("max_reviews_per_day", "100"),
            ("timezone", "Mars/Olympus"),
            ("rollover_hour", "4"),
            ("new_order", "roadmap"),
            ("interview_date", ""),
        ],
    );
    let body = assert_page(
        response,
        422,
        "id=\"new_per_day-error\">Enter a whole number from 0 to 500.<",
    );
    assert!(
        body.contains(
            "id=\"timezone-error\">Choose a timezone from the list, like Europe/Berlin.<"
        )
    );
    assert!(body.contains("value=\"many\""), "what was typed is kept");
    let page = app.get("/settings").text().unwrap();
    assert!(
        page.contains("value=\"20\"") && page.contains("value=\"UTC\""),
        "nothing saved: {page}"
    );
}

db_tests!(
    anonymous_visitors_are_sent_to_sign_in_and_brought_back,
    saved_settings_are_shown_the_next_time,
    mistakes_are_shown_beside_their_fields_and_nothing_is_saved,
);
