//! Command-line flags (each with an environment variable fallback). The defaults run locally on
//! an SQLite file with nothing to set up.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "rehearse",
    version,
    about = "Practise Node.js backend interview questions with spaced repetition and timed mock interviews",
    after_help = "Examples:\n  rehearse serve                          # http://127.0.0.1:8080 on ./rehearse.db\n  rehearse check questions/               # validate the question files\n  rehearse import questions/ --dry-run    # show what an import would change\n  DATABASE_URL=postgres://postgres@127.0.0.1/test rehearse migrate\n\nLogging: set RUST_LOG (for example RUST_LOG=rehearse=debug) and --log-format.\nEvery flag can also be set by the environment variable shown beside it."
)]
pub struct Cli {
    /// Database to use: a postgres:// or postgresql:// URL selects PostgreSQL; anything else is an
    /// SQLite file (an optional sqlite:// prefix is allowed).
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        // `--help` would print the URL, password and all.
        hide_env_values = true,
        default_value = "rehearse.db"
    )]
    pub database: String,

    /// How log lines are written to stderr: `text` for people, `json` (one object a line, with
    /// the request's span fields) for log shippers.
    #[arg(
        long,
        global = true,
        env = "REHEARSE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web application (migrates the database, and imports the shipped questions into
    /// an empty one).
    #[command(after_help = "Example:\n  rehearse serve --bind 0.0.0.0:8080")]
    Serve(ServeArgs),

    /// Validate and import question files or folders of *.yaml files, all in one transaction.
    #[command(
        after_help = "Examples:\n  rehearse import questions/\n  rehearse import questions/streams.yaml --dry-run\n\nExit status: 0 imported, 1 the files have problems (nothing written), 2 usage or I/O error."
    )]
    Import {
        /// Files or folders to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print the summary and the per-question plan, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },

    /// Validate question files without touching any database.
    #[command(
        after_help = "Examples:\n  rehearse check questions/\n  rehearse check --stats questions/\n\nExit status: 0 no problems, 1 problems found, 2 usage or I/O error."
    )]
    Check {
        /// Files or folders to check.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also print counts by area, topic, difficulty and kind.
        #[arg(long)]
        stats: bool,
    },

    /// Write the stored question sets (and the topic tree) as YAML files.
    #[command(
        after_help = "Examples:\n  rehearse export --out backup/\n  rehearse export --set streams --out /tmp/streams"
    )]
    Export {
        /// Export only this set (its slug).
        #[arg(long, env = "REHEARSE_EXPORT_SET")]
        set: Option<String>,
        /// Folder to write into (created if missing).
        #[arg(long, env = "REHEARSE_EXPORT_OUT")]
        out: PathBuf,
    },

    /// Manage user accounts: add, passwd, list, disable, enable, promote, demote.
    #[command(
        subcommand,
        after_help = "Examples:\n  rehearse user add ada --admin\n  rehearse user passwd ada\n  rehearse user list\n  rehearse user demote ada\n\nExit status: 0 done, 1 a bad or unknown name, a bad password or the last admin, 2 I/O or database error."
    )]
    User(UserCommand),

    /// FSRS, the second scheduler: fit a user's parameters to their reviews, or compare how
    /// well FSRS and SM-2 predict them.
    #[command(
        subcommand,
        after_help = "Examples:\n  rehearse fsrs train --user ada\n  rehearse fsrs evaluate --user ada\n\nExit status: 0 done, 1 an unknown user or too few reviews, 2 I/O or database error."
    )]
    Fsrs(FsrsCommand),

    /// Apply pending database migrations and exit.
    #[command(
        after_help = "Example:\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test rehearse migrate"
    )]
    Migrate,

    /// Copy a live SQLite database into a new file, consistently, while the server runs
    /// (PostgreSQL: use pg_dump, see README "Backups").
    #[command(
        after_help = "Examples:\n  rehearse backup --out backups/rehearse-$(date +%F).db\n  REHEARSE_BACKUP_OUT=/var/backups/rehearse.db rehearse --database /var/lib/rehearse/rehearse.db backup\n\nRestore: stop the server and put the copy in place of the database file (its -wal and -shm files removed).\nExit status: 0 written, 2 the file exists, the database is PostgreSQL, or an I/O or database error."
    )]
    Backup {
        /// The file to write; refused when it already exists.
        #[arg(long, env = "REHEARSE_BACKUP_OUT")]
        out: PathBuf,
    },
}

