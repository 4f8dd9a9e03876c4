//! `rehearse user …` on both databases: passwd (ends every session, voids a reset link), list,
//! disable, enable, promote and demote with the last-admin guard, and bad or unknown names.

use crate::admin::PASSWORD;
use crate::helpers::{
    TestApp, TestDb, db_tests, fixture, location, rehearse_with_input, spawn_app,
};
use diesel::prelude::*;
use rehearse::db::schema::{password_resets, users};

/// Runs `rehearse user ARGS…` against `database` with `input` on standard input.
fn user(database: &str, args: &[&str], input: &str) -> crate::helpers::CliOutput {
    let mut all = vec!["user"];
    all.extend_from_slice(args);
    rehearse_with_input(Some(database), &all, input)
}

/// Runs `rehearse user ARGS…` with nothing on standard input; it must succeed saying `said`.
fn succeeds(database: &str, args: &[&str], said: &str) {
    let out = user(database, args, "");
    assert_eq!((out.code, out.stdout.trim()), (0, said), "{out:?}");
}

fn add(database: &str, name: &str, admin: bool) {
    let mut args = vec!["add", name];
    if admin {
        args.push("--admin");
    }
    let out = user(database, &args, &format!("{PASSWORD}\n"));
    assert_eq!(out.code, 0, "{out:?}");
}

/// A live reset link for the account `user_id`, stored directly.
fn plant_reset_link(app: &TestApp, user_id: &str) {
    let mut conn = app.db.writer().unwrap();
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq("0".repeat(64)),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(now + chrono::Duration::hours(1)),
        ))
        .execute(&mut *conn)
        .unwrap();
}

fn user_passwd_sets_the_password_and_signs_the_user_out_everywhere(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let url = app.database_url.clone();
    let phone = app.new_visitor();
    assert_eq!(phone.sign_up("carol", PASSWORD).status(), 303);
    let laptop = app.new_visitor();
    assert_eq!(laptop.sign_in("carol", PASSWORD).status(), 303);
    let carol_id = app.user_id("carol");
    // A reset link made earlier stops working too.
    plant_reset_link(&app, &carol_id);

    let short = user(&url, &["passwd", "carol"], "short\n");
    assert_eq!(short.code, 1, "{short:?}");
    assert_eq!(short.stderr.trim(), "error: Use at least 8 characters.");
    let out = user(&url, &["passwd", "Carol"], "a brand new secret\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout.trim(),
        "password of carol changed; 2 sessions ended"
    );
    for browser in [&phone, &laptop] {
        assert_eq!(location(&browser.get("/study")), "/signin?next=%2Fstudy");
    }
    assert_eq!(app.session_count(&carol_id), 0);
    {
        let mut conn = app.db.reader().unwrap();
        let links: i64 = password_resets::table
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(links, 0);
    }
    assert_eq!(phone.sign_in("carol", PASSWORD).status(), 401);
    assert_eq!(phone.sign_in("carol", "a brand new secret").status(), 303);
}

fn user_commands_refuse_bad_and_unknown_names(test_db: TestDb) {
    let url = test_db.url_text.clone();
    add(&url, "root", true);
    for command in ["passwd", "disable", "enable", "promote", "demote"] {
        // A malformed name, one too short, an unknown one.
        for (name, said) in [
            (
                "a b c",
                Some("error: Use only letters, digits, dots, dashes and underscores."),
            ),
            ("ab", None),
            ("nobody", Some("error: there is no user named nobody")),
        ] {
            let out = user(&url, &[command, name], "a brand new secret\n");
            assert_eq!(out.code, 1, "{command} {name}: {out:?}");
            if let Some(said) = said {
                assert_eq!(out.stderr.trim(), said, "{command} {name}");
            }
        }
    }
    let missing = rehearse_with_input(Some(&url), &["user", "promote"], "");
    assert_eq!(missing.code, 2, "{missing:?}");
}

fn user_list_shows_every_account_with_its_role_and_status(test_db: TestDb) {
    let url = test_db.url_text.clone();
    let empty = user(&url, &["list"], "");
    assert_eq!(empty.code, 0, "{empty:?}");
    assert_eq!(empty.lines().len(), 1, "only the header: {empty:?}");
    add(&url, "root", true);
    add(&url, "grace", false);
    add(&url, "ada", false);
    assert_eq!(user(&url, &["disable", "grace"], "").code, 0);
    let out = user(&url, &["list"], "");
    assert_eq!(out.code, 0, "{out:?}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .iter()
        .map(|line| line.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["NAME", "ROLE", "STATUS"],
            vec!["ada", "candidate", "active"],
            vec!["grace", "candidate", "disabled"],
            vec!["root", "admin", "active"],
        ]
    );
}

fn role_and_status(database: &TestDb, name: &str) -> (String, bool) {
    let db = database.open();
    let mut conn = db.reader().unwrap();
    let (role, disabled): (String, Option<chrono::NaiveDateTime>) = users::table
        .filter(users::username.eq(name))
        .select((users::role, users::disabled_at))
        .get_result(&mut *conn)
        .unwrap();
    (role, disabled.is_some())
}

fn promote_demote_disable_and_enable_keep_an_admin_who_can_sign_in(test_db: TestDb) {
    let url = test_db.url_text.clone();
    add(&url, "root", true);
    add(&url, "grace", false);
    // The only admin can neither step down nor be disabled.
    for command in ["demote", "disable"] {
        let refused = user(&url, &[command, "root"], "");
        assert_eq!(refused.code, 1, "{command}: {refused:?}");
        assert!(
            refused
                .stderr
                .starts_with("error: Nothing changed: this is the last admin who can sign in."),
            "{refused:?}"
        );
    }
    assert_eq!(role_and_status(&test_db, "root"), ("admin".into(), false));

    succeeds(&url, &["promote", "grace"], "grace is now an admin");
    succeeds(&url, &["demote", "root"], "root is no longer an admin");
    assert_eq!(
        role_and_status(&test_db, "root"),
        ("candidate".into(), false)
    );
    // grace is the last admin now.
    assert_eq!(user(&url, &["disable", "grace"], "").code, 1);
    succeeds(
        &url,
        &["disable", "root"],
        "root is disabled and signed out everywhere",
    );
    assert_eq!(
        role_and_status(&test_db, "root"),
        ("candidate".into(), true)
    );
    succeeds(&url, &["enable", "root"], "root is enabled");
    assert_eq!(
        role_and_status(&test_db, "root"),
        ("candidate".into(), false)
    );
    assert_eq!(role_and_status(&test_db, "grace"), ("admin".into(), false));
}

db_tests!(
    user_passwd_sets_the_password_and_signs_the_user_out_everywhere,
    user_commands_refuse_bad_and_unknown_names,
    user_list_shows_every_account_with_its_role_and_status,
    promote_demote_disable_and_enable_keep_an_admin_who_can_sign_in,
);
