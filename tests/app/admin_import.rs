//! Uploading question sets in the browser: the same problems as the CLI, preview then apply,
//! a stale preview refused, a broken stored preview reported, export → upload → no changes,
//! size limits, and 10,000 questions.

use crate::admin::{PASSWORD, admin};
use crate::helpers::{
    TestApp, TestDb, Visitor, assert_contains, assert_page, copy_dir, db_tests, fixture,
    hidden_value, import_into, location, rehearse, repo_root, snapshot, spawn_app,
};
use std::path::Path;
use std::time::Instant;

/// Escapes text the way askama does in HTML, to find messages in a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Uploads (name, bytes) pairs through the real form.
pub(crate) fn upload(
    visitor: &Visitor,
    files: Vec<(String, Vec<u8>)>,
) -> reqwest::blocking::Response {
    let csrf = visitor.csrf_from("/admin/import");
    let mut form = reqwest::blocking::multipart::Form::new().text("csrf", csrf);
    for (name, bytes) in files {
        let part = reqwest::blocking::multipart::Part::bytes(bytes)
            .file_name(name)
            .mime_str("application/yaml")
            .unwrap();
        form = form.part("files", part);
    }
    visitor
        .client
        .post(format!("{}/admin/import", visitor.address))
        .header("origin", &visitor.address)
        .multipart(form)
        .send()
        .unwrap()
}

/// Every YAML file of a fixture path (a file, or a folder's files), named without folders.
fn files_of(path: &Path) -> Vec<(String, Vec<u8>)> {
    let paths: Vec<std::path::PathBuf> = if path.is_dir() {
        let mut found: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        found.sort();
        found
    } else {
        vec![path.to_path_buf()]
    };
    paths
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn signed_in_admin(test_db: TestDb) -> TestApp {
    let app = spawn_app(test_db, &fixture("valid"));
    admin(&app, &app.visitor, "root");
    app
}

fn broken_uploads_show_the_cli_messages_and_change_nothing(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let before = snapshot(&app.db);
    for (input, expected) in crate::fixtures::BROKEN {
        let path = repo_root().join(input);
        let response = upload(&app, files_of(&path));
        assert_eq!(response.status(), 422, "{input}");
        let page = response.text().unwrap();
        // The CLI names files by the path it was given; the web by the uploaded file's name.
        let folder = if path.is_dir() {
            format!("{input}/")
        } else {
            format!("{}/", Path::new(input).parent().unwrap().display())
        };
        for line in *expected {
            let line = line.replace(&folder, "");
            let (location, message) = line.split_once(": ").unwrap();
            let shown = format!(
                "<code class=\"location\">{}</code>: {}",
                escaped(location),
                escaped(message)
            );
            assert!(page.contains(&shown), "{input}: expected {shown}\n{page}");
        }
        assert!(page.contains("nothing was imported"));
        assert_eq!(
            snapshot(&app.db),
            before,
            "uploading {input} changed the database"
        );
    }
    // The offending line is shown with its column marked.
    let response = upload(&app, files_of(&fixture("broken/unknown-field.yaml")));
    let page = response.text().unwrap();
    assert_contains(&page, &["7 |     dificulty: mid\n  |     ^"]);
}

fn a_preview_shows_the_changes_and_apply_makes_them(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let original = std::fs::read_to_string(fixture("valid/event-loop.yaml")).unwrap();
    let edited = original.replace(
        "Timers, pending callbacks, poll, check, close callbacks.",
        "Timers, then pending callbacks, poll, check and close callbacks.",
    ) + "\n  - id: brand-new\n    topic: timers\n    difficulty: junior\n    kind: concept\n    prompt: What does setTimeout(fn, 0) guarantee?\n    answer: Only that fn runs after at least about a millisecond.\n    key_points: [not immediate, after the current operation]\n";
    assert_ne!(original, edited);
    let before = snapshot(&app.db);
    let response = upload(&app, vec![("event-loop.yaml".into(), edited.into_bytes())]);
    assert_eq!(response.status(), 303);
    let preview = location(&response);
    assert!(preview.starts_with("/admin/import/"));
    assert_eq!(
        snapshot(&app.db),
        before,
        "a preview writes nothing to the bank"
    );
    let page = app.get(&preview).text().unwrap();
    assert_contains(&page, &["1 added, 1 updated, 0 retired, 1 unchanged"]);
    assert!(page.contains("<code>event-loop/brand-new</code>"));
    assert_contains(
        &page,
        &[
            "<span class=\"diff-del\">- Timers, pending callbacks, poll, check, close callbacks.</span>",
        ],
    );
    assert!(page.contains("<span class=\"diff-add\">+ Timers, then pending callbacks, poll, check and close callbacks.</span>"));

    let csrf = hidden_value(&page, "csrf").unwrap();
    let response = app.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]);
    assert_eq!(response.status(), 303);
    let run = location(&response);
    assert!(run.starts_with("/admin/imports/"), "{run}");
    let details = app.get(&run).text().unwrap();
    assert_contains(&details, &["By <strong>root</strong> from the web"]);
    assert!(details.contains("1 added, 1 updated, 0 retired, 1 unchanged"));
    assert!(details.contains("<code>event-loop.yaml</code>"));
    let history = app.get("/admin/imports").text().unwrap();
    assert_contains(&history, &[">root</td><td data-label=\"From\">web</td>"]);
    // Candidates see the new question at once.
    let page = app.get("/questions/event-loop/brand-new").text().unwrap();
    assert!(page.contains("What does setTimeout(fn, 0) guarantee?"));
    // Applying again is harmless: it shows the same run.
    let response = app.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]);
    assert_eq!(location(&response), run);
}