/// The log line format (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl std::fmt::Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "REHEARSE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Folder of question files imported when the database holds no questions yet.
    #[arg(long, env = "REHEARSE_QUESTIONS", default_value = "questions")]
    pub questions: PathBuf,

    /// Read connections in the pool (default: twice the number of cores).
    #[arg(long, env = "REHEARSE_POOL_SIZE")]
    pub pool_size: Option<u32>,

    /// Mark cookies Secure and send HSTS: set this when Rehearse is served over HTTPS.
    #[arg(long, env = "REHEARSE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Reverse proxies in front of Rehearse, as a comma-separated list of addresses or networks
    /// (10.0.0.2,10.1.0.0/16). Only requests from them have their X-Forwarded-For,
    /// X-Forwarded-Host, X-Forwarded-Proto and X-Request-Id believed; without this flag nobody's
    /// are.
    #[arg(long, env = "REHEARSE_TRUSTED_PROXIES", value_name = "LIST", value_parser = crate::web::client::TrustedProxies::parse)]
    pub trusted_proxies: Option<crate::web::client::TrustedProxies>,

    /// Serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (keep it
    /// private); without this flag no metrics are kept.
    #[arg(long, env = "REHEARSE_METRICS_BIND", value_name = "ADDR")]
    pub metrics_bind: Option<SocketAddr>,

    /// Seconds that requests in flight get to finish after SIGTERM or Ctrl-C before their
    /// connections are closed.
    #[arg(
        long,
        env = "REHEARSE_SHUTDOWN_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    pub shutdown_timeout: u64,

    /// Print the effective settings (the database URL without its password) and exit without
    /// starting.
    #[arg(long, env = "REHEARSE_CHECK_CONFIG")]
    pub check_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from a prompt, or from standard input when it is
    /// not a terminal.
    #[command(
        after_help = "Examples:\n  rehearse user add ada --admin\n  printf '%s\\n' \"$PASSWORD\" | rehearse user add grace"
    )]
    Add {
        /// The username (3 to 32 letters, digits, dots, dashes or underscores).
        name: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },

    /// Set a user's password (for someone who forgot theirs). Ends every session of the user
    /// and voids any reset link. The password is read from a prompt, or from standard input
    /// when it is not a terminal.
    #[command(
        after_help = "Examples:\n  rehearse user passwd ada\n  printf '%s\\n' \"$PASSWORD\" | rehearse user passwd ada\n\nAdmins can also make a one-time reset link on the Accounts admin page."
    )]
    Passwd {
        /// The username.
        name: String,
    },

    /// List every account: name, role, status, created.
    List,

    /// Disable a user: their sessions end at once and they cannot sign in (their history is
    /// kept). The last admin who can sign in cannot be disabled.
    Disable {
        /// The username.
        name: String,
    },

    /// Enable a disabled user again.
    Enable {
        /// The username.
        name: String,
    },

    /// Make a user an administrator.
    Promote {
        /// The username.
        name: String,
    },

    /// Take the administrator role away (the last admin who can sign in keeps it).
    Demote {
        /// The username.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FsrsCommand {
    /// Fit FSRS parameters to a user's review log (at most the newest 50,000 reviews, stopped
    /// after 15 minutes) and store them; a user on FSRS has every question placed again with
    /// them. Needs at least 8 reviews of questions seen on an earlier day.
    Train {
        /// The username.
        #[arg(long)]
        user: String,
    },
    /// Print the log loss and RMSE (bins) of FSRS (with the user's parameters) and of SM-2 on
    /// the user's own reviews, each review predicted only from the ones before it.
    Evaluate {
        /// The username.
        #[arg(long)]
        user: String,
    },
}
