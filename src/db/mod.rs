//! Storage: one code path over SQLite (the embedded default) and PostgreSQL.
//!
//! [`DbConnection`] is diesel's `MultiConnection` over both backends. [`Db`] holds a pool for
//! reads and a writer pool: on SQLite the writer pool has exactly one connection, so writes
//! queue in our process instead of spinning in `busy_timeout`; on PostgreSQL both are the same
//! pool.

pub mod backup;
pub mod migrate;
pub mod schema;

pub use backup::backup_sqlite;

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path (`sqlite://` prefix removed).
    Sqlite(String),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; anything else is an SQLite file.
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            DatabaseUrl::Sqlite(path.to_owned())
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// Whether the database is on this machine: an SQLite file, or PostgreSQL over a Unix
    /// socket or a loopback address. A query to it cannot hang on a network that went quiet,
    /// so a quick one may run on an async worker (see `AppState::read_key`).
    pub fn is_on_this_machine(&self) -> bool {
        let url = match self {
            DatabaseUrl::Sqlite(_) => return true,
            DatabaseUrl::Postgres(url) => url,
        };
        let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
        let (authority, query) = after_scheme
            .split_once('?')
            .map_or((after_scheme, ""), |(a, q)| (a, q));
        // `?host=/run/postgresql` names a socket folder whatever the authority says.
        if let Some(host) = query.split('&').find_map(|pair| pair.strip_prefix("host=")) {
            return host.starts_with('/') || host.starts_with("%2F") || host.starts_with("%2f");
        }
        let authority = authority.split('/').next().unwrap_or("");
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host_port.split(':').next().unwrap_or(""),
        };
        host.is_empty()
            || host.starts_with("%2F")
            || host.starts_with("%2f")
            || host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The URL without any password, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite file {path}"),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let scheme = url.get(..scheme_end + 3).unwrap_or("postgres://");
                    let host = url.get(at + 1..).unwrap_or("");
                    format!("{scheme}…@{host}")
                }
                _ => url.clone(),
            },
        }
    }
}

/// Settings every SQLite connection gets: WAL so readers never block the writer, NORMAL sync
/// (safe with WAL), enforced foreign keys, a busy timeout for other processes (a CLI import
/// while the server runs), and the file memory-mapped so reads need no system call each.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA mmap_size = 268435456;";

/// For the server's pooled connections: no commit copies the WAL back into the database file
/// itself (a checkpoint, with an fsync, that would stall that commit and every write queued
/// behind it); a background thread does it instead (see [`spawn_checkpointer`]).
const SQLITE_POOLED_PRAGMAS: &str = "PRAGMA wal_autocheckpoint = 0;";

