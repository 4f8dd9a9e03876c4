//! Configuration: every `serve` flag has an environment variable, shown in `--help`, and
//! `--check-config` prints the effective settings without starting.

use crate::helpers::{rehearse, repo_root};
use std::process::Command;

#[test]
fn check_config_prints_the_settings_from_the_environment_without_the_password_or_starting() {
    // An address nobody answers at: the command must not try to connect.
    let out = Command::new(env!("CARGO_BIN_EXE_rehearse"))
        .current_dir(repo_root())
        .env(
            "DATABASE_URL",
            "postgres://rehearse:s3cret@192.0.2.1:5432/rehearse",
        )
        .env("REHEARSE_BIND", "127.0.0.1:9999")
        .env("REHEARSE_METRICS_BIND", "127.0.0.1:9100")
        .env("REHEARSE_POOL_SIZE", "7")
        .env("REHEARSE_TRUSTED_PROXIES", "10.0.0.2,10.1.0.0/16")
        .env("REHEARSE_SHUTDOWN_TIMEOUT", "25")
        .env("REHEARSE_LOG_FORMAT", "json")
        .env("REHEARSE_SECURE_COOKIES", "true")
        .args(["serve", "--check-config"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in:\n{stdout}"))
            .split_at(name.len())
            .1
            .trim()
            .to_owned()
    };
    assert_eq!(line("database"), "postgres://…@192.0.2.1:5432/rehearse");
    assert!(!stdout.contains("s3cret"));
    assert_eq!(line("bind"), "127.0.0.1:9999");
    assert_eq!(line("metrics"), "http://127.0.0.1:9100/metrics");
    assert_eq!(line("pool size"), "7");
    assert_eq!(line("trusted proxies"), "10.0.0.2/32,10.1.0.0/16");
    assert_eq!(line("shutdown timeout"), "25 s");
    assert_eq!(line("log format"), "json");
    assert_eq!(line("secure cookies"), "true");
}

#[test]
fn help_names_the_environment_variable_of_every_flag() {
    let serve = rehearse(None, &["serve", "--help"]);
    for variable in [
        "DATABASE_URL",
        "REHEARSE_LOG_FORMAT",
        "REHEARSE_BIND",
        "REHEARSE_QUESTIONS",
        "REHEARSE_POOL_SIZE",
        "REHEARSE_SECURE_COOKIES",
        "REHEARSE_TRUSTED_PROXIES",
        "REHEARSE_METRICS_BIND",
        "REHEARSE_SHUTDOWN_TIMEOUT",
        "REHEARSE_CHECK_CONFIG",
    ] {
        assert!(
            serve.stdout.contains(&format!("[env: {variable}")),
            "{variable} is missing from serve --help:\n{}",
            serve.stdout
        );
    }
    let backup = rehearse(None, &["backup", "--help"]);
    assert!(
        backup.stdout.contains("[env: REHEARSE_BACKUP_OUT"),
        "{}",
        backup.stdout
    );
}
