use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = rehearse::config::Cli::parse();
    rehearse::telemetry::init(cli.log_format);
    rehearse::cli::run(cli)
}
