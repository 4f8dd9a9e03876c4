//! The two schedulers a user can choose between — SM-2 (the default, `crate::sm2`) and FSRS
//! (the `fsrs` crate, the implementation Anki uses) — and the pure steps that apply either one
//! to a card's review history. No I/O, no clock: the services pass the history and the day in.
//!
//! - [`core`]: the choice, the grade mapping, one FSRS step and a card's state from its log.
//! - [`evaluate`]: how well each scheduler predicted the user's own reviews.
//! - [`train`]: fitting FSRS parameters to a user's log (bounded in size).
//! - [`service`]: storage — switching, the user's parameters, the training job.

pub mod cli;
pub mod core;
pub mod evaluate;
pub mod routes;
pub mod service;
pub mod train;

pub use self::core::{
    CardHistory, DesiredRetention, FsrsModel, LoggedReview, SchedulerChoice, SchedulerError,
    SchedulerErrors, SchedulerSettings, fsrs_rating,
};
