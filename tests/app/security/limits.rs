//! Sign-in and sign-up limits under parallel requests, from one address and many, and the
//! client address behind trusted and untrusted proxies.

use super::{create_user, post_with_headers, sign_in};
use crate::helpers::{TestDb, Visitor, assert_page, db_tests, fixture, spawn_app};

/// Sends `count` sign-ins at once from `visitor`'s browser; returns the statuses.
fn parallel_sign_ins(visitor: &Visitor, count: usize, username: &str, password: &str) -> Vec<u16> {
    let csrf = visitor.csrf_from("/signin");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let csrf = csrf.clone();
                scope.spawn(move || {
                    visitor
                        .post_form(
                            "/signin",
                            &[
                                ("username", username),
                                ("password", password),
                                ("csrf", &csrf),
                            ],
                        )
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn forty_parallel_wrong_passwords_get_at_most_five_password_checks(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    let statuses = parallel_sign_ins(&app, 40, "ada", "wrong password");
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    eprintln!("40 parallel wrong passwords: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords were checked: {statuses:?}"
    );
}

fn a_flood_from_one_address_does_not_lock_the_owner_out_elsewhere(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    let attacker = app.visitor_from("127.0.0.2");
    for _ in 0..10 {
        let status = sign_in(&attacker, "ada", "wrong password").status();
        assert!(status == 401 || status == 429, "{status}");
    }
    // The attacker's address waits, even with the right password, and is told how long.
    let blocked = sign_in(&attacker, "ada", "correct horse battery");
    assert_eq!(blocked.status(), 429);
    assert!(
        blocked
            .text()
            .unwrap()
            .contains("Too many failed sign-in attempts. Try again in 15 minutes."),
    );
    // The owner, elsewhere, signs in.
    let owner = app.visitor_from("127.0.0.1");
    let response = sign_in(&owner, "ada", "correct horse battery");
    assert_eq!(response.status(), 303);
}

fn one_address_guessing_many_usernames_is_stopped(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    let guesser = app.visitor_from("127.0.0.3");
    for n in 0..20 {
        // Four tries per name stay under the per-user-and-address limit.
        let status = sign_in(&guesser, &format!("user{}", n / 4), "guess guess").status();
        assert_eq!(status, 401, "attempt {n}");
    }
    assert_page(
        sign_in(&guesser, "ada", "correct horse battery"),
        429,
        "Try again in",
    );
    assert_eq!(
        sign_in(
            &app.visitor_from("127.0.0.4"),
            "ada",
            "correct horse battery"
        )
        .status(),
        303
    );
}

fn guessing_one_password_from_many_addresses_meets_a_ceiling(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    for host in 1..=10 {
        let guesser = app.visitor_from(&format!("127.0.1.{host}"));
        let statuses = parallel_sign_ins(&guesser, 5, "ada", "wrong password");
        assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    }
    let late = sign_in(&app.visitor_from("127.0.2.1"), "ada", "wrong password");
    assert_eq!(late.status(), 429);
}

fn thirty_parallel_sign_ups_from_one_address_are_mostly_refused(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    let visitors: Vec<(Visitor, String)> = (0..30)
        .map(|_| {
            let visitor = app.new_visitor();
            let csrf = visitor.csrf_from("/signup");
            (visitor, csrf)
        })
        .collect();
    let (outcomes, health) = std::thread::scope(|scope| {
        let handles: Vec<_> = visitors
            .iter()
            .enumerate()
            .map(|(n, (visitor, csrf))| {
                scope.spawn(move || {
                    let response = visitor.post_form(
                        "/signup",
                        &[
                            ("username", format!("flood{n}").as_str()),
                            ("password", "long enough password"),
                            ("csrf", csrf),
                        ],
                    );
                    (response.status().as_u16(), response.text().unwrap())
                })
            })
            .collect();
        // Other visitors are still served while the sign-ups queue for their hashes.
        let health = app.get("/healthz").status().as_u16();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (outcomes, health)
    });
    assert_eq!(health, 200);
    let created = outcomes.iter().filter(|(s, _)| *s == 303).count();
    let refused: Vec<&String> = outcomes
        .iter()
        .filter(|(s, _)| *s == 429)
        .map(|(_, body)| body)
        .collect();
    eprintln!(
        "30 parallel sign-ups: {created} created, {} refused",
        refused.len()
    );
    assert_eq!(created + refused.len(), 30);
    assert!(created <= 10, "{created} accounts were created");
    assert!(refused.iter().all(|body| body.contains(
        "Too many accounts were created from your network just now. Try again in 60 minutes."
    )));
    let mut conn = app.db.reader().unwrap();
    use diesel::prelude::*;
    let users: i64 = rehearse::db::schema::users::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(users, i64::try_from(created).unwrap());
    // Another address is not affected.
    let elsewhere = app.visitor_from("127.0.0.5");
    assert_eq!(
        elsewhere.sign_up("grace", "long enough password").status(),
        303
    );
}

fn forwarded_headers_from_an_untrusted_peer_are_ignored(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    create_user(&app, "ada", "correct horse battery");
    // A cross-site form claiming, through X-Forwarded-Host, to be for the attacker's host.
    let csrf = app.csrf_from("/signin");
    let forged = post_with_headers(
        &app,
        "/signin",
        &[
            ("origin", "https://evil.example"),
            ("x-forwarded-host", "evil.example"),
        ],
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(forged.status(), 403);
    // A new X-Forwarded-For on each guess does not escape the limit.
    for n in 0..5 {
        let wrong = post_with_headers(
            &app,
            "/signin",
            &[
                ("origin", &app.address),
                ("x-forwarded-for", &format!("198.51.100.{n}")),
            ],
            &[
                ("username", "ada"),
                ("password", "wrong password"),
                ("csrf", &csrf),
            ],
        );
        assert_eq!(wrong.status(), 401);
    }
    let blocked = post_with_headers(
        &app,
        "/signin",
        &[
            ("origin", &app.address),
            ("x-forwarded-for", "198.51.100.99"),
        ],
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(blocked.status(), 429);
}

fn behind_a_trusted_proxy_limits_key_on_the_forwarded_client_address(test_db: TestDb) {
    let app = crate::helpers::spawn_app_with_args(
        test_db,
        &fixture("valid"),
        std::sync::Arc::new(rehearse::web::SystemClock),
        |args| {
            args.trusted_proxies =
                Some(rehearse::web::client::TrustedProxies::parse("127.0.0.1").unwrap())
        },
    );
    create_user(&app, "ada", "correct horse battery");
    let csrf = app.csrf_from("/signin");
    let via_proxy = |client: &str, password: &str| {
        post_with_headers(
            &app,
            "/signin",
            &[
                ("origin", "https://rehearse.example"),
                ("x-forwarded-host", "rehearse.example"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-for", client),
            ],
            &[("username", "ada"), ("password", password), ("csrf", &csrf)],
        )
        .status()
        .as_u16()
    };
    for _ in 0..5 {
        assert_eq!(via_proxy("203.0.113.5", "wrong password"), 401);
    }
    // Prepending a made-up address does not change who the client is.
    assert_eq!(
        via_proxy("198.51.100.1, 203.0.113.5", "correct horse battery"),
        429
    );
    // The owner behind the same proxy, from another address, signs in; the public host in
    // X-Forwarded-Host matches the Origin, so the form is accepted.
    assert_eq!(via_proxy("203.0.113.6", "correct horse battery"), 303);
    // A direct visitor from another loopback address is not a proxy: its headers are ignored.
    let direct = app.visitor_from("127.0.0.6");
    let csrf = direct.csrf_from("/signin");
    let response = post_with_headers(
        &direct,
        "/signin",
        &[
            ("origin", "https://rehearse.example"),
            ("x-forwarded-host", "rehearse.example"),
        ],
        &[
            ("username", "ada"),
            ("password", "correct horse battery"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(response.status(), 403);
}

db_tests!(
    forty_parallel_wrong_passwords_get_at_most_five_password_checks,
    a_flood_from_one_address_does_not_lock_the_owner_out_elsewhere,
    one_address_guessing_many_usernames_is_stopped,
    guessing_one_password_from_many_addresses_meets_a_ceiling,
    thirty_parallel_sign_ups_from_one_address_are_mostly_refused,
    forwarded_headers_from_an_untrusted_peer_are_ignored,
    behind_a_trusted_proxy_limits_key_on_the_forwarded_client_address,
);
