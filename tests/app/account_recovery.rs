//! Accounts for real life, through real HTTP on both databases: admin-made reset links (once,
//! 24 hours, the newest only, signing the user out everywhere), deleting an account (every row
//! gone, the name free again; not the last admin), and the "My data" download.

use crate::admin::{PASSWORD, admin};
use crate::helpers::{
    TestApp, TestClock, TestDb, Visitor, assert_page, db_tests, generated_bank, header,
    hidden_value, location, spawn_app_with_clock,
};
use crate::interview::{start, step};
use crate::practice::grade;
use diesel::prelude::*;
use rehearse::db::schema::{
    cards, flags, interview_items, interviews, login_failures, password_resets, reviews, sessions,
    user_inactive_sets, users,
};
use std::sync::Arc;

const NEW_PASSWORD: &str = "a brand new secret";

struct Site {
    app: TestApp,
    clock: Arc<TestClock>,
    root: Visitor,
    _bank: tempfile::TempDir,
}

/// An app on a generated bank with a clock, an admin "root" signed in, and "carol" signed up.
fn site(test_db: TestDb) -> (Site, Visitor) {
    let bank = generated_bank(4, 3);
    let clock = TestClock::at("2026-05-04T09:00:00Z");
    let app = spawn_app_with_clock(test_db, bank.path(), clock.clone());
    let root = app.new_visitor();
    admin(&app, &root, "root");
    let carol = app.new_visitor();
    assert_eq!(carol.sign_up("carol", PASSWORD).status(), 303);
    (
        Site {
            app,
            clock,
            root,
            _bank: bank,
        },
        carol,
    )
}

fn sign_in(visitor: &Visitor, name: &str, password: &str) -> u16 {
    visitor.sign_in(name, password).status().as_u16()
}

/// The admin makes a reset link for `name`; returns its path (`/reset/…`).
fn make_link(site: &Site, name: &str) -> String {
    let id = site.app.user_id(name);
    let csrf = site.root.csrf_from("/admin/users");
    let response = site
        .root
        .post_form(&format!("/admin/users/{id}/reset-link"), &[("csrf", &csrf)]);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().unwrap();
    assert!(page.contains(&format!("A reset link for {name}")), "{page}");
    let marker = "id=\"reset-link\" class=\"reset-link\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let link = &page[start..start + page[start..].find('"').unwrap()];
    let path = link.strip_prefix(&site.app.address).unwrap();
    assert!(path.starts_with("/reset/"), "{link}");
    path.to_owned()
}

/// Sends the reset form as a signed-out visitor.
fn use_link(
    visitor: &Visitor,
    path: &str,
    new: &str,
    confirm: &str,
) -> reqwest::blocking::Response {
    let page = visitor.get(path).text().unwrap();
    let csrf = hidden_value(&page, "csrf").unwrap();
    visitor.post_form(
        path,
        &[
            ("csrf", csrf.as_str()),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
}

fn a_reset_link_works_once_and_signs_the_user_out_everywhere(test_db: TestDb) {
    let (site, carol) = site(test_db);
    let carol_id = site.app.user_id("carol");
    let laptop = site.app.new_visitor();
    assert_eq!(sign_in(&laptop, "carol", PASSWORD), 303);
    assert_eq!(site.app.session_count(&carol_id), 2);
    let path = make_link(&site, "carol");
    // Only the token's hash is stored.
    {
        let mut conn = site.app.db.reader().unwrap();
        let stored: String = password_resets::table
            .find(&carol_id)
            .select(password_resets::token_hash)
            .get_result(&mut *conn)
            .unwrap();
        assert!(!path.contains(&stored));
        assert_eq!(stored.len(), 64);
    }

    let stranger = site.app.new_visitor();
    let form = stranger.get(&path);
    assert_eq!(form.status(), 200);
    let page = form.text().unwrap();
    assert!(
        page.contains("For the account <strong>carol</strong>"),
        "{page}"
    );
    // Mistakes are shown beside their field, and use nothing up.
    assert_page(
        use_link(&stranger, &path, NEW_PASSWORD, "something else"),
        422,
        "id=\"confirm_password-error\">The two passwords differ; type the same one twice.<",
    );
    assert_page(
        use_link(&stranger, &path, "short", "short"),
        422,
        "id=\"new_password-error\">Use at least 8 characters.<",
    );
    assert_eq!(site.app.session_count(&carol_id), 2);

    assert_page(
        use_link(&stranger, &path, NEW_PASSWORD, NEW_PASSWORD),
        200,
        "Your password is set",
    );
    // Signed out everywhere: both browsers are anonymous now.
    assert_eq!(site.app.session_count(&carol_id), 0);
    for browser in [&carol, &laptop] {
        let response = browser.get("/study");
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/signin?next=%2Fstudy");
    }
    // The link works once.
    assert_eq!(stranger.get(&path).status(), 410);
    let again = site.app.new_visitor();
    let csrf = again.csrf_from("/signin");
    assert_page(
        again.post_form(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("new_password", "yet another password"),
                ("confirm_password", "yet another password"),
            ],
        ),
        410,
        "This link no longer works",
    );
    assert_eq!(sign_in(&carol, "carol", PASSWORD), 401);
    assert_eq!(sign_in(&carol, "carol", "yet another password"), 401);
    assert_eq!(sign_in(&laptop, "carol", NEW_PASSWORD), 303);
    assert_eq!(laptop.get("/study").status(), 200);
    // An unknown token gets the same answer.
    assert_eq!(stranger.get("/reset/not-a-token").status(), 410);
}

fn a_reset_link_expires_after_24_hours(test_db: TestDb) {
    let (site, carol) = site(test_db);
    let path = make_link(&site, "carol");
    site.clock
        .advance(chrono::Duration::hours(24) - chrono::Duration::minutes(1));
    assert_eq!(site.app.new_visitor().get(&path).status(), 200);
    site.clock.advance(chrono::Duration::minutes(1));
    let stranger = site.app.new_visitor();
    assert_eq!(stranger.get(&path).status(), 410);
    let csrf = stranger.csrf_from("/signin");
    let late = stranger.post_form(
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("new_password", NEW_PASSWORD),
            ("confirm_password", NEW_PASSWORD),
        ],
    );
    assert_eq!(late.status(), 410);
    // Nothing changed: carol is still signed in, with her old password.
    assert_eq!(carol.get("/study").status(), 200);
    let other = site.app.new_visitor();
    assert_eq!(sign_in(&other, "carol", NEW_PASSWORD), 401);
    assert_eq!(sign_in(&other, "carol", PASSWORD), 303);
}

