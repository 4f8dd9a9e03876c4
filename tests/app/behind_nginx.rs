//! Two instances on one PostgreSQL database behind a real nginx running the shipped
//! `deploy/nginx/rehearse.conf` (only its ports changed): sign-up, study and grading work
//! through it, both instances serve, an upload past nginx's default body limit reaches
//! Rehearse, text is compressed, and the sign-in limits count the client's own address
//! (passed on by nginx, believed through `--trusted-proxies`), whatever the client claims.
//!
//! nginx is `/usr/sbin/nginx` (Debian's `nginx-light`) or `REHEARSE_NGINX`; it runs as the
//! test's user, with every path it writes in a temp folder.

use crate::admin::{PASSWORD, admin};
use crate::admin_import::upload;
use crate::helpers::{
    TestApp, TestDb, Visitor, assert_contains, assert_page, generated_bank, header,
    missing_prerequisite, repo_root, spawn_app_with_args,
};
use crate::practice::{counts, grade};
use diesel::prelude::*;
use rehearse::db::schema::{login_failures, reviews};
use rehearse::web::client::TrustedProxies;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

fn nginx_binary() -> Option<PathBuf> {
    match std::env::var_os("REHEARSE_NGINX") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(PathBuf::from("/usr/sbin/nginx")),
    }
    .filter(|p| p.is_file())
}

/// A running nginx; killed (it is a single process) and reaped when dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replaces the one occurrence of `from` in the shipped configuration: if the file stops
/// having exactly one, the test must change with it rather than test something else.
#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "deploy/nginx/rehearse.conf should contain `{from}` exactly once"
    );
    text.replacen(from, to, 1)
}

