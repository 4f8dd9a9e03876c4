//! `rehearse fsrs train|evaluate --user NAME`: the schedulers page's training and evidence
//! from the command line, on one plain connection.

use super::service;
use crate::config::FsrsCommand;
use crate::db::{self, DatabaseUrl, DbConnection};
use std::process::ExitCode;

/// 1: an unknown user or too few reviews. 2: database failure.
const EXIT_INVALID: u8 = 1;
const EXIT_FAILURE: u8 = 2;

pub fn run(url: &DatabaseUrl, command: FsrsCommand) -> ExitCode {
    let (name, train) = match &command {
        FsrsCommand::Train { user } => (user, true),
        FsrsCommand::Evaluate { user } => (user, false),
    };
    let (mut conn, user_id) = match open_with_user(url, name) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if train {
        train_command(&mut conn, name, &user_id)
    } else {
        evaluate_command(&mut conn, name, &user_id)
    }
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_FAILURE)
}

fn open_with_user(url: &DatabaseUrl, name: &str) -> Result<(DbConnection, String), ExitCode> {
    let mut conn = db::connect(url)
        .map_err(|source| db::DbError::Open {
            url: url.redacted(),
            source,
        })
        .map_err(fail)?;
    db::migrate::run_pending(&mut conn).map_err(fail)?;
    match crate::accounts::service::user_id_by_name(&mut conn, name) {
        Ok(Some(id)) => Ok((conn, id)),
        Ok(None) => {
            eprintln!("error: there is no user named {name}");
            Err(ExitCode::from(EXIT_INVALID))
        }
        Err(e) => Err(fail(e)),
    }
}

fn train_command(conn: &mut DbConnection, name: &str, user_id: &str) -> ExitCode {
    let now = chrono::Utc::now().naive_utc();
    match service::claim_training(conn, user_id, now) {
        Ok(true) => {}
        Ok(false) => {
            eprintln!("error: a training for {name} is running already");
            return ExitCode::from(EXIT_INVALID);
        }
        Err(e) => return fail(e),
    }
    let histories = match service::histories_only(conn, user_id) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let mut shown = None;
    let outcome = service::fit(&histories, |percent| {
        if shown != Some(percent) {
            eprintln!("training: {percent} %");
            shown = Some(percent);
        }
    });
    if let Err(e) = service::record_outcome(conn, user_id, &outcome, now) {
        return fail(e);
    }
    match outcome {
        Ok((parameters, reviews)) => {
            println!("Fitted FSRS parameters to {reviews} reviews of {name}:");
            let list: Vec<String> = parameters.iter().map(|p| format!("{p:.4}")).collect();
            println!("{}", list.join(", "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

fn evaluate_command(conn: &mut DbConnection, name: &str, user_id: &str) -> ExitCode {
    match service::evaluate_user(conn, user_id) {
        Ok(Some(e)) => {
            println!(
                "{} reviews of {name}, each predicted from the ones before it:",
                e.reviews
            );
            println!("{:<10}{:>10}{:>14}", "", "log loss", "RMSE (bins)");
            for (label, scores) in [("FSRS", e.fsrs), ("SM-2", e.sm2)] {
                println!(
                    "{label:<10}{:>10.4}{:>13.2}%",
                    scores.log_loss,
                    scores.rmse_bins * 100.0
                );
            }
            println!(
                "Lower is better. SM-2's prediction is R = 0.9^(elapsed days / interval), as in the FSRS benchmark."
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!(
                "error: {name} has no question reviewed on two different days yet: nothing to compare"
            );
            ExitCode::from(EXIT_INVALID)
        }
        Err(e) => fail(e),
    }
}
