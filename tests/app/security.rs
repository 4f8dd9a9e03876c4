//! The holes a probe of the running service found (issue 12), each closed and kept closed:
//! open redirects, sign-in and sign-up limits under parallel requests, security headers,
//! proxies, form sizes, dates and sessions.

use crate::helpers::{TestApp, TestDb, Visitor, db_tests, fixture, location, spawn_app};

/// Creates a user with `rehearse user add`, the password on standard input.
fn create_user(app: &TestApp, name: &str, password: &str) {
    let out = crate::helpers::rehearse_with_input(
        Some(&app.database_url),
        &["user", "add", name],
        &format!("{password}\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
}

fn sign_in(visitor: &Visitor, username: &str, password: &str) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/signin");
    visitor.post_form(
        "/signin",
        &[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ],
    )
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
    let blocked = sign_in(&guesser, "ada", "correct horse battery");
    assert_eq!(blocked.status(), 429);
    assert!(blocked.text().unwrap().contains("Try again in"));
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

/// Every `#[get("…")]` route in `src/`, under `/admin` for the admin scope, with each
/// `{parameter}` filled in with `x`.
fn get_routes() -> Vec<String> {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let prefix = if path.components().any(|c| c.as_os_str() == "admin") {
                "/admin"
            } else {
                ""
            };
            for line in text.lines() {
                let Some(rest) = line.trim().strip_prefix("#[get(\"") else {
                    continue;
                };
                let route = rest.split('"').next().unwrap();
                let mut filled = String::new();
                let mut in_parameter = false;
                for c in route.chars() {
                    match c {
                        '{' => {
                            in_parameter = true;
                            filled.push('x');
                        }
                        '}' => in_parameter = false,
                        c if !in_parameter => filled.push(c),
                        _ => {}
                    }
                }
                found.push(format!("{prefix}{filled}"));
            }
        }
    }
    let mut found = Vec::new();
    walk(&crate::helpers::repo_root().join("src"), &mut found);
    found.sort();
    found
}

fn header<'a>(response: &'a reqwest::blocking::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn assert_security_headers(response: &reqwest::blocking::Response, what: &str) {
    assert_eq!(
        header(response, "content-security-policy"),
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'",
        "{what}"
    );
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "referrer-policy"), "same-origin", "{what}");
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

fn post_with(
    visitor: &Visitor,
    path: &str,
    fields: &[(&'static str, String)],
    more: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(more);
    visitor.post_form(path, &all)
}

fn the_longest_comment_and_typed_answer_the_rules_allow_are_accepted(test_db: TestDb) {
    let (app, _bank, fields) = studying(test_db);
    // 2,000 emoji: 8,000 bytes of UTF-8, 24,000 percent-encoded.
    let comment = "\u{1F600}".repeat(2000);
    let response = post_with(
        &app,
        "/study/q/alpha/q01/flag",
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
    let response = post_with(
        &app,
        "/study/q/alpha/q01/reveal",
        &fields,
        &[("typed", &typed)],
    );
    assert_eq!(response.status(), 200);
    let page = response.text().unwrap();
    assert!(page.contains(&typed), "the typed answer is shown whole");
}

fn an_oversize_form_gets_the_sites_error_page(test_db: TestDb) {
    let (app, _bank, fields) = studying(test_db);
    let typed = "x".repeat(300 * 1024);
    let response = post_with(
        &app,
        "/study/q/alpha/q01/reveal",
        &fields,
        &[("typed", &typed)],
    );
    assert_eq!(response.status(), 413);
    assert_security_headers(&response, "a 413");
    let page = response.text().unwrap();
    assert!(page.contains("That form is too large"), "{page}");
    assert!(page.contains("</html>"), "{page}");
}

fn an_interview_date_out_of_range_is_shown_beside_its_field_and_not_saved(test_db: TestDb) {
    let app = spawn_app(test_db, &fixture("valid"));
    assert_eq!(app.sign_up("ada", "correct horse battery").status(), 303);
    let far = (chrono::Utc::now().date_naive() + chrono::Duration::days(6 * 366)).to_string();
    for date in ["-4714-01-01", "0001-01-01", "2000-01-01", far.as_str()] {
        let csrf = app.csrf_from("/settings");
        let response = app.post_form(
            "/settings",
            &[
                ("csrf", csrf.as_str()),
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

/// Posts a form the way a browser behind a proxy does, with extra headers.
fn post_with_headers(
    visitor: &Visitor,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut request = visitor.client.post(format!("{}{}", visitor.address, path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.form(fields).send().unwrap()
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
    assert!(
        page.contains("<td>Firefox on Linux <strong>(this browser)</strong></td>"),
        "{page}"
    );
    assert!(page.contains("<td>Chrome on Android</td>"), "{page}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        page.contains(&format!("<td data-label=\"Last seen\">{today} ")),
        "{page}"
    );

    let csrf = crate::helpers::hidden_value(&page, "csrf").unwrap();
    let response = laptop.post_form("/settings/sessions/end-others", &[("csrf", &csrf)]);
    assert_eq!(location(&response), "/settings?signed_out=1");
    let page = laptop.get("/settings?signed_out=1").text().unwrap();
    assert!(
        page.contains("You are signed out everywhere else."),
        "{page}"
    );
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
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .unwrap()
            .contains("id=\"current_password-error\">That is not your current password.<")
    );
    let differ = change(
        "correct horse battery",
        "a new long password",
        "a new long passw0rd",
    );
    assert_eq!(differ.status(), 422);
    assert!(differ.text().unwrap().contains(
        "id=\"confirm_password-error\">The two new passwords differ; type the same one twice.<"
    ));
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
    a_next_with_a_tab_or_line_break_sends_you_home_after_signing_in_or_up,
    forty_parallel_wrong_passwords_get_at_most_five_password_checks,
    a_flood_from_one_address_does_not_lock_the_owner_out_elsewhere,
    one_address_guessing_many_usernames_is_stopped,
    guessing_one_password_from_many_addresses_meets_a_ceiling,
    every_page_static_file_error_and_redirect_carries_the_security_headers,
    browsers_are_told_to_keep_to_https_when_cookies_are_secure,
    the_longest_comment_and_typed_answer_the_rules_allow_are_accepted,
    an_oversize_form_gets_the_sites_error_page,
    an_interview_date_out_of_range_is_shown_beside_its_field_and_not_saved,
    thirty_parallel_sign_ups_from_one_address_are_mostly_refused,
    forwarded_headers_from_an_untrusted_peer_are_ignored,
    behind_a_trusted_proxy_limits_key_on_the_forwarded_client_address,
    the_settings_page_lists_your_sessions_and_can_sign_out_the_others,
    changing_the_password_ends_every_other_session,
);