/// How often the background thread checkpoints the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Opens one connection with the per-connection settings applied.
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, ConnectionError> {
    match url {
        DatabaseUrl::Postgres(u) => Ok(DbConnection::Pg(PgConnection::establish(u)?)),
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(path)?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// A pooled connection, with what the pool needs to know about its health.
pub struct Conn {
    conn: DbConnection,
    /// The pool's suspicion epoch when this connection was last known to work.
    checked_epoch: u64,
    /// Set when a query found the connection lost; the pool then discards it.
    broken: bool,
}

impl Deref for Conn {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// r2d2 glue that opens connections with [`connect`].
///
/// Connections are not tested on every checkout (a `SELECT 1` per request is a round trip on
/// PostgreSQL). Instead, when a query finds its connection lost (the database restarted), the
/// caller marks it broken and raises the pool's suspicion epoch: every connection checked out
/// after that is tested once before use, so the dead ones left from before the restart are
/// dropped and the rest are trusted again.
#[derive(Clone, Debug)]
pub struct Manager {
    url: DatabaseUrl,
    epoch: Arc<AtomicU64>,
    statements: Arc<AtomicU64>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Conn, ConnectionError> {
        let mut conn = connect(&self.url)?;
        if self.url.is_sqlite() {
            conn.batch_execute(SQLITE_POOLED_PRAGMAS)
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
        }
        let statements = Arc::clone(&self.statements);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event {
                statements.fetch_add(1, Ordering::Relaxed);
            }
        });
        Ok(Conn {
            conn,
            checked_epoch: self.epoch.load(Ordering::Acquire),
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), ConnectionError> {
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// A connection checked out of a pool; it goes back when dropped.
pub struct PooledConnection(r2d2::PooledConnection<Manager>);

impl Deref for PooledConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.0.conn
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.0.conn
    }
}

/// The pools of one database.
#[derive(Clone)]
pub struct Db {
    pub url: DatabaseUrl,
    /// [`DatabaseUrl::is_on_this_machine`], worked out once.
    on_this_machine: bool,
    read: Pool,
    write: Pool,
    epoch: Arc<AtomicU64>,
    /// Statements sent on the pools' connections so far (tests bound the cost of a page).
    statements: Arc<AtomicU64>,
    /// Held while any clone of this `Db` lives; the SQLite checkpointer stops when it is gone.
    alive: Arc<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not open the database ({url}): {source}")]
    Open {
        url: String,
        #[source]
        source: ConnectionError,
    },
    #[error("no database connection became free in time: {0}")]
    Pool(#[from] r2d2::Error),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("could not apply database migrations: {0}")]
    Migration(String),
}

impl Db {
    /// Opens the pools; `read_connections` of about twice the core count serves best.
    pub fn open(url: &DatabaseUrl, read_connections: u32) -> Result<Db, DbError> {
        // Fail fast and clearly when the database can't be reached at all.
        connect(url).map_err(|source| DbError::Open {
            url: url.redacted(),
            source,
        })?;
        let epoch = Arc::new(AtomicU64::new(0));
        let statements = Arc::new(AtomicU64::new(0));
        let manager = Manager {
            url: url.clone(),
            epoch: Arc::clone(&epoch),
            statements: Arc::clone(&statements),
        };
        let read = r2d2::Pool::builder()
            .max_size(read_connections.max(1))
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build(manager.clone())?;
        let write = if url.is_sqlite() {
            r2d2::Pool::builder()
                .max_size(1)
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(60))
                .build(manager)?
        } else {
            read.clone()
        };
        let alive = Arc::new(());
        if let DatabaseUrl::Sqlite(_) = url {
            spawn_checkpointer(url.clone(), Arc::downgrade(&alive));
        }
        Ok(Db {
            url: url.clone(),
            on_this_machine: url.is_on_this_machine(),
            read,
            write,
            epoch,
            statements,
            alive,
        })
    }

    /// How many statements this database's pools have sent so far.
    pub fn statements_sent(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Each pool's connections in use and idle, for metrics: `read` and, on SQLite, `write`
    /// (on PostgreSQL both are one pool).
    pub fn pool_states(&self) -> Vec<(&'static str, u32, u32)> {
        let count = |pool: &Pool| {
            let state = pool.state();
            (
                state.connections.saturating_sub(state.idle_connections),
                state.idle_connections,
            )
        };
        let mut states = Vec::with_capacity(2);
        let (in_use, idle) = count(&self.read);
        states.push(("read", in_use, idle));
        if self.url.is_sqlite() {
            let (in_use, idle) = count(&self.write);
            states.push(("write", in_use, idle));
        }
        states
    }

    /// Alive while any clone of this `Db` is: background threads stop when it is gone.
    pub fn liveness(&self) -> std::sync::Weak<()> {
        Arc::downgrade(&self.alive)
    }

    /// A connection for queries that only read.
    pub fn reader(&self) -> Result<PooledConnection, DbError> {
        self.checkout(&self.read)
    }

    /// The connection for writes (the only one, on SQLite).
    pub fn writer(&self) -> Result<PooledConnection, DbError> {
        self.checkout(&self.write)
    }

    /// A reader that is free right now, without waiting (`None` when every reader is busy,
    /// while the pool is under suspicion, or when the database is across a network, where a
    /// query could wait for minutes on a connection that went quiet).
    pub fn idle_reader(&self) -> Option<PooledConnection> {
        if !self.on_this_machine {
            return None;
        }
        let conn = self.read.try_get()?;
        (conn.checked_epoch >= self.epoch.load(Ordering::Acquire)).then_some(PooledConnection(conn))
    }

    /// A connection from `pool`, tested first only while the pool is under suspicion.
    fn checkout(&self, pool: &Pool) -> Result<PooledConnection, DbError> {
        let epoch = self.epoch.load(Ordering::Acquire);
        for _ in 0..=pool.max_size() {
            let mut conn = pool.get()?;
            if conn.checked_epoch >= epoch {
                return Ok(PooledConnection(conn));
            }
            if conn.conn.batch_execute("SELECT 1").is_ok() {
                conn.checked_epoch = epoch;
                return Ok(PooledConnection(conn));
            }
            conn.broken = true;
        }
        Ok(PooledConnection(pool.get()?))
    }

    /// Reports that `conn` was found lost: it is discarded, and every other connection is
    /// tested once before its next use.
    pub fn connection_lost(&self, conn: &mut PooledConnection) {
        conn.0.broken = true;
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}

/// Checkpoints an SQLite database's WAL in the background, on a connection of its own, while
/// its `Db` lives. PASSIVE never waits for readers or the writer: it copies what it can and
/// tries again next time.
fn spawn_checkpointer(url: DatabaseUrl, alive: std::sync::Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let mut conn = None;
            while alive.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if conn.is_none() {
                    conn = connect(&url).ok();
                }
                if let Some(c) = conn.as_mut() {
                    if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::debug!(error = %e, "WAL checkpoint failed; will retry");
                        conn = None;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start the WAL checkpointer");
    }
}

/// Whether an error means the connection itself is gone (the database restarted or the network
/// dropped), rather than anything about the query.
pub fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | Error::BrokenTransactionManager
    )
}

thread_local! {
    /// Set when a COMMIT failed because the connection was lost: the transaction may or may
    /// not have been applied, so only an idempotent write may be run again.
    static COMMIT_IN_DOUBT: Cell<bool> = const { Cell::new(false) };
}

/// Whether the last write transaction on this thread lost its connection during COMMIT;
/// clears the mark.
pub fn take_commit_in_doubt() -> bool {
    COMMIT_IN_DOUBT.with(|flag| flag.replace(false))
}

/// Runs `write` in one transaction that holds the write lock from its first statement:
/// `BEGIN IMMEDIATE` on SQLite (a deferred transaction that reads first can fail to upgrade
/// when another process wrote meanwhile), a plain `BEGIN` on PostgreSQL. Commits on `Ok`,
/// rolls back on `Err`; nested `conn.transaction` calls inside become savepoints.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, write: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match write(conn) {
        Ok(value) => match DbConnection::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                if is_connection_lost(&commit_error) {
                    COMMIT_IN_DOUBT.with(|flag| flag.set(true));
                }
                // A failed COMMIT can leave the transaction open; close it before reporting.
                let _ = DbConnection::rollback_transaction(conn);
                Err(commit_error.into())
            }
        },
        Err(error) => {
            DbConnection::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// The default number of read connections: about two per core measured best here.
pub fn default_read_connections() -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    u32::try_from(cores * 2).unwrap_or(4).clamp(2, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_on_this_machine_is_a_file_a_socket_or_a_loopback_address() {
        let local = [
            "rehearse.db",
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p@localhost/db",
            "postgresql://[::1]:5432/db",
            "postgres:///db",
            "postgres://%2Frun%2Fpostgresql/db",
            "postgres://db.example/db?host=/run/postgresql",
        ];
        for url in local {
            assert!(DatabaseUrl::parse(url).is_on_this_machine(), "{url}");
        }
        let remote = [
            "postgres://postgres@10.0.0.5:5432/test",
            "postgres://u:p@db.example/db",
            "postgresql://[2001:db8::1]:5432/db",
            "postgres://u@127.0.0.1.example/db",
            "postgres://localhost/db?host=db.example",
        ];
        for url in remote {
            assert!(!DatabaseUrl::parse(url).is_on_this_machine(), "{url}");
        }
    }

    #[test]
    fn urls_select_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://x/y"),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://x/y"),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://a.db"),
            DatabaseUrl::Sqlite("a.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("rehearse.db"),
            DatabaseUrl::Sqlite("rehearse.db".into())
        );
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let url = DatabaseUrl::parse("postgres://u:secret@db:5432/app");
        assert_eq!(url.redacted(), "postgres://…@db:5432/app");
    }
}
