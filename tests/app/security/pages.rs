//! What every page sends and accepts: where `next` may lead, the security headers, form
//! sizes that match the field rules, and interview dates.

use super::{assert_security_headers, create_user, get_routes, header, sign_in};
use crate::helpers::{
    TestApp, TestDb, Visitor, assert_contains, db_tests, fixture, location, spawn_app,
};

fn a_next_with_a_tab_or_line_break_sends_you_home_after_signing_in_or_up(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    // The link an attacker sends: the tab arrives decoded, and browsers drop it from URLs.
    let form = app.get("/signin?next=/%09/evil.example").text().unwrap();
    let next = crate::helpers::hidden_value(&form, "next").unwrap();
    assert_eq!(next, "/", "the form does not carry the bypass: {form}");
    for bypass in ["/\t/evil.example", "/%2F/evil.example", "/\\evil.example"] {
        let response = app
            .new_visitor()
            .sign_in_to("ada", "correct horse battery", bypass);
        assert_eq!(response.status(), 303, "{bypass:?}");
        assert_eq!(location(&response), "/", "{bypass:?}");
    }
    let response = app.sign_in_to("ada", "correct horse battery", &next);
    assert_eq!(location(&response), "/");

    // A line break cannot go in a header: it used to be a 500 after the account was made.
    let visitor = app.new_visitor();
    let response = visitor.sign_up_to("grace", "long enough password", "/\nx");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let home = visitor.get("/").text().unwrap();
    assert_contains(&home, &["Signed in as <strong>grace</strong>"]);
}

fn every_page_static_file_error_and_redirect_carries_the_security_headers(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let routes = get_routes();
    assert!(
        routes.len() > 20 && routes.contains(&"/admin/users".to_owned()),
        "{routes:?}"
    );
    let anonymous = app.new_visitor();
    let candidate = app.new_visitor();
    assert_eq!(
        candidate.sign_up("carla", "long enough password").status(),
        303
    );
    create_user(&app, "root", "long enough password");
    let out = crate::helpers::rehearse_with_input(
        Some(&app.database_url),
        &["user", "add", "boss", "--admin"],
        "long enough password\n",
    );
    assert_eq!(out.code, 0, "{out:?}");
    let admin = app.new_visitor();
    assert_eq!(
        sign_in(&admin, "boss", "long enough password").status(),
        303
    );

    let mut statuses = std::collections::BTreeSet::new();
    for route in routes.iter().map(String::as_str).chain(["/no/such/page"]) {
        for (who, visitor) in [
            ("anonymous", &anonymous),
            ("candidate", &candidate),
            ("admin", &admin),
        ] {
            let response = visitor.get(route);
            statuses.insert(response.status().as_u16());
            assert_security_headers(&response, &format!("GET {route} as {who}"));
        }
    }
    let forged = anonymous.post_form(
        "/signin",
        &[
            ("username", "root"),
            ("password", "guess"),
            ("csrf", "forged"),
        ],
    );
    assert_eq!(forged.status(), 403);
    assert_security_headers(&forged, "a refused form");
    let signed_in = sign_in(&app.new_visitor(), "root", "long enough password");
    assert_eq!(signed_in.status(), 303);
    assert_security_headers(&signed_in, "the redirect after signing in");
    for expected in [200, 303, 403, 404] {
        assert!(
            statuses.contains(&expected),
            "no {expected} among {statuses:?}"
        );
    }
    assert_eq!(header(&anonymous.get("/"), "strict-transport-security"), "");
}

