//! HTTP glue: building the app, errors, sessions, static files and health checks.

pub mod auth;
pub mod client;
pub mod error;
pub mod form;
pub mod headers;
pub mod health;
pub mod layout;
pub mod metrics;
pub mod observe;
pub mod statics;

pub use crate::state::{AppState, Clock, SystemClock};

use crate::bank::{import, load};
use crate::config::ServeArgs;
use crate::db::{self, DatabaseUrl, Db};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use chrono::Utc;
use std::net::TcpListener;
use std::sync::Arc;

/// POST-redirect-GET: a 303 to `target`, the one way handlers redirect.
pub fn see_other(target: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, target.to_owned()))
        .finish()
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the shipped questions in {path} have problems:\n{problems}")]
    ShippedBank { path: String, problems: String },
    #[error(transparent)]
    Import(#[from] import::ImportError),
    #[error("the server stopped with an error: {0}")]
    Server(#[from] std::io::Error),
}

/// A started application: tests read its port and database; `serve` awaits it.
pub struct Application {
    pub port: u16,
    /// The port of the metrics listener, when `--metrics-bind` is set.
    pub metrics_port: Option<u16>,
    pub state: AppState,
    server: Server,
    /// The metrics listener, already running on its own task (a `Server` only serves while
    /// polled).
    metrics_server: Option<(
        actix_web::dev::ServerHandle,
        actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    )>,
}

impl Application {
    /// Opens and migrates the database, imports the shipped bank into an empty one, and binds.
    pub async fn build(
        url: DatabaseUrl,
        args: ServeArgs,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, StartError> {
        let pool_size = args.pool_size.unwrap_or_else(db::default_read_connections);
        let questions_dir = args.questions.clone();
        let db = web::block(move || prepare_database(&url, pool_size, &questions_dir))
            .await
            .map_err(|e| StartError::Server(std::io::Error::other(e.to_string())))??;
        let listener = TcpListener::bind(args.bind).map_err(|source| StartError::Bind {
            addr: args.bind.to_string(),
            source,
        })?;
        let port = listener.local_addr()?.port();
        let metrics_listener = args
            .metrics_bind
            .map(|addr| {
                TcpListener::bind(addr).map_err(|source| StartError::Bind {
                    addr: addr.to_string(),
                    source,
                })
            })
            .transpose()?;
        let state = AppState {
            db,
            clock,
            secure_cookies: args.secure_cookies,
            bank: Arc::default(),
            study: Arc::default(),
            progress: Arc::default(),
            trusted_proxies: args.trusted_proxies.clone().unwrap_or_default(),
            password_work: crate::accounts::password::PasswordWork::for_this_machine(),
            metrics: if metrics_listener.is_some() {
                metrics::Metrics::recording()
            } else {
                metrics::Metrics::default()
            },
            stopping: Arc::default(),
        };
        let metrics_port = match &metrics_listener {
            Some(listener) => Some(listener.local_addr()?.port()),
            None => None,
        };
        let server = run(listener, state.clone(), args.shutdown_timeout)?;
        let metrics_server = metrics_listener
            .map(|listener| metrics::run(listener, state.clone()))
            .transpose()?
            .map(|server| (server.handle(), actix_web::rt::spawn(server)));
        Ok(Application {
            port,
            metrics_port,
            state,
            server,
            metrics_server,
        })
    }

    /// Stops the server from elsewhere (tests end their server, and its connections, this way).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through [`Self::handle`] (or, from `serve`, by SIGTERM or Ctrl-C);
    /// the metrics listener stops with it.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        let served = self.server.await;
        if let Some((handle, task)) = self.metrics_server {
            handle.stop(true).await;
            if let Ok(stopped) = task.await {
                stopped?;
            }
        }
        Ok(served?)
    }

    /// On SIGTERM or Ctrl-C: stop accepting, let requests in flight finish (their responses
    /// close their connections) within the shutdown timeout, then let the server future end.
    fn stop_on_signal(&self) {
        let handle = self.handle();
        let stopping = Arc::clone(&self.state.stopping);
        let signalled = shutdown_signal();
        actix_web::rt::spawn(async move {
            let signal = signalled.await;
            tracing::info!(signal, "stopping: finishing the requests in flight");
            stopping.store(true, std::sync::atomic::Ordering::Relaxed);
            handle.stop(true).await;
            tracing::info!("stopped");
        });
    }
}

fn prepare_database(
    url: &DatabaseUrl,
    pool_size: u32,
    questions_dir: &std::path::Path,
) -> Result<Db, StartError> {
    let db = Db::open(url, pool_size)?;
    let mut conn = db.writer()?;
    let applied = db::migrate::run_pending(&mut conn)?;
    tracing::info!(database = %url.redacted(), applied, "database ready");
    let empty = {
        use crate::db::schema::questions;
        use diesel::prelude::*;
        questions::table
            .count()
            .get_result::<i64>(&mut *conn)
            .map_err(db::DbError::from)?
            == 0
    };
    if empty {
        if questions_dir.is_dir() {
            let (files, problems) = load::load_paths(&[questions_dir.to_path_buf()]);
            if !problems.is_empty() {
                return Err(shipped_problems(questions_dir, &problems));
            }
            let actor = import::Actor {
                name: "startup".into(),
                source: "cli",
            };
            match import::import(
                &mut conn,
                &files,
                &actor,
                Utc::now().naive_utc(),
                &|_, _| {},
            ) {
                Ok(report) => tracing::info!(
                    summary = %report.plan.counts,
                    "imported the shipped questions into the empty database"
                ),
                Err(import::ImportError::Invalid(problems)) => {
                    return Err(shipped_problems(questions_dir, &problems));
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            tracing::warn!(
                folder = %questions_dir.display(),
                "the database holds no questions and the questions folder is missing"
            );
        }
    }
    drop(conn);
    Ok(db)
}

fn shipped_problems(
    path: &std::path::Path,
    problems: &[crate::bank::validate::Problem],
) -> StartError {
    StartError::ShippedBank {
        path: path.display().to_string(),
        problems: problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Waits for SIGTERM or Ctrl-C (SIGINT) and names it. Both stop gracefully: actix's own
/// handling would drop requests in flight on Ctrl-C. The handlers are installed when this is
/// called, not when the future is first polled, so a signal right after start is not missed.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (term, interrupt) {
            (Ok(mut term), Ok(mut interrupt)) => {
                let term = Box::pin(term.recv());
                let interrupt = Box::pin(interrupt.recv());
                match futures_util::future::select(term, interrupt).await {
                    futures_util::future::Either::Left(_) => "SIGTERM",
                    futures_util::future::Either::Right(_) => "SIGINT",
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot watch for signals; SIGTERM and Ctrl-C will stop the process at once");
                std::future::pending().await
            }
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    async {
        let _ = actix_web::rt::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Builds the HTTP server on a bound listener (port 0 works, for tests). It does not watch for
/// signals itself; `serve` does (see [`Application::stop_on_signal`]).
pub fn run(
    listener: TcpListener,
    state: AppState,
    shutdown_timeout: u64,
) -> Result<Server, std::io::Error> {
    let https = state.secure_cookies;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(form::config())
            .app_data(error::query_config())
            .app_data(error::path_config())
            .wrap(headers::security_headers(https))
            .wrap(actix_web::middleware::from_fn(observe::observe))
            .wrap(actix_web::middleware::NormalizePath::trim())
            .configure(routes)
            .default_service(web::to(error::not_found))
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .run();
    Ok(server)
}

/// Every route of the application, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(health::routes)
        .configure(statics::routes)
        .configure(crate::bank::routes::routes)
        .configure(crate::bank::routes::browse_routes)
        .configure(crate::accounts::routes::routes)
        .configure(crate::accounts::settings_routes::routes)
        .configure(crate::accounts::reset_routes::routes)
        .configure(crate::practice::routes::routes)
        .configure(crate::interview::routes::routes)
        .configure(crate::progress::routes::routes)
        .service(crate::admin::scope());
}

/// `rehearse serve`: serves until SIGTERM or Ctrl-C.
pub async fn serve(url: DatabaseUrl, args: ServeArgs) -> Result<(), StartError> {
    let bind = args.bind;
    let metrics_bind = args.metrics_bind;
    let app = Application::build(url, args, Arc::new(SystemClock)).await?;
    app.stop_on_signal();
    tracing::info!(
        "Rehearse is running on http://{}:{}/ (Ctrl-C to stop)",
        bind.ip(),
        app.port
    );
    if let (Some(addr), Some(port)) = (metrics_bind, app.metrics_port) {
        tracing::info!("metrics at http://{}:{port}/metrics", addr.ip());
    }
    app.run_until_stopped().await
}
