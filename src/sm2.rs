//! The SM-2 spaced-repetition scheduler and the study-day calendar: pure functions, no I/O,
//! no clock, no floating point.
//!
//! Easiness is kept in hundredths (250 = 2.5) so that every step is exact integer arithmetic and
//! the same grades always give the same schedule on every machine and database.

use chrono::{DateTime, Days, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Easiness never drops below 1.30: below that, cards would come back too often to be useful.
pub const MIN_EASINESS_HUNDREDTHS: u32 = 130;
/// Intervals are capped at about a century so that due days always stay valid calendar dates.
pub const MAX_INTERVAL_DAYS: u32 = 36_500;

/// Where one card stands in its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sm2State {
    /// Successful reviews in a row (reset by a failing grade).
    pub repetitions: u32,
    /// Days until the next review.
    pub interval_days: u32,
    /// The easiness factor in hundredths.
    pub easiness_hundredths: u32,
}

impl Sm2State {
    /// A card never reviewed: 0 repetitions, 0 days, easiness 2.50.
    pub const NEW: Sm2State = Sm2State {
        repetitions: 0,
        interval_days: 0,
        easiness_hundredths: 250,
    };
}

impl Default for Sm2State {
    fn default() -> Self {
        Self::NEW
    }
}

/// A self-grade from 0 ("no idea") to 5 ("perfect"). Only valid grades can be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grade(u8);

/// A grade field that is not a number from 0 to 5 (its message is for the person).
#[derive(Debug, thiserror::Error)]
#[error("Grade the answer with a number from 0 to 5.")]
pub struct GradeFieldError;

impl Grade {
    pub const MAX: u8 = 5;

    /// Every grade with its word and what it means, as the grade buttons show them.
    pub const CHOICES: [(u8, &str, &str); 6] = [
        (0, "no idea", "blank: nothing came to mind"),
        (1, "wrong", "answered, but wrong"),
        (2, "almost", "wrong, but the answer felt familiar"),
        (3, "hard", "right, with serious effort"),
        (4, "good", "right, after some thought"),
        (5, "perfect", "right, straight away"),
    ];

    /// A grade as a form sends it (surrounding spaces allowed).
    pub fn parse_field(text: &str) -> Result<Grade, GradeFieldError> {
        text.trim()
            .parse::<u8>()
            .ok()
            .and_then(Grade::new)
            .ok_or(GradeFieldError)
    }

    /// The word of a grade as stored (an `i32` column), or "?" for a value no grade has.
    pub fn stored_label(stored: i32) -> &'static str {
        u8::try_from(stored)
            .ok()
            .and_then(Grade::new)
            .map_or("?", Grade::label)
    }

    /// `Some` for 0..=5, `None` otherwise.
    pub const fn new(value: u8) -> Option<Grade> {
        if value <= Self::MAX {
            Some(Grade(value))
        } else {
            None
        }
    }

    pub const fn value(self) -> u8 {
        self.0
    }

    /// Grades 3 and up count as remembered and advance the schedule.
    pub const fn is_pass(self) -> bool {
        self.0 >= 3
    }

    /// Grades below 4 are drilled again the same day (without changing the schedule).
    pub const fn needs_same_day_redrill(self) -> bool {
        self.0 < 4
    }

    /// How the grade is labelled on buttons and in reports.
    pub const fn label(self) -> &'static str {
        match self.0 {
            0 => "no idea",
            1 => "wrong",
            2 => "almost",
            3 => "hard",
            4 => "good",
            _ => "perfect",
        }
    }
}

/// Error for a number outside 0..=5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a grade is a whole number from 0 to 5, not {0}")]
pub struct InvalidGrade(pub u8);

impl TryFrom<u8> for Grade {
    type Error = InvalidGrade;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Grade::new(value).ok_or(InvalidGrade(value))
    }
}

impl From<Grade> for u8 {
    fn from(grade: Grade) -> u8 {
        grade.0
    }
}

/// Applies one grade to a card's state.
///
/// - A grade below 3 resets repetitions to 0 and schedules the card for tomorrow.
/// - A grade of 3 or more: 1 day after 0 repetitions, 6 after 1, otherwise
///   `ceil(previous interval × easiness before this grade / 100)`; repetitions + 1.
/// - After every grade the easiness changes by `10 − (5 − q)·(8 + (5 − q)·2)` hundredths and
///   never falls below 130.
pub fn review(state: Sm2State, grade: Grade) -> Sm2State {
    let q = u32::from(grade.value());
    let (repetitions, interval_days) = if grade.is_pass() {
        let interval = match state.repetitions {
            0 => 1,
            1 => 6,
            _ => ceil_div(
                u64::from(state.interval_days) * u64::from(state.easiness_hundredths),
                100,
            ),
        };
        (
            state.repetitions.saturating_add(1),
            u32::try_from(interval)
                .unwrap_or(MAX_INTERVAL_DAYS)
                .clamp(1, MAX_INTERVAL_DAYS),
        )
    } else {
        (0, 1)
    };
    let miss = 5 - q;
    // 10 − miss·(8 + 2·miss): +10, 0, −14, −32, −54, −80 for q = 5..0.
    let change = 10_i64 - i64::from(miss * (8 + miss * 2));
    let easiness = (i64::from(state.easiness_hundredths) + change)
        .clamp(i64::from(MIN_EASINESS_HUNDREDTHS), i64::from(u32::MAX));
    Sm2State {
        repetitions,
        interval_days,
        easiness_hundredths: u32::try_from(easiness).unwrap_or(u32::MAX),
    }
}

