//! A load script for the two hot paths: the question page and the grade POST.
//!
//! Start a server (`cargo run --release -- serve`), then:
//!
//! ```sh
//! cargo run --release --example load -- http://127.0.0.1:8080 8 20
//! ```
//!
//! (base URL, concurrent users, seconds). Each user signs up, then loops: follow
//! `/study/next`, load the question page, grade it. Prints throughput and latency percentiles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

struct Timings {
    page: Vec<Duration>,
    grade: Vec<Duration>,
}

fn run_user(base: &str, index: usize, until: Instant) -> Timings {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let signup = client
        .get(format!("{base}/signup"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let name = format!("load{}{}", index, std::process::id());
    let response = client
        .post(format!("{base}/signup"))
        .header("origin", base)
        .form(&[
            ("username", name.as_str()),
            ("password", "load-test-password"),
            ("csrf", hidden(&signup, "csrf").as_str()),
            ("next", "/study"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 303, "sign-up failed");
    // Lift the daily limits so the run measures studying, not the end of the day.
    let settings = client
        .get(format!("{base}/settings"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let mut fields = vec![
        ("csrf".to_owned(), hidden(&settings, "csrf")),
        ("new_per_day".to_owned(), "500".to_owned()),
        ("max_reviews_per_day".to_owned(), "9999".to_owned()),
        ("timezone".to_owned(), "UTC".to_owned()),
        ("rollover_hour".to_owned(), "4".to_owned()),
        ("new_order".to_owned(), "shuffled".to_owned()),
    ];
    for part in settings.split("name=\"set:").skip(1) {
        let slug = part.split('"').next().unwrap();
        fields.push((format!("set:{slug}"), "on".to_owned()));
    }
    let response = client
        .post(format!("{base}/settings"))
        .header("origin", base)
        .form(&fields)
        .send()
        .unwrap();
    assert_eq!(response.status(), 303, "saving settings failed");
    let mut timings = Timings {
        page: Vec::new(),
        grade: Vec::new(),
    };
    let mut grade = 0u8;
    while Instant::now() < until {
        let next = client.get(format!("{base}/study/next")).send().unwrap();
        let target = next.headers()["location"].to_str().unwrap().to_owned();
        if !target.starts_with("/study/q/") {
            break;
        }
        let started = Instant::now();
        let page = client.get(format!("{base}{target}")).send().unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().unwrap();
        timings.page.push(started.elapsed());
        grade = (grade + 1) % 6;
        let fields = [
            ("csrf", hidden(&page, "csrf")),
            ("version", hidden(&page, "version")),
            ("started", hidden(&page, "started")),
            ("submission", hidden(&page, "submission")),
            ("grade", grade.to_string()),
        ];
        let started = Instant::now();
        let response = client
            .post(format!("{base}{target}/grade"))
            .header("origin", base)
            .form(&fields)
            .send()
            .unwrap();
        assert_eq!(response.status(), 303, "grade failed");
        timings.grade.push(started.elapsed());
    }
    timings
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn report(what: &str, mut samples: Vec<Duration>, seconds: f64) {
    samples.sort();
    println!(
        "{what:<14} {:>7} requests  {:>8.1}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
        samples.len(),
        samples.len() as f64 / seconds,
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let users: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let seconds: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(20);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..users)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || run_user(&base, i, until))
        })
        .collect();
    let mut page = Vec::new();
    let mut grade = Vec::new();
    for handle in handles {
        let timings = handle.join().unwrap();
        page.extend(timings.page);
        grade.extend(timings.grade);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("{users} users for {elapsed:.1} s against {base}");
    report("question page", page, elapsed);
    report("grade POST", grade, elapsed);
}
