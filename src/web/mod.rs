//! HTTP glue: building the app, errors, sessions, static files and health checks.

pub mod auth;
pub mod client;
pub mod error;
pub mod form;
pub mod headers;
pub mod health;
pub mod layout;
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
            progress: Arc::default(),
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
        .configure(crate::accounts::reset_routes::routes)
        .configure(crate::practice::routes::routes)
        .configure(crate::interview::routes::routes)
        .configure(crate::progress::routes::routes)
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
