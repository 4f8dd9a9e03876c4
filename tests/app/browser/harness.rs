//! The browser harness: a chromedriver process, a fresh Chromium profile and a tokio runtime
//! behind a small synchronous API ([`Browser`], [`Element`]), and screenshots saved as
//! artifacts.

use crate::helpers::{missing_prerequisite, repo_root};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element as WdElement;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long to wait for an element, a navigation or chromedriver itself.
pub(super) const WAIT: Duration = Duration::from_secs(10);

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

/// Collects the page's CSP violations in `window.cspViolations` (installed through DevTools,
/// so the policy itself does not block it).
pub(super) const CSP_RECORDER: &str = "window.cspViolations = []; \
    document.addEventListener('securitypolicyviolation', (e) => \
    window.cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') \
    + ' at ' + e.sourceFile + ':' + e.lineNumber));";
