//! Test helpers: fresh databases on both backends, the CLI, and a running app.

use diesel::prelude::*;
use rehearse::db::schema::{import_runs, question_sets, questions, topics};
use rehearse::db::{self, DatabaseUrl, Db};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Generates one `#[test]` per backend for each listed function taking a [`TestDb`]:
/// `module::sqlite::name` and `module::postgres::name`.
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(crate::helpers::TestDb::sqlite()) } )*
        }
        mod postgres {
            $( #[test] fn $name() {
                if let Some(db) = crate::helpers::TestDb::postgres() { super::$name(db) }
            } )*
        }
    };
}
pub(crate) use db_tests;

/// True under CI, where anything a test needs must be there: skipping would hide a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips (locally) or fails (under CI) a test whose prerequisite is missing.
pub fn missing_prerequisite(what: &str) {
    if in_ci() {
        panic!("{what} is required under CI=true but is not available");
    }
    eprintln!("skipping: {what} is not available (it is required under CI=true)");
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(path)
}

/// A database of its own for one test: an SQLite file in a temp folder, or a PostgreSQL
/// schema (dropped afterwards).
pub struct TestDb {
    pub url: DatabaseUrl,
    pub url_text: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<String>,
}

const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

fn pg_base() -> String {
    std::env::var("REHEARSE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_TEST_PG.to_owned())
}

impl TestDb {
    /// Another handle on this same database (for a second server instance); dropping it
    /// cleans nothing up, the original does.
    pub fn same_database(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            url_text: self.url_text.clone(),
            _dir: None,
            pg_schema: None,
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.db");
        let text = path.display().to_string();
        TestDb {
            url: DatabaseUrl::parse(&text),
            url_text: text,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// `None` (locally) when PostgreSQL is not reachable; under CI that is a failure.
    pub fn postgres() -> Option<TestDb> {
        let base = pg_base();
        let mut admin = match PgConnection::establish(&base) {
            Ok(c) => c,
            Err(e) => {
                missing_prerequisite(&format!("PostgreSQL at {base} ({e})"));
                return None;
            }
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        diesel::sql_query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let text = format!("{base}{separator}options=-csearch_path%3D{schema}");
        Some(TestDb {
            url: DatabaseUrl::parse(&text),
            url_text: text,
            _dir: None,
            pg_schema: Some(schema),
        })
    }

    /// Opens the pools and applies the migrations.
    pub fn open(&self) -> Db {
        let db = Db::open(&self.url, 2).unwrap();
        db::migrate::run_pending(&mut db.writer().unwrap()).unwrap();
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = &self.pg_schema {
            if let Ok(mut admin) = PgConnection::establish(&pg_base()) {
                let _ =
                    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin);
            }
        }
    }
}

/// What a CLI run printed and how it exited.
#[derive(Debug)]
pub struct CliOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// Runs the real `rehearse` binary from the repository root.
pub fn rehearse(db: Option<&TestDb>, args: &[&str]) -> CliOutput {
    rehearse_with_input(db.map(|d| d.url_text.as_str()), args, "")
}

/// Runs `rehearse` with `input` on its standard input (not a terminal).
/// Runs `rehearse import folder` against the database a test app serves from.
pub fn import_into(app: &TestApp, folder: &Path) -> CliOutput {
    let folder = folder.to_str().unwrap();
    rehearse(None, &["--database", &app.database_url, "import", folder])
}

pub fn rehearse_with_input(database: Option<&str>, args: &[&str], input: &str) -> CliOutput {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rehearse"));
    cmd.current_dir(repo_root())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let mut child = cmd
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    CliOutput {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Everything the bank tables hold, in a stable order: equal snapshots mean nothing changed.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub topics: Vec<(String, Option<String>, String, i32)>,
    pub sets: Vec<(String, String, String)>,
    pub questions: Vec<(
        String,
        String,
        String,
        String,
        Option<chrono::NaiveDateTime>,
    )>,
    pub import_runs: i64,
}

pub fn snapshot(db: &Db) -> Snapshot {
    let mut conn = db.reader().unwrap();
    Snapshot {
        topics: topics::table
            .select((
                topics::id,
                topics::parent_id,
                topics::title,
                topics::position,
            ))
            .order(topics::id)
            .load(&mut *conn)
            .unwrap(),
        sets: question_sets::table
            .select((
                question_sets::slug,
                question_sets::title,
                question_sets::file_hash,
            ))
            .order(question_sets::slug)
            .load(&mut *conn)
            .unwrap(),
        questions: questions::table
            .select((
                questions::id,
                questions::question_key,
                questions::content_hash,
                questions::answer_html,
                questions::retired_at,
            ))
            .order(questions::question_key)
            .load(&mut *conn)
            .unwrap(),
        import_runs: import_runs::table.count().get_result(&mut *conn).unwrap(),
    }
}

/// Copies a folder of fixtures into a temp folder the test may change.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// A running application on a random port, seen by one browser (`Deref` to [`Visitor`]).
pub struct TestApp {
    pub visitor: Visitor,
    /// `http://127.0.0.1:PORT` of the metrics listener, when the app was started with one.
    pub metrics_address: Option<String>,
    pub db: Db,
    /// The `--database` value for CLI runs against the same database.
    pub database_url: String,
    server: Option<(actix_web::dev::ServerHandle, std::thread::JoinHandle<()>)>,
    _test_db: TestDb,
}

impl Drop for TestApp {
    /// Stops the server and waits for it, so its database connections close with the test
    /// (PostgreSQL allows only so many clients at once).
    fn drop(&mut self) {
        if let Some((handle, thread)) = self.server.take() {
            // `stop` sends the command at once; the future only reports completion.
            drop(handle.stop(false));
            let _ = thread.join();
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Visitor;
    fn deref(&self) -> &Visitor {
        &self.visitor
    }
}

impl TestApp {
    /// The id of the account named `username`.
    pub fn user_id(&self, username: &str) -> String {
        use rehearse::db::schema::users;
        let mut conn = self.db.reader().unwrap();
        users::table
            .filter(users::username.eq(username))
            .select(users::id)
            .get_result(&mut *conn)
            .unwrap()
    }

    /// How many sessions the account `user_id` has, live or not.
    pub fn session_count(&self, user_id: &str) -> i64 {
        use rehearse::db::schema::sessions;
        let mut conn = self.db.reader().unwrap();
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    }

    /// Another browser with its own cookies.
    pub fn new_visitor(&self) -> Visitor {
        Visitor::new(&self.visitor.address)
    }

    /// Another browser connecting from `ip`, another loopback address (all of 127.0.0.0/8
    /// reaches the server on Linux), so the server sees a different client address.
    pub fn visitor_from(&self, ip: &str) -> Visitor {
        Visitor {
            address: self.visitor.address.clone(),
            client: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .local_address(ip.parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap(),
        }
    }
}

/// One browser: its own cookie jar, redirects not followed.
pub struct Visitor {
    pub address: String,
    pub client: reqwest::blocking::Client,
}

impl Visitor {
    fn new(address: &str) -> Visitor {
        Visitor {
            address: address.to_owned(),
            client: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
        }
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .unwrap()
    }

    /// Loads a page and returns the CSRF token of its first form.
    pub fn csrf_from(&self, path: &str) -> String {
        let body = self.get(path).text().unwrap();
        hidden_value(&body, "csrf").unwrap_or_else(|| panic!("no csrf field on {path}: {body}"))
    }

    /// Posts a form the way a browser on this site does (with an Origin header).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::blocking::Response {
        self.client
            .post(format!("{}{}", self.address, path))
            .header("origin", &self.address)
            .form(fields)
            .send()
            .unwrap()
    }

    /// Submits the form of `page` to `action` as a browser would: the page's CSRF token is sent
    /// after `fields`.
    pub fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::blocking::Response {
        let csrf = self.csrf_from(page);
        let mut all = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(action, &all)
    }

    /// Signs in through the real form; the client keeps the session cookie.
    pub fn sign_in(&self, username: &str, password: &str) -> reqwest::blocking::Response {
        self.sign_in_to(username, password, "/")
    }

    /// Signs in through the real form with `next`, the page to go to afterwards.
    pub fn sign_in_to(
        &self,
        username: &str,
        password: &str,
        next: &str,
    ) -> reqwest::blocking::Response {
        self.send_credentials("/signin", username, password, next)
    }

    /// The sign-in or sign-up form (`path`) filled in and sent.
    fn send_credentials(
        &self,
        path: &str,
        username: &str,
        password: &str,
        next: &str,
    ) -> reqwest::blocking::Response {
        let fields = [
            ("username", username),
            ("password", password),
            ("next", next),
        ];
        self.submit(path, path, &fields)
    }

    /// Signs up through the real form; the client keeps the session cookie.
    pub fn sign_up(&self, username: &str, password: &str) -> reqwest::blocking::Response {
        self.sign_up_to(username, password, "/")
    }

    /// Signs up through the real form with `next`, the page to go to afterwards.
    pub fn sign_up_to(
        &self,
        username: &str,
        password: &str,
        next: &str,
    ) -> reqwest::blocking::Response {
        self.send_credentials("/signup", username, password, next)
    }
}

/// A bank of `count` concept questions per set, written to a temp folder: sets `alpha` (topic
/// `alpha-basics`, in area `alpha`) and `beta` (area `beta`), questions `q01`, `q02`, … in order.
pub fn generated_bank(alpha: usize, beta: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("topics.yaml"),
        "format: 1\ntopics:\n  - id: alpha\n    title: Alpha things\n    children:\n      \
         - id: alpha-basics\n        title: Alpha basics\n  - id: beta\n    title: Beta things\n",
    )
    .unwrap();
    for (set, topic, count) in [("alpha", "alpha-basics", alpha), ("beta", "beta", beta)] {
        let mut yaml = format!("format: 1\nset: {set}\ntitle: The {set} set\nquestions:\n");
        for n in 1..=count {
            yaml.push_str(&format!(
                "  - id: q{n:02}\n    topic: {topic}\n    difficulty: junior\n    kind: concept\n    \
                 prompt: What is {set} widget number {n}?\n    answer: It is the {n}th {set} widget.\n    \
                 key_points:\n      - widget {n} exists\n      - it belongs to {set}\n"
            ));
        }
        std::fs::write(dir.path().join(format!("{set}.yaml")), yaml).unwrap();
    }
    dir
}

/// The value of a hidden form field in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// Asserts that `page` contains each of `texts`, showing the page when one is missing.
#[track_caller]
pub fn assert_contains(page: &str, texts: &[&str]) {
    for text in texts {
        assert!(page.contains(text), "{text:?} is missing from: {page}");
    }
}

/// Asserts a response's status and that its page contains `text`; returns the page.
#[track_caller]
pub fn assert_page(response: reqwest::blocking::Response, status: u16, text: &str) -> String {
    assert_eq!(response.status(), status);
    let page = response.text().unwrap();
    assert!(page.contains(text), "{page}");
    page
}

pub fn location(response: &reqwest::blocking::Response) -> String {
    header(response, "location").to_owned()
}

/// The value of the header `name`, or "" when the response has none.
pub fn header<'a>(response: &'a reqwest::blocking::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// A clock the test moves by hand.
pub struct TestClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl TestClock {
    pub fn at(rfc3339: &str) -> Arc<TestClock> {
        let start = chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&chrono::Utc);
        Arc::new(TestClock(std::sync::Mutex::new(start)))
    }

    pub fn set(&self, rfc3339: &str) {
        *self.0.lock().unwrap() = chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&chrono::Utc);
    }

    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl rehearse::web::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

/// Starts the real server (migrations, first-start import of `questions`) on port 0.
pub fn spawn_app(test_db: TestDb, questions: &Path) -> TestApp {
    spawn_app_with_clock(test_db, questions, Arc::new(rehearse::web::SystemClock))
}

/// [`spawn_app`] with the server's "now" taken from `clock`.
pub fn spawn_app_with_clock(
    test_db: TestDb,
    questions: &Path,
    clock: Arc<dyn rehearse::web::Clock>,
) -> TestApp {
    spawn_app_with_args(test_db, questions, clock, |_| {})
}

/// [`spawn_app`] with the server's flags changed by `configure` first.
pub fn spawn_app_with_args(
    test_db: TestDb,
    questions: &Path,
    clock: Arc<dyn rehearse::web::Clock>,
    configure: impl FnOnce(&mut rehearse::config::ServeArgs),
) -> TestApp {
    let mut args = rehearse::config::ServeArgs {
        bind: "127.0.0.1:0".parse().unwrap(),
        questions: questions.to_path_buf(),
        pool_size: Some(2),
        secure_cookies: false,
        trusted_proxies: None,
        metrics_bind: None,
        shutdown_timeout: 10,
        check_config: false,
    };
    configure(&mut args);
    let url = test_db.url.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            let app = rehearse::web::Application::build(url, args, clock).await;
            match app {
                Ok(app) => {
                    let ports = (app.port, app.metrics_port);
                    tx.send(Ok((ports, app.state.db.clone(), app.handle())))
                        .unwrap();
                    let _ = app.run_until_stopped().await;
                }
                Err(e) => tx.send(Err(e.to_string())).unwrap(),
            }
        });
    });
    let ((port, metrics_port), db, handle) = rx.recv().unwrap().unwrap();
    TestApp {
        visitor: Visitor::new(&format!("http://127.0.0.1:{port}")),
        metrics_address: metrics_port.map(|port| format!("http://127.0.0.1:{port}")),
        db,
        database_url: test_db.url_text.clone(),
        server: Some((handle, thread)),
        _test_db: test_db,
    }
}
