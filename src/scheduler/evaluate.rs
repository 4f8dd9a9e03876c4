//! How well each scheduler predicts a user's own reviews, measured the way the FSRS benchmark
//! does: every review after a card's first is predicted only from the reviews before it, and
//! the prediction is scored against what happened (remembered = grade 3 or more).
//!
//! - FSRS predicts recall from the memory state after the earlier reviews and the days since
//!   the last one (the crate's forgetting curve).
//! - SM-2 predicts nothing by itself; as the benchmark does, its interval is read as the time
//!   at which recall falls to 90 %: R = 0.9^(elapsed / interval).
//!
//! Two scores, lower is better for both: log loss (how surprised the predictions were by the
//! outcomes) and RMSE (bins) (how far predicted recall is from the recall actually seen, over
//! groups of similar reviews, as in the benchmark).

use super::core::{CardHistory, FsrsModel, SchedulerError, days_between};
use crate::sm2;
use std::collections::HashMap;

/// Predictions are kept inside [1e-4, 1 − 1e-4], as the benchmark does, so one confident
/// miss cannot make the log loss infinite.
const CLIP: f64 = 1e-4;

/// The two scores of one scheduler.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub log_loss: f64,
    pub rmse_bins: f64,
}

/// Both schedulers on the same reviews.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Reviews predicted (every review but each card's first).
    pub reviews: usize,
    pub fsrs: Scores,
    pub sm2: Scores,
}

/// One predicted review: its bin (as the benchmark groups them), the outcome and the two
/// predictions.
struct Prediction {
    bin: (u32, u32, u32),
    recalled: bool,
    fsrs: f64,
    sm2: f64,
}

/// Evaluates both schedulers on these histories; `None` when no review has one before it.
pub fn evaluate(
    histories: &[CardHistory],
    model: &FsrsModel,
) -> Result<Option<Evaluation>, SchedulerError> {
    let mut predictions = Vec::new();
    for history in histories {
        let states = model.states_along(history)?;
        let mut sm2_state = history.start;
        let mut lapses = 0_u32;
        for (index, review) in history.reviews.iter().enumerate() {
            let previous = index
                .checked_sub(1)
                .and_then(|i| history.reviews.get(i).zip(states.get(i)));
            if let Some((before, state)) = previous {
                // The benchmark counts failed reviews after the first as lapses.
                lapses += u32::from(!before.grade.is_pass() && index > 1);
                let elapsed = days_between(before.day, review.day);
                let interval = sm2_state.interval_days.max(1);
                predictions.push(Prediction {
                    bin: bin(elapsed, index, lapses),
                    recalled: review.grade.is_pass(),
                    fsrs: f64::from(model.recall(*state, elapsed)),
                    sm2: 0.9_f64.powf(f64::from(elapsed) / f64::from(interval)),
                });
            }
            sm2_state = sm2::review(sm2_state, review.grade);
        }
    }
    if predictions.is_empty() {
        return Ok(None);
    }
    Ok(Some(Evaluation {
        reviews: predictions.len(),
        fsrs: scores(&predictions, |p| p.fsrs),
        sm2: scores(&predictions, |p| p.sm2),
    }))
}

fn scores(predictions: &[Prediction], predicted: impl Fn(&Prediction) -> f64) -> Scores {
    let n = predictions.len() as f64;
    let log_loss = predictions
        .iter()
        .map(|p| {
            let r = predicted(p).clamp(CLIP, 1.0 - CLIP);
            if p.recalled { -r.ln() } else { -(1.0 - r).ln() }
        })
        .sum::<f64>()
        / n;
    // (sum predicted, sum actual, count) per bin.
    let mut bins: HashMap<(u32, u32, u32), (f64, f64, f64)> = HashMap::new();
    for p in predictions {
        let entry = bins.entry(p.bin).or_default();
        entry.0 += predicted(p);
        entry.1 += f64::from(u8::from(p.recalled));
        entry.2 += 1.0;
    }
    let squared = bins
        .values()
        .map(|(predicted, actual, count)| (predicted / count - actual / count).powi(2) * count)
        .sum::<f64>();
    Scores {
        log_loss,
        rmse_bins: (squared / n).sqrt(),
    }
}

/// The benchmark's bin of a review: by days elapsed, by how many reviews came before, and by
/// how many of those were failed (each on a logarithmic scale).
fn bin(elapsed: u32, reviews_before: usize, lapses: u32) -> (u32, u32, u32) {
    let log_bin = |value: f64, base: f64, scale: f64| {
        (scale * base.powf(value.log(base).floor())).round() as u32
    };
    let delta_t = log_bin(f64::from(elapsed.max(1)), 3.62, 248.0);
    let length = log_bin(reviews_before as f64 + 1.0, 1.89, 1.99);
    let lapse = if lapses == 0 {
        0
    } else {
        log_bin(f64::from(lapses), 1.73, 1.65)
    };
    (delta_t, length, lapse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::core::{DesiredRetention, LoggedReview};
    use crate::sm2::Grade;
    use chrono::NaiveDate;

    fn history(list: &[(u32, u8)]) -> CardHistory {
        let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        CardHistory::complete(
            list.iter()
                .map(|&(d, v)| LoggedReview {
                    day: start + chrono::Days::new(u64::from(d)),
                    grade: Grade::new(v).unwrap(),
                })
                .collect(),
        )
    }

    #[test]
    fn each_review_after_the_first_is_predicted_from_the_ones_before() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        // Two cards: 3 and 2 reviews, so 2 + 1 predictions.
        let h = [
            history(&[(0, 4), (1, 4), (7, 1)]),
            history(&[(0, 5), (6, 5)]),
        ];
        let e = evaluate(&h, &model).unwrap().unwrap();
        assert_eq!(e.reviews, 3);
        // By hand for SM-2: intervals 1 (after the first 4) and 6 (after the second), so the
        // predictions are 0.9^(1/1) = 0.9 (remembered), 0.9^(6/6) = 0.9 (forgotten) and,
        // on the second card, 0.9^(6/1) (remembered).
        let expected = -(0.9_f64.ln() + 0.1_f64.ln() + 0.9_f64.powi(6).ln()) / 3.0;
        assert!((e.sm2.log_loss - expected).abs() < 1e-9, "{e:?}");
        // FSRS from the crate's own states and curve.
        let fsrs = fsrs::FSRS::new(&[]).unwrap();
        let s1 = fsrs.memory_state(h[0].fsrs_item(), None).unwrap();
        assert!(e.fsrs.log_loss.is_finite() && s1.stability > 0.0);
    }

    #[test]
    fn no_predictions_without_a_second_review() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        assert_eq!(evaluate(&[history(&[(0, 3)])], &model).unwrap(), None);
        assert_eq!(evaluate(&[], &model).unwrap(), None);
    }

    #[test]
    fn a_perfect_predictor_scores_better_than_a_confident_wrong_one() {
        let good = [Prediction {
            bin: (1, 1, 0),
            recalled: true,
            fsrs: 0.99,
            sm2: 0.01,
        }];
        assert!(scores(&good, |p| p.fsrs).log_loss < scores(&good, |p| p.sm2).log_loss);
        assert!(scores(&good, |p| p.fsrs).rmse_bins < scores(&good, |p| p.sm2).rmse_bins);
    }
}
