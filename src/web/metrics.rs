//! Prometheus metrics (`--metrics-bind`): what is counted, and the `/metrics` listener.
//!
//! Each application keeps its own recorder (not the process-wide one), so two apps in one
//! process — the tests — count apart. Without `--metrics-bind` nothing is recorded: every
//! method here returns after one `Option` check.

use crate::state::AppState;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, HttpServer, get, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

const REQUESTS: &str = "rehearse_http_requests_total";
const LATENCY: &str = "rehearse_http_request_duration_seconds";
const GRADES: &str = "rehearse_grades_total";
const IMPORTS: &str = "rehearse_imports_total";
const POOL_IN_USE: &str = "rehearse_db_pool_connections_in_use";
const POOL_IDLE: &str = "rehearse_db_pool_connections_idle";
const BANK_QUESTIONS: &str = "rehearse_bank_questions";
const BANK_GENERATION: &str = "rehearse_bank_generation";

/// Latency buckets in seconds: the hot pages answer in about a millisecond, an import in
/// seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often recorded latencies are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// This application's metrics, or none (the default).
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<PrometheusRecorder>>);

impl Metrics {
    /// Metrics that record, with their descriptions (the `# HELP` lines).
    pub fn recording() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(LATENCY.to_owned()),
                LATENCY_BUCKETS,
            )
            // Only a bad bucket list fails, and ours is fixed; fall back to summaries then.
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        metrics::with_local_recorder(&recorder, || {
            metrics::describe_counter!(
                REQUESTS,
                "HTTP requests answered, by method, route pattern and status"
            );
            metrics::describe_histogram!(
                LATENCY,
                metrics::Unit::Seconds,
                "Time to answer an HTTP request, by method and route pattern"
            );
            metrics::describe_counter!(GRADES, "Grades recorded in study");
            metrics::describe_counter!(IMPORTS, "Question imports applied from the admin pages");
            metrics::describe_gauge!(POOL_IN_USE, "Database connections checked out, by pool");
            metrics::describe_gauge!(POOL_IDLE, "Database connections open and idle, by pool");
            metrics::describe_gauge!(BANK_QUESTIONS, "Active questions in the bank");
            metrics::describe_gauge!(
                BANK_GENERATION,
                "The bank's generation (counts imports and bank changes)"
            );
        });
        Metrics(Some(Arc::new(recorder)))
    }

    pub fn is_recording(&self) -> bool {
        self.0.is_some()
    }

    fn with(&self, record: impl FnOnce()) {
        if let Some(recorder) = &self.0 {
            metrics::with_local_recorder(recorder.as_ref(), record);
        }
    }

    /// One answered request; `route` is the matched pattern (`/study/q/{set}/{id}`), so the
    /// series stay few whatever the paths.
    pub fn request(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        self.with(|| {
            let method = method_label(method);
            let route = route.to_owned();
            metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status_label(status))
                .increment(1);
            metrics::histogram!(LATENCY, "method" => method, "route" => route)
                .record(elapsed.as_secs_f64());
        });
    }

    /// A grade was recorded.
    pub fn grade(&self) {
        self.with(|| metrics::counter!(GRADES).increment(1));
    }

    /// An import was applied.
    pub fn import(&self) {
        self.with(|| metrics::counter!(IMPORTS).increment(1));
    }

    fn handle(&self) -> Option<PrometheusHandle> {
        self.0.as_ref().map(|recorder| recorder.handle())
    }
}

/// Methods as static labels (no allocation); anything unusual is "other".
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Statuses as static labels: the codes Rehearse answers with are listed so their labels need
/// no allocation; the rest are grouped by class.
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        204 => "204",
        301 => "301",
        302 => "302",
        303 => "303",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        _ if status.is_client_error() => "4xx",
        _ if status.is_server_error() => "5xx",
        _ => "other",
    }
}

/// `GET /metrics`: the gauges read now, then everything in Prometheus' text format.
#[get("/metrics")]
async fn metrics_page(state: web::Data<AppState>) -> HttpResponse {
    let Some(handle) = state.metrics.handle() else {
        return HttpResponse::NotFound().finish();
    };
    let pools = state.db.pool_states();
    let cache = Arc::clone(&state.bank);
    let bank = state
        .read(move |conn| Ok(cache.snapshot(conn)?))
        .await
        .map(|bank| (bank.questions.len(), bank.generation));
    state.metrics.with(|| {
        for (pool, in_use, idle) in pools {
            metrics::gauge!(POOL_IN_USE, "pool" => pool).set(f64::from(in_use));
            metrics::gauge!(POOL_IDLE, "pool" => pool).set(f64::from(idle));
        }
        match bank {
            Ok((questions, generation)) => {
                metrics::gauge!(BANK_QUESTIONS).set(questions as f64);
                metrics::gauge!(BANK_GENERATION).set(generation as f64);
            }
            Err(e) => tracing::warn!(error = %e, "metrics: could not read the bank"),
        }
    });
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// The metrics listener: `/metrics` only, one worker, on its own address so it can stay
/// private while the application is public.
pub fn run(
    listener: TcpListener,
    state: AppState,
) -> Result<actix_web::dev::Server, std::io::Error> {
    if let Some(handle) = state.metrics.handle() {
        spawn_upkeep(handle, state.db.liveness());
    }
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .service(metrics_page)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

/// Folds recorded latencies into their buckets every few seconds, so memory stays bounded
/// between scrapes, until the application's database is gone.
fn spawn_upkeep(handle: PrometheusHandle, alive: std::sync::Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the metrics upkeep thread");
    }
}
