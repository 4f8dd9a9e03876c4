//! `rehearse backup`: a consistent copy of a live SQLite database.
//!
//! `VACUUM INTO` reads the database inside one read transaction, so the copy is the database
//! as it was at one instant, every committed write before it included, while the server goes
//! on writing (WAL readers never block the writer). PostgreSQL is backed up with `pg_dump`.

use super::{DatabaseUrl, connect};
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file (a backup never overwrites one)")]
    Exists(PathBuf),
    #[error("there is no database at {0}")]
    Missing(PathBuf),
    #[error("could not create {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not open the database: {0}")]
    Open(#[from] diesel::ConnectionError),
    #[error("the copy failed: {0}")]
    Copy(#[from] diesel::result::Error),
    #[error("only SQLite databases are copied this way; use pg_dump for PostgreSQL")]
    NotSqlite,
}

/// Copies the SQLite database `url` into `out`, a file that must not exist yet.
#[tracing::instrument(skip(url), fields(out = %out.display()))]
pub fn backup_sqlite(url: &DatabaseUrl, out: &Path) -> Result<(), BackupError> {
    let DatabaseUrl::Sqlite(source) = url else {
        return Err(BackupError::NotSqlite);
    };
    // Opening a missing file would create an empty database and "back up" nothing.
    if !Path::new(source).is_file() {
        return Err(BackupError::Missing(PathBuf::from(source)));
    }
    // Creating the file first claims the name atomically: two backups at once cannot both
    // write it, and an existing file is never touched. VACUUM INTO accepts an empty file.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::Exists(out.to_path_buf()));
        }
        Err(source) => {
            return Err(BackupError::Create {
                path: out.to_path_buf(),
                source,
            });
        }
    }
    let copied = copy_into(url, out);
    if copied.is_err() {
        // Leave no half-written file behind to be mistaken for a backup.
        let _ = std::fs::remove_file(out);
    }
    copied
}

fn copy_into(url: &DatabaseUrl, out: &Path) -> Result<(), BackupError> {
    let mut conn = connect(url)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(out.to_string_lossy().into_owned())
        .execute(&mut conn)?;
    Ok(())
}