/// Uploads streams.yaml with one answer edited; returns the preview's address and its form's
/// CSRF token.
fn preview_an_edit(app: &TestApp) -> (String, String) {
    let edited = std::fs::read_to_string(fixture("valid/streams.yaml"))
        .unwrap()
        .replace("A slow consumer", "A slower consumer");
    let response = upload(app, vec![("streams.yaml".into(), edited.into_bytes())]);
    let preview = location(&response);
    let csrf = hidden_value(&app.get(&preview).text().unwrap(), "csrf").unwrap();
    (preview, csrf)
}

fn a_stale_preview_is_refused(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let (preview, csrf) = preview_an_edit(&app);
    // Meanwhile someone imports from the command line.
    let other = copy_dir(&fixture("valid"));
    let text = std::fs::read_to_string(other.path().join("event-loop.yaml"))
        .unwrap()
        .replace("Timers, pending", "Timers first, pending");
    std::fs::write(other.path().join("event-loop.yaml"), text).unwrap();
    let out = import_into(&app, other.path());
    assert_eq!(out.code, 0, "{out:?}");
    let before = snapshot(&app.db);
    let page = app.get(&preview).text().unwrap();
    assert!(page.contains("The bank changed since this preview was made"));
    assert!(!page.contains("id=\"apply\""));
    assert_page(
        app.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]),
        409,
        "Nothing was imported",
    );
    assert_eq!(snapshot(&app.db), before);
}

fn a_broken_stored_preview_is_an_error_the_admin_sees_and_changes_nothing(test_db: TestDb) {
    use diesel::prelude::*;
    use rehearse::db::schema::import_previews;
    let app = signed_in_admin(test_db);
    let (preview, csrf) = preview_an_edit(&app);
    // The stored plan stops reading back: cut short, as a failed write or a hand edit might.
    {
        let id = preview.trim_start_matches("/admin/import/");
        let mut conn = app.db.writer().unwrap();
        let stored: String = import_previews::table
            .find(id)
            .select(import_previews::files)
            .get_result(&mut *conn)
            .unwrap();
        let cut = stored.find("\"bank\"").unwrap();
        diesel::update(import_previews::table.find(id))
            .set(import_previews::files.eq(&stored[..cut]))
            .execute(&mut *conn)
            .unwrap();
    }
    let before = snapshot(&app.db);
    let response = app.get(&preview);
    assert_eq!(response.status(), 500);
    let page = response.text().unwrap();
    assert_contains(
        &page,
        &["This preview cannot be used", "Upload the files again"],
    );
    let response = app.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]);
    assert_eq!(response.status(), 500);
    let page = response.text().unwrap();
    assert_contains(&page, &["nothing was imported"]);
    assert_eq!(
        snapshot(&app.db),
        before,
        "a broken preview imported something"
    );
}

