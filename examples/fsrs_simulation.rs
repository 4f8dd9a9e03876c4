//! Evidence on a known memory: simulates 20,000 reviews scheduled by SM-2 for a learner whose
//! forgetting follows a known curve, then evaluates SM-2, FSRS with its default parameters and
//! FSRS trained on the reviews, the way the schedulers page does (each review predicted only
//! from the reviews before it). Training uses half of the cards and the scores are taken on
//! the other half too, so the trained model is also judged on reviews it never saw.
//!
//! Run: `cargo run --release --example fsrs_simulation` (prints a table; exits non-zero if the
//! trained FSRS does not beat SM-2 on log loss).
//!
//! The learner: each card has a difficulty d in [0.6, 2.0]; recall after t days is
//! R = 0.9^(t / S) (S: days until recall falls to 90 %). A card's first S is 1.5 / d days; a
//! remembered review multiplies S by 1 + (2.2 / d)·(1 − R + 0.15), more after a harder
//! recall (the spacing effect); a forgotten one cuts S to a third. Grades: remembered with
//! R ≥ 0.9 → 5, ≥ 0.75 → 4, else 3; forgotten → 0, 1 or 2 at random.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rehearse::scheduler::core::{CardHistory, DesiredRetention, FsrsModel, LoggedReview};
use rehearse::scheduler::evaluate::{Evaluation, evaluate};
use rehearse::scheduler::train::train;
use rehearse::sm2::{self, DayClock, Grade, Sm2State};
use std::process::ExitCode;

const TOTAL_REVIEWS: usize = 20_000;
const HORIZON_DAYS: u64 = 365;

fn grade(value: u8) -> Grade {
    Grade::new(value).expect("grades are drawn from 0 to 5")
}

/// One card studied under SM-2 from `start` until the horizon.
fn simulate_card(rng: &mut ChaCha8Rng, start: NaiveDate, end: NaiveDate) -> CardHistory {
    let difficulty: f64 = rng.random_range(0.6..2.0);
    let mut stability = 1.5 / difficulty;
    let mut sm2_state = Sm2State::NEW;
    let mut day = start;
    let mut last: Option<NaiveDate> = None;
    let mut reviews = Vec::new();
    while day <= end {
        let recall = match last {
            // The first sight of a question: known already or not.
            None => 0.55,
            Some(previous) => 0.9_f64.powf((day - previous).num_days() as f64 / stability),
        };
        let remembered = rng.random_bool(recall.clamp(0.0, 1.0));
        let value = if remembered {
            if recall >= 0.9 {
                5
            } else if recall >= 0.75 {
                4
            } else {
                3
            }
        } else {
            rng.random_range(0..=2)
        };
        if last.is_some() {
            stability = if remembered {
                stability * (1.0 + (2.2 / difficulty) * (1.0 - recall + 0.15))
            } else {
                (stability / 3.0).max(0.5)
            };
        }
        let g = grade(value);
        reviews.push(LoggedReview { day, grade: g });
        sm2_state = sm2::review(sm2_state, g);
        last = Some(day);
        day = DayClock::due_day(day, sm2_state.interval_days);
    }
    CardHistory::complete(reviews)
}

fn simulate(seed: u64) -> Vec<CardHistory> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let end = first + Days::new(HORIZON_DAYS);
    let mut cards = Vec::new();
    let mut total = 0;
    // Ten new cards a day, in order, until the log holds 20,000 reviews.
    let mut n: u64 = 0;
    while total < TOTAL_REVIEWS {
        let start = first + Days::new((n / 10) % HORIZON_DAYS);
        let mut card = simulate_card(&mut rng, start, end);
        card.reviews.truncate(TOTAL_REVIEWS - total);
        total += card.reviews.len();
        cards.push(card);
        n += 1;
    }
    cards
}

fn row(label: &str, e: &Evaluation) {
    println!(
        "{label:<34}{:>7}{:>12.4}{:>13.2}%{:>12.4}{:>13.2}%",
        e.reviews,
        e.fsrs.log_loss,
        e.fsrs.rmse_bins * 100.0,
        e.sm2.log_loss,
        e.sm2.rmse_bins * 100.0,
    );
}

fn main() -> ExitCode {
    let cards = simulate(17);
    let total: usize = cards.iter().map(|c| c.reviews.len()).sum();
    println!("{} cards, {total} reviews, scheduled by SM-2", cards.len());
    let (train_half, test_half): (Vec<_>, Vec<_>) = cards
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let train_half: Vec<CardHistory> = train_half.into_iter().map(|(_, c)| c).collect();
    let test_half: Vec<CardHistory> = test_half.into_iter().map(|(_, c)| c).collect();

    let started = std::time::Instant::now();
    let parameters = match train(&train_half, None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("training failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "trained on {} cards in {:.1} s",
        train_half.len(),
        started.elapsed().as_secs_f64()
    );
    let all_parameters = match train(&cards, None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("training failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let retention = DesiredRetention::DEFAULT;
    let (Ok(default_model), Ok(trained), Ok(trained_all)) = (
        FsrsModel::new(&[], retention),
        FsrsModel::new(&parameters, retention),
        FsrsModel::new(&all_parameters, retention),
    ) else {
        eprintln!("the parameters were refused");
        return ExitCode::FAILURE;
    };
    println!(
        "{:<34}{:>7}{:>12}{:>14}{:>12}{:>14}",
        "", "reviews", "FSRS loss", "FSRS RMSE", "SM-2 loss", "SM-2 RMSE"
    );
    let mut verdict = true;
    for (label, model, set) in [
        ("default FSRS, all cards", &default_model, &cards),
        ("trained on all, all cards", &trained_all, &cards),
        ("trained on half, the other half", &trained, &test_half),
    ] {
        match evaluate(set, model) {
            Ok(Some(e)) => {
                row(label, &e);
                if label.starts_with("trained") {
                    verdict &= e.fsrs.log_loss < e.sm2.log_loss;
                }
            }
            other => {
                eprintln!("{label}: no evaluation ({other:?})");
                return ExitCode::FAILURE;
            }
        }
    }
    if verdict {
        println!("trained FSRS beats SM-2 on log loss");
        ExitCode::SUCCESS
    } else {
        println!("trained FSRS does NOT beat SM-2 on log loss");
        ExitCode::FAILURE
    }
}
