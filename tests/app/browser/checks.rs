//! The checks every page must pass: valid HTML (the Nu HTML Checker) and no serious or
//! critical accessibility problem (axe-core).

use super::harness::Browser;
use crate::helpers::{missing_prerequisite, repo_root};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};

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
