//! Progress: where a candidate stands. The figures are worked out by pure modules (`stats`,
//! `chart`, `roadmap`, `readiness`, `leech`, `export`).

pub mod chart;
pub mod export;
pub mod leech;
pub mod readiness;
pub mod roadmap;
pub mod stats;