fn an_exported_bank_uploads_with_no_changes(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let out_dir = tempfile::tempdir().unwrap();
    let out = rehearse(
        None,
        &[
            "--database",
            &app.database_url,
            "export",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let response = upload(&app, files_of(out_dir.path()));
    assert_eq!(response.status(), 303);
    let page = app.get(&location(&response)).text().unwrap();
    assert_contains(&page, &["0 added, 0 updated, 0 retired, 3 unchanged"]);
    assert!(page.contains("Nothing would change"));
}

fn a_2_mib_file_is_accepted_and_a_larger_one_refused(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let set = std::fs::read_to_string(fixture("valid/streams.yaml")).unwrap();
    let limit = 2 * 1024 * 1024;
    // Padded with a comment up to exactly 2 MiB.
    let mut exact = set.clone();
    let padding = limit - exact.len() - 3;
    exact.push_str("# ");
    exact.push_str(&"x".repeat(padding));
    exact.push('\n');
    assert_eq!(exact.len(), limit);
    let response = upload(&app, vec![("streams.yaml".into(), exact.into_bytes())]);
    assert_eq!(response.status(), 303, "2 MiB is allowed");
    let page = app.get(&location(&response)).text().unwrap();
    assert_contains(&page, &["0 added, 0 updated, 0 retired, 1 unchanged"]);
    let mut over = set;
    over.push_str("# ");
    over.push_str(&"x".repeat(limit));
    let response = upload(&app, vec![("big.yaml".into(), over.into_bytes())]);
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    assert_contains(
        &page,
        &["<code class=\"location\">big.yaml</code>: this file is larger than 2 MiB"],
    );
}

fn ten_thousand_questions_preview_and_apply(test_db: TestDb) {
    let app = signed_in_admin(test_db);
    let mut yaml = String::from("format: 1\nset: big\ntitle: Ten thousand\nquestions:\n");
    for n in 0..10_000 {
        yaml.push_str(&format!(
            "  - {{id: q{n:05}, topic: streams, difficulty: mid, kind: concept, prompt: \"Question {n}?\", answer: \"Answer {n}.\", key_points: [one, two]}}\n"
        ));
    }
    assert!(yaml.len() < 2 * 1024 * 1024, "{} bytes", yaml.len());
    let started = Instant::now();
    let response = upload(&app, vec![("big.yaml".into(), yaml.into_bytes())]);
    assert_eq!(response.status(), 303);
    let preview = location(&response);
    let page = app.get(&preview).text().unwrap();
    let preview_time = started.elapsed();
    assert!(
        page.contains("10000 added, 0 updated, 0 retired, 0 unchanged"),
        "{}",
        &page[..2000.min(page.len())]
    );
    let csrf = hidden_value(&page, "csrf").unwrap();
    let started = Instant::now();
    let response = app.post_form(&format!("{preview}/apply"), &[("csrf", &csrf)]);
    let apply_time = started.elapsed();
    assert_eq!(response.status(), 303);
    assert!(
        app.get("/questions?set=big")
            .text()
            .unwrap()
            .contains("10000 questions")
    );
    eprintln!("10,000 questions: upload + preview {preview_time:?}, apply {apply_time:?}");
}

fn _password() -> &'static str {
    PASSWORD
}

db_tests!(
    broken_uploads_show_the_cli_messages_and_change_nothing,
    a_preview_shows_the_changes_and_apply_makes_them,
    a_stale_preview_is_refused,
    a_broken_stored_preview_is_an_error_the_admin_sees_and_changes_nothing,
    an_exported_bank_uploads_with_no_changes,
    a_2_mib_file_is_accepted_and_a_larger_one_refused,
    ten_thousand_questions_preview_and_apply,
);
