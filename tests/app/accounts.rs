//! Sign up, sign in, sign out, CSRF and sign-in rate limiting, through real HTTP.

use crate::helpers::{
    TestDb, assert_contains, assert_page, db_tests, fixture, location, rehearse_with_input,
    spawn_app,
};
use diesel::prelude::*;
use rehearse::db::schema::sessions;

fn signing_up_signs_you_in_and_signing_out_ends_the_session(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let response = app.sign_up("Ada", "correct horse battery");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let home = app.get("/").text().unwrap();
    assert_contains(&home, &["Signed in as <strong>ada</strong>"]);

    let csrf = crate::helpers::hidden_value(&home, "csrf").unwrap();
    let out = app.post_form("/signout", &[("csrf", &csrf)]);
    assert_eq!(out.status(), 303);
    let home = app.get("/").text().unwrap();
    assert_contains(&home, &["href=\"/signin\""]);
    assert!(!home.contains("Signed in as"));
    let mut conn = app.db.reader().unwrap();
    let live: i64 = sessions::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(live, 0, "the session row is deleted on sign-out");
}

fn sign_up_mistakes_are_shown_beside_their_fields(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let response = app.sign_up("a!b", "short");
    assert_eq!(response.status(), 422);
    let body = response.text().unwrap();
    assert_contains(
        &body,
        &["id=\"username-error\">Use only letters, digits, dots, dashes and underscores.<"],
    );
    assert_contains(
        &body,
        &["id=\"password-error\">Use at least 8 characters.<"],
    );
    assert!(
        body.contains("value=\"a!b\""),
        "the username is kept: {body}"
    );

    assert_eq!(app.sign_up("grace", "long enough password").status(), 303);
    let other = app.new_visitor();
    let taken = other.sign_up("GRACE", "another long password");
    assert_page(taken, 422, "That username is taken; choose another.");
}

fn signing_in_returns_to_the_page_that_asked_for_it(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let created = rehearse_user(&app, "linus", "kernel hacker 1991");
    assert_contains(&created, &["created candidate linus"]);
    // An anonymous visitor is sent to sign in, remembering where they were going.
    let csrf = app.csrf_from("/signin");
    let refused = app.post_form("/signout", &[("csrf", &csrf)]);
    assert_eq!(refused.status(), 303);
    assert_eq!(location(&refused), "/signin?next=%2Fsignout");
    let form = app.get("/signin?next=/healthz").text().unwrap();
    assert_eq!(
        crate::helpers::hidden_value(&form, "next").as_deref(),
        Some("/healthz")
    );
    let response = app.sign_in_to("Linus", "kernel hacker 1991", "/healthz");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/healthz");
    // A `next` pointing at another site is ignored.
    let other = app.new_visitor();
    let response = other.sign_in_to("linus", "kernel hacker 1991", "//evil.example");
    assert_eq!(location(&response), "/");
}

fn forms_without_a_valid_csrf_token_or_from_another_origin_are_refused(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let csrf = app.csrf_from("/signup");
    let forged = app.post_form(
        "/signup",
        &[
            ("username", "mallory"),
            ("password", "long enough password"),
            ("csrf", "forged"),
        ],
    );
    assert_page(
        forged,
        403,
        "This form has expired or did not come from Rehearse.",
    );
    let cross_site = app
        .client
        .post(format!("{}/signup", app.address))
        .header("origin", "https://evil.example")
        .form(&[
            ("username", "mallory"),
            ("password", "long enough password"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .unwrap();
    assert_page(cross_site, 403, "came from another site");
    let mut conn = app.db.reader().unwrap();
    let users: i64 = rehearse::db::schema::users::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(users, 0);
}

fn repeated_wrong_passwords_are_slowed_down_with_a_clear_message(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    rehearse_user(&app, "ada", "correct horse battery");
    let csrf = app.csrf_from("/signin");
    for _ in 0..5 {
        let wrong = app.post_form(
            "/signin",
            &[
                ("username", "ada"),
                ("password", "wrong password"),
                ("csrf", &csrf),
            ],
        );
        assert_page(
            wrong,
            401,
            "That username and password do not match an account.",
        );
    }
    // Even the right password waits now.
    let blocked = app.post_form(
        "/signin",
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
        ],
    );
    assert_page(
        blocked,
        429,
        "Too many failed sign-in attempts. Try again in 15 minutes.",
    );
}

fn an_unknown_username_gets_the_same_answer_as_a_wrong_password(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let unknown = app.submit(
        "/signin",
        "/signin",
        &[("username", "nobody"), ("password", "whatever123")],
    );
    assert_page(
        unknown,
        401,
        "That username and password do not match an account.",
    );
}

/// Creates a user with `rehearse user add`, the password on standard input.
fn rehearse_user(app: &crate::helpers::TestApp, name: &str, password: &str) -> String {
    let out = rehearse_with_input(
        Some(&app.database_url),
        &["user", "add", name],
        &format!("{password}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
}

db_tests!(
    signing_up_signs_you_in_and_signing_out_ends_the_session,
    sign_up_mistakes_are_shown_beside_their_fields,
    signing_in_returns_to_the_page_that_asked_for_it,
    forms_without_a_valid_csrf_token_or_from_another_origin_are_refused,
    repeated_wrong_passwords_are_slowed_down_with_a_clear_message,
    an_unknown_username_gets_the_same_answer_as_a_wrong_password,
);
