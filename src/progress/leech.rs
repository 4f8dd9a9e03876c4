//! Leeches, as in Anki: a card failed (graded below 3) for the 8th time keeps costing time
//! without sticking, so it is suspended and the candidate is told why. If they take it back
//! and keep failing it, every 4th failure after that suspends it again. Pure.
//!
//! Failures are the card's lapses: failing scheduled grades, from study or a mock interview
//! (a same-day re-drill does not move the schedule and does not count).

/// The failure that first makes a card a leech.
pub const LEECH_LAPSES: i32 = 8;
/// After that, every this many further failures suspend it again.
pub const LEECH_AGAIN_EVERY: i32 = 4;

/// Whether the failure that brought the card to `lapses_after` failures suspends it.
pub fn failure_suspends(lapses_after: i32) -> bool {
    lapses_after >= LEECH_LAPSES && (lapses_after - LEECH_LAPSES) % LEECH_AGAIN_EVERY == 0
}

/// Whether a card with this many failures counts as a leech (for lists and the admins).
pub fn is_leech(lapses: i32) -> bool {
    lapses >= LEECH_LAPSES
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_eighth_failure_suspends_then_every_fourth() {
        let suspending: Vec<i32> = (0..=20).filter(|n| failure_suspends(*n)).collect();
        assert_eq!(suspending, vec![8, 12, 16, 20]);
        assert!(!is_leech(7));
        assert!(is_leech(8));
        assert!(is_leech(9));
    }

    proptest! {
        #[test]
        fn a_suspending_failure_always_makes_a_leech(lapses in -5i32..10_000) {
            if failure_suspends(lapses) {
                prop_assert!(is_leech(lapses));
            }
            // Between two suspensions there are exactly three failures that do not suspend.
            if is_leech(lapses) {
                let next = (lapses + 1..=lapses + LEECH_AGAIN_EVERY)
                    .filter(|n| failure_suspends(*n))
                    .count();
                prop_assert_eq!(next, 1);
            }
        }
    }
}
