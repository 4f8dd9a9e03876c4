//! `/metrics` on its own listener: requests by route pattern and status, latency histograms,
//! grades, the database pools and the bank.

use crate::helpers::{TestApp, TestDb, db_tests, generated_bank, spawn_app_with_args};
use crate::practice::grade;

const PASSWORD: &str = "correct horse battery";

fn app_with_metrics(test_db: TestDb, bank: &tempfile::TempDir) -> TestApp {
    spawn_app_with_args(
        test_db,
        bank.path(),
        std::sync::Arc::new(rehearse::web::SystemClock),
        |args| args.metrics_bind = Some("127.0.0.1:0".parse().unwrap()),
    )
}

fn scrape(app: &TestApp) -> String {
    let address = app.metrics_address.as_deref().expect("a metrics listener");
    let response = reqwest::blocking::get(format!("{address}/metrics")).unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        crate::helpers::header(&response, "content-type").starts_with("text/plain"),
        "Prometheus' text format"
    );
    response.text().unwrap()
}

/// The value of the series `name` whose labels include every one of `labels`, or `None`.
fn value(page: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| series_labels.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, value)| value.parse().unwrap())
}

fn requests(page: &str, route: &str, status: &str) -> f64 {
    value(
        page,
        "rehearse_http_requests_total",
        &[("route", route), ("status", status)],
    )
    .unwrap_or(0.0)
}

fn metrics_count_requests_by_route_pattern_grades_pools_and_the_bank(test_db: TestDb) {
    let bank = generated_bank(5, 2);
    let app = app_with_metrics(test_db, &bank);
    assert_eq!(app.sign_up("ada", PASSWORD).status(), 303);

    let before = scrape(&app);
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").status(), 200);
    }
    assert_eq!(app.get("/no/such/page").status(), 404);
    let after = scrape(&app);
    assert_eq!(
        requests(&after, "/healthz", "200") - requests(&before, "/healthz", "200"),
        3.0
    );
    assert_eq!(
        value(
            &after,
            "rehearse_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/healthz")]
        ),
        Some(requests(&after, "/healthz", "200")),
        "one latency sample per request"
    );
    assert!(
        after.contains("rehearse_http_request_duration_seconds_bucket{"),
        "latencies are a histogram: {after}"
    );
    // Unknown paths share one series instead of making one each.
    assert_eq!(requests(&after, "unmatched", "404"), 1.0);
    assert!(!after.contains("/no/such/page"));

    // Questions are counted by their route pattern, not their path; grades are counted.
    let grades = |page: &str| value(page, "rehearse_grades_total", &[]).unwrap_or(0.0);
    let graded_before = grades(&after);
    grade(&app, "alpha/q01", 4);
    grade(&app, "alpha/q02", 1);
    let graded = scrape(&app);
    assert_eq!(grades(&graded) - graded_before, 2.0);
    assert!(!graded.contains("route=\"/study/q/alpha/q01\""), "{graded}");
    let card_views = value(
        &graded,
        "rehearse_http_requests_total",
        &[
            ("method", "GET"),
            ("route", "/study/q/{set}/{id}"),
            ("status", "200"),
        ],
    );
    assert_eq!(card_views, Some(2.0), "{graded}");

    // The pools and the bank are read at each scrape.
    assert!(
        value(
            &graded,
            "rehearse_db_pool_connections_idle",
            &[("pool", "read")]
        )
        .is_some(),
        "{graded}"
    );
    assert!(
        value(
            &graded,
            "rehearse_db_pool_connections_in_use",
            &[("pool", "read")]
        )
        .is_some()
    );
    assert_eq!(value(&graded, "rehearse_bank_questions", &[]), Some(7.0));
    assert!(value(&graded, "rehearse_bank_generation", &[]).unwrap() >= 1.0);

    // The application's own port does not serve them.
    assert_eq!(app.get("/metrics").status(), 404);
}

fn without_the_flag_there_is_no_metrics_listener(test_db: TestDb) {
    let bank = generated_bank(1, 0);
    let app = crate::helpers::spawn_app(test_db, bank.path());
    assert!(app.metrics_address.is_none());
    assert_eq!(app.get("/metrics").status(), 404);
}

db_tests!(
    metrics_count_requests_by_route_pattern_grades_pools_and_the_bank,
    without_the_flag_there_is_no_metrics_listener,
);
