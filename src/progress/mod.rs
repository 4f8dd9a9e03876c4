//! Progress: where a candidate stands. The statistics page (reviews per day, streak, due
//! forecast, retention, cards by state, time spent), the roadmap with the level earned in each
//! topic, readiness for the interview date with a plan, leeches, and the exports.
//!
//! The figures are worked out by pure modules (`stats`, `chart`, `roadmap`, `readiness`,
//! `leech`, `export`) from what `queries` loads; `service` puts them together for the pages in
//! `routes`; `cache` holds each user's data and figures between requests.

pub mod cache;
pub mod chart;
pub mod export;
pub mod leech;
pub mod queries;
pub mod readiness;
pub mod roadmap;
pub mod routes;
pub mod service;
pub mod stats;