/// The shipped site configuration with the two instances' ports and nginx's own.
fn site_config(instances: [u16; 2], listen: u16) -> String {
    let shipped = std::fs::read_to_string(repo_root().join("deploy/nginx/rehearse.conf")).unwrap();
    let [first, second] = instances;
    let config = replace_once(
        &shipped,
        "server 127.0.0.1:8081 ",
        &format!("server 127.0.0.1:{first} "),
    );
    let config = replace_once(
        &config,
        "server 127.0.0.1:8082 ",
        &format!("server 127.0.0.1:{second} "),
    );
    replace_once(
        &config,
        "    listen 80;",
        &format!("    listen 127.0.0.1:{listen};"),
    )
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Starts nginx in front of `instances` and waits until it accepts connections.
fn start_nginx(binary: &Path, instances: [u16; 2]) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let port = free_port();
    std::fs::write(
        dir.path().join("rehearse.conf"),
        site_config(instances, port),
    )
    .unwrap();
    // What Debian's /etc/nginx/nginx.conf provides around the site file, with every path
    // nginx writes inside the temp folder so it runs without root.
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "worker_processes 1;\nevents {{ worker_connections 256; }}\nhttp {{\n    \
             access_log {root}/access.log;\n    client_body_temp_path {root}/client_body;\n    \
             proxy_temp_path {root}/proxy;\n    fastcgi_temp_path {root}/fastcgi;\n    \
             uwsgi_temp_path {root}/uwsgi;\n    scgi_temp_path {root}/scgi;\n    \
             include {root}/rehearse.conf;\n}}\n"
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let child = Command::new(binary)
        .args([
            "-p",
            &root,
            "-c",
            &format!("{root}/nginx.conf"),
            "-e",
            "stderr",
        ])
        .args([
            "-g",
            // One process, so killing it stops nginx entirely.
            &format!("daemon off; master_process off; pid {root}/nginx.pid; error_log stderr;"),
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut nginx = Nginx { child, port, dir };
    loop {
        if let Some(status) = nginx.child.try_wait().unwrap() {
            let log = std::fs::read_to_string(nginx.dir.path().join("stderr.log")).unwrap();
            panic!("nginx exited ({status}) before accepting connections:\n{log}");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return nginx;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A browser on the loopback address `ip` that reaches the site through nginx.
fn browser(nginx: &Nginx, ip: &str) -> Visitor {
    Visitor {
        address: format!("http://127.0.0.1:{}", nginx.port),
        client: reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap(),
    }
}

/// An instance that believes forwarded headers from nginx (which connects from 127.0.0.1).
fn instance(test_db: TestDb, questions: &Path) -> TestApp {
    spawn_app_with_args(
        test_db,
        questions,
        Arc::new(rehearse::web::SystemClock),
        |args| args.trusted_proxies = Some(TrustedProxies::parse("127.0.0.1").unwrap()),
    )
}

/// A sign-in form sent with a made-up `X-Forwarded-For`.
fn sign_in_claiming(
    visitor: &Visitor,
    claimed: &str,
    username: &str,
    password: &str,
) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/signin");
    visitor
        .client
        .post(format!("{}/signin", visitor.address))
        .header("origin", &visitor.address)
        .header("x-forwarded-for", claimed)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .unwrap()
}

fn failure_subjects(app: &TestApp) -> Vec<String> {
    let mut conn = app.db.reader().unwrap();
    login_failures::table
        .select(login_failures::subject)
        .order(login_failures::subject)
        .load(&mut *conn)
        .unwrap()
}

fn two_instances_on_postgres_behind_nginx_serve_and_limit_by_client_address(test_db: TestDb) {
    let Some(binary) = nginx_binary() else {
        missing_prerequisite(
            "nginx (/usr/sbin/nginx, Debian package nginx-light, or REHEARSE_NGINX)",
        );
        return;
    };
    let bank = generated_bank(3, 0);
    let (other, third) = (test_db.same_database(), test_db.same_database());
    let a = instance(test_db, bank.path());
    let b = instance(other, bank.path());
    let port_of = |app: &TestApp| app.address.rsplit(':').next().unwrap().parse().unwrap();
    let nginx = start_nginx(&binary, [port_of(&a), port_of(&b)]);
    let served = || [a.db.statements_sent(), b.db.statements_sent()];
    let before = served();

    // Sign up, study and grade through nginx (the Origin check passes: nginx forwards the
    // host with its port).
    let ada = browser(&nginx, "127.0.0.2");
    assert_eq!(ada.sign_up("ada", PASSWORD).status(), 303);
    assert_contains(
        &ada.get("/").text().unwrap(),
        &["Signed in as <strong>ada</strong>"],
    );
    assert_eq!(counts(&ada, "/study"), (0, 3, 0));
    assert_eq!(grade(&ada, "alpha/q01", 5), "/study/q/alpha/q02");
    assert_eq!(grade(&ada, "alpha/q02", 2), "/study/q/alpha/q03");
    assert_eq!(grade(&ada, "alpha/q03", 4), "/study/q/alpha/q02");
    assert_eq!(counts(&ada, "/study"), (0, 0, 1));
    let recorded: i64 = {
        let mut conn = a.db.reader().unwrap();
        reviews::table.count().get_result(&mut *conn).unwrap()
    };
    assert_eq!(recorded, 3);
    // Both instances answered some of those requests.
    let after = served();
    assert!(
        after[0] > before[0] && after[1] > before[1],
        "statements sent by each instance: before {before:?}, after {after:?}"
    );

    // Pages are compressed on the way out.
    let css = ada
        .client
        .get(format!("{}/static/app.css", ada.address))
        .header("accept-encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(header(&css, "content-encoding"), "gzip");

    // An upload over nginx's default 1 MiB body limit reaches Rehearse, which explains the
    // problem in the file instead of nginx refusing the request.
    let root = browser(&nginx, "127.0.0.5");
    admin(&a, &root, "root");
    let big = format!(
        "format: 1\nset: big\n# {}\nquestions: [unclosed\n",
        "x".repeat(1_500_000)
    );
    assert_page(
        upload(&root, vec![("big.yaml".into(), big.into_bytes())]),
        422,
        "big.yaml",
    );

    // Five wrong passwords for ada from 127.0.0.3, each claiming to come from somewhere
    // else: nginx appends the real peer, which is what Rehearse counts.
    let mallory = browser(&nginx, "127.0.0.3");
    for n in 1..=5 {
        let claimed = format!("198.51.100.{n}");
        assert_page(
            sign_in_claiming(&mallory, &claimed, "ada", "wrong password"),
            401,
            "That username and password do not match an account.",
        );
    }
    assert_page(
        sign_in_claiming(&mallory, "198.51.100.9", "ada", PASSWORD),
        429,
        "Too many failed sign-in attempts.",
    );
    let subjects = failure_subjects(&a);
    let counted = |subject: &str| subjects.iter().filter(|s| *s == subject).count();
    assert_eq!(counted("user-at:ada@127.0.0.3"), 5, "{subjects:?}");
    assert_eq!(counted("ip:127.0.0.3"), 5, "{subjects:?}");
    assert!(
        subjects
            .iter()
            .all(|s| !s.contains("198.51.100.") && !s.ends_with("127.0.0.1")),
        "a made-up or the proxy's address was counted: {subjects:?}"
    );
    // Sign-ups were counted per client too.
    assert_eq!(counted("signup:127.0.0.2"), 1, "{subjects:?}");
    assert_eq!(counted("signup:127.0.0.5"), 1, "{subjects:?}");
    // ada, signing in from her own address, is not held up by mallory's guesses.
    let laptop = browser(&nginx, "127.0.0.4");
    assert_eq!(laptop.sign_in("ada", PASSWORD).status(), 303);

    // Without --trusted-proxies the same nginx makes every client look like nginx itself:
    // a failure from 127.0.0.6 is charged to 127.0.0.1, the limit all clients would share.
    let untrusting = spawn_app_with_args(
        third,
        bank.path(),
        Arc::new(rehearse::web::SystemClock),
        |_| {},
    );
    let port = port_of(&untrusting);
    let second_nginx = start_nginx(&binary, [port, port]);
    let eve = browser(&second_nginx, "127.0.0.6");
    assert_eq!(eve.sign_in("nobody", "wrong password").status(), 401);
    let subjects = failure_subjects(&a);
    assert!(
        subjects.contains(&"ip:127.0.0.1".to_owned())
            && !subjects.iter().any(|s| s.contains("127.0.0.6")),
        "{subjects:?}"
    );
}

#[test]
fn two_instances_on_postgres_behind_nginx() {
    if let Some(test_db) = TestDb::postgres() {
        two_instances_on_postgres_behind_nginx_serve_and_limit_by_client_address(test_db);
    }
}
