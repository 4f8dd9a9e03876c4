//! Practice: today's SM-2 queue, the question page with reveal and self-grade, undo, bury,
//! suspend and flag.

pub mod flag;
pub mod queue;
pub mod routes;
pub mod service;
pub mod state;
