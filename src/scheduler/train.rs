//! Fitting FSRS parameters to one user's review log with the crate's `compute_parameters`.
//! Pure apart from the crate's own worker threads: the caller loads the log and stores the
//! result. Bounded: at most [`MAX_TRAINING_ITEMS`] reviews (the newest) are used, so time and
//! memory do not grow with a long history.

use super::core::CardHistory;
use fsrs::{CombinedProgressState, ComputeParametersInput, FSRSItem};
use std::sync::{Arc, Mutex};

/// Below this many reviews that follow an earlier review of the same card, the crate returns
/// its default parameters instead of fitting (its own minimum).
pub const MIN_TRAINING_REVIEWS: usize = 8;

/// The newest reviews used for training at most: about 10 MB of items and well under a
/// minute of fitting on one core.
pub const MAX_TRAINING_ITEMS: usize = 50_000;

/// Why no parameters were fitted.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "FSRS needs at least {MIN_TRAINING_REVIEWS} reviews of questions you had seen on an \
         earlier day; you have {0}."
    )]
    NotEnoughReviews(usize),
    #[error("FSRS could not fit parameters to these reviews: {0:?}")]
    Fsrs(fsrs::FSRSError),
}

/// The reviews a training can learn from: each review after a card's first, with the reviews
/// before it (as the crate wants them), the newest [`MAX_TRAINING_ITEMS`].
pub fn training_items(histories: &[CardHistory]) -> Vec<FSRSItem> {
    let mut dated: Vec<(chrono::NaiveDate, FSRSItem)> = Vec::new();
    for history in histories {
        let item = history.fsrs_item();
        for (end, review) in history.reviews.iter().enumerate().skip(1) {
            let prefix: Vec<_> = item.reviews.iter().take(end + 1).copied().collect();
            dated.push((review.day, FSRSItem { reviews: prefix }));
        }
    }
    if dated.len() > MAX_TRAINING_ITEMS {
        dated.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
        dated.truncate(MAX_TRAINING_ITEMS);
    }
    dated.into_iter().map(|(_, item)| item).collect()
}

/// Fits parameters to the histories; `progress` (optional) is updated as the crate works.
pub fn train(
    histories: &[CardHistory],
    progress: Option<Arc<Mutex<CombinedProgressState>>>,
) -> Result<Vec<f32>, TrainError> {
    let items = training_items(histories);
    if items.len() < MIN_TRAINING_REVIEWS {
        return Err(TrainError::NotEnoughReviews(items.len()));
    }
    fsrs::compute_parameters(ComputeParametersInput {
        train_set: items,
        progress,
        // Our same-day re-drills are not in the histories, so there is no short-term memory
        // to model.
        enable_short_term: false,
        ..ComputeParametersInput::default()
    })
    .map_err(TrainError::Fsrs)
}

/// Progress of a running training in whole percent (0 before the crate reports).
pub fn percent_done(progress: &CombinedProgressState) -> u8 {
    let total = progress.total();
    if total == 0 {
        return 0;
    }
    u8::try_from((progress.current() * 100 / total).min(100)).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::core::LoggedReview;
    use crate::sm2::Grade;
    use chrono::NaiveDate;

    fn card(days_and_grades: &[(u32, u8)]) -> CardHistory {
        let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        CardHistory::complete(
            days_and_grades
                .iter()
                .map(|&(d, v)| LoggedReview {
                    day: start + chrono::Days::new(u64::from(d)),
                    grade: Grade::new(v).unwrap(),
                })
                .collect(),
        )
    }

    #[test]
    fn every_review_after_a_cards_first_is_a_training_item_with_its_past() {
        let items = training_items(&[card(&[(0, 4), (1, 4), (7, 2)]), card(&[(3, 5)])]);
        let lengths: Vec<usize> = items.iter().map(|i| i.reviews.len()).collect();
        assert_eq!(lengths, [2, 3]);
        assert_eq!(items[1].reviews[2].delta_t, 6);
    }

    #[test]
    fn too_few_reviews_are_refused_with_the_count() {
        let err = train(&[card(&[(0, 4), (1, 4), (7, 2)])], None).unwrap_err();
        assert!(matches!(err, TrainError::NotEnoughReviews(2)), "{err:?}");
        assert!(err.to_string().contains("at least 8"));
    }
}
