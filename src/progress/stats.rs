//! The figures of the progress page, worked out from what the database sums up (reviews per
//! study day) and from the user's cards (at most one per question). Pure: "today" is passed in,
//! worked out by the caller from the user's timezone and rollover hour (`Settings::day_clock`),
//! and every review carries the study day it was given on.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use std::collections::HashMap;

/// The heatmap covers this many study days, today included (12 months).
pub const HEATMAP_DAYS: u64 = 365;
/// The due forecast and the time-spent chart cover this many days, today included.
pub const FORECAST_DAYS: u64 = 30;
pub const TIME_DAYS: u64 = 30;
/// "Recent" retention covers this many study days, today included.
pub const RECENT_DAYS: u64 = 30;
/// A card is mature once its interval reaches this many days (as in Anki); younger is young.
pub const MATURE_INTERVAL_DAYS: i32 = 21;

/// How many of some reviews were passed (graded 3 or more).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassCount {
    pub passed: u64,
    pub total: u64,
}

impl PassCount {
    pub fn plus(self, other: PassCount) -> PassCount {
        PassCount {
            passed: self.passed.saturating_add(other.passed),
            total: self.total.saturating_add(other.total),
        }
    }

    /// The share passed, in whole percent (rounded half up); `None` without reviews.
    pub fn percent(self) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let passed = self.passed.min(self.total);
        Some((passed.saturating_mul(200) + self.total) / (self.total * 2))
    }

    /// "87 % (131 of 150)" or "no reviews".
    pub fn describe(self) -> String {
        match self.percent() {
            Some(p) => format!("{p} % ({} of {})", self.passed, self.total),
            None => "no reviews".into(),
        }
    }
}

/// One study day's reviews as the database sums them up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub day: NaiveDate,
    /// Every grade given (re-drills and first sights included).
    pub reviews: u64,
    /// Time on the question pages, in milliseconds.
    pub time_ms: i64,
    /// Scheduled reviews of young cards (interval before the review < 21 days).
    pub young: PassCount,
    /// Scheduled reviews of mature cards (interval before the review ≥ 21 days).
    pub mature: PassCount,
}

/// Retention, young and mature, recent and all time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    pub young_recent: PassCount,
    pub mature_recent: PassCount,
    pub young_all: PassCount,
    pub mature_all: PassCount,
}

fn days_before(today: NaiveDate, days: u64) -> NaiveDate {
    today
        .checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

fn days_after(today: NaiveDate, days: u64) -> NaiveDate {
    today
        .checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// The first day of the last `days` study days (today included).
pub fn window_start(today: NaiveDate, days: u64) -> NaiveDate {
    days_before(today, days.saturating_sub(1))
}

/// Retention from the per-day totals: recent is the last [`RECENT_DAYS`] study days.
pub fn retention(today: NaiveDate, days: &[DayTotals]) -> Retention {
    let recent_from = window_start(today, RECENT_DAYS);
    days.iter()
        .filter(|d| d.day <= today)
        .fold(Retention::default(), |acc, d| {
            let recent = d.day >= recent_from;
            Retention {
                young_recent: if recent {
                    acc.young_recent.plus(d.young)
                } else {
                    acc.young_recent
                },
                mature_recent: if recent {
                    acc.mature_recent.plus(d.mature)
                } else {
                    acc.mature_recent
                },
                young_all: acc.young_all.plus(d.young),
                mature_all: acc.mature_all.plus(d.mature),
            }
        })
}

/// Study days in a row with at least one review, ending today, or yesterday while today has
/// none yet (the streak is not broken until the day is over).
pub fn current_streak(today: NaiveDate, days: &[DayTotals]) -> u32 {
    let studied: std::collections::HashSet<NaiveDate> = days
        .iter()
        .filter(|d| d.reviews > 0)
        .map(|d| d.day)
        .collect();
    let mut day = if studied.contains(&today) {
        today
    } else {
        days_before(today, 1)
    };
    let mut streak = 0u32;
    while studied.contains(&day) {
        streak = streak.saturating_add(1);
        match day.pred_opt() {
            Some(previous) => day = previous,
            None => break,
        }
    }
    streak
}

/// The heatmap's cell size and gap, in SVG units.
pub const CELL: u32 = 11;
pub const STEP: u32 = 13;
/// Room for the weekday labels on the left and the month labels on top.
pub const HEAT_LEFT: u32 = 30;
pub const HEAT_TOP: u32 = 16;

/// One day of the heatmap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeatCell {
    pub day: NaiveDate,
    pub reviews: u64,
    /// 0 (none) to 4 (the busiest days).
    pub level: u8,
    pub x: u32,
    pub y: u32,
    /// "Mon 7 Dec 2026: 12", its tooltip (worked out once: the heatmap is kept between
    /// requests, and formatting 371 dates was most of a page's cost).
    pub title: String,
}

/// A month of the heatmap, for its label and its row in the data table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeatMonth {
    /// "Dec 2026"
    pub name: String,
    /// "Dec", the label over the heatmap.
    pub short: String,
    /// Where the label goes: the column of the month's first day shown.
    pub x: u32,
    pub reviews: u64,
    pub active_days: u32,
}