fn ceil_div(numerator: u64, denominator: u64) -> u64 {
    numerator.div_ceil(denominator)
}

/// How a user's days are cut: their timezone and the local hour at which a new day begins
/// (default 04:00, so a late-night session still counts as the evening before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayClock {
    pub timezone: Tz,
    pub rollover_hour: u8,
}

impl Default for DayClock {
    fn default() -> Self {
        DayClock {
            timezone: Tz::UTC,
            rollover_hour: 4,
        }
    }
}

impl DayClock {
    /// The study day that `now` belongs to for this user.
    pub fn study_day(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = now.with_timezone(&self.timezone).naive_local();
        (local - Duration::hours(i64::from(self.rollover_hour.min(23)))).date()
    }

    /// The day a card reviewed on `review_day` falls due again.
    pub fn due_day(review_day: NaiveDate, interval_days: u32) -> NaiveDate {
        review_day
            .checked_add_days(Days::new(u64::from(interval_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The instant a study day begins. When DST makes the rollover time happen twice, the first
    /// one counts; when it is skipped, the day begins at the first valid minute after the gap.
    pub fn day_starts_at(&self, day: NaiveDate) -> DateTime<Utc> {
        let hour = u32::from(self.rollover_hour.min(23));
        let mut local = day.and_time(NaiveTime::MIN) + Duration::hours(i64::from(hour));
        // A DST gap is at most a few hours; step forward a minute at a time until we are out.
        for _ in 0..(24 * 60) {
            match self.timezone.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
                LocalResult::None => local += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn g(v: u8) -> Grade {
        Grade::new(v).unwrap()
    }

    fn run(grades: &[u8]) -> Vec<Sm2State> {
        let mut state = Sm2State::NEW;
        grades
            .iter()
            .map(|&v| {
                state = review(state, g(v));
                state
            })
            .collect()
    }

    fn s(repetitions: u32, interval_days: u32, easiness_hundredths: u32) -> Sm2State {
        Sm2State {
            repetitions,
            interval_days,
            easiness_hundredths,
        }
    }

    #[test]
    fn a_stored_grade_reads_as_its_word_and_a_bad_one_as_a_question_mark() {
        assert_eq!(Grade::stored_label(4), "good");
        assert_eq!(Grade::stored_label(0), "no idea");
        assert_eq!(Grade::stored_label(6), "?");
        assert_eq!(Grade::stored_label(-1), "?");
    }

    #[test]
    fn grades_outside_zero_to_five_are_refused() {
        assert!(Grade::new(6).is_none());
        assert_eq!(Grade::try_from(9), Err(InvalidGrade(9)));
        assert_eq!(Grade::try_from(5).map(u8::from), Ok(5));
    }

    #[test]
    fn perfect_grades_follow_the_hand_checked_sequence() {
        // EF 250 → 260 → 270 → 280 → 290; intervals 1, 6, then with the easiness from before
        // each grade: ceil(6 × 2.70) = 17 (16.2 up), ceil(17 × 2.80) = 48 (47.6 up).
        assert_eq!(
            run(&[5, 5, 5, 5]),
            vec![s(1, 1, 260), s(2, 6, 270), s(3, 17, 280), s(4, 48, 290)]
        );
    }

    #[test]
    fn grade_four_keeps_easiness_and_uses_it_before_the_change() {
        // EF stays 250: 1, 6, ceil(6×2.5)=15, ceil(15×2.5)=38 (37.5 up).
        assert_eq!(
            run(&[4, 4, 4, 4]),
            vec![s(1, 1, 250), s(2, 6, 250), s(3, 15, 250), s(4, 38, 250)]
        );
    }

    #[test]
    fn a_failing_grade_resets_to_tomorrow_and_lowers_easiness() {
        // 4, 4, then 2: reps 0, interval 1, EF 250 − 32 = 218; then 3: interval 1, EF 204.
        assert_eq!(
            run(&[4, 4, 2, 3]),
            vec![s(1, 1, 250), s(2, 6, 250), s(0, 1, 218), s(1, 1, 204)]
        );
    }

    #[test]
    fn grade_three_uses_the_easiness_from_before_it_drops() {
        // 5 (EF 260), 5 (EF 270), 3: interval ceil(6 × 2.70) = 17, EF 270 − 14 = 256.
        assert_eq!(run(&[5, 5, 3]).last().copied(), Some(s(3, 17, 256)));
    }

    #[test]
    fn easiness_stops_at_one_thirty() {
        assert_eq!(
            run(&[0, 0, 0]),
            vec![s(0, 1, 170), s(0, 1, 130), s(0, 1, 130)]
        );
    }

    #[test]
    fn easiness_changes_match_the_sm2_formula_for_each_grade() {
        let changes: Vec<i64> = (0..=5)
            .map(|q| i64::from(review(s(3, 10, 250), g(q)).easiness_hundredths) - 250)
            .collect();
        assert_eq!(changes, vec![-80, -54, -32, -14, 0, 10]);
    }

    #[test]
    fn study_day_rolls_over_at_four_in_the_users_timezone() {
        let clock = DayClock {
            timezone: chrono_tz::Europe::Berlin,
            rollover_hour: 4,
        };
        // 02:30 UTC on 10 Jan = 03:30 Berlin: still the 9th.
        let t = Utc.with_ymd_and_hms(2026, 1, 10, 2, 30, 0).unwrap();
        assert_eq!(
            clock.study_day(t),
            NaiveDate::from_ymd_opt(2026, 1, 9).unwrap()
        );
        // 03:30 UTC = 04:30 Berlin: the 10th.
        let t = Utc.with_ymd_and_hms(2026, 1, 10, 3, 30, 0).unwrap();
        assert_eq!(
            clock.study_day(t),
            NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
        );
    }

    #[test]
    fn day_start_is_correct_across_dst_changes() {
        let clock = DayClock {
            timezone: chrono_tz::America::New_York,
            rollover_hour: 4,
        };
        // Before spring-forward (8 Mar 2026) New York is UTC−5, after it UTC−4.
        let before = clock.day_starts_at(NaiveDate::from_ymd_opt(2026, 3, 7).unwrap());
        let after = clock.day_starts_at(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(before, Utc.with_ymd_and_hms(2026, 3, 7, 9, 0, 0).unwrap());
        assert_eq!(after, Utc.with_ymd_and_hms(2026, 3, 9, 8, 0, 0).unwrap());
        // The study day spanning the change is 23 hours long: boundaries stay at 04:00 local.
        let dst_day = clock.day_starts_at(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        assert_eq!(dst_day - before, Duration::hours(23));
        assert_eq!(after - dst_day, Duration::hours(24));
        // 03:59 local on the day after the change still belongs to the DST day.
        let t = Utc.with_ymd_and_hms(2026, 3, 9, 7, 59, 0).unwrap();
        assert_eq!(
            clock.study_day(t),
            NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()
        );
    }

    #[test]
    fn a_rollover_inside_a_dst_gap_starts_after_the_gap() {
        // Europe/Berlin jumps from 02:00 to 03:00 on 29 Mar 2026.
        let clock = DayClock {
            timezone: chrono_tz::Europe::Berlin,
            rollover_hour: 2,
        };
        let start = clock.day_starts_at(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
    }

    #[test]
    fn due_day_adds_the_interval_to_the_review_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 30).unwrap();
        assert_eq!(
            DayClock::due_day(day, 6),
            NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()
        );
    }

    fn any_state() -> impl Strategy<Value = Sm2State> {
        (0u32..50, 0u32..=MAX_INTERVAL_DAYS, 130u32..400).prop_map(|(r, i, e)| s(r, i, e))
    }

    proptest! {
        #[test]
        fn easiness_never_drops_below_130(grades in proptest::collection::vec(0u8..=5, 0..60)) {
            for state in run(&grades) {
                prop_assert!(state.easiness_hundredths >= MIN_EASINESS_HUNDREDTHS);
            }
        }

        #[test]
        fn interval_is_at_least_one_day_after_any_grade(state in any_state(), q in 0u8..=5) {
            prop_assert!(review(state, g(q)).interval_days >= 1);
        }

        #[test]
        fn a_fail_always_resets(state in any_state(), q in 0u8..3) {
            let next = review(state, g(q));
            prop_assert_eq!(next.repetitions, 0);
            prop_assert_eq!(next.interval_days, 1);
        }

        #[test]
        fn a_pass_always_adds_one_repetition(state in any_state(), q in 3u8..=5) {
            prop_assert_eq!(review(state, g(q)).repetitions, state.repetitions + 1);
        }

        #[test]
        fn same_input_gives_same_output(state in any_state(), q in 0u8..=5) {
            prop_assert_eq!(review(state, g(q)), review(state, g(q)));
        }

        #[test]
        fn study_day_changes_exactly_at_day_start(days in 0u64..3000, hour in 0u8..24) {
            let clock = DayClock { timezone: chrono_tz::America::New_York, rollover_hour: hour };
            let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Days::new(days);
            let start = clock.day_starts_at(day);
            prop_assert_eq!(clock.study_day(start), day);
            prop_assert!(clock.study_day(start - Duration::seconds(1)) < day);
        }
    }
}