fn browsers_are_told_to_keep_to_https_when_cookies_are_secure(test_db: TestDb) {
    let app = crate::helpers::spawn_app_with_args(
        test_db,
        &fixture("valid"),
        std::sync::Arc::new(rehearse::web::SystemClock),
        |args| args.secure_cookies = true,
    );
    for path in ["/", "/static/app.css", "/no/such/page"] {
        let response = app.get(path);
        assert_eq!(
            header(&response, "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
        assert_security_headers(&response, path);
    }
}

/// An app on a one-question bank with a signed-up user, and that question's form fields.
fn studying(test_db: TestDb) -> (TestApp, tempfile::TempDir, Vec<(&'static str, String)>) {
    let bank = crate::helpers::generated_bank(1, 0);
    let app = spawn_app(test_db, bank.path());
    assert_eq!(app.sign_up("ada", "correct horse battery").status(), 303);
    let page = app.get("/study/q/alpha/q01").text().unwrap();
    let fields = ["csrf", "started", "submission"]
        .into_iter()
        .map(|name| (name, crate::helpers::hidden_value(&page, name).unwrap()))
        .collect();
    (app, bank, fields)
}

/// Sends `action` (`flag`, `reveal`) of the card `studying` opened: its form's `fields` and
/// `more`.
fn post_with(
    visitor: &Visitor,
    action: &str,
    fields: &[(&'static str, String)],
    more: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(more);
    visitor.post_form(&format!("/study/q/alpha/q01/{action}"), &all)
}

fn the_longest_comment_and_typed_answer_the_rules_allow_are_accepted(test_db: TestDb) {
    let (app, _bank, fields) = studying(test_db);
    // 2,000 emoji: 8,000 bytes of UTF-8, 24,000 percent-encoded.
    let comment = "\u{1F600}".repeat(2000);
    let response = post_with(
        &app,
        "flag",
        &fields,
        &[("reason", "unclear"), ("comment", &comment)],
    );
    assert_eq!(response.status(), 303);
    let mut conn = app.db.reader().unwrap();
    use diesel::prelude::*;
    let stored: String = rehearse::db::schema::flags::table
        .select(rehearse::db::schema::flags::comment)
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(stored, comment);

    // 20,000 characters of 4 bytes each: 240,000 bytes percent-encoded.
    let typed = "\u{1F600}".repeat(19_999) + "!";
    let response = post_with(&app, "reveal", &fields, &[("typed", &typed)]);
    assert_eq!(response.status(), 200);
    let page = response.text().unwrap();
    assert!(page.contains(&typed), "the typed answer is shown whole");
}

fn an_oversize_form_gets_the_sites_error_page(test_db: TestDb) {
    let (app, _bank, fields) = studying(test_db);
    let typed = "x".repeat(300 * 1024);
    let response = post_with(&app, "reveal", &fields, &[("typed", &typed)]);
    assert_eq!(response.status(), 413);
    assert_security_headers(&response, "a 413");
    let page = response.text().unwrap();
    assert_contains(&page, &["That form is too large", "</html>"]);
}

fn an_interview_date_out_of_range_is_shown_beside_its_field_and_not_saved(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    assert_eq!(app.sign_up("ada", "correct horse battery").status(), 303);
    let far = (chrono::Utc::now().date_naive() + chrono::Duration::days(6 * 366)).to_string();
    for date in ["-4714-01-01", "0001-01-01", "2000-01-01", far.as_str()] {
        let response = app.submit(
            "/settings",
            "/settings",
            &[
                ("new_per_day", "12"),
                ("max_reviews_per_day", "100"),
                ("timezone", "UTC"),
                ("rollover_hour", "4"),
                ("new_order", "roadmap"),
                ("interview_date", date),
            ],
        );
        assert_eq!(response.status(), 422, "{date}");
        let body = response.text().unwrap();
        assert!(
            body.contains(
                "id=\"interview_date-error\">Choose a date from today to 5 years ahead, or leave it empty.<"
            ),
            "{date}: {body}"
        );
        assert!(
            body.contains(&format!("value=\"{date}\"")),
            "what was typed is kept"
        );
    }
    let page = app.get("/settings").text().unwrap();
    assert!(page.contains("value=\"20\""), "nothing saved: {page}");
}

db_tests!(
    a_next_with_a_tab_or_line_break_sends_you_home_after_signing_in_or_up,
    every_page_static_file_error_and_redirect_carries_the_security_headers,
    browsers_are_told_to_keep_to_https_when_cookies_are_secure,
    the_longest_comment_and_typed_answer_the_rules_allow_are_accepted,
    an_oversize_form_gets_the_sites_error_page,
    an_interview_date_out_of_range_is_shown_beside_its_field_and_not_saved,
);