/// Reviews per day over the last [`HEATMAP_DAYS`] study days: one column per week (Monday
/// on top), one cell per day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heatmap {
    pub cells: Vec<HeatCell>,
    pub months: Vec<HeatMonth>,
    pub width: u32,
    pub height: u32,
    pub total: u64,
    pub active_days: u32,
    pub busiest: u64,
}

/// How busy a day was next to the busiest day shown: 0 for none, else 1 to 4 by quarters.
pub fn heat_level(reviews: u64, busiest: u64) -> u8 {
    if reviews == 0 || busiest == 0 {
        return 0;
    }
    let level = (reviews.min(busiest) * 4).div_ceil(busiest);
    u8::try_from(level.clamp(1, 4)).unwrap_or(4)
}

pub fn heatmap(today: NaiveDate, days: &[DayTotals]) -> Heatmap {
    let first = window_start(today, HEATMAP_DAYS);
    let counts: HashMap<NaiveDate, u64> = days
        .iter()
        .filter(|d| d.day >= first && d.day <= today)
        .map(|d| (d.day, d.reviews))
        .collect();
    let busiest = counts.values().copied().max().unwrap_or(0);
    let first_monday = days_before(first, u64::from(first.weekday().num_days_from_monday()));
    let mut cells = Vec::new();
    let mut months: Vec<HeatMonth> = Vec::new();
    let mut day = first;
    let mut last_column = 0;
    while day <= today {
        let reviews = counts.get(&day).copied().unwrap_or(0);
        let column = u32::try_from((day - first_monday).num_days() / 7).unwrap_or(0);
        let row = day.weekday().num_days_from_monday();
        last_column = column;
        let x = HEAT_LEFT + column * STEP;
        let name = day.format("%b %Y").to_string();
        match months.last_mut() {
            Some(month) if month.name == name => {
                month.reviews += reviews;
                month.active_days += u32::from(reviews > 0);
            }
            _ => {
                // A month begun too near the next one's label gives up its own.
                if let Some(previous) = months.last_mut() {
                    if x < previous.x + 3 * STEP {
                        previous.short.clear();
                    }
                }
                months.push(HeatMonth {
                    short: day.format("%b").to_string(),
                    name,
                    x,
                    reviews,
                    active_days: u32::from(reviews > 0),
                })
            }
        }
        cells.push(HeatCell {
            day,
            reviews,
            level: heat_level(reviews, busiest),
            x,
            y: HEAT_TOP + row * STEP,
            title: format!("{}: {reviews}", day.format("%a %-d %b %Y")),
        });
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    Heatmap {
        total: cells.iter().map(|c| c.reviews).sum(),
        active_days: u32::try_from(cells.iter().filter(|c| c.reviews > 0).count())
            .unwrap_or(u32::MAX),
        cells,
        months,
        width: HEAT_LEFT + (last_column + 1) * STEP,
        height: HEAT_TOP + 7 * STEP,
        busiest,
    }
}

/// A user's card, as far as the progress pages care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardFacts {
    pub question_id: String,
    /// `None` until the card is first graded.
    pub due_day: Option<NaiveDate>,
    /// Passing scheduled grades in a row (0 after a failure).
    pub repetitions: i32,
    pub interval_days: i32,
    pub suspended: bool,
    pub buried_until: Option<NaiveDate>,
    pub last_reviewed_at: Option<NaiveDateTime>,
    /// Failing scheduled grades, ever.
    pub lapses: i32,
}

/// Where a card stands, for "cards by state". Each card is in exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CardKind {
    /// Never graded.
    New,
    /// Graded, but not yet passed twice in a row (new, or failed last time).
    Learning,
    /// Passed at least twice in a row; interval under 21 days.
    Young,
    /// Interval of 21 days or more.
    Mature,
    /// Taken out of study (by hand, or as a leech).
    Suspended,
    /// Hidden until a later study day.
    Buried,
}