fn a_newer_reset_link_voids_the_older_one(test_db: TestDb) {
    let (site, _carol) = site(test_db);
    let first = make_link(&site, "carol");
    let second = make_link(&site, "carol");
    assert_ne!(first, second);
    let stranger = site.app.new_visitor();
    assert_eq!(stranger.get(&first).status(), 410);
    assert_eq!(
        use_link(&stranger, &second, NEW_PASSWORD, NEW_PASSWORD).status(),
        200
    );
    assert_eq!(sign_in(&stranger, "carol", NEW_PASSWORD), 303);
    let mut conn = site.app.db.reader().unwrap();
    let links: i64 = password_resets::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(links, 1, "one row per user");
}

/// Grades two questions, runs a one-question interview, switches a set off and flags a
/// question: rows in every per-user table.
fn leave_traces(visitor: &Visitor) {
    grade(visitor, "alpha/q01", 4);
    grade(visitor, "alpha/q02", 1);
    let one_question = [
        ("topic", "beta"),
        ("difficulty", "any"),
        ("count", "1"),
        ("timing", "untimed"),
    ];
    let address = start(visitor, &one_question);
    step(visitor, &address, "grade", &[("grade", "5")]);
    // Switch the beta set off.
    let response = visitor.submit(
        "/settings",
        "/settings",
        &[
            ("new_per_day", "20"),
            ("max_reviews_per_day", "200"),
            ("timezone", "UTC"),
            ("rollover_hour", "4"),
            ("new_order", "roadmap"),
            ("set:alpha", "on"),
        ],
    );
    assert_eq!(location(&response), "/settings?saved=1");
    let page = visitor.get("/study/q/alpha/q03").text().unwrap();
    let field = |name: &str| hidden_value(&page, name).unwrap();
    let response = visitor.post_form(
        "/study/q/alpha/q03/flag",
        &[
            ("csrf", field("csrf").as_str()),
            ("started", field("started").as_str()),
            ("submission", field("submission").as_str()),
            ("reason", "wrong"),
            ("comment", "the answer is off"),
        ],
    );
    assert_eq!(response.status(), 303);
}

