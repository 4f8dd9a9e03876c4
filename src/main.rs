use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    rehearse::telemetry::init();
    let cli = rehearse::config::Cli::parse();
    rehearse::cli::run(cli)
}
