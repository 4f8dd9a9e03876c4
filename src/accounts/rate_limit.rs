//! Sign-in rate limiting: pure arithmetic over the times of recent failures.

use chrono::{Duration, NaiveDateTime};

/// Failed attempts allowed per username and per client address within [`WINDOW_MINUTES`].
pub const MAX_FAILURES: usize = 5;
pub const WINDOW_MINUTES: i64 = 15;

pub fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// `None` when another attempt is allowed now; otherwise how long until it is.
pub fn wait_before_next_attempt(
    failures: &[NaiveDateTime],
    now: NaiveDateTime,
) -> Option<Duration> {
    let mut recent: Vec<NaiveDateTime> = failures
        .iter()
        .copied()
        .filter(|t| *t > now - window() && *t <= now)
        .collect();
    if recent.len() < MAX_FAILURES {
        return None;
    }
    recent.sort();
    // Allowed again once enough of the recent failures have aged out of the window.
    let index = recent.len() - MAX_FAILURES;
    recent
        .get(index)
        .map(|t| *t + window() - now)
        .filter(|d| *d > Duration::zero())
}

/// "3 minutes", "1 minute", rounded up: what the sign-in form says.
pub fn describe_wait(wait: Duration) -> String {
    let minutes = (wait.num_seconds() + 59) / 60;
    if minutes <= 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(12, minute, 0)
            .unwrap()
    }

    #[test]
    fn four_failures_still_allow_an_attempt() {
        let failures: Vec<_> = (0..4).map(at).collect();
        assert_eq!(wait_before_next_attempt(&failures, at(5)), None);
    }

    #[test]
    fn five_failures_block_until_the_oldest_leaves_the_window() {
        let failures: Vec<_> = (0..5).map(at).collect();
        assert_eq!(
            wait_before_next_attempt(&failures, at(5)),
            Some(Duration::minutes(10))
        );
        assert_eq!(wait_before_next_attempt(&failures, at(15)), None);
        assert_eq!(describe_wait(Duration::minutes(10)), "10 minutes");
        assert_eq!(describe_wait(Duration::seconds(20)), "1 minute");
    }
}
