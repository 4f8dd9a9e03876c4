//! End-to-end tests in real headless Chromium driven through chromedriver (WebDriver), plus
//! the checks every page must pass: valid HTML (the Nu HTML Checker) and no serious or
//! critical accessibility problem (axe-core), at desktop and phone widths, light and dark.
//!
//! [`Browser`] is a small synchronous wrapper around `fantoccini` so the blocking tests can
//! drive it: it owns a chromedriver process, a fresh Chromium profile and a tokio runtime.

use crate::helpers::{TestDb, fixture, missing_prerequisite, repo_root, spawn_app};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element as WdElement;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long to wait for an element, a navigation or chromedriver itself.
const WAIT: Duration = Duration::from_secs(10);

/// Flags Chromium needs here: headless, no sandbox (containers), and nothing that reaches out
/// to Google (the network is closed, and without them start-up hangs).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// Light or dark: which `prefers-color-scheme` the pages see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorScheme {
    Light,
    Dark,
}

impl ColorScheme {
    pub fn name(self) -> &'static str {
        match self {
            ColorScheme::Light => "light",
            ColorScheme::Dark => "dark",
        }
    }
}

/// One headless Chromium, driven through its own chromedriver. Dropping it ends the session
/// and kills chromedriver and every process it started, also when a test panics.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    driver_log: PathBuf,
    _profile: tempfile::TempDir,
}

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// Reads chromedriver's output until it announces its port ("… started successfully on port
/// 38815."), then keeps draining it on the same thread so the pipe never fills.
fn announced_port(stdout: std::process::ChildStdout) -> Option<u16> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(port) = line.strip_prefix("ChromeDriver was started successfully on port ")
            {
                let _ = tx.send(port.trim_end_matches('.').parse::<u16>().ok());
                break;
            }
        }
        lines.for_each(drop);
    });
    rx.recv_timeout(WAIT).ok().flatten()
}

impl Browser {
    /// A light-mode browser whose viewport is `width`×`height` CSS pixels; `None` (after
    /// skipping, or failing under CI) when Chromium or chromedriver is not installed.
    pub fn start(width: u32, height: u32) -> Option<Browser> {
        Browser::start_with(width, height, ColorScheme::Light)
    }

