//! Storage: one code path over SQLite (the embedded default) and PostgreSQL.
//!
//! [`DbConnection`] is diesel's `MultiConnection` over both backends. [`Db`] holds a pool for
//! reads and a writer pool: on SQLite the writer pool has exactly one connection, so writes
//! queue in our process instead of spinning in `busy_timeout`; on PostgreSQL both are the same
//! pool.

pub mod migrate;
pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
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
/// (safe with WAL), enforced foreign keys, and a busy timeout for other processes (a CLI import
/// while the server runs).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

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

/// r2d2 glue that opens connections with [`connect`].
#[derive(Clone, Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        connect(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The pools of one database.
#[derive(Clone)]
pub struct Db {
    pub url: DatabaseUrl,
    read: Pool,
    write: Pool,
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
        let manager = Manager { url: url.clone() };
        let read = r2d2::Pool::builder()
            .max_size(read_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(manager.clone())?;
        let write = if url.is_sqlite() {
            r2d2::Pool::builder()
                .max_size(1)
                .connection_timeout(Duration::from_secs(60))
                .build(manager)?
        } else {
            read.clone()
        };
        Ok(Db {
            url: url.clone(),
            read,
            write,
        })
    }

    /// A connection for queries that only read.
    pub fn reader(&self) -> Result<PooledConnection, DbError> {
        Ok(self.read.get()?)
    }

    /// The connection for writes (the only one, on SQLite).
    pub fn writer(&self) -> Result<PooledConnection, DbError> {
        Ok(self.write.get()?)
    }
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
