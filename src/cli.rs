//! The command-line commands: thin wrappers that print results and choose exit codes.

use crate::admin::manage::Notice;
use crate::admin::queries::users::{UserAction, UserChange};
use crate::bank::{export, import, load, stats, validate};
use crate::config::{Cli, Command, LogFormat, ServeArgs, UserCommand};
use crate::db::{self, DatabaseUrl, DbConnection};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// 1: the input has problems. 2: usage, I/O or database failure.
const EXIT_INVALID: u8 = 1;
const EXIT_FAILURE: u8 = 2;

pub fn run(cli: Cli) -> ExitCode {
    let url = DatabaseUrl::parse(&cli.database);
    match cli.command {
        Command::Serve(args) if args.check_config => {
            print!("{}", effective_settings(&url, &args, cli.log_format));
            ExitCode::SUCCESS
        }
        Command::Serve(args) => serve(url, args),
        Command::Backup { out } => backup_command(&url, &out),
        Command::Import { paths, dry_run } => import_command(&url, &paths, dry_run),
        Command::Check { paths, stats } => check_command(&paths, stats),
        Command::Export { set, out } => export_command(&url, set.as_deref(), &out),
        Command::Migrate => migrate_command(&url),
        Command::Fsrs(command) => crate::scheduler::cli::run(&url, command),
        Command::User(UserCommand::Add { name, admin }) => add_user_command(&url, &name, admin),
        Command::User(UserCommand::Passwd { name }) => passwd_command(&url, &name),
        Command::User(UserCommand::List) => list_users_command(&url),
        Command::User(UserCommand::Disable { name }) => {
            change_user_command(&url, &name, UserAction::Disable)
        }
        Command::User(UserCommand::Enable { name }) => {
            change_user_command(&url, &name, UserAction::Enable)
        }
        Command::User(UserCommand::Promote { name }) => {
            change_user_command(&url, &name, UserAction::MakeAdmin)
        }
        Command::User(UserCommand::Demote { name }) => {
            change_user_command(&url, &name, UserAction::RevokeAdmin)
        }
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_FAILURE)
}

