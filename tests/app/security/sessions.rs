//! A user's signed-in sessions: listed on the settings page, ended elsewhere on request or
//! when the password changes.

use super::{create_user, post_with_headers, sign_in};
use crate::helpers::{
    TestApp, TestDb, Visitor, assert_contains, assert_page, db_tests, fixture, location, spawn_app,
};

const FIREFOX_ON_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ON_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// A new browser signed in as `username`, sending `user_agent`.
fn signed_in_browser(app: &TestApp, username: &str, password: &str, user_agent: &str) -> Visitor {
    let visitor = app.new_visitor();
    let csrf = visitor.csrf_from("/signin");
    let response = post_with_headers(
        &visitor,
        "/signin",
        &[("origin", &app.address), ("user-agent", user_agent)],
        &[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(response.status(), 303);
    visitor
}

fn the_settings_page_lists_your_sessions_and_can_sign_out_the_others(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    let laptop = signed_in_browser(&app, "ada", "correct horse battery", FIREFOX_ON_LINUX);
    let phone = signed_in_browser(&app, "ada", "correct horse battery", CHROME_ON_ANDROID);
    let page = laptop.get("/settings").text().unwrap();
    assert_contains(
        &page,
        &[
            "<td>Firefox on Linux <strong>(this browser)</strong></td>",
            "<td>Chrome on Android</td>",
        ],
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        page.contains(&format!("<td data-label=\"Last seen\">{today} ")),
        "{page}"
    );

    let csrf = crate::helpers::hidden_value(&page, "csrf").unwrap();
    let response = laptop.post_form("/settings/sessions/end-others", &[("csrf", &csrf)]);
    assert_eq!(location(&response), "/settings?signed_out=1");
    let page = laptop.get("/settings?signed_out=1").text().unwrap();
    assert_contains(&page, &["You are signed out everywhere else."]);
    assert!(!page.contains("Chrome on Android"), "{page}");
    let response = phone.get("/settings");
    assert_eq!(response.status(), 303, "the phone is signed out");
    assert_eq!(location(&response), "/signin?next=%2Fsettings");
}

fn changing_the_password_ends_every_other_session(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    let laptop = signed_in_browser(&app, "ada", "correct horse battery", FIREFOX_ON_LINUX);
    let phone = signed_in_browser(&app, "ada", "correct horse battery", CHROME_ON_ANDROID);
    let change = |current: &str, new: &str, confirm: &str| {
        let csrf = laptop.csrf_from("/settings");
        laptop.post_form(
            "/settings/password",
            &[
                ("csrf", csrf.as_str()),
                ("current_password", current),
                ("new_password", new),
                ("confirm_password", confirm),
            ],
        )
    };
    let wrong = change(
        "not my password",
        "a new long password",
        "a new long password",
    );
    assert_page(
        wrong,
        422,
        "id=\"current_password-error\">That is not your current password.<",
    );
    assert_page(
        change(
            "correct horse battery",
            "a new long password",
            "a new long passw0rd",
        ),
        422,
        "id=\"confirm_password-error\">The two new passwords differ; type the same one twice.<",
    );
    assert_eq!(phone.get("/settings").status(), 200, "nothing changed yet");

    let done = change(
        "correct horse battery",
        "a new long password",
        "a new long password",
    );
    assert_eq!(location(&done), "/settings?password=1");
    let page = laptop.get("/settings?password=1").text().unwrap();
    assert!(page.contains("Your password is changed, and you are signed out everywhere else."));
    assert_eq!(
        phone.get("/settings").status(),
        303,
        "the phone is signed out"
    );
    let elsewhere = app.new_visitor();
    assert_eq!(
        sign_in(&elsewhere, "ada", "correct horse battery").status(),
        401
    );
    assert_eq!(
        sign_in(&elsewhere, "ada", "a new long password").status(),
        303
    );
}

db_tests!(
    the_settings_page_lists_your_sessions_and_can_sign_out_the_others,
    changing_the_password_ends_every_other_session,
);
