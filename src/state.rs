//! What every request shares ([`AppState`]: the database, the clock, the bank and study
//! caches) and the helpers that run queries on it. It sits below the features, which import
//! it, and below `web`, which builds the app from them.

use crate::db::{self, Db, DbConnection};
use crate::web::client;
use crate::web::error::AppError;
use actix_web::web;
use chrono::{DateTime, Utc};
use std::sync::Arc;

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
    /// Each user's progress data in memory (see `progress::cache`).
    pub progress: Arc<crate::progress::cache::ProgressCache>,
    /// Proxies whose forwarded headers are believed (see [`client`]).
    pub trusted_proxies: client::TrustedProxies,
    /// Bounds the argon2 hashes and checks running at once.
    pub password_work: crate::accounts::password::PasswordWork,
    /// Prometheus metrics, when `--metrics-bind` is set (see `web::metrics`).
    pub metrics: crate::web::metrics::Metrics,
    /// Set once shutdown has begun: responses then close their connections.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
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

    /// [`Self::read`] for the small key lookup every request makes (the session): when the
    /// database is on this machine and a reader is free, it runs right here on the async worker,
    /// since the lookup takes less time than handing it to a blocking thread and back (two
    /// thread wake-ups). On SQLite it takes a few microseconds (WAL readers never wait for the
    /// writer); on a local PostgreSQL it is one round trip of a prepared statement, during which
    /// the worker's core is free for the database. A PostgreSQL across a network never runs on
    /// the worker: a connection that went quiet could stall it, and every request it holds, for
    /// minutes. When every reader is busy, or the connection turns out lost, it runs on a
    /// blocking thread like any read (which checks out a fresh connection and retries).
    pub async fn read_key<T, F>(&self, query: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        if let Some(mut conn) = self.db.idle_reader() {
            match query(&mut conn) {
                Err(AppError::Db(db::DbError::Query(e))) if db::is_connection_lost(&e) => {
                    self.db.connection_lost(&mut conn);
                    tracing::warn!(error = %e, "database connection lost; running the query again");
                }
                other => return other,
            }
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

    /// Runs CPU-heavy work that needs no database (rendering an import's Markdown) on a
    /// blocking thread, keeping the request's tracing span.
    pub async fn compute<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let span = tracing::Span::current();
        Ok(web::block(move || {
            let _entered = span.enter();
            work()
        })
        .await?)
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
