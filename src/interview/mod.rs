//! Mock interviews: timed sets of questions, self-graded, with a report.

pub mod picker;