impl CardKind {
    pub const ALL: [CardKind; 6] = [
        CardKind::New,
        CardKind::Learning,
        CardKind::Young,
        CardKind::Mature,
        CardKind::Suspended,
        CardKind::Buried,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CardKind::New => "new",
            CardKind::Learning => "learning",
            CardKind::Young => "young",
            CardKind::Mature => "mature",
            CardKind::Suspended => "suspended",
            CardKind::Buried => "buried",
        }
    }

    /// What the state means, as the page explains it.
    pub fn rule(self) -> &'static str {
        match self {
            CardKind::New => "never graded",
            CardKind::Learning => "graded, not yet passed twice in a row (or failed last time)",
            CardKind::Young => "passed at least twice in a row, next interval under 21 days",
            CardKind::Mature => "next interval of 21 days or more",
            CardKind::Suspended => "out of study until you unsuspend it",
            CardKind::Buried => "hidden until tomorrow",
        }
    }
}

/// A card's state on `today` (suspended and buried first, whatever the schedule says).
pub fn classify(card: Option<&CardFacts>, today: NaiveDate) -> CardKind {
    let Some(card) = card else {
        return CardKind::New;
    };
    if card.suspended {
        CardKind::Suspended
    } else if card.buried_until.is_some_and(|day| day > today) {
        CardKind::Buried
    } else if card.due_day.is_none() {
        CardKind::New
    } else if card.repetitions < 2 {
        CardKind::Learning
    } else if card.interval_days >= MATURE_INTERVAL_DAYS {
        CardKind::Mature
    } else {
        CardKind::Young
    }
}

/// How many of the open questions are in each state, in [`CardKind::ALL`] order.
pub fn card_states<'a>(
    open: impl IntoIterator<Item = &'a str>,
    cards: &HashMap<&str, &CardFacts>,
    today: NaiveDate,
) -> Vec<(CardKind, u64)> {
    let mut counts: HashMap<CardKind, u64> = HashMap::new();
    for id in open {
        *counts
            .entry(classify(cards.get(id).copied(), today))
            .or_default() += 1;
    }
    CardKind::ALL
        .iter()
        .map(|kind| (*kind, counts.get(kind).copied().unwrap_or(0)))
        .collect()
}

/// How many reviews each of the next [`FORECAST_DAYS`] days brings: cards due that day (the
/// overdue ones on today), leaving out suspended cards and counting a buried one on the day
/// it comes back.
pub fn forecast<'a>(
    today: NaiveDate,
    cards: impl IntoIterator<Item = &'a CardFacts>,
) -> Vec<(NaiveDate, u64)> {
    let last = days_after(today, FORECAST_DAYS - 1);
    let mut per_day: HashMap<NaiveDate, u64> = HashMap::new();
    for card in cards {
        let Some(due) = card.due_day else { continue };
        if card.suspended {
            continue;
        }
        let back = card
            .buried_until
            .filter(|day| *day > today)
            .unwrap_or(today);
        let day = due.max(today).max(back);
        if day <= last {
            *per_day.entry(day).or_default() += 1;
        }
    }
    (0..FORECAST_DAYS)
        .map(|n| {
            let day = days_after(today, n);
            (day, per_day.get(&day).copied().unwrap_or(0))
        })
        .collect()
}

/// Minutes spent on each of the last [`TIME_DAYS`] study days, oldest first (rounded to the
/// nearest minute; the seconds are kept for the bars).
pub fn time_per_day(today: NaiveDate, days: &[DayTotals]) -> Vec<(NaiveDate, u64)> {
    let by_day: HashMap<NaiveDate, i64> = days.iter().map(|d| (d.day, d.time_ms)).collect();
    (0..TIME_DAYS)
        .rev()
        .map(|n| {
            let day = days_before(today, n);
            let ms = by_day.get(&day).copied().unwrap_or(0).max(0);
            (day, u64::try_from(ms / 1000).unwrap_or(0))
        })
        .collect()
}