    /// Like [`Browser::start`], with the pages seeing `prefers-color-scheme: dark` if asked.
    pub fn start_with(width: u32, height: u32, scheme: ColorScheme) -> Option<Browser> {
        let chromedriver = env_path("REHEARSE_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = env_path("REHEARSE_CHROMIUM", "/usr/bin/chromium");
        if !chromedriver.is_file() || !chromium.is_file() {
            missing_prerequisite(&format!(
                "Chromium and chromedriver ({} and {}; set REHEARSE_CHROMIUM and \
                 REHEARSE_CHROMEDRIVER to use others)",
                chromium.display(),
                chromedriver.display()
            ));
            return None;
        }
        let profile = tempfile::tempdir().unwrap();
        let driver_log = profile.path().join("chromedriver.log");
        let user_data = profile.path().join("profile");
        std::fs::create_dir(&user_data).unwrap();

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // Port 0: chromedriver picks a free port and says which, so parallel tests never race.
        let mut driver = Command::new(&chromedriver)
            .arg("--port=0")
            .arg(format!("--log-path={}", driver_log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let stdout = driver.stdout.take().unwrap();
        // From here on, Drop cleans up whatever happens.
        let mut browser = Browser {
            runtime,
            client: None,
            driver,
            driver_log,
            _profile: profile,
        };
        let port = announced_port(stdout).unwrap_or_else(|| {
            panic!(
                "chromedriver did not say which port it listens on within {WAIT:?}\n{}",
                browser.driver_log_tail()
            )
        });
        let address = format!("http://127.0.0.1:{port}");
        browser.wait_for_driver(&address);

        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", user_data.display()));
        args.push(format!("--window-size={width},{height}"));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let connected = browser.runtime.block_on(
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities)
                .connect(&address),
        );
        match connected {
            Ok(client) => browser.client = Some(client),
            Err(e) => panic!(
                "cannot open a Chromium session: {e}\n{}",
                browser.driver_log_tail()
            ),
        }
        browser.set_viewport_size(width, height);
        if scheme == ColorScheme::Dark {
            browser.emulate_color_scheme(scheme);
        }
        // Every page records what its Content-Security-Policy blocked, for the page checks.
        browser.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": CSP_RECORDER }),
        );
        Some(browser)
    }

    /// Polls chromedriver's status until it answers that it is ready to open sessions.
    fn wait_for_driver(&mut self, address: &str) {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!(
                    "chromedriver exited at start ({status})\n{}",
                    self.driver_log_tail()
                );
            }
            if let Ok(response) = http.get(format!("{address}/status")).send() {
                if response.text().is_ok_and(|t| t.contains("\"ready\":true")) {
                    return;
                }
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not answer on {address} within {WAIT:?}\n{}",
                self.driver_log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn driver_log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.driver_log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let start = lines.len().saturating_sub(30);
        format!(
            "chromedriver log (last lines):\n{}",
            lines[start..].join("\n")
        )
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    fn run<T>(
        &self,
        what: &str,
        future: impl Future<Output = Result<T, fantoccini::error::CmdError>>,
    ) -> T {
        self.runtime
            .block_on(future)
            .unwrap_or_else(|e| panic!("browser: {what}: {e}"))
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.run(&format!("open {url}"), self.client().goto(url));
    }

    #[allow(dead_code, reason = "for the tests to come")]
    pub fn current_url(&self) -> String {
        self.run("read the address", self.client().current_url())
            .to_string()
    }

    /// The path (and query) of the current address, e.g. `/settings`.
    pub fn current_path(&self) -> String {
        let url = self.run("read the address", self.client().current_url());
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the current path is `path` (after a click or Enter submits a form).
    pub fn wait_for_path(&self, path: &str) {
        let started = Instant::now();
        while self.current_path() != path {
            assert!(
                started.elapsed() < WAIT,
                "still on {} after {WAIT:?}, expected {path}",
                self.current_path()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The document as the browser now holds it (the DOM, serialized).
    pub fn page_source(&self) -> String {
        self.run("read the page source", self.client().source())
    }

    /// The HTML the server sent for the current address (fetched again with the browser's
    /// cookies), as opposed to the DOM in [`Browser::page_source`]: what validators should see.
    pub fn served_html(&self) -> String {
        let value = self.execute(
            "return fetch(location.href, { credentials: 'same-origin' }).then(r => r.text());",
            vec![],
        );
        value.as_str().unwrap().to_owned()
    }

    /// Waits for the first element matching `css`.
    pub fn find(&self, css: &str) -> Element<'_> {
        let inner = self.run(
            &format!("find {css:?}"),
            self.client()
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css)),
        );
        Element {
            browser: self,
            inner,
        }
    }

    /// Every element matching `css` now (no waiting).
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        self.run(
            &format!("find all {css:?}"),
            self.client().find_all(Locator::Css(css)),
        )
        .into_iter()
        .map(|inner| Element {
            browser: self,
            inner,
        })
        .collect()
    }

    pub fn click(&self, css: &str) {
        self.find(css).click();
    }

    /// Types `text` into the element matching `css` (WebDriver focuses it first).
    pub fn type_into(&self, css: &str, text: &str) {
        self.find(css).send_keys(text);
    }

    /// The visible text of the first element matching `css`.
    pub fn text(&self, css: &str) -> String {
        self.find(css).text()
    }

    /// Presses one key, or a chord, on the focused element through WebDriver actions (real
    /// key events, as a keyboard-only user would): a character (`"1"`, `" "`, `"a"`), a key
    /// name (`"Tab"`, `"Enter"`, `"Space"`, `"Escape"`, `"Backspace"`, `"ArrowDown"`…), or
    /// modifiers joined with `+` (`"Ctrl+Z"`, `"Shift+Tab"`; a letter in a chord means its key,
    /// so `"Ctrl+Z"` is undo and `"Ctrl+Shift+Z"` redo).
    pub fn press_key(&self, key: &str) {
        let parts: Vec<&str> = if key == "+" {
            vec!["+"]
        } else {
            key.split('+').collect()
        };
        let (last, modifiers) = parts.split_last().unwrap();
        let modifiers: Vec<char> = modifiers.iter().map(|m| key_code(m)).collect();
        let mut main = key_code(last);
        if !modifiers.is_empty() && !modifiers.contains(&Key::Shift.into()) {
            main = main.to_ascii_lowercase();
        }
        let mut actions = KeyActions::new("keyboard".into());
        for &m in &modifiers {
            actions = actions.then(KeyAction::Down { value: m });
        }
        actions = actions
            .then(KeyAction::Down { value: main })
            .then(KeyAction::Up { value: main });
        for &m in modifiers.iter().rev() {
            actions = actions.then(KeyAction::Up { value: m });
        }
        self.run(
            &format!("press {key:?}"),
            self.client().perform_actions(actions),
        );
    }

    /// Types `text` character by character on whatever has the focus (key events only).
    pub fn type_keys(&self, text: &str) {
        let mut actions = KeyActions::new("keyboard".into());
        for c in text.chars() {
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.run(
            &format!("type {text:?}"),
            self.client().perform_actions(actions),
        );
    }

    /// The element that has the keyboard focus.
    pub fn focused(&self) -> Element<'_> {
        let inner = self.run("find the focus", self.client().active_element());
        Element {
            browser: self,
            inner,
        }
    }

    /// Runs `script` as the body of a function in the page (`arguments` holds `args`); a
    /// returned promise is awaited. Returns what it returns, as JSON.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.run("run a script", self.client().execute(script, args))
    }

    /// A PNG of the viewport.
    pub fn screenshot_png(&self) -> Vec<u8> {
        self.run("take a screenshot", self.client().screenshot())
    }

    /// Writes a PNG of the viewport to `path`.
    #[allow(dead_code, reason = "for the tests to come")]
    pub fn screenshot(&self, path: &Path) {
        std::fs::write(path, self.screenshot_png()).unwrap();
    }

    /// A PNG of the whole page: the window grows to the page's height for the shot.
    pub fn full_page_png(&self) -> Vec<u8> {
        let (width, height) = self.viewport_size();
        let page_height = self
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .as_u64()
            .unwrap() as u32;
        if page_height <= height {
            return self.screenshot_png();
        }
        self.set_viewport_size(width, page_height);
        let png = self.screenshot_png();
        self.set_viewport_size(width, height);
        png
    }

    /// Resizes the window (in headless Chromium the window is the viewport).
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.run(
            "resize the window",
            self.client().set_window_size(width, height),
        );
    }