/// Rows per table that belong to `user` (interview items through its interviews).
fn rows_of(app: &TestApp, user: &str, name: &str) -> Vec<(&'static str, i64)> {
    let mut conn = app.db.reader().unwrap();
    let conn = &mut *conn;
    let own_interviews = interviews::table
        .filter(interviews::user_id.eq(user))
        .select(interviews::id)
        .load::<String>(conn)
        .unwrap();
    vec![
        (
            "users",
            users::table.find(user).count().get_result(conn).unwrap(),
        ),
        (
            "sessions",
            sessions::table
                .filter(sessions::user_id.eq(user))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "cards",
            cards::table
                .filter(cards::user_id.eq(user))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "reviews",
            reviews::table
                .filter(reviews::user_id.eq(user))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        ("interviews", own_interviews.len() as i64),
        (
            "interview_items",
            interview_items::table
                .filter(interview_items::interview_id.eq_any(&own_interviews))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "user_inactive_sets",
            user_inactive_sets::table
                .filter(user_inactive_sets::user_id.eq(user))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "flags",
            flags::table
                .filter(flags::user_id.eq(user))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "password_resets",
            password_resets::table
                .find(user)
                .count()
                .get_result(conn)
                .unwrap(),
        ),
        (
            "login_failures",
            login_failures::table
                .filter(login_failures::subject.like(format!("%:{name}%")))
                .count()
                .get_result(conn)
                .unwrap(),
        ),
    ]
}

fn deleting_your_account_removes_every_row_and_frees_the_name(test_db: TestDb) {
    let (site, carol) = site(test_db);
    let carol_id = site.app.user_id("carol");
    leave_traces(&carol);
    // A wrong guess from elsewhere, and a reset link, leave their own rows.
    let elsewhere = site.app.new_visitor();
    assert_eq!(sign_in(&elsewhere, "carol", "not her password"), 401);
    make_link(&site, "carol");
    let before = rows_of(&site.app, &carol_id, "carol");
    for (table, count) in &before {
        assert!(*count > 0, "no {table} rows to delete: {before:?}");
    }
    // dave's rows must survive.
    let dave = site.app.new_visitor();
    assert_eq!(dave.sign_up("dave", PASSWORD).status(), 303);
    grade(&dave, "alpha/q01", 3);
    let dave_id = site.app.user_id("dave");
    let dave_before = rows_of(&site.app, &dave_id, "dave");

    // The wrong password deletes nothing, and says so beside the field.
    let csrf = carol.csrf_from("/settings");
    let wrong = carol.post_form(
        "/settings/delete",
        &[("csrf", csrf.as_str()), ("delete_password", "guess")],
    );
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong.text().unwrap().contains(
            "id=\"delete_password-error\">That is not your password; nothing was deleted.<"
        )
    );
    let empty = carol.post_form("/settings/delete", &[("csrf", csrf.as_str())]);
    assert_eq!(empty.status(), 422);
    assert_eq!(rows_of(&site.app, &carol_id, "carol")[0], ("users", 1));

    let deleted = carol.post_form(
        "/settings/delete",
        &[("csrf", csrf.as_str()), ("delete_password", PASSWORD)],
    );
    assert_eq!(deleted.status(), 200);
    assert!(deleted.text().unwrap().contains("Your account is deleted"));
    let after = rows_of(&site.app, &carol_id, "carol");
    for (table, count) in &after {
        assert_eq!(*count, 0, "{table} still holds carol's rows: {after:?}");
    }
    assert_eq!(rows_of(&site.app, &dave_id, "dave"), dave_before);
    // Her flag stays for the admins, without the name.
    {
        let mut conn = site.app.db.reader().unwrap();
        let orphans: Vec<(Option<String>, String)> = flags::table
            .select((flags::user_id, flags::comment))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(orphans, [(None, "the answer is off".to_owned())]);
    }
    let page = site.root.get("/admin/flags").text().unwrap();
    assert!(page.contains("(deleted user)") && page.contains("the answer is off"));
    // Signed out, and the name is free again.
    assert_eq!(location(&carol.get("/study")), "/signin?next=%2Fstudy");
    assert_eq!(sign_in(&elsewhere, "carol", PASSWORD), 401);
    let newcomer = site.app.new_visitor();
    assert_eq!(
        newcomer.sign_up("carol", "someone else entirely").status(),
        303
    );
    assert_ne!(site.app.user_id("carol"), carol_id);
    assert_eq!(newcomer.get("/study").status(), 200);
}

