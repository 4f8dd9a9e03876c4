//! Logging through `tracing`, filtered by `RUST_LOG` (default: info for Rehearse, warnings for
//! libraries), as text or as JSON lines (`--log-format`).

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("rehearse=info,actix_web=info,actix_server=info,warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests start many apps in one process) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // Each line carries the fields of every span it is in (the request's id, method and
        // path), flattened into one object a shipper can index.
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    };
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
