//! The web application as a browser sees it: home page, health checks, errors.

use crate::helpers::{TestDb, assert_contains, assert_page, db_tests, fixture, header, spawn_app};

fn the_home_page_lists_the_shipped_sets_with_their_counts(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let body = assert_page(app.get("/"), 200, "<title>Question sets · Rehearse</title>");
    assert_contains(&body, &["3 questions in 2 sets"]);
    assert!(body.contains("The event loop"));
    assert!(body.contains("2 questions"));
    assert!(body.contains("1 question<"));
}

fn an_empty_database_without_questions_shows_a_helpful_empty_state(test_db: TestDb) {
    let empty = tempfile::tempdir().unwrap();
    let app = spawn_app(test_db, &empty.path().join("missing"));
    let body = app.get("/").text().unwrap();
    assert_contains(&body, &["No questions yet"]);
    assert!(body.contains("rehearse import questions/"));
}

fn health_and_readiness_answer_200(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let health = app.get("/healthz");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().unwrap(), "ok\n");
    let ready = app.get("/readyz");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().unwrap(), "ready\n");
}

fn an_unknown_address_gets_a_friendly_404_page(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let response = app.get("/no/such/page");
    assert_eq!(response.status(), 404);
    let body = response.text().unwrap();
    assert!(body.contains("Page not found"));
    assert!(body.contains("href=\"/\""));
}

fn stylesheets_are_served_from_the_binary(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    for path in ["/static/app.css", "/static/highlight.css"] {
        let response = app.get(path);
        assert_eq!(response.status(), 200, "{path}");
        assert!(header(&response, "content-type").starts_with("text/css"));
        assert!(response.text().unwrap().contains('{'));
    }
}

fn a_malformed_query_gets_the_sites_400_page(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    assert_eq!(app.sign_up("ada", "correct horse battery").status(), 303);
    for address in ["/study?flagged=abc", "/questions?page=abc"] {
        let response = app.get(address);
        assert_eq!(response.status(), 400, "{address}");
        let page = response.text().unwrap();
        assert!(
            page.contains("This address could not be read."),
            "{address}: {page}"
        );
        assert!(page.contains("</html>"), "{address}: {page}");
    }
}

db_tests!(
    a_malformed_query_gets_the_sites_400_page,
    the_home_page_lists_the_shipped_sets_with_their_counts,
    an_empty_database_without_questions_shows_a_helpful_empty_state,
    health_and_readiness_answer_200,
    an_unknown_address_gets_a_friendly_404_page,
    stylesheets_are_served_from_the_binary,
);
