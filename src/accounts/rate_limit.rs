//! Sign-in and sign-up rate limiting: which counters an attempt touches, and pure arithmetic
//! over the times of the recent attempts on each.
//!
//! A sign-in is counted on three subjects, each with its own limit: the username from this
//! address (small, so guessing from one place stops quickly), the address (across usernames),
//! and the username from anywhere (a higher ceiling for guessing spread over many addresses).
//! A flood from one address therefore blocks that address, not the owner signing in from
//! elsewhere.

use chrono::{Duration, NaiveDateTime};

/// At most `max` attempts within `window_minutes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub window_minutes: i64,
}

impl Limit {
    pub fn window(self) -> Duration {
        Duration::minutes(self.window_minutes)
    }
}

/// Failed sign-ins for one username from one address.
pub const USER_FROM_ADDRESS: Limit = Limit {
    max: 5,
    window_minutes: 15,
};
/// Failed sign-ins from one address, whatever the username.
pub const ADDRESS: Limit = Limit {
    max: 20,
    window_minutes: 15,
};
/// Failed sign-ins for one username from all addresses together.
pub const USER: Limit = Limit {
    max: 50,
    window_minutes: 15,
};
// The wider the counter, the higher its limit: otherwise one would make another pointless.
const _: () = assert!(USER.max > ADDRESS.max && ADDRESS.max > USER_FROM_ADDRESS.max);

/// Accounts created from one address.
pub const SIGN_UPS_FROM_ADDRESS: Limit = Limit {
    max: 10,
    window_minutes: 60,
};

/// The longest window of any limit: attempts older than this no longer matter.
pub fn longest_window() -> Duration {
    [USER_FROM_ADDRESS, ADDRESS, USER, SIGN_UPS_FROM_ADDRESS]
        .iter()
        .map(|l| l.window())
        .max()
        .unwrap_or_else(|| Duration::hours(1))
}

/// Longer names cannot be accounts; cutting them keeps the stored subjects small.
const MAX_NAME_IN_SUBJECT: usize = 64;

/// The counters a sign-in for `username` from `address` is charged to, with their limits.
/// The first is the one a successful sign-in clears.
pub fn sign_in_subjects(username: &str, address: &str) -> Vec<(String, Limit)> {
    let name: String = username.chars().take(MAX_NAME_IN_SUBJECT).collect();
    vec![
        (format!("user-at:{name}@{address}"), USER_FROM_ADDRESS),
        (format!("ip:{address}"), ADDRESS),
        (format!("user:{name}"), USER),
    ]
}

/// The counter a sign-up from `address` is charged to.
pub fn sign_up_subject(address: &str) -> (String, Limit) {
    (format!("signup:{address}"), SIGN_UPS_FROM_ADDRESS)
}

/// `None` when another attempt is allowed now; otherwise how long until it is.
pub fn wait_before_next_attempt(
    limit: Limit,
    attempts: &[NaiveDateTime],
    now: NaiveDateTime,
) -> Option<Duration> {
    // Attempts stamped after `now` count too: a parallel request that started a moment
    // later may have recorded its attempt first.
    let mut recent: Vec<NaiveDateTime> = attempts
        .iter()
        .copied()
        .filter(|t| *t > now - limit.window())
        .collect();
    if recent.len() < limit.max {
        return None;
    }
    recent.sort();
    // Allowed again once enough of the recent attempts have aged out of the window.
    let index = recent.len() - limit.max;
    recent
        .get(index)
        .map(|t| *t + limit.window() - now)
        .filter(|d| *d > Duration::zero())
}

/// "3 minutes", "1 minute", rounded up: what the forms say.
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
        assert_eq!(
            wait_before_next_attempt(USER_FROM_ADDRESS, &failures, at(5)),
            None
        );
    }

    #[test]
    fn five_failures_block_until_the_oldest_leaves_the_window() {
        let failures: Vec<_> = (0..5).map(at).collect();
        assert_eq!(
            wait_before_next_attempt(USER_FROM_ADDRESS, &failures, at(5)),
            Some(Duration::minutes(10))
        );
        assert_eq!(
            wait_before_next_attempt(USER_FROM_ADDRESS, &failures, at(15)),
            None
        );
        assert_eq!(describe_wait(Duration::minutes(10)), "10 minutes");
        assert_eq!(describe_wait(Duration::seconds(20)), "1 minute");
    }

    #[test]
    fn attempts_recorded_by_a_request_that_started_later_still_count() {
        let later: Vec<_> = (6..11).map(at).collect();
        assert!(wait_before_next_attempt(USER_FROM_ADDRESS, &later, at(5)).is_some());
    }

    #[test]
    fn the_same_failures_block_one_address_long_before_the_user_everywhere() {
        let failures: Vec<_> = (0..5).map(at).collect();
        assert!(wait_before_next_attempt(USER_FROM_ADDRESS, &failures, at(6)).is_some());
        assert_eq!(wait_before_next_attempt(ADDRESS, &failures, at(6)), None);
        assert_eq!(wait_before_next_attempt(USER, &failures, at(6)), None);
    }

    #[test]
    fn a_sign_in_is_charged_to_the_user_at_the_address_the_address_and_the_user() {
        let subjects = sign_in_subjects("ada", "10.0.0.1");
        let names: Vec<&str> = subjects.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["user-at:ada@10.0.0.1", "ip:10.0.0.1", "user:ada"]);
        let long = sign_in_subjects(&"x".repeat(10_000), "::1");
        assert!(long.iter().all(|(s, _)| s.len() < 100));
    }

    #[test]
    fn the_longest_window_covers_every_limit() {
        assert_eq!(longest_window(), Duration::minutes(60));
    }
}
