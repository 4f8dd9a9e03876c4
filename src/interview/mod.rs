//! Mock interviews: timed sets of questions, self-graded, with a report.

pub mod picker;
pub mod report;
pub mod routes;
pub mod service;
pub mod setup;
