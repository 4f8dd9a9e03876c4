//! The holes a probe of the running service found (issue 12), each closed and kept closed:
//! open redirects, sign-in and sign-up limits under parallel requests, security headers,
//! proxies, form sizes, dates and sessions.

use crate::helpers::{TestApp, TestDb, db_tests, fixture, location, spawn_app};

/// Creates a user with `rehearse user add`, the password on standard input.
fn create_user(app: &TestApp, name: &str, password: &str) {
    let out = crate::helpers::rehearse_with_input(
        Some(&app.database_url),
        &["user", "add", name],
        &format!("{password}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
}

fn a_next_with_a_tab_or_line_break_sends_you_home_after_signing_in_or_up(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    // The link an attacker sends: the tab arrives decoded, and browsers drop it from URLs.
    let form = app.get("/signin?next=/%09/evil.example").text().unwrap();
    let next = crate::helpers::hidden_value(&form, "next").unwrap();
    assert_eq!(next, "/", "the form does not carry the bypass: {form}");
    let csrf = crate::helpers::hidden_value(&form, "csrf").unwrap();
    for bypass in ["/\t/evil.example", "/%2F/evil.example", "/\\evil.example"] {
        let visitor = app.new_visitor();
        let csrf = visitor.csrf_from("/signin");
        let response = visitor.post_form(
            "/signin",
            &[
                ("username", "ada"),
                ("password", "correct horse battery"),
                ("csrf", &csrf),
                ("next", bypass),
            ],
        );
        assert_eq!(response.status(), 303, "{bypass:?}");
        assert_eq!(location(&response), "/", "{bypass:?}");
    }
    let response = app.post_form(
        "/signin",
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
            ("next", &next),
        ],
    );
    assert_eq!(location(&response), "/");

    // A line break cannot go in a header: it used to be a 500 after the account was made.
    let visitor = app.new_visitor();
    let csrf = visitor.csrf_from("/signup");
    let response = visitor.post_form(
        "/signup",
        &[
            ("username", "grace"),
            ("password", "long enough password"),
            ("csrf", &csrf),
            ("next", "/\nx"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let home = visitor.get("/").text().unwrap();
    assert!(
        home.contains("Signed in as <strong>grace</strong>"),
        "{home}"
    );
}

db_tests!(
    a_next_with_a_tab_or_line_break_sends_you_home_after_signing_in_or_up,
);