    /// Resizes the window so the viewport is exactly `width`×`height` CSS pixels.
    pub fn set_viewport_size(&self, width: u32, height: u32) {
        self.set_window_size(width, height);
        let (inner_width, inner_height) = self.viewport_size();
        if (inner_width, inner_height) != (width, height) {
            self.set_window_size(
                width + (width - inner_width.min(width)),
                height + (height - inner_height.min(height)),
            );
        }
    }

    /// The viewport's size in CSS pixels.
    pub fn viewport_size(&self) -> (u32, u32) {
        let size = self.execute("return [window.innerWidth, window.innerHeight];", vec![]);
        (
            size[0].as_u64().unwrap() as u32,
            size[1].as_u64().unwrap() as u32,
        )
    }

    /// Makes the pages see `prefers-color-scheme: light` or `dark`, through chromedriver's
    /// Chrome DevTools Protocol endpoint (plain WebDriver has no such command).
    pub fn emulate_color_scheme(&self, scheme: ColorScheme) {
        let value = scheme.name();
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
        );
        let matches = self.execute(
            &format!("return matchMedia('(prefers-color-scheme: {value})').matches;"),
            vec![],
        );
        assert_eq!(
            matches,
            json!(true),
            "prefers-color-scheme: {value} is not emulated"
        );
    }

    /// Sends one Chrome DevTools Protocol command through chromedriver.
    pub fn cdp(&self, method: &str, params: Value) -> Value {
        self.run(
            &format!("CDP {method}"),
            self.client().issue_cmd(ChromeCdp {
                body: json!({ "cmd": method, "params": params }),
            }),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Descendants first, while chromedriver still holds them as its children.
        let descendants = descendants_of(self.driver.id());
        if let Some(client) = self.client.take() {
            // Ends the session, so chromedriver closes Chromium cleanly.
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(WAIT, client.close()).await });
        }
        for pid in descendants {
            // SAFETY: plain kill(2) on a process id; ESRCH (already gone) is fine.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Every process below `root` (children, their children…), from /proc.
fn descendants_of(root: u32) -> Vec<i32> {
    let mut parents: Vec<(i32, i32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root as i32];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// chromedriver's vendor command `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
struct ChromeCdp {
    body: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeCdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// The WebDriver code of a key name, or the character itself.
fn key_code(name: &str) -> char {
    let key = match name {
        "Tab" => Key::Tab,
        "Enter" => Key::Enter,
        "Space" => Key::Space,
        "Escape" | "Esc" => Key::Escape,
        "Backspace" => Key::Backspace,
        "Delete" => Key::Delete,
        "Ctrl" | "Control" => Key::Control,
        "Shift" => Key::Shift,
        "Alt" => Key::Alt,
        "Meta" => Key::Meta,
        "ArrowUp" | "Up" => Key::Up,
        "ArrowDown" | "Down" => Key::Down,
        "ArrowLeft" | "Left" => Key::Left,
        "ArrowRight" | "Right" => Key::Right,
        "Home" => Key::Home,
        "End" => Key::End,
        "PageUp" => Key::PageUp,
        "PageDown" => Key::PageDown,
        other => {
            let mut chars = other.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => return c,
                _ => panic!("unknown key {other:?}"),
            }
        }
    };
    key.into()
}

/// One element of the page, found by [`Browser::find`].
pub struct Element<'b> {
    browser: &'b Browser,
    inner: WdElement,
}

impl Element<'_> {
    pub fn click(&self) {
        self.browser.run("click", self.inner.click());
    }

    pub fn send_keys(&self, text: &str) {
        self.browser
            .run(&format!("type {text:?}"), self.inner.send_keys(text));
    }

    pub fn text(&self) -> String {
        self.browser.run("read text", self.inner.text())
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.browser
            .run(&format!("read attribute {name}"), self.inner.attr(name))
    }

    /// A DOM property as text (`value` of a field, `id`…).
    pub fn prop(&self, name: &str) -> Option<String> {
        self.browser
            .run(&format!("read property {name}"), self.inner.prop(name))
    }

    pub fn is_displayed(&self) -> bool {
        self.browser
            .run("check visibility", self.inner.is_displayed())
    }
}

