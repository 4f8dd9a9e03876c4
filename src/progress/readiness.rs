//! Readiness for the interview date: how much of the bank would hold on the day, the days
//! left, the plan of new questions per day, and the final review of the last days. Pure:
//! `today` (the user's study day) and `now` are passed in.
//!
//! - A question is **ready** when its latest scheduled grade was 3 or more and its next review
//!   falls after the interview date (the schedule expects it to be remembered on the day).
//! - The **plan**: a question first graded on one study day comes back on the next at the
//!   earliest, so to see every question at least twice before the interview, the ones not yet
//!   seen must all be introduced by the day before the last study day before the interview.
//! - The **final review**, from three days before the interview: every question failed last
//!   time or not graded for a week, like Anki's filtered decks.

use super::stats::CardFacts;
use chrono::{NaiveDate, NaiveDateTime};

/// The final review starts this many days before the interview (and runs through the day).
pub const FINAL_REVIEW_DAYS: i64 = 3;
/// A question not graded for this long is in the final review.
pub const NOT_SEEN_FOR_DAYS: i64 = 7;
/// The study filter (in place of a topic, `?topic=…`) that serves the final review as a queue;
/// not a slug, so no topic of the bank can have it as its id.
pub const FINAL_REVIEW_TOPIC: &str = "*final-review";

/// Days from today to the interview: 0 on the day itself, negative once it is past.
pub fn days_left(today: NaiveDate, interview: NaiveDate) -> i64 {
    (interview - today).num_days()
}

/// Whether the schedule expects this question to hold on the interview day.
pub fn is_ready(card: Option<&CardFacts>, interview: NaiveDate) -> bool {
    card.is_some_and(|c| c.repetitions >= 1 && c.due_day.is_some_and(|due| due > interview))
}

/// Ready questions out of all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Share {
    pub ready: u32,
    pub total: u32,
}

impl Share {
    pub fn count(&mut self, ready: bool) {
        self.total = self.total.saturating_add(1);
        self.ready = self.ready.saturating_add(u32::from(ready));
    }

    /// Whole percent, rounded down (so 100 % means every question); 0 without questions.
    pub fn percent(self) -> u32 {
        if self.total == 0 {
            return 0;
        }
        u32::try_from(u64::from(self.ready.min(self.total)) * 100 / u64::from(self.total))
            .unwrap_or(100)
    }
}

/// How many new questions a day it takes to see every question twice before the interview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Every question has been seen already.
    NothingNew,
    /// `new_per_day` for `days` days (the last of them the day before the last study day).
    PerDay {
        new_per_day: u32,
        days: u32,
        unseen: u32,
    },
    /// Too close to the date: the unseen questions cannot all be seen twice.
    TooLate { unseen: u32 },
}

pub fn plan(today: NaiveDate, interview: NaiveDate, unseen: u32) -> Plan {
    if unseen == 0 {
        return Plan::NothingNew;
    }
    // Study days before the interview: today .. the day before it; the last one is for the
    // second look, so new questions go in on all the others.
    let intro_days = days_left(today, interview) - 1;
    match u32::try_from(intro_days) {
        Ok(days) if days >= 1 => Plan::PerDay {
            new_per_day: unseen.div_ceil(days),
            days,
            unseen,
        },
        _ => Plan::TooLate { unseen },
    }
}

/// Whether the final review is on: from [`FINAL_REVIEW_DAYS`] days before the interview
/// through the day itself.
pub fn in_final_stretch(today: NaiveDate, interview: NaiveDate) -> bool {
    (0..=FINAL_REVIEW_DAYS).contains(&days_left(today, interview))
}

/// Why a question is in the final review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalReason {
    Failed,
    NotSeenForAWeek,
}

/// The final review's questions: failed last time first, then the longest unseen; suspended
/// and never-seen questions are left out.
pub fn final_review<'a>(
    cards: impl IntoIterator<Item = &'a CardFacts>,
    now: NaiveDateTime,
) -> Vec<(&'a CardFacts, FinalReason)> {
    let week_ago = now - chrono::Duration::days(NOT_SEEN_FOR_DAYS);
    let mut picked: Vec<(&CardFacts, FinalReason)> = cards
        .into_iter()
        .filter(|c| !c.suspended && c.due_day.is_some())
        .filter_map(|c| {
            if c.repetitions < 1 {
                Some((c, FinalReason::Failed))
            } else if c.last_reviewed_at.is_none_or(|at| at <= week_ago) {
                Some((c, FinalReason::NotSeenForAWeek))
            } else {
                None
            }
        })
        .collect();
    picked.sort_by(|(a, ra), (b, rb)| {
        (
            *ra != FinalReason::Failed,
            a.last_reviewed_at,
            &a.question_id,
        )
            .cmp(&(
                *rb != FinalReason::Failed,
                b.last_reviewed_at,
                &b.question_id,
            ))
    });
    picked
}

