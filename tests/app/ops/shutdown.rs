//! Graceful shutdown of the real binary: SIGTERM in the middle of a load of page views and
//! grades; every request the server began is answered, nothing with a 5xx, and it exits 0.
//! Its JSON logs carry each request's id.

use crate::helpers::{generated_bank, hidden_value, rehearse_with_input, repo_root};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

const PASSWORD: &str = "correct horse battery";
const LOAD_THREADS: usize = 6;
/// Requests each load thread sends before the signal, so it lands mid-load.
const WARM_UP: usize = 20;
/// A bound on each thread's requests, so a server that never stops cannot hang the test.
const MOST_REQUESTS: usize = 5_000;

/// How one request ended.
#[derive(Debug)]
enum Outcome {
    /// An HTTP response (the location, when it redirects, and the body).
    Answered(u16, String, String),
    /// The connection was refused: the listener is closed. Expected after the signal.
    Refused,
    /// Anything else (reset, closed before the answer): a failure if the server began it.
    Broken(String),
}

fn send(request: reqwest::blocking::RequestBuilder, id: &str) -> Outcome {
    match request.header("x-request-id", id).send() {
        Ok(response) => {
            let status = response.status().as_u16();
            let location = crate::helpers::header(&response, "location").to_owned();
            match response.text() {
                Ok(body) => Outcome::Answered(status, location, body),
                Err(e) => Outcome::Broken(format!("{e:?}")),
            }
        }
        Err(e) => {
            let mut source: Option<&dyn std::error::Error> = Some(&e);
            while let Some(cause) = source {
                if cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
                {
                    return Outcome::Refused;
                }
                source = cause.source();
            }
            Outcome::Broken(format!("{e:?}"))
        }
    }
}