/// Writes `bytes` to `tests/artifacts/<name>` and, when `REHEARSE_SCREENSHOTS_DIR` is set,
/// to that folder too (that is how `docs/screenshots/` is refreshed).
pub fn save_artifact(name: &str, bytes: &[u8]) {
    let artifacts = repo_root().join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join(name), bytes).unwrap();
    if let Some(dir) = std::env::var_os("REHEARSE_SCREENSHOTS_DIR") {
        // Relative to the repository, like the README's example.
        let dir = repo_root().join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

// ---- HTML validity: the Nu HTML Checker ----------------------------------------------------

/// Where `.ci/run` installs the pinned checkers with npm, and how.
const TOOLS: &str = ".ci/tools/node_modules";
const TOOLS_INSTALL: &str = "npm install --prefix .ci/tools vnu-jar@26.9.27 axe-core@4.14.1";

fn vnu_jar() -> PathBuf {
    std::env::var_os("REHEARSE_VNU_JAR").map_or_else(
        || repo_root().join(TOOLS).join("vnu-jar/build/dist/vnu.jar"),
        PathBuf::from,
    )
}

/// Fails listing every error the Nu HTML Checker finds in `html`; notes are printed.
#[allow(dead_code, reason = "for the page tests to come")]
pub fn assert_valid_html(name: &str, html: &str) {
    let problems = html_problems(&[(name.to_owned(), html.to_owned())]).unwrap_or_default();
    assert!(
        problems.is_empty(),
        "invalid HTML:\n{}",
        problems.join("\n")
    );
}

/// The errors in each named page, one a line (`name:line:column: message (kind)` and the
/// extract), found in one run of the checker (it takes seconds to start); notes (warnings,
/// info) are printed. `None`, after skipping, when Java or the checker is missing.
pub fn html_problems(pages: &[(String, String)]) -> Option<Vec<String>> {
    let jar = vnu_jar();
    let java = Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !java || !jar.is_file() {
        missing_prerequisite(&format!(
            "Java and the Nu HTML Checker at {} ({TOOLS_INSTALL})",
            jar.display()
        ));
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (name, html)) in pages.iter().enumerate() {
        let file = dir.path().join(format!("page{i}.html"));
        std::fs::write(&file, html).unwrap();
        files.push((file, name.as_str()));
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--format", "json", "--stdout"])
        .args(files.iter().map(|(file, _)| file))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the Nu HTML Checker printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut problems = Vec::new();
    for message in report["messages"].as_array().unwrap() {
        let url = message["url"].as_str().unwrap_or_default();
        let name = files
            .iter()
            .find(|(file, _)| url.ends_with(&*file.to_string_lossy()))
            .map_or(url, |(_, name)| name);
        let kind = message["subType"]
            .as_str()
            .or(message["type"].as_str())
            .unwrap_or_default();
        let line = format!(
            "{name}:{}:{}: {} ({kind})\n    {}",
            message["lastLine"],
            message["firstColumn"]
                .as_u64()
                .or(message["lastColumn"].as_u64())
                .unwrap_or(0),
            message["message"].as_str().unwrap_or_default(),
            message["extract"]
                .as_str()
                .unwrap_or_default()
                .replace('\n', "↵"),
        );
        match message["type"].as_str() {
            Some("info") => eprintln!("vnu note: {line}"),
            _ => problems.push(line),
        }
    }
    Some(problems)
}

// ---- Accessibility: axe-core ----------------------------------------------------------------

fn axe_path() -> PathBuf {
    std::env::var_os("REHEARSE_AXE").map_or_else(
        || repo_root().join(TOOLS).join("axe-core/axe.min.js"),
        PathBuf::from,
    )
}

fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| std::fs::read_to_string(axe_path()).ok())
        .as_deref()
}

