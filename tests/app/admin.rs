//! Admin pages: who may see them (every route in the table), and what they do.

use crate::helpers::{TestApp, TestDb, Visitor, db_tests, fixture, location, spawn_app};
use diesel::prelude::*;
use rehearse::db::schema::users;

pub const PASSWORD: &str = "correct horse battery";

/// Signs `name` up through the form and makes them an admin.
pub fn admin(app: &TestApp, visitor: &Visitor, name: &str) {
    assert_eq!(visitor.sign_up(name, PASSWORD).status(), 303);
    let mut conn = app.db.writer().unwrap();
    diesel::update(users::table.filter(users::username.eq(name)))
        .set(users::role.eq("admin"))
        .execute(&mut *conn)
        .unwrap();
}

fn only_admins_reach_any_admin_route(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let anonymous = app.new_visitor();
    let candidate = app.new_visitor();
    assert_eq!(candidate.sign_up("carol", PASSWORD).status(), 303);
    let root = app.new_visitor();
    admin(&app, &root, "root");
    let csrf = candidate.csrf_from("/");
    for (method, path) in rehearse::admin::ROUTES {
        let (anonymous_response, candidate_response) = match *method {
            "GET" => (anonymous.get(path), candidate.get(path)),
            _ => (
                anonymous.post_form(path, &[("csrf", "x")]),
                candidate.post_form(path, &[("csrf", csrf.as_str())]),
            ),
        };
        assert_eq!(anonymous_response.status(), 303, "{method} {path}");
        assert!(
            location(&anonymous_response).starts_with("/signin?next="),
            "{method} {path}"
        );
        assert_eq!(candidate_response.status(), 403, "{method} {path}");
        assert!(
            candidate_response
                .text()
                .unwrap()
                .contains("This page is for admins"),
            "{method} {path}"
        );
        if *method == "GET" {
            // Sample ids may not exist: the admin gets the page or a plain 404, never a refusal.
            let status = root.get(path).status();
            assert!(status == 200 || status == 404, "{method} {path}: {status}");
        }
    }
    // Only admins see the link.
    assert!(root.get("/").text().unwrap().contains("href=\"/admin\""));
    assert!(
        !candidate
            .get("/")
            .text()
            .unwrap()
            .contains("href=\"/admin\"")
    );
}

db_tests!(only_admins_reach_any_admin_route);