/// The final review as a study queue, from its list (in [`final_review`]'s order): a question
/// graded today leaves it once its latest grade today is a pass, and one failed today goes to
/// the end, as a re-drill does. So a failed question does not come straight back, and one
/// failed and then passed today (a same-day re-drill, which leaves its schedule, and so its
/// "failed last time", as it was) is done.
pub fn final_queue<'a>(
    list: impl IntoIterator<Item = &'a CardFacts>,
    latest_grade_today: impl Fn(&str) -> Option<u8>,
) -> Vec<&'a str> {
    in_queue_order(list, |card| latest_grade_today(&card.question_id))
        .into_iter()
        .map(|card| card.question_id.as_str())
        .collect()
}

/// The final review's `items` (in [`final_review`]'s order) as the queue serves them: without
/// those passed today, those failed today at the end. The readiness page lists them so too,
/// so that its list and count are what the queue will serve.
pub fn in_queue_order<T>(
    items: impl IntoIterator<Item = T>,
    latest_grade_today: impl Fn(&T) -> Option<u8>,
) -> Vec<T> {
    let mut queue = Vec::new();
    let mut failed_today = Vec::new();
    for item in items {
        match latest_grade_today(&item) {
            None => queue.push(item),
            Some(grade) if grade < 3 => failed_today.push(item),
            Some(_) => {}
        }
    }
    queue.extend(failed_today);
    queue
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm2::DayClock;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn card(id: &str, reps: i32, due: &str, last: &str) -> CardFacts {
        CardFacts {
            question_id: id.into(),
            due_day: Some(d(due)),
            repetitions: reps,
            interval_days: 6,
            suspended: false,
            buried_until: None,
            last_reviewed_at: Some(at(last)),
            lapses: 0,
        }
    }

    #[test]
    fn ready_means_passed_last_time_and_due_after_the_interview() {
        let interview = d("2026-12-10");
        assert!(is_ready(
            Some(&card("a", 2, "2026-12-11", "2026-12-05 10:00")),
            interview
        ));
        assert!(!is_ready(
            Some(&card("a", 2, "2026-12-10", "2026-12-05 10:00")),
            interview
        ));
        assert!(!is_ready(
            Some(&card("a", 0, "2026-12-20", "2026-12-05 10:00")),
            interview
        ));
        assert!(!is_ready(None, interview));
        let mut share = Share::default();
        for ready in [true, true, false] {
            share.count(ready);
        }
        assert_eq!(share.percent(), 66);
        assert_eq!(Share::default().percent(), 0);
    }

    #[test]
    fn the_plan_spreads_the_unseen_questions_over_the_days_before_the_last() {
        let today = d("2026-12-07");
        // 11 days left: 10 days to introduce 95 questions.
        assert_eq!(
            plan(today, d("2026-12-18"), 95),
            Plan::PerDay {
                new_per_day: 10,
                days: 10,
                unseen: 95
            }
        );
        assert_eq!(
            plan(today, d("2026-12-09"), 3),
            Plan::PerDay {
                new_per_day: 3,
                days: 1,
                unseen: 3
            }
        );
        assert_eq!(plan(today, d("2026-12-08"), 3), Plan::TooLate { unseen: 3 });
        assert_eq!(plan(today, d("2026-12-01"), 3), Plan::TooLate { unseen: 3 });
        assert_eq!(plan(today, d("2026-12-18"), 0), Plan::NothingNew);
    }

    #[test]
    fn the_final_stretch_is_the_last_three_days_and_the_day_itself() {
        let interview = d("2026-12-10");
        assert!(!in_final_stretch(d("2026-12-06"), interview));
        assert!(in_final_stretch(d("2026-12-07"), interview));
        assert!(in_final_stretch(d("2026-12-10"), interview));
        assert!(!in_final_stretch(d("2026-12-11"), interview));
    }

    #[test]
    fn the_days_left_follow_the_users_rollover_hour() {
        // 02:00 in Tokyo on the interview's eve, rollover 04:00: still the day before the eve.
        let clock = DayClock {
            timezone: chrono_tz::Asia::Tokyo,
            rollover_hour: 4,
        };
        let interview = d("2026-12-10");
        let before_rollover = Utc.with_ymd_and_hms(2026, 12, 8, 17, 0, 0).unwrap(); // 02:00 on the 9th
        let after_rollover = Utc.with_ymd_and_hms(2026, 12, 8, 19, 0, 0).unwrap(); // 04:00 on the 9th
        assert_eq!(days_left(clock.study_day(before_rollover), interview), 2);
        assert_eq!(days_left(clock.study_day(after_rollover), interview), 1);
        assert_eq!(
            plan(clock.study_day(before_rollover), interview, 4),
            Plan::PerDay {
                new_per_day: 4,
                days: 1,
                unseen: 4
            }
        );
        assert_eq!(
            plan(clock.study_day(after_rollover), interview, 4),
            Plan::TooLate { unseen: 4 }
        );
    }

    #[test]
    fn the_final_review_takes_failed_and_week_old_questions_failed_first() {
        let now = at("2026-12-08 12:00");
        let mut suspended = card("s", 0, "2026-12-09", "2026-11-01 10:00");
        suspended.suspended = true;
        let mut new = card("n", 0, "2026-12-09", "2026-11-01 10:00");
        new.due_day = None;
        let cards = [
            card("fresh", 2, "2026-12-14", "2026-12-07 10:00"),
            card("old", 3, "2026-12-20", "2026-11-20 10:00"),
            card("exactly-a-week", 3, "2026-12-20", "2026-12-01 12:00"),
            card("failed", 0, "2026-12-09", "2026-12-08 09:00"),
            suspended,
            new,
        ];
        let picked: Vec<(&str, FinalReason)> = final_review(&cards, now)
            .into_iter()
            .map(|(c, r)| (c.question_id.as_str(), r))
            .collect();
        assert_eq!(
            picked,
            vec![
                ("failed", FinalReason::Failed),
                ("old", FinalReason::NotSeenForAWeek),
                ("exactly-a-week", FinalReason::NotSeenForAWeek),
            ]
        );
    }

    #[test]
    fn the_final_queue_drops_todays_passes_and_sends_todays_failures_to_the_end() {
        let list = [
            card("failed-again", 0, "2026-12-09", "2026-12-08 09:00"),
            card("failed-then-passed", 0, "2026-12-09", "2026-12-08 09:00"),
            card("old", 3, "2026-12-20", "2026-11-20 10:00"),
            card("older", 3, "2026-12-20", "2026-11-21 10:00"),
        ];
        let today = |id: &str| match id {
            "failed-again" => Some(1),
            "failed-then-passed" => Some(3),
            _ => None,
        };
        assert_eq!(
            final_queue(&list, today),
            vec!["old", "older", "failed-again"]
        );
        assert_eq!(
            final_queue(&list, |_| None),
            vec!["failed-again", "failed-then-passed", "old", "older"]
        );
    }

    proptest! {
        #[test]
        fn following_the_plan_introduces_every_question_in_time(
            unseen in 0u32..2_000,
            days_ahead in -5i64..400,
        ) {
            let today = d("2026-12-07");
            let interview = today + chrono::Duration::days(days_ahead);
            match plan(today, interview, unseen) {
                Plan::NothingNew => prop_assert_eq!(unseen, 0),
                Plan::PerDay { new_per_day, days, unseen: n } => {
                    prop_assert_eq!(n, unseen);
                    prop_assert!(u64::from(new_per_day) * u64::from(days) >= u64::from(unseen));
                    // One day fewer would not do (the figure is the smallest that works).
                    prop_assert!(u64::from(new_per_day - 1) * u64::from(days) < u64::from(unseen));
                    // The last introduction day still leaves a study day before the interview.
                    prop_assert!(i64::from(days) < days_left(today, interview));
                }
                Plan::TooLate { .. } => prop_assert!(days_left(today, interview) <= 1),
            }
        }

        #[test]
        fn a_share_is_a_percentage(flags in proptest::collection::vec(any::<bool>(), 0..300)) {
            let mut share = Share::default();
            for ready in &flags {
                share.count(*ready);
            }
            prop_assert!(share.percent() <= 100);
            prop_assert_eq!(share.percent() == 100, !flags.is_empty() && flags.iter().all(|r| *r));
        }
    }
}
