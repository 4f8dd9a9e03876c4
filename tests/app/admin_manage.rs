//! Admin pages that manage the bank and the accounts: sets (enable, disable, export, retire,
//! restore), flags, and users.

use crate::admin::{PASSWORD, admin};
use crate::helpers::{
    TestApp, TestDb, Visitor, db_tests, fixture, header, hidden_value, location,
    rehearse_with_input, spawn_app,
};

/// The "new" count of the study page.
/// An app with the valid fixture, an admin `root` and a candidate `carol`, both signed in.
fn root_and_carol(test_db: TestDb) -> (TestApp, Visitor, Visitor) {
    let app = spawn_app(test_db, &fixture("valid"));
    let root = app.new_visitor();
    admin(&app, &root, "root");
    let carol = app.new_visitor();
    assert_eq!(carol.sign_up("carol", PASSWORD).status(), 303);
    (app, root, carol)
}

fn new_today(visitor: &Visitor) -> u32 {
    let page = visitor.get("/study").text().unwrap();
    let end = page.find("</strong> new</li>").expect("a new count");
    let start = page[..end].rfind("<strong>").unwrap() + "<strong>".len();
    page[start..end].parse().unwrap()
}

fn disabling_a_set_takes_it_out_of_everyones_study(test_db: TestDb) {
    let (_app, root, carol) = root_and_carol(test_db);
    assert_eq!(new_today(&carol), 3);
    let overview = root.get("/admin").text().unwrap();
    for link in ["/admin/sets", "/admin/flags", "/admin/users"] {
        assert!(overview.contains(&format!("href=\"{link}\"")), "{link}");
    }

    let page = root.get("/admin/sets").text().unwrap();
    assert!(page.contains("<title>Question sets · Admin · Rehearse</title>"));
    assert!(page.contains("<a href=\"/admin/sets/streams\">Streams</a>"));
    assert!(page.contains("Disable<span class=\"visually-hidden\"> Streams</span>"));
    let csrf = root.csrf_from("/admin/sets");
    let response = root.post_form("/admin/sets/streams/disable", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/sets?done=disabled");
    let page = root.get(&location(&response)).text().unwrap();
    assert!(page.contains("The set is disabled"));
    assert!(page.contains("Enable<span class=\"visually-hidden\"> Streams</span>"));
    assert_eq!(new_today(&carol), 2);

    let response = root.post_form("/admin/sets/streams/enable", &[("csrf", &csrf)]);
    assert_eq!(location(&response), "/admin/sets?done=enabled");
    assert_eq!(new_today(&carol), 3);

    // An unknown set, or a form without its token, changes nothing.
    let response = root.post_form("/admin/sets/nope/disable", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 404);
    let response = root.post_form("/admin/sets/streams/disable", &[("csrf", "forged")]);
    assert_eq!(response.status(), 403);
    assert_eq!(new_today(&carol), 3);
}

fn exported_sets_import_back_unchanged(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let root = app.new_visitor();
    admin(&app, &root, "root");
    let dir = tempfile::tempdir().unwrap();
    for slug in ["event-loop", "streams"] {
        let response = root.get(&format!("/admin/sets/{slug}/export"));
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "content-disposition"),
            format!("attachment; filename=\"{slug}.yaml\"")
        );
        assert!(header(&response, "content-type").starts_with("application/yaml"));
        std::fs::write(
            dir.path().join(format!("{slug}.yaml")),
            response.text().unwrap(),
        )
        .unwrap();
    }
    let topics = root.get("/admin/topics/export");
    assert_eq!(
        header(&topics, "content-disposition"),
        "attachment; filename=\"topics.yaml\""
    );
    std::fs::copy(fixture("valid/topics.yaml"), dir.path().join("topics.yaml")).unwrap();
    let out = rehearse_with_input(
        Some(&app.database_url),
        &["import", dir.path().to_str().unwrap()],
        "",
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.lines(),
        vec!["0 added, 0 updated, 0 retired, 3 unchanged"]
    );
    // The exported topic tree reads back the same way.
    std::fs::write(dir.path().join("topics.yaml"), topics.text().unwrap()).unwrap();
    let out = rehearse_with_input(
        Some(&app.database_url),
        &["import", dir.path().to_str().unwrap()],
        "",
    );
    assert_eq!(
        out.lines(),
        vec!["0 added, 0 updated, 0 retired, 3 unchanged"]
    );
    assert_eq!(root.get("/admin/sets/nope/export").status(), 404);
}