/// Runs axe-core on the page as it is now and returns its serious and critical violations,
/// each with the rule, its help and the offending elements; lesser ones are printed.
/// `None`, after skipping, when axe-core is not installed.
pub fn accessibility_problems(browser: &Browser, page_name: &str) -> Option<Vec<String>> {
    let Some(source) = axe_source() else {
        missing_prerequisite(&format!(
            "axe-core at {} ({TOOLS_INSTALL})",
            axe_path().display()
        ));
        return None;
    };
    if browser.execute("return typeof window.axe;", vec![]) != json!("object") {
        browser.execute(source, vec![]);
    }
    let result = browser.execute(
        "return axe.run(document, { resultTypes: ['violations'] }).then(r => ({
           violations: r.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
             targets: v.nodes.map(n => n.target.join(' ')),
             summary: v.nodes.length ? v.nodes[0].failureSummary : '' })),
           incomplete: r.incomplete.map(v => v.id + ' (' + v.nodes.length + ')') }));",
        vec![],
    );
    let mut problems = Vec::new();
    for v in result["violations"].as_array().unwrap() {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        let line = format!(
            "{page_name}: [{impact}] {}: {} ({})\n    on: {}\n    {}",
            v["id"].as_str().unwrap_or_default(),
            v["help"].as_str().unwrap_or_default(),
            v["helpUrl"].as_str().unwrap_or_default(),
            v["targets"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            v["summary"]
                .as_str()
                .unwrap_or_default()
                .replace('\n', "\n    "),
        );
        match impact {
            "serious" | "critical" => problems.push(line),
            _ => eprintln!("axe note: {line}"),
        }
    }
    let incomplete = result["incomplete"].as_array().unwrap();
    if !incomplete.is_empty() {
        eprintln!("axe on {page_name}: for a human to review: {incomplete:?}");
    }
    Some(problems)
}

