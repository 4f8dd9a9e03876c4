//! Rehearse: practise Node.js backend interview questions with spaced repetition.

pub mod bank;
pub mod db;
pub mod sm2;
