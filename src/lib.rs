//! Rehearse: practise Node.js backend interview questions with spaced repetition and timed mock
//! interviews. The library holds all logic; `main.rs` only parses flags and calls [`cli::run`].

pub mod accounts;
pub mod admin;
pub mod bank;
pub mod cli;
pub mod config;
pub mod db;
pub mod interview;
pub mod practice;
pub mod progress;
pub mod scheduler;
pub mod sm2;
pub mod state;
pub mod telemetry;
pub mod web;