fn a_retired_question_leaves_the_site_until_restored(test_db: TestDb) {
    let (_app, root, carol) = root_and_carol(test_db);
    assert_eq!(carol.get("/questions/streams/backpressure").status(), 200);

    let csrf = root.csrf_from("/admin/sets/streams");
    let response = root.post_form(
        "/admin/questions/streams/backpressure/retire",
        &[("csrf", &csrf)],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "/admin/sets/streams?done=retired#q-backpressure"
    );
    assert_eq!(carol.get("/questions/streams/backpressure").status(), 404);
    assert_eq!(new_today(&carol), 2);
    let page = root.get("/admin/sets/streams?done=retired").text().unwrap();
    assert!(page.contains("The question is retired"));
    assert!(page.contains("Retired 20"));
    assert!(page.contains("Restore<span class=\"visually-hidden\"> streams/backpressure</span>"));
    let sets = root.get("/admin/sets").text().unwrap();
    assert!(sets.contains("<td>0</td>\n      <td>1</td>"), "{sets}");

    let response = root.post_form(
        "/admin/questions/streams/backpressure/restore",
        &[("csrf", &csrf)],
    );
    assert_eq!(
        location(&response),
        "/admin/sets/streams?done=restored#q-backpressure"
    );
    assert_eq!(carol.get("/questions/streams/backpressure").status(), 200);
    assert_eq!(new_today(&carol), 3);
    let response = root.post_form("/admin/questions/streams/nope/retire", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 404);
}

/// Flags a question the way the study page does.
fn flag(visitor: &Visitor, key: &str, reason: &str, comment: &str) {
    let page = visitor.get(&format!("/study/q/{key}")).text().unwrap();
    let field = |name: &str| hidden_value(&page, name).unwrap();
    let response = visitor.post_form(
        &format!("/study/q/{key}/flag"),
        &[
            ("csrf", field("csrf").as_str()),
            ("started", field("started").as_str()),
            ("submission", field("submission").as_str()),
            ("reason", reason),
            ("comment", comment),
        ],
    );
    assert_eq!(response.status(), 303);
}

/// The action of the first "resolve" form on the flags page.
fn first_resolve_action(page: &str) -> String {
    let start = page.find("action=\"/admin/flags/").expect("a resolve form") + "action=\"".len();
    let end = page[start..].find('"').unwrap() + start;
    page[start..end].to_owned()
}

fn admins_see_flags_and_resolve_them(test_db: TestDb) {
    let (_app, root, carol) = root_and_carol(test_db);
    let page = root.get("/admin/flags").text().unwrap();
    assert!(page.contains("<title>Open flags · Admin · Rehearse</title>"));
    assert!(page.contains("No open flags."));

    flag(
        &carol,
        "streams/backpressure",
        "unclear",
        "Which producer is meant?",
    );
    flag(
        &carol,
        "event-loop/phases-order",
        "wrong",
        "Close callbacks come last",
    );
    let page = root.get("/admin/flags").text().unwrap();
    // Newest first.
    let newest = page.find("Close callbacks come last").unwrap();
    let older = page.find("Which producer is meant?").unwrap();
    assert!(newest < older);
    assert!(page.contains("<a href=\"/questions/streams/backpressure\">What is backpressure?</a>"));
    assert!(page.contains("<td>carol</td>"));
    assert!(page.contains("<td>unclear</td>"));

    let csrf = root.csrf_from("/admin/flags");
    let action = first_resolve_action(&page);
    let response = root.post_form(&action, &[("csrf", &csrf)]);
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/flags?done=resolved");
    let page = root.get(&location(&response)).text().unwrap();
    assert!(page.contains("The flag is resolved."));
    assert!(!page.contains("Close callbacks come last"));
    assert!(page.contains("Which producer is meant?"));

    // Everything: open first, then the resolved one with who resolved it.
    let page = root.get("/admin/flags?show=all").text().unwrap();
    assert!(page.contains("<title>All flags · Admin · Rehearse</title>"));
    let open = page.find("Which producer is meant?").unwrap();
    let resolved = page.find("Close callbacks come last").unwrap();
    assert!(open < resolved);
    assert!(page.contains(" by root"));

    // Resolving twice changes nothing; an unknown flag is not found.
    let response = root.post_form(&action, &[("csrf", &csrf), ("show", "all")]);
    assert_eq!(
        location(&response),
        "/admin/flags?show=all&done=already-resolved"
    );
    let response = root.post_form("/admin/flags/nope/resolve", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 404);
    assert!(root.get("/admin").text().unwrap().contains("1 open flag."));
}

