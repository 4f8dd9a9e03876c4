//! HTTP glue: building the app, shared state, errors, static files and health checks.

pub mod auth;
pub mod client;
pub mod error;
pub mod form;
pub mod headers;
pub mod health;
pub mod layout;
pub mod statics;

use crate::bank::{import, load};
use crate::config::ServeArgs;
use crate::db::{self, DatabaseUrl, Db, DbConnection};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use chrono::{DateTime, Utc};
use error::AppError;
use std::net::TcpListener;
use std::sync::Arc;

/// POST-redirect-GET: a 303 to `target`, the one way handlers redirect.
pub fn see_other(target: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, target.to_owned()))
        .finish()
}

/// Where "now" comes from: the system clock in production, a settable one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// The questions in memory, refreshed after each import.
    pub bank: Arc<crate::bank::cache::BankCache>,
    /// Each user's study state in memory (see `practice::state`).
    pub study: Arc<crate::practice::state::StudyCache>,
    /// Proxies whose forwarded headers are believed (see [`client`]).
    pub trusted_proxies: client::TrustedProxies,
    /// Bounds the argon2 hashes and checks running at once.
    pub password_work: crate::accounts::password::PasswordWork,
}

impl AppState {
    /// The bank at `generation` (from the session lookup): from memory when this instance
    /// holds it, else loaded.
    pub async fn bank_at(
        &self,
        generation: i64,
    ) -> Result<Arc<crate::bank::cache::BankSnapshot>, AppError> {
        if let Some(held) = self.bank.held(generation) {
            return Ok(held);
        }
        let cache = Arc::clone(&self.bank);
        self.read(move |conn| Ok(cache.snapshot(conn)?)).await
    }

    /// Runs a read query on a blocking thread, keeping the request's tracing span. A query
    /// that finds its connection lost runs once more on a fresh one.
    pub async fn read<T, F>(&self, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.on_blocking_thread(Retry::Read, query).await
    }

    /// [`Self::read`] for the small key lookup every request makes (the session): on SQLite,
    /// when a reader is free, it runs right here on the async worker, since the lookup takes a
    /// few microseconds, less than handing it to a blocking thread and back (WAL readers never
    /// wait for the writer). Otherwise, and always on PostgreSQL, where a query waits on the
    /// network, it runs on a blocking thread like any read.
    pub async fn read_key<T, F>(&self, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        if let Some(mut conn) = self.db.idle_sqlite_reader() {
            return query(&mut conn);
        }
        self.read(query).await
    }

    /// Runs a write on the writer connection (the only one on SQLite), on a blocking thread.
    /// When the connection is found lost, the write runs once more on a fresh one, unless it
    /// was lost during COMMIT (the write may have been applied; see [`Self::write_idempotent`]).
    pub async fn write<T, F>(&self, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.on_blocking_thread(Retry::WriteUnlessCommitInDoubt, query)
            .await
    }

    /// [`Self::write`] for a write that is safe to apply twice (a grade carries its form's
    /// submission id, so a second run finds the first): it runs again whenever the
    /// connection was lost, even during COMMIT.
    pub async fn write_idempotent<T, F>(&self, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.on_blocking_thread(Retry::IdempotentWrite, query).await
    }

    async fn on_blocking_thread<T, F>(&self, retry: Retry, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.db.clone();
        let span = tracing::Span::current();
        web::block(move || -> Result<T, AppError> {
            let _entered = span.enter();
            let checkout = || match retry {
                Retry::Read => db.reader(),
                _ => db.writer(),
            };
            db::take_commit_in_doubt();
            let mut conn = checkout()?;
            match query(&mut conn) {
                Err(AppError::Db(db::DbError::Query(e))) if db::is_connection_lost(&e) => {
                    db.connection_lost(&mut conn);
                    drop(conn);
                    if retry == Retry::WriteUnlessCommitInDoubt && db::take_commit_in_doubt() {
                        return Err(AppError::Db(db::DbError::Query(e)));
                    }
                    tracing::warn!(error = %e, "database connection lost; running the query again");
                    let mut fresh = checkout()?;
                    query(&mut fresh)
                }
                other => other,
            }
        })
        .await?
    }
}

/// When a query whose connection was lost may run again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    Read,
    WriteUnlessCommitInDoubt,
    IdempotentWrite,
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
    pub state: AppState,
    server: Server,
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
        let state = AppState {
            db,
            clock,
            secure_cookies: args.secure_cookies,
            bank: Arc::default(),
            study: Arc::default(),
            trusted_proxies: args.trusted_proxies.clone().unwrap_or_default(),
            password_work: crate::accounts::password::PasswordWork::for_this_machine(),
        };
        let server = run(listener, state.clone())?;
        Ok(Application {
            port,
            state,
            server,
        })
    }

    /// Stops the server from elsewhere (tests end their server, and its connections, this way).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests and stops.
    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        Ok(self.server.await?)
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

/// Builds the HTTP server on a bound listener (port 0 works, for tests).
pub fn run(listener: TcpListener, state: AppState) -> Result<Server, std::io::Error> {
    let https = state.secure_cookies;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(form::config())
            .app_data(error::query_config())
            .app_data(error::path_config())
            .wrap(headers::security_headers(https))
            .wrap(actix_web::middleware::Logger::new("%r %s %Dms"))
            .wrap(actix_web::middleware::NormalizePath::trim())
            .configure(routes)
            .default_service(web::to(error::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
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
        .configure(crate::practice::routes::routes)
        .configure(crate::interview::routes::routes)
        .service(crate::admin::scope());
}

/// `rehearse serve`.
pub async fn serve(url: DatabaseUrl, args: ServeArgs) -> Result<(), StartError> {
    let bind = args.bind;
    let app = Application::build(url, args, Arc::new(SystemClock)).await?;
    tracing::info!(
        "Rehearse is running on http://{}:{}/ (Ctrl-C to stop)",
        bind.ip(),
        app.port
    );
    app.run_until_stopped().await
}