/// "1 h 05 min", "12 min", "under a minute" or "none", for a number of seconds.
pub fn duration_words(seconds: u64) -> String {
    let minutes = (seconds + 30) / 60;
    match (seconds, minutes) {
        (0, _) => "none".into(),
        (_, 0) => "under a minute".into(),
        (_, m) if m < 60 => format!("{m} min"),
        (_, m) => format!("{} h {:02} min", m / 60, m % 60),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sm2::DayClock;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn day(text: &str, reviews: u64) -> DayTotals {
        DayTotals {
            day: d(text),
            reviews,
            time_ms: 60_000 * i64::try_from(reviews).unwrap(),
            ..DayTotals::default()
        }
    }

    /// A card of `id`, due on `due` (never graded without one); also the roadmap's tests.
    pub(crate) fn card(id: &str, due: Option<&str>, reps: i32, interval: i32) -> CardFacts {
        CardFacts {
            question_id: id.into(),
            due_day: due.map(d),
            repetitions: reps,
            interval_days: interval,
            suspended: false,
            buried_until: None,
            last_reviewed_at: None,
            lapses: 0,
        }
    }

    #[test]
    fn percent_rounds_half_up_and_needs_reviews() {
        let p = |passed, total| PassCount { passed, total }.percent();
        assert_eq!(p(0, 0), None);
        assert_eq!(p(1, 2), Some(50));
        assert_eq!(p(2, 3), Some(67));
        assert_eq!(p(1, 8), Some(13));
        assert_eq!(p(1, 200), Some(1));
        assert_eq!(p(3, 3), Some(100));
    }

    #[test]
    fn retention_splits_the_last_thirty_study_days_from_all_time() {
        let pass = |passed, total| PassCount { passed, total };
        let days = [
            DayTotals {
                day: d("2026-12-07"),
                young: pass(3, 4),
                mature: pass(1, 1),
                ..DayTotals::default()
            },
            // The 30th study day back, today included: still recent.
            DayTotals {
                day: d("2026-11-08"),
                young: pass(1, 2),
                ..DayTotals::default()
            },
            // The 31st: all time only.
            DayTotals {
                day: d("2026-11-07"),
                young: pass(0, 5),
                mature: pass(2, 2),
                ..DayTotals::default()
            },
        ];
        let r = retention(d("2026-12-07"), &days);
        assert_eq!(r.young_recent, pass(4, 6));
        assert_eq!(r.mature_recent, pass(1, 1));
        assert_eq!(r.young_all, pass(4, 11));
        assert_eq!(r.mature_all, pass(3, 3));
    }

    #[test]
    fn the_streak_counts_back_from_today_or_from_yesterday_until_today_is_studied() {
        let days = [
            day("2026-12-04", 3),
            day("2026-12-05", 1),
            day("2026-12-06", 9),
        ];
        assert_eq!(current_streak(d("2026-12-06"), &days), 3);
        // Nothing yet today: the streak still stands.
        assert_eq!(current_streak(d("2026-12-07"), &days), 3);
        // A whole day without a review breaks it.
        assert_eq!(current_streak(d("2026-12-08"), &days), 0);
        // A gap inside counts only the days after it.
        let gap = [
            day("2026-12-01", 1),
            day("2026-12-03", 2),
            day("2026-12-04", 2),
        ];
        assert_eq!(current_streak(d("2026-12-04"), &gap), 2);
        assert_eq!(current_streak(d("2026-12-04"), &[day("2026-12-04", 0)]), 0);
    }

    #[test]
    fn a_review_before_the_rollover_hour_counts_for_the_evening_before() {
        // 03:30 in Berlin with a 04:00 rollover is still Sunday's study day; 04:00 is Monday's.
        let clock = DayClock {
            timezone: chrono_tz::Europe::Berlin,
            rollover_hour: 4,
        };
        let late = Utc.with_ymd_and_hms(2026, 12, 7, 2, 30, 0).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 12, 7, 3, 0, 0).unwrap();
        assert_eq!(clock.study_day(late), d("2026-12-06"));
        assert_eq!(clock.study_day(next), d("2026-12-07"));
        let days = [
            day("2026-12-05", 2),
            DayTotals {
                day: clock.study_day(late),
                ..day("2026-12-06", 4)
            },
        ];
        // At 03:30 the day is not over: the streak is 2 and today is Sunday.
        assert_eq!(current_streak(clock.study_day(late), &days), 2);
        let map = heatmap(clock.study_day(late), &days);
        assert_eq!(map.cells.last().unwrap().day, d("2026-12-06"));
        assert_eq!(map.cells.last().unwrap().reviews, 4);
        // From 04:00 it is Monday: still a streak of 2 until Monday ends.
        assert_eq!(current_streak(clock.study_day(next), &days), 2);
        let map = heatmap(clock.study_day(next), &days);
        assert_eq!(map.cells.last().unwrap().day, d("2026-12-07"));
        assert_eq!(map.cells.last().unwrap().reviews, 0);
    }

    #[test]
    fn a_new_york_evening_is_the_same_study_day_as_its_utc_morning_after() {
        // 23:30 in New York on 6 December is 04:30 UTC on the 7th: the review belongs to the 6th.
        let clock = DayClock {
            timezone: chrono_tz::America::New_York,
            rollover_hour: 0,
        };
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 4, 30, 0).unwrap();
        let today = clock.study_day(now);
        assert_eq!(today, d("2026-12-06"));
        let f = forecast(today, [&card("a", Some("2026-12-07"), 2, 6)]);
        assert_eq!(f[0], (d("2026-12-06"), 0));
        assert_eq!(f[1], (d("2026-12-07"), 1));
    }

    #[test]
    fn the_heatmap_has_a_cell_per_day_for_a_year_with_mondays_on_top() {
        let today = d("2026-12-07"); // a Monday
        let map = heatmap(
            today,
            &[
                day("2026-12-07", 8),
                day("2026-12-06", 2),
                day("2025-01-01", 99),
            ],
        );
        assert_eq!(map.cells.len(), 365);
        assert_eq!(map.cells.first().unwrap().day, d("2025-12-08"));
        assert_eq!(map.total, 10, "a day outside the year is left out");
        assert_eq!(map.busiest, 8);
        let last = map.cells.last().unwrap();
        assert_eq!((last.level, last.y), (4, HEAT_TOP));
        let sunday = &map.cells[map.cells.len() - 2];
        assert_eq!((sunday.level, sunday.y), (1, HEAT_TOP + 6 * STEP));
        assert_eq!(map.active_days, 2);
        assert_eq!(map.months.first().unwrap().name, "Dec 2025");
        assert_eq!(map.months.last().unwrap().name, "Dec 2026");
        assert_eq!(map.months.last().unwrap().reviews, 10);
        assert_eq!(map.months.len(), 13);
        // December 2025 has three columns before January's: room for its label.
        assert_eq!(map.months[0].short, "Dec");
        assert_eq!(map.months[1].short, "Jan");
        // With one column it would run into January's, so it has none.
        let late = heatmap(d("2026-12-21"), &[]);
        assert_eq!(late.months[0].name, "Dec 2025");
        assert_eq!(late.months[0].short, "");
        assert_eq!(late.months[1].short, "Jan");
    }

    #[test]
    fn cards_fall_in_exactly_one_state() {
        let today = d("2026-12-07");
        let mut suspended = card("s", Some("2026-12-01"), 5, 40);
        suspended.suspended = true;
        let mut buried = card("b", Some("2026-12-07"), 3, 10);
        buried.buried_until = Some(d("2026-12-08"));
        let mut unburied = card("u", Some("2026-12-07"), 3, 10);
        unburied.buried_until = Some(d("2026-12-07"));
        let cards = [
            card("l", Some("2026-12-08"), 1, 1),
            card("f", Some("2026-12-08"), 0, 1),
            card("y", Some("2026-12-20"), 2, 6),
            card("m", Some("2027-01-20"), 4, 21),
            card("n", None, 0, 0),
            suspended,
            buried,
            unburied,
        ];
        let by_id: HashMap<&str, &CardFacts> =
            cards.iter().map(|c| (c.question_id.as_str(), c)).collect();
        let open = ["l", "f", "y", "m", "n", "s", "b", "u", "never-touched"];
        let states = card_states(open, &by_id, today);
        assert_eq!(
            states,
            vec![
                (CardKind::New, 2),
                (CardKind::Learning, 2),
                (CardKind::Young, 2),
                (CardKind::Mature, 1),
                (CardKind::Suspended, 1),
                (CardKind::Buried, 1),
            ]
        );
    }

    #[test]
    fn the_forecast_puts_overdue_cards_on_today_and_skips_suspended_ones() {
        let today = d("2026-12-07");
        let mut suspended = card("s", Some("2026-12-08"), 2, 6);
        suspended.suspended = true;
        let mut buried = card("b", Some("2026-12-07"), 2, 6);
        buried.buried_until = Some(d("2026-12-08"));
        let cards = [
            card("late", Some("2026-11-30"), 2, 6),
            card("today", Some("2026-12-07"), 2, 6),
            card("tomorrow", Some("2026-12-08"), 2, 6),
            card("last", Some("2027-01-05"), 2, 30),
            card("beyond", Some("2027-01-06"), 2, 30),
            card("new", None, 0, 0),
            suspended,
            buried,
        ];
        let f = forecast(today, &cards);
        assert_eq!(f.len(), 30);
        assert_eq!(f[0], (today, 2));
        assert_eq!(f[1], (d("2026-12-08"), 2));
        assert_eq!(f[29], (d("2027-01-05"), 1));
        assert_eq!(f.iter().map(|(_, n)| n).sum::<u64>(), 5);
    }

    #[test]
    fn time_per_day_lists_the_last_thirty_days_oldest_first() {
        let today = d("2026-12-07");
        let t = time_per_day(
            today,
            &[
                day("2026-12-07", 3),
                day("2026-11-08", 1),
                day("2026-11-07", 5),
            ],
        );
        assert_eq!(t.len(), 30);
        assert_eq!(t[0], (d("2026-11-08"), 60));
        assert_eq!(t[29], (today, 180));
        assert_eq!(duration_words(0), "none");
        assert_eq!(duration_words(20), "under a minute");
        assert_eq!(duration_words(90), "2 min");
        assert_eq!(duration_words(3_900), "1 h 05 min");
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..3_000).prop_map(|n| d("2020-01-01") + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn heat_levels_grow_with_the_count(a in 0u64..1_000, b in 0u64..1_000, busiest in 1u64..1_000) {
            let (a, b) = (a.min(busiest), b.min(busiest));
            if a <= b {
                prop_assert!(heat_level(a, busiest) <= heat_level(b, busiest));
            }
            prop_assert_eq!(heat_level(a, busiest) == 0, a == 0);
            prop_assert_eq!(heat_level(busiest, busiest), 4);
        }

        #[test]
        fn the_heatmap_and_streak_agree_with_the_days(
            today in any_day(),
            offsets in proptest::collection::btree_map(0u64..400, 0u64..50, 0..60),
        ) {
            let days: Vec<DayTotals> = offsets
                .iter()
                .map(|(back, n)| DayTotals {
                    day: days_before(today, *back),
                    reviews: *n,
                    ..DayTotals::default()
                })
                .collect();
            let map = heatmap(today, &days);
            prop_assert_eq!(map.cells.len(), 365);
            let in_year: u64 = offsets.iter().filter(|(back, _)| **back < 365).map(|(_, n)| n).sum();
            prop_assert_eq!(map.total, in_year);
            prop_assert!(map.cells.iter().all(|c| c.x + CELL <= map.width && c.y + CELL <= map.height));
            let months: u64 = map.months.iter().map(|m| m.reviews).sum();
            prop_assert_eq!(months, in_year);
            // The streak is a run of studied days ending today or yesterday.
            let streak = u64::from(current_streak(today, &days));
            let studied = |back: u64| offsets.get(&back).is_some_and(|n| *n > 0);
            let start = if studied(0) { 0 } else { 1 };
            for back in start..start + streak {
                prop_assert!(studied(back));
            }
            prop_assert!(!studied(start + streak));
        }

        #[test]
        fn every_open_question_is_counted_once(
            states in proptest::collection::vec((0u8..7, 0i32..5, 0i32..60, any::<bool>(), 0u64..3), 0..40),
            today in any_day(),
        ) {
            let cards: Vec<CardFacts> = states
                .iter()
                .enumerate()
                .filter(|(_, (kind, ..))| *kind > 0)
                .map(|(i, (_, reps, interval, suspended, buried))| CardFacts {
                    question_id: i.to_string(),
                    due_day: Some(today),
                    repetitions: *reps,
                    interval_days: *interval,
                    suspended: *suspended,
                    buried_until: Some(days_after(today, *buried)),
                    last_reviewed_at: None,
                    lapses: 0,
                })
                .collect();
            let ids: Vec<String> = (0..states.len()).map(|i| i.to_string()).collect();
            let by_id: HashMap<&str, &CardFacts> =
                cards.iter().map(|c| (c.question_id.as_str(), c)).collect();
            let counts = card_states(ids.iter().map(String::as_str), &by_id, today);
            prop_assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), states.len() as u64);
            let forecast_total: u64 = forecast(today, &cards).iter().map(|(_, n)| n).sum();
            prop_assert!(forecast_total <= cards.iter().filter(|c| !c.suspended).count() as u64);
        }
    }
}