fn sign_in(visitor: &Visitor, name: &str) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/signin");
    visitor.post_form(
        "/signin",
        &[
            ("username", name),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", "/study"),
        ],
    )
}

fn disabling_an_account_signs_it_out_at_once(test_db: TestDb) {
    let (app, root, carol) = root_and_carol(test_db);
    assert_eq!(carol.get("/study").status(), 200);
    let page = root.get("/admin/users").text().unwrap();
    assert!(page.contains("<title>Accounts · Admin · Rehearse</title>"));
    assert!(page.contains("root (you)"));
    assert!(page.contains("Disable<span class=\"visually-hidden\"> carol</span>"));

    let carol_id = app.user_id("carol");
    let csrf = root.csrf_from("/admin/users");
    let response = root.post_form(
        &format!("/admin/users/{carol_id}/disable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/users?done=disabled");
    let page = root.get(&location(&response)).text().unwrap();
    assert!(page.contains("signed out everywhere"));
    assert!(page.contains("Enable<span class=\"visually-hidden\"> carol</span>"));
    // Her very next request is anonymous, and her sessions are gone.
    let response = carol.get("/study");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/signin?next=%2Fstudy");
    assert_eq!(app.session_count(&carol_id), 0);
    assert_eq!(sign_in(&carol, "carol").status(), 401);

    let response = root.post_form(
        &format!("/admin/users/{carol_id}/enable"),
        &[("csrf", &csrf)],
    );
    assert_eq!(location(&response), "/admin/users?done=enabled");
    let response = sign_in(&carol, "carol");
    assert_eq!(response.status(), 303);
    assert_eq!(carol.get("/study").status(), 200);
    let response = root.post_form("/admin/users/nobody/disable", &[("csrf", &csrf)]);
    assert_eq!(response.status(), 404);
}

fn the_last_admin_cannot_be_removed(test_db: TestDb) {
    let (app, root, carol) = root_and_carol(test_db);
    let dave = app.new_visitor();
    assert_eq!(dave.sign_up("dave", PASSWORD).status(), 303);
    let (root_id, carol_id, dave_id) = (
        app.user_id("root"),
        app.user_id("carol"),
        app.user_id("dave"),
    );
    let csrf = root.csrf_from("/admin/users");
    let post = |visitor: &Visitor, csrf: &str, id: &str, action: &str| {
        let response = visitor.post_form(&format!("/admin/users/{id}/{action}"), &[("csrf", csrf)]);
        assert_eq!(response.status(), 303, "{action} {id}");
        location(&response)
    };
    for action in ["revoke-admin", "disable"] {
        let target = post(&root, &csrf, &root_id, action);
        assert_eq!(target, "/admin/users?refused=last-admin");
        let response = root.get(&target);
        assert_eq!(response.status(), 409);
        assert!(
            response.text().unwrap().contains(
                "role=\"alert\">Nothing changed: this is the last admin who can sign in."
            )
        );
        assert_eq!(root.get("/admin").status(), 200);
    }

    // With a second admin, the first may step down (and leaves the admin pages).
    for (id, action, to) in [
        (&carol_id, "make-admin", "/admin/users?done=made-admin"),
        (&dave_id, "make-admin", "/admin/users?done=made-admin"),
        (&root_id, "revoke-admin", "/"),
    ] {
        assert_eq!(post(&root, &csrf, id, action), to, "{action} {id}");
    }
    assert_eq!(root.get("/admin").status(), 403);
    // A disabled admin does not count: carol is then the last one who can sign in.
    let csrf = carol.csrf_from("/admin/users");
    for (id, action, to) in [
        (&dave_id, "disable", "/admin/users?done=disabled"),
        (&carol_id, "disable", "/admin/users?refused=last-admin"),
        (&carol_id, "revoke-admin", "/admin/users?refused=last-admin"),
        // Revoking a disabled admin is fine.
        (&dave_id, "revoke-admin", "/admin/users?done=revoked-admin"),
    ] {
        assert_eq!(post(&carol, &csrf, id, action), to, "{action} {id}");
    }
    assert_eq!(carol.get("/admin").status(), 200);
}

db_tests!(
    disabling_an_account_signs_it_out_at_once,
    the_last_admin_cannot_be_removed,
    admins_see_flags_and_resolve_them,
    disabling_a_set_takes_it_out_of_everyones_study,
    exported_sets_import_back_unchanged,
    a_retired_question_leaves_the_site_until_restored,
);