fn an_admin_deletes_an_account_but_not_the_last_admin(test_db: TestDb) {
    let (site, carol) = site(test_db);
    grade(&carol, "alpha/q01", 4);
    let carol_id = site.app.user_id("carol");
    let root_id = site.app.user_id("root");
    let page = site.root.get("/admin/users").text().unwrap();
    assert!(page.contains(&format!("href=\"/admin/users/{carol_id}/delete\"")));
    let confirm = site.root.get(&format!("/admin/users/{carol_id}/delete"));
    assert_eq!(confirm.status(), 200);
    let page = confirm.text().unwrap();
    assert!(page.contains("Delete the account carol?"));
    let csrf = hidden_value(&page, "csrf").unwrap();
    let done = site.root.post_form(
        &format!("/admin/users/{carol_id}/delete"),
        &[("csrf", csrf.as_str())],
    );
    assert_eq!(done.status(), 200);
    assert!(
        done.text()
            .unwrap()
            .contains("The account <strong>carol</strong> is deleted")
    );
    assert!(
        rows_of(&site.app, &carol_id, "carol")
            .iter()
            .all(|(_, n)| *n == 0)
    );
    assert_eq!(location(&carol.get("/study")), "/signin?next=%2Fstudy");
    assert_eq!(
        site.root
            .get(&format!("/admin/users/{carol_id}/delete"))
            .status(),
        404
    );

    // The last admin can delete neither themselves here nor in the settings.
    assert_page(
        site.root.post_form(
            &format!("/admin/users/{root_id}/delete"),
            &[("csrf", csrf.as_str())],
        ),
        409,
        "role=\"alert\">Nothing changed: this is the last admin who can sign in.",
    );
    assert_page(
        site.root.post_form(
            "/settings/delete",
            &[("csrf", csrf.as_str()), ("delete_password", PASSWORD)],
        ),
        409,
        "id=\"delete_password-error\">You are the last admin who can sign in",
    );
    assert_eq!(site.root.get("/admin").status(), 200);
    // With a second admin, the first may go (and is signed out).
    let erin = site.app.new_visitor();
    admin(&site.app, &erin, "erin");
    let gone = site.root.post_form(
        &format!("/admin/users/{root_id}/delete"),
        &[("csrf", csrf.as_str())],
    );
    assert_eq!(location(&gone), "/");
    assert_eq!(site.root.get("/admin").status(), 303);
    assert_eq!(erin.get("/admin").status(), 200);
}

fn my_data_holds_my_reviews_and_nothing_of_other_users(test_db: TestDb) {
    let (site, carol) = site(test_db);
    leave_traces(&carol);
    let dave = site.app.new_visitor();
    assert_eq!(dave.sign_up("dave", PASSWORD).status(), 303);
    grade(&dave, "alpha/q03", 2);
    grade(&dave, "alpha/q04", 5);
    grade(&dave, "beta/q01", 5);

    let settings = carol.get("/settings").text().unwrap();
    assert!(settings.contains("href=\"/settings/data\""));
    let response = carol.get("/settings/data");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(header(&response, "content-disposition").starts_with("attachment"));
    let text = response.text().unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["username"], "carol");
    assert_eq!(
        data["settings"]["inactive_sets"],
        serde_json::json!(["beta"])
    );
    let reviews = data["reviews"].as_array().unwrap();
    // Two study grades and the interview's.
    let grades: Vec<(String, i64, String)> = reviews
        .iter()
        .map(|r| {
            (
                r["question"].as_str().unwrap().to_owned(),
                r["grade"].as_i64().unwrap(),
                r["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(grades.len(), 3, "{grades:?}");
    assert_eq!(grades[0], ("alpha/q01".into(), 4, "practice".into()));
    assert_eq!(grades[1], ("alpha/q02".into(), 1, "practice".into()));
    assert_eq!(grades[2].1, 5);
    assert_eq!(grades[2].2, "interview");
    assert_eq!(data["cards"].as_array().unwrap().len(), 3);
    // The scheduler she studies with (the default) and no FSRS state, since she never chose it.
    assert_eq!(data["settings"]["scheduler"], "sm2");
    assert_eq!(data["settings"]["desired_retention_percent"], 90);
    assert!(data["settings"]["fsrs_parameters"].is_null());
    assert!(data["cards"][0]["fsrs_stability"].is_null());
    assert!(
        data["cards"][0]["due_day"].is_string(),
        "{}",
        data["cards"][0]
    );
    let interview = &data["interviews"][0];
    assert_eq!(interview["items"].as_array().unwrap().len(), 1);
    assert_eq!(interview["items"][0]["grade"], 5);
    assert_eq!(data["flags"][0]["comment"], "the answer is off");
    // Nothing of dave's: not his name, not his questions.
    assert!(!text.contains("dave"));
    for key in ["alpha/q03\"", "alpha/q04\""] {
        assert!(
            !data["reviews"].to_string().contains(key),
            "{key} is dave's"
        );
    }
    // Signed out, there is no download.
    let anonymous = site.app.new_visitor();
    assert_eq!(
        location(&anonymous.get("/settings/data")),
        "/signin?next=%2Fsettings%2Fdata"
    );
}

db_tests!(
    a_reset_link_works_once_and_signs_the_user_out_everywhere,
    a_reset_link_expires_after_24_hours,
    a_newer_reset_link_voids_the_older_one,
    deleting_your_account_removes_every_row_and_frees_the_name,
    an_admin_deletes_an_account_but_not_the_last_admin,
    my_data_holds_my_reviews_and_nothing_of_other_users,
);
