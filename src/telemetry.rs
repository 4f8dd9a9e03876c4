//! Logging through `tracing`, filtered by `RUST_LOG` (default: info for Rehearse, warnings for
//! libraries).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("rehearse=info,actix_web=info,actix_server=info,warn"));
    // A second init (tests start many apps in one process) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// An error's message and its causes, joined with ": ", for one log line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    chain
}
