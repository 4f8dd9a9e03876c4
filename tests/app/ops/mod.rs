//! Running Rehearse for real: metrics, request ids and logs, graceful shutdown, backups and
//! the configuration.

mod backup;
mod config;
mod metrics;
mod request_id;
mod shutdown;