/// Fails when axe-core finds a serious or critical accessibility problem on the page.
#[allow(dead_code, reason = "for the page tests to come")]
pub fn assert_accessible(browser: &Browser, page_name: &str) {
    let problems = accessibility_problems(browser, page_name).unwrap_or_default();
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

// ---- Tests ----------------------------------------------------------------------------------

/// Collects the page's CSP violations in `window.cspViolations` (installed through DevTools,
/// so the policy itself does not block it).
const CSP_RECORDER: &str = "window.cspViolations = []; \
    document.addEventListener('securitypolicyviolation', (e) => \
    window.cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') \
    + ' at ' + e.sourceFile + ':' + e.lineNumber));";

/// What the page's Content-Security-Policy blocked so far: nothing, if the site works under it.
fn csp_violations(browser: &Browser, name: &str) -> Vec<String> {
    match browser.execute("return window.cspViolations || null;", vec![]) {
        Value::Array(list) => list
            .iter()
            .map(|v| format!("{name}: the Content-Security-Policy refused {v}"))
            .collect(),
        other => vec![format!("{name}: no CSP recorder on the page ({other})")],
    }
}

const DESKTOP: (&str, u32, u32) = ("desktop", 1280, 900);
const PHONE: (&str, u32, u32) = ("phone", 390, 844);

/// What the page checks found, gathered so one run reports every page's problems at once.
#[derive(Default)]
struct Findings {
    served: Vec<(String, String)>,
    accessibility: Vec<String>,
}

impl Findings {
    /// Checks the page the browser shows: its HTML as served (validated later, in one run),
    /// that its Content-Security-Policy blocked nothing, then axe at both widths in light and dark, saving a screenshot of each.
    fn check(&mut self, browser: &Browser, name: &str) {
        self.served.push((name.to_owned(), browser.served_html()));
        self.accessibility.extend(csp_violations(browser, name));
        for (device, width, height) in [DESKTOP, PHONE] {
            browser.set_viewport_size(width, height);
            for scheme in [ColorScheme::Light, ColorScheme::Dark] {
                browser.emulate_color_scheme(scheme);
                let label = format!("{name}-{device}-{}", scheme.name());
                if let Some(problems) = accessibility_problems(browser, &label) {
                    self.accessibility.extend(problems);
                }
                save_artifact(&format!("{label}.png"), &browser.full_page_png());
            }
        }
        browser.set_viewport_size(DESKTOP.1, DESKTOP.2);
        browser.emulate_color_scheme(ColorScheme::Light);
    }

    fn assert_clean(self) {
        let mut problems = html_problems(&self.served).unwrap_or_default();
        problems.extend(self.accessibility);
        assert!(
            problems.is_empty(),
            "{} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
}

#[test]
fn pages_are_valid_html_and_accessible() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    let mut findings = Findings::default();

    browser.goto(&format!("{}/", app.address));
    findings.check(&browser, "home");

    browser.goto(&format!("{}/questions", app.address));
    findings.check(&browser, "questions");

    // The code-output question, answer shown: it holds highlighted code.
    let links = browser.find_all(".question-list a");
    assert!(!links.is_empty(), "no question links on /questions");
    let link = links
        .iter()
        .find(|a| {
            a.attr("href")
                .is_some_and(|h| h.ends_with("/immediate-vs-timeout"))
        })
        .unwrap_or(&links[0]);
    link.click();
    browser.click("details.answer summary");
    assert!(browser.find(".answer-body").is_displayed());
    findings.check(&browser, "question");

    browser.goto(&format!("{}/signin", app.address));
    findings.check(&browser, "signin");

    browser.goto(&format!("{}/signup", app.address));
    findings.check(&browser, "signup");

    // Sign up through the real form, as a person would.
    browser.type_into("#username", "ada");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/");
    assert!(
        browser.text(".nav-user").contains("ada"),
        "not signed in after signing up: {}",
        browser.page_source()
    );

    browser.goto(&format!("{}/settings", app.address));
    assert_eq!(browser.text("h1"), "Settings");
    findings.check(&browser, "settings");

    findings.assert_clean();
}

#[test]
fn signing_in_works_with_the_keyboard_alone() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    browser.goto(&format!("{}/signin", app.address));

    // The first Tab reaches the skip link, which shows itself.
    browser.press_key("Tab");
    let skip = browser.focused();
    assert_eq!(skip.text(), "Skip to content");
    assert!(skip.is_displayed());

    // Then on until the username field has the focus.
    let mut presses = 1;
    while browser.focused().prop("id").as_deref() != Some("username") {
        browser.press_key("Tab");
        presses += 1;
        assert!(presses < 20, "Tab never reached the username field");
    }
    browser.type_keys("someone");
    // Select it all and type over it: chords reach the page too.
    browser.press_key("Ctrl+A");
    browser.type_keys("nobody");
    browser.press_key("Tab");
    assert_eq!(browser.focused().prop("id").as_deref(), Some("password"));
    browser.type_keys("wrong password");
    browser.press_key("Enter");

    let alert = browser.find(".form-error[role=alert]");
    assert!(
        alert.text().contains("do not match an account"),
        "unexpected message: {}",
        alert.text()
    );
    assert_eq!(browser.current_path(), "/signin");
    assert_eq!(
        browser.find("#username").prop("value").as_deref(),
        Some("nobody")
    );
}

/// Guards the guards: a checker that silently checks nothing would pass every page.
#[test]
fn the_checks_catch_invalid_markup_and_poor_contrast_in_either_scheme() {
    let broken = "<!doctype html><html lang=\"en\"><head><title>x</title></head>\n\
                  <body><p>one<div></p></body></html>";
    if let Some(problems) = html_problems(&[("broken".into(), broken.into())]) {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("broken:2:") && p.contains("“p” end tag")),
            "{problems:#?}"
        );
    }

    let Some(browser) = Browser::start(800, 600) else {
        return;
    };
    // Readable in light, unreadable in dark; an image without a text alternative.
    browser.goto(
        "data:text/html,<!doctype html><html lang=en><title>t</title>\
         <style>p{color:rgb(30,30,30);background:white}\
         @media (prefers-color-scheme: dark){p{color:rgb(60,60,60);background:black}}</style>\
         <main><p>Some text</p><img src=a.png></main>",
    );
    let Some(light) = accessibility_problems(&browser, "light") else {
        return;
    };
    assert!(light.iter().any(|p| p.contains("image-alt")), "{light:#?}");
    assert!(
        !light.iter().any(|p| p.contains("color-contrast")),
        "{light:#?}"
    );
    browser.emulate_color_scheme(ColorScheme::Dark);
    let dark = accessibility_problems(&browser, "dark").unwrap();
    assert!(
        dark.iter().any(|p| p.contains("color-contrast")),
        "{dark:#?}"
    );
}