fn print_problems(problems: &[validate::Problem]) -> ExitCode {
    for p in problems {
        println!("{p}");
    }
    eprintln!(
        "{} problem{} found",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    // A missing or unreadable path is an I/O error; everything else is invalid input.
    if problems
        .iter()
        .all(|p| p.pos.is_none() && p.message.contains("no such file"))
    {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::from(EXIT_INVALID)
    }
}

/// One plain connection: a command runs one job, and a pool's background threads would only
/// race the process exit.
fn connect(url: &DatabaseUrl) -> Result<DbConnection, db::DbError> {
    db::connect(url).map_err(|source| db::DbError::Open {
        url: url.redacted(),
        source,
    })
}

fn open_migrated(url: &DatabaseUrl) -> Result<DbConnection, db::DbError> {
    let mut conn = connect(url)?;
    db::migrate::run_pending(&mut conn)?;
    Ok(conn)
}

fn migrate_command(url: &DatabaseUrl) -> ExitCode {
    let result = connect(url).and_then(|mut conn| db::migrate::run_pending(&mut conn));
    match result {
        Ok(n) => {
            println!("{n} migration(s) applied to {}", url.redacted());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn check_command(paths: &[PathBuf], with_stats: bool) -> ExitCode {
    let (files, mut problems) = load::load_paths(paths);
    let sources: Vec<_> = files.into_iter().map(|f| f.source).collect();
    match validate::validate(&sources, &validate::Context::default()) {
        Ok(bank) if problems.is_empty() => {
            println!(
                "0 problems: {} questions in {} sets",
                bank.question_count(),
                bank.sets.len()
            );
            if with_stats {
                print!("\n{}", stats::render(&bank, 3));
            }
            ExitCode::SUCCESS
        }
        Ok(_) => print_problems(&problems),
        Err(found) => {
            problems.extend(found);
            problems.sort();
            print_problems(&problems)
        }
    }
}

fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} questions {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn import_command(url: &DatabaseUrl, paths: &[PathBuf], dry_run: bool) -> ExitCode {
    let (files, problems) = load::load_paths(paths);
    if !problems.is_empty() {
        return print_problems(&problems);
    }
    let mut conn = match open_migrated(url) {
        Ok(conn) => conn,
        Err(e) => return fail(e),
    };
    let bar = progress_bar();
    let on_progress = |done: usize, total: usize| {
        // Only big imports take long enough for a bar to help.
        if let Some(bar) = bar.as_ref().filter(|_| total >= 1000) {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = if dry_run {
        import::dry_run(&mut conn, &files)
    } else {
        let actor = import::Actor {
            name: "cli".into(),
            source: "cli",
        };
        import::import(
            &mut conn,
            &files,
            &actor,
            chrono::Utc::now().naive_utc(),
            &on_progress,
        )
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => {
            for line in report.plan.changed_lines() {
                println!("{line}");
            }
            let prefix = if report.applied {
                ""
            } else {
                "dry run, nothing written: "
            };
            println!("{prefix}{}", report.plan.counts);
            ExitCode::SUCCESS
        }
        Err(import::ImportError::Invalid(problems)) => print_problems(&problems),
        Err(e) => fail(e),
    }
}

fn export_command(url: &DatabaseUrl, set: Option<&str>, out: &std::path::Path) -> ExitCode {
    let mut conn = match open_migrated(url) {
        Ok(conn) => conn,
        Err(e) => return fail(e),
    };
    let result = export::export_to_dir(&mut conn, set, out);
    match result {
        Ok(files) => {
            for f in files {
                println!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn serve(url: DatabaseUrl, args: ServeArgs) -> ExitCode {
    let system = actix_web::rt::System::new();
    match system.block_on(crate::web::serve(url, args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// What `serve` would run with, one setting a line, the database without its password.
fn effective_settings(url: &DatabaseUrl, args: &ServeArgs, log_format: LogFormat) -> String {
    let pool_size = match args.pool_size {
        Some(n) => n.to_string(),
        None => format!("{} (twice the cores)", db::default_read_connections()),
    };
    let proxies = match &args.trusted_proxies {
        Some(list) if *list != Default::default() => list.to_string(),
        _ => "none (forwarded headers ignored)".to_owned(),
    };
    let metrics = args
        .metrics_bind
        .map_or_else(|| "off".to_owned(), |addr| format!("http://{addr}/metrics"));
    let log_filter = std::env::var("RUST_LOG")
        .unwrap_or_else(|_| "rehearse=info,actix_web=info,actix_server=info,warn".to_owned());
    let rows = [
        ("database", url.redacted()),
        ("bind", args.bind.to_string()),
        ("questions", args.questions.display().to_string()),
        ("pool size", pool_size),
        ("secure cookies", args.secure_cookies.to_string()),
        ("trusted proxies", proxies),
        ("metrics", metrics),
        ("shutdown timeout", format!("{} s", args.shutdown_timeout)),
        ("log format", log_format.to_string()),
        ("log filter", log_filter),
    ];
    rows.iter()
        .map(|(name, value)| format!("{name:<17} {value}\n"))
        .collect()
}

/// `rehearse backup --out FILE`: SQLite's `VACUUM INTO`, which copies one consistent snapshot
/// (a read transaction, so the server's writes go on meanwhile) into a new, compact file.
fn backup_command(url: &DatabaseUrl, out: &std::path::Path) -> ExitCode {
    if !url.is_sqlite() {
        eprintln!(
            "error: {} is a PostgreSQL database; back it up with pg_dump, for example\n  \
             pg_dump --format=custom --file=rehearse.dump \"$DATABASE_URL\"\n\
             and restore with pg_restore (see README, \"Backups\")",
            url.redacted()
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    match db::backup_sqlite(url, out) {
        Ok(()) => {
            println!("backed up {} to {}", url.redacted(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let second = rpassword::prompt_password("Repeat it: ").map_err(|e| e.to_string())?;
        if first != second {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// A new password read from standard input, checked (exit 1 when too weak) and hashed.
fn new_password_hash() -> Result<String, ExitCode> {
    use crate::accounts::password;
    let secret = read_password().map_err(|e| fail(format!("could not read the password: {e}")))?;
    if let Err(message) = password::check_new(&secret) {
        eprintln!("error: {message}");
        return Err(ExitCode::from(EXIT_INVALID));
    }
    password::hash(&secret).map_err(|e| fail(format!("could not hash the password: {e}")))
}

fn add_user_command(url: &DatabaseUrl, name: &str, admin: bool) -> ExitCode {
    use crate::accounts::service;
    let username = match parse_username(name) {
        Ok(username) => username,
        Err(code) => return code,
    };
    let hash = match new_password_hash() {
        Ok(hash) => hash,
        Err(code) => return code,
    };
    let mut conn = match open_migrated(url) {
        Ok(conn) => conn,
        Err(e) => return fail(e),
    };
    let role = if admin {
        service::Role::Admin
    } else {
        service::Role::Candidate
    };
    match service::create_user(
        &mut conn,
        username.as_str(),
        &hash,
        role,
        chrono::Utc::now().naive_utc(),
    ) {
        Ok(_) => {
            println!("created {} {}", role.as_str(), username);
            ExitCode::SUCCESS
        }
        Err(service::AccountError::UsernameTaken) => {
            eprintln!("error: the username {username} is already taken");
            ExitCode::from(EXIT_INVALID)
        }
        Err(e) => fail(e),
    }
}

/// Refuses a malformed name (exit 1) before anything is opened.
fn parse_username(name: &str) -> Result<crate::accounts::username::Username, ExitCode> {
    crate::accounts::username::Username::try_from(name).map_err(|message| {
        eprintln!("error: {message}");
        ExitCode::from(EXIT_INVALID)
    })
}

/// The migrated database and the id of the account `name`; exit 1 for a bad or unknown name.
fn open_with_user(
    url: &DatabaseUrl,
    name: &str,
) -> Result<(DbConnection, crate::accounts::username::Username, String), ExitCode> {
    let username = parse_username(name)?;
    let mut conn = open_migrated(url).map_err(fail)?;
    match crate::accounts::service::user_id_by_name(&mut conn, username.as_str()) {
        Ok(Some(id)) => Ok((conn, username, id)),
        Ok(None) => {
            eprintln!("error: there is no user named {username}");
            Err(ExitCode::from(EXIT_INVALID))
        }
        Err(e) => Err(fail(e)),
    }
}

fn passwd_command(url: &DatabaseUrl, name: &str) -> ExitCode {
    use crate::accounts::reset;
    let (mut conn, username, user_id) = match open_with_user(url, name) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let hash = match new_password_hash() {
        Ok(hash) => hash,
        Err(code) => return code,
    };
    match reset::set_password(&mut conn, &user_id, username.as_str(), &hash) {
        Ok(ended) => {
            println!(
                "password of {username} changed; {ended} session{} ended",
                if ended == 1 { "" } else { "s" }
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn list_users_command(url: &DatabaseUrl) -> ExitCode {
    let mut conn = match open_migrated(url) {
        Ok(conn) => conn,
        Err(e) => return fail(e),
    };
    match crate::admin::queries::users::list_users(&mut conn) {
        Ok(users) => {
            let width = users
                .iter()
                .map(|u| u.username.len())
                .max()
                .unwrap_or(0)
                .max("NAME".len());
            println!("{:width$}  {:9}  {:8}  CREATED", "NAME", "ROLE", "STATUS");
            for user in users {
                let role = if user.is_admin { "admin" } else { "candidate" };
                let status = if user.disabled.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!(
                    "{:width$}  {role:9}  {status:8}  {}",
                    user.username, user.created
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `user disable|enable|promote|demote`: the admin page's action, with its last-admin guard.
fn change_user_command(url: &DatabaseUrl, name: &str, action: UserAction) -> ExitCode {
    let (mut conn, username, user_id) = match open_with_user(url, name) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let now = chrono::Utc::now().naive_utc();
    match crate::admin::queries::users::apply(&mut conn, &user_id, action, now) {
        Ok(UserChange::Done) => {
            let done = match action {
                UserAction::MakeAdmin => "is now an admin",
                UserAction::RevokeAdmin => "is no longer an admin",
                UserAction::Disable => "is disabled and signed out everywhere",
                UserAction::Enable => "is enabled",
            };
            println!("{username} {done}");
            ExitCode::SUCCESS
        }
        Ok(UserChange::Refused(refusal)) => {
            eprintln!("error: {}", refusal.message());
            ExitCode::from(EXIT_INVALID)
        }
        Ok(UserChange::NotFound) => {
            eprintln!("error: there is no user named {username}");
            ExitCode::from(EXIT_INVALID)
        }
        Err(e) => fail(e),
    }
}