/// The server's stderr, line by line, as it comes.
struct Logs {
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Logs {
    fn read_from(child: &mut Child) -> Logs {
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Logs {
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `text` (or the end of the output) and returns it.
    fn wait_for(&mut self, text: &str) -> Option<String> {
        while let Ok(line) = self.lines.recv() {
            self.seen.push(line.clone());
            if line.contains(text) {
                return Some(line);
            }
        }
        None
    }

    /// Everything else the server wrote, once it has exited.
    fn rest(mut self) -> Vec<String> {
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"))
}

/// The request id of a JSON log line, from the `request` span it was written in.
fn request_id_of(line: &serde_json::Value) -> Option<String> {
    line["spans"]
        .as_array()?
        .iter()
        .find(|span| span["name"] == "request")
        .and_then(|span| span["id"].as_str())
        .map(str::to_owned)
}

fn signed_in_client(address: &str, username: &str) -> reqwest::blocking::Client {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let page = client
        .get(format!("{address}/signin"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let csrf = hidden_value(&page, "csrf").unwrap();
    let response = client
        .post(format!("{address}/signin"))
        .header("origin", address)
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("next", "/"),
            ("csrf", &csrf),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 303, "{username} signs in");
    client
}

/// Sends one request with the next id of `thread`, records how it ended, and returns the
/// answer (status, location, body) if there was one.
fn send_logged(
    log: &mut Vec<(String, Outcome)>,
    thread: usize,
    sent: &AtomicUsize,
    request: reqwest::blocking::RequestBuilder,
) -> Option<(u16, String, String)> {
    let id = format!("load-{thread}-{}", log.len());
    let outcome = send(request, &id);
    sent.fetch_add(1, Ordering::Relaxed);
    let answer = match &outcome {
        Outcome::Answered(status, location, body) => {
            Some((*status, location.clone(), body.clone()))
        }
        _ => None,
    };
    log.push((id, outcome));
    answer
}

/// One candidate studying in a loop: the next card, its page, a failing grade (so the queue
/// never runs dry), until a request is not answered. Returns every request's id and how it
/// ended.
fn study_until_refused(
    address: &str,
    client: &reqwest::blocking::Client,
    thread: usize,
    sent: &AtomicUsize,
) -> Vec<(String, Outcome)> {
    let mut log = Vec::new();
    while log.len() < MOST_REQUESTS {
        let next = client.get(format!("{address}/study/next"));
        let Some((_, card, _)) = send_logged(&mut log, thread, sent, next) else {
            break;
        };
        if !card.starts_with("/study/q/") {
            continue;
        }
        let page = client.get(format!("{address}{card}"));
        let Some((_, _, page)) = send_logged(&mut log, thread, sent, page) else {
            break;
        };
        let field = |name| hidden_value(&page, name).unwrap_or_default();
        let form = [
            ("csrf", field("csrf")),
            ("version", field("version")),
            ("started", field("started")),
            ("submission", field("submission")),
            ("grade", "1".to_owned()),
        ];
        let grade = client
            .post(format!("{address}{card}/grade"))
            .header("origin", address)
            .form(&form);
        if send_logged(&mut log, thread, sent, grade).is_none() {
            break;
        }
    }
    log
}

#[test]
fn sigterm_under_load_answers_every_request_begun_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("rehearse.db");
    let database = database.to_str().unwrap();
    let bank = generated_bank(40, 0);
    let users: Vec<String> = (0..LOAD_THREADS).map(|n| format!("load{n}")).collect();
    for user in &users {
        let added = rehearse_with_input(Some(database), &["user", "add", user], PASSWORD);
        assert_eq!(added.code, 0, "{added:?}");
    }

    let mut server = Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .current_dir(repo_root())
        .env_remove("DATABASE_URL")
        // The access log's "received" line (debug) tells which requests the server began.
        .env("RUST_LOG", "rehearse=info,rehearse::access=debug,warn")
        .args(["--database", database, "--log-format", "json", "serve"])
        .args(["--bind", "127.0.0.1:0", "--questions"])
        .arg(bank.path())
        .args(["--trusted-proxies", "127.0.0.1", "--shutdown-timeout", "10"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut logs = Logs::read_from(&mut server);
    let running = logs
        .wait_for("Rehearse is running on")
        .expect("the server starts");
    let message = json(&running)["fields"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = message
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|host| format!("http://{host}"))
        .unwrap();
    let clients: Vec<_> = users
        .iter()
        .map(|user| signed_in_client(&address, user))
        .collect();

    let sent = AtomicUsize::new(0);
    let signalled = AtomicBool::new(false);
    let results: Vec<Vec<(String, Outcome)>> = std::thread::scope(|scope| {
        let load: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(n, client)| {
                scope.spawn({
                    let (address, sent) = (&address, &sent);
                    move || study_until_refused(address, client, n, sent)
                })
            })
            .collect();
        while sent.load(Ordering::Relaxed) < LOAD_THREADS * WARM_UP
            && !load.iter().all(|t| t.is_finished())
        {
            std::thread::yield_now();
        }
        let pid = i32::try_from(server.id()).unwrap();
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        signalled.store(true, Ordering::Relaxed);
        load.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(signalled.load(Ordering::Relaxed));
    let status = server.wait().unwrap();
    let lines = logs.rest();
    assert_eq!(
        status.code(),
        Some(0),
        "exit status; logs:\n{}",
        lines.join("\n")
    );

    // Every log line is JSON; the server's requests are known by their ids.
    let mut received = HashSet::new();
    let mut answered = HashMap::new();
    for line in &lines {
        let entry = json(line);
        let Some(id) = request_id_of(&entry) else {
            continue;
        };
        match entry["fields"]["message"].as_str() {
            Some("received") => {
                received.insert(id);
            }
            Some("answered") => {
                answered.insert(id, entry["fields"]["status"].as_u64().unwrap());
            }
            _ => {}
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("SIGTERM")),
        "the signal is logged:\n{}",
        lines.join("\n")
    );

    let mut answers = 0;
    for (id, outcome) in results.iter().flatten() {
        match outcome {
            Outcome::Answered(status, _, _) => {
                answers += 1;
                assert!(*status < 500, "{id} answered {status}");
                // The access log line has the same id and status.
                assert_eq!(answered.get(id), Some(&u64::from(*status)), "{id}");
            }
            Outcome::Refused => {}
            // A connection the server never took up (still in the listen queue when it
            // closed) can break, but no request the server began may.
            Outcome::Broken(error) => {
                assert!(!received.contains(id), "{id} was begun but broke: {error}");
            }
        }
    }
    assert!(
        answers >= LOAD_THREADS * WARM_UP,
        "the load ran: {answers} answers"
    );
    // After the signal the listener closes, so every thread's load ends refused.
    for thread in &results {
        assert!(
            matches!(
                thread.last(),
                Some((_, Outcome::Refused | Outcome::Broken(_)))
            ),
            "a load thread ended without being refused: {:?}",
            thread.last()
        );
    }
}