/// Waits until the address is no longer `from` and returns the new path.
fn wait_for_path_change(browser: &Browser, from: &str) -> String {
    let started = Instant::now();
    loop {
        let now = browser.current_path();
        if now != from {
            return now;
        }
        assert!(started.elapsed() < WAIT, "still on {from} after {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Presses Tab until the element matching `css` has the focus.
fn tab_to(browser: &Browser, css: &str) {
    let mut presses = 0;
    loop {
        browser.press_key("Tab");
        presses += 1;
        let focused = browser.execute(
            "return document.activeElement && document.activeElement.matches(arguments[0]);",
            vec![json!(css)],
        );
        if focused == json!(true) {
            return;
        }
        assert!(presses < 60, "Tab never reached {css}");
    }
}

#[test]
fn studying_five_questions_with_the_keyboard_alone() {
    use diesel::prelude::*;
    use rehearse::db::schema::reviews;
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &repo_root().join("questions"));
    let mut findings = Findings::default();

    browser.goto(&format!("{}/signup?next=/study", app.address));
    browser.type_into("#username", "grace");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/study");
    assert!(
        browser.text(".counts").contains("20 new"),
        "{}",
        browser.text(".counts")
    );
    findings.check(&browser, "study-queue");

    // Start with the keyboard: Tab to "Start studying", Enter.
    tab_to(&browser, "#start");
    browser.press_key("Enter");
    let mut path = wait_for_path_change(&browser, "/study");
    assert!(path.starts_with("/study/q/"), "{path}");
    let first_question = path.clone();

    for (index, grade) in ["4", "5", "2", "3", "4"].iter().enumerate() {
        assert!(
            !browser.find("#answer").is_displayed(),
            "answer hidden at first"
        );
        if index == 0 {
            findings.check(&browser, "question");
        }
        // Type an answer first on one question: Tab into the box, type, Escape the box by Tab.
        if index == 1 {
            tab_to(&browser, "#typed");
            browser.type_keys("Timers first, then I/O callbacks.");
            tab_to(&browser, "#reveal-button");
            browser.press_key("Enter");
        } else {
            browser.press_key(" ");
        }
        assert!(
            browser.find("#answer").is_displayed(),
            "Space reveals the answer"
        );
        if index == 1 {
            assert!(browser.find("#your-answer").is_displayed());
            assert_eq!(
                browser.text("#your-answer-text"),
                "Timers first, then I/O callbacks."
            );
        }
        if index == 0 {
            // Ticking every key point with the keyboard suggests a 5.
            for checkbox in browser.find_all("#grade-form input[name=hit]") {
                let _ = checkbox;
                tab_to(&browser, "#grade-form input[name=hit]:not(:checked)");
                browser.press_key(" ");
            }
            assert!(
                browser.text("#suggestion").contains("suggested grade 5"),
                "{}",
                browser.text("#suggestion")
            );
            findings.check(&browser, "answer");
        }
        browser.press_key(grade);
        path = wait_for_path_change(&browser, &path);
        assert!(path.starts_with("/study/q/") || path == "/study", "{path}");
    }
    let graded = |app: &crate::helpers::TestApp| -> (i64, i64) {
        let mut conn = app.db.reader().unwrap();
        let all = reviews::table.count().get_result(&mut *conn).unwrap();
        let undone = reviews::table
            .filter(reviews::undone_at.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap();
        (all, undone)
    };
    assert_eq!(graded(&app), (5, 0));
    assert!(browser.text(".last-grade").contains("4 (good)"));

    // Ctrl+Z takes the last grade back and shows that question again.
    browser.press_key("Ctrl+Z");
    let undone_at = wait_for_path_change(&browser, &path);
    assert!(undone_at.starts_with("/study/q/"), "{undone_at}");
    assert_ne!(undone_at, first_question);
    assert_eq!(graded(&app), (5, 1));

    // Browse and search, then sign out, all from the keyboard.
    browser.goto(&format!("{}/questions", app.address));
    tab_to(&browser, "#q");
    browser.type_keys("event loop phases");
    browser.press_key("Enter");
    wait_for_path_change(&browser, "/questions");
    assert!(
        browser
            .current_path()
            .starts_with("/questions?q=event+loop+phases")
    );
    assert!(
        !browser.find_all(".question-list li").is_empty(),
        "search found nothing"
    );
    findings.check(&browser, "search");

    tab_to(&browser, ".nav button.link-button");
    browser.press_key("Enter");
    browser.wait_for_path("/");
    assert!(browser.find_all(".nav-user").is_empty(), "still signed in");
    findings.assert_clean();
}

#[test]
fn a_three_question_timed_interview_with_the_keyboard_reaches_the_report() {
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &repo_root().join("questions"));
    let mut findings = Findings::default();
    browser.goto(&format!("{}/signup?next=/interviews/new", app.address));
    browser.type_into("#username", "linus");
    browser.type_into("#password", "correct horse battery");
    browser.press_key("Enter");
    browser.wait_for_path("/interviews/new");
    findings.check(&browser, "interview-setup");

    // A custom interview: 3 questions, 10 minutes in all, chosen with the keyboard.
    tab_to(&browser, "#count");
    browser.press_key("Ctrl+A");
    browser.type_keys("3");
    tab_to(&browser, "#minutes");
    browser.press_key("Ctrl+A");
    browser.type_keys("10");
    tab_to(&browser, "#custom-interview button[type=submit]");
    browser.press_key("Enter");
    let interview = wait_for_path_change(&browser, "/interviews/new");
    assert!(interview.starts_with("/interviews/"), "{interview}");

    // The question on screen (its item id), or None on the report.
    let on_screen = |browser: &Browser| -> Option<String> {
        browser
            .execute(
                "var f = document.querySelector('input[name=item]'); return f ? f.value : null;",
                vec![],
            )
            .as_str()
            .map(str::to_owned)
    };
    let wait_for_next = |browser: &Browser, from: &str| {
        let started = Instant::now();
        while on_screen(browser).as_deref() == Some(from) {
            assert!(started.elapsed() < WAIT, "the grade did not move on");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // Three questions (and any follow-up a good grade brings), all from the keyboard.
    let grades = ["3", "4", "2", "3", "3", "3"];
    let mut asked = 0;
    while let Some(item) = on_screen(&browser) {
        let countdown = browser.text("#countdown");
        assert!(
            countdown.contains(':') && !countdown.contains("over"),
            "countdown shows: {countdown}"
        );
        if asked == 0 {
            findings.check(&browser, "interview-question");
        }
        browser.press_key(" ");
        browser.find("#answer");
        if asked == 0 {
            findings.check(&browser, "interview-answer");
        }
        browser.press_key(grades[asked]);
        wait_for_next(&browser, &item);
        asked += 1;
        assert!(asked < grades.len(), "more questions than expected");
    }
    browser.wait_for_path(&format!("{interview}/report"));
    assert!(asked >= 3, "only {asked} questions");
    assert!(
        browser.text("h1").contains("report"),
        "{}",
        browser.text("h1")
    );
    assert!(browser.page_source().contains("Score:"));
    findings.check(&browser, "interview-report");
    browser.goto(&format!("{}/interviews", app.address));
    findings.check(&browser, "interview-history");
    findings.assert_clean();
}

#[test]
fn an_admin_fixes_an_upload_previews_and_applies_it_and_candidates_see_it() {
    use diesel::prelude::*;
    use rehearse::db::schema::users;
    let Some(browser) = Browser::start(DESKTOP.1, DESKTOP.2) else {
        return;
    };
    let app = spawn_app(TestDb::sqlite(), &fixture("valid"));
    let mut findings = Findings::default();
    browser.goto(&format!("{}/signup?next=/admin/import", app.address));
    browser.type_into("#username", "root");
    browser.type_into("#password", "correct horse battery");
    // The account exists once the form is sent (a candidate, refused here); then it is made
    // an admin.
    browser.press_key("Enter");
    browser.wait_for_path("/admin/import");
    assert!(browser.page_source().contains("This page is for admins"));
    {
        let mut conn = app.db.writer().unwrap();
        diesel::update(users::table.filter(users::username.eq("root")))
            .set(users::role.eq("admin"))
            .execute(&mut *conn)
            .unwrap();
    }
    browser.goto(&format!("{}/admin/import", app.address));
    findings.check(&browser, "admin-upload");

    let folder = tempfile::tempdir().unwrap();
    let good = "format: 1\nset: timers-extra\ntitle: More about timers\nquestions:\n  - id: set-interval-drift\n    topic: timers\n    difficulty: mid\n    kind: concept\n    prompt: Why does setInterval drift, and how do you schedule work on a steady beat?\n    answer: |\n      Each callback runs only when the event loop gets to it, so delays add up.\n      Compute the next deadline from the start time and use setTimeout for each tick.\n    key_points:\n      - callbacks run late when the loop is busy\n      - schedule from a fixed start time\n";
    let broken = good.replace("difficulty: mid", "dificulty: mid");
    let file = folder.path().join("timers-extra.yaml");
    std::fs::write(&file, &broken).unwrap();
    browser.type_into("#files", file.to_str().unwrap());
    browser.click("form[enctype] button[type=submit]");
    let problem = browser.find(".problems");
    let text = problem.text();
    assert!(
        text.contains("timers-extra.yaml:7:5") && text.contains("did you mean `difficulty`?"),
        "{text}"
    );
    assert!(browser.text("pre.excerpt").contains("dificulty: mid"));
    findings.check(&browser, "admin-upload-error");

    std::fs::write(&file, good).unwrap();
    browser.type_into("#files", file.to_str().unwrap());
    browser.click("form[enctype] button[type=submit]");
    browser.find("#apply");
    assert!(
        browser
            .text(".summary")
            .contains("1 added, 0 updated, 0 retired, 0 unchanged"),
        "{}",
        browser.text(".summary")
    );
    findings.check(&browser, "admin-preview");
    browser.click("#apply");
    let started = Instant::now();
    while !browser.current_path().starts_with("/admin/imports/") {
        assert!(started.elapsed() < WAIT, "apply did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    findings.check(&browser, "admin-import-run");

    // A candidate finds the new question straight away.
    let candidate = app.new_visitor();
    assert_eq!(
        candidate.sign_up("cand", "correct horse battery").status(),
        303
    );
    let page = candidate
        .get("/questions?q=setInterval+drift")
        .text()
        .unwrap();
    assert!(
        page.contains("/questions/timers-extra/set-interval-drift"),
        "{page}"
    );
    findings.assert_clean();
}
