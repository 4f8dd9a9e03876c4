//! Today's study queue, worked out from a user's cards and today's reviews. Pure: the caller
//! loads the rows; this decides what comes next and how much is left.
//!
//! Order, as in SM-2 practice: due reviews (most overdue first), then new questions up to the
//! daily limit, then the same-day re-drill of every card graded below 4 today.

use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// One of the user's cards, as far as the queue cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRow {
    pub question_id: String,
    /// `None` while the card has never been graded (it is still new).
    pub due_day: Option<NaiveDate>,
    pub suspended: bool,
    /// Hidden until this day begins.
    pub buried_until: Option<NaiveDate>,
    /// The card's optimistic-lock version (pages carry it so a stale tab cannot grade); the
    /// queue itself ignores it.
    pub version: i32,
}

impl CardRow {
    fn is_hidden_on(&self, today: NaiveDate) -> bool {
        self.suspended || self.buried_until.is_some_and(|day| day > today)
    }
}

/// A grade given today (undone grades are left out by the caller), oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TodaysGrade {
    pub question_id: String,
    pub grade: u8,
    pub is_redrill: bool,
    /// The card was new before this grade (it had never been graded).
    pub was_new: bool,
}

/// The daily limits from the user's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub new_per_day: u32,
    pub max_reviews_per_day: u32,
}

impl Limits {
    /// "Study a topic now" is an explicit request: it is not held back by the daily limits.
    pub const NONE: Limits = Limits {
        new_per_day: u32::MAX,
        max_reviews_per_day: u32::MAX,
    };
}

/// What is left to study today, each list in the order it will be shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    pub due: Vec<String>,
    pub new: Vec<String>,
    pub redrill: Vec<String>,
    /// Scheduled grades already given today (not counting re-drills).
    pub reviewed_today: u32,
    pub new_today: u32,
    /// Due reviews held back by the daily review limit.
    pub due_over_limit: usize,
}

impl Queue {
    /// The question to show next.
    pub fn next(&self) -> Option<&str> {
        self.due
            .first()
            .or_else(|| self.new.first())
            .or_else(|| self.redrill.first())
            .map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.next().is_none()
    }

    /// Which list a question is in, if any.
    pub fn stage_of(&self, question_id: &str) -> Option<Stage> {
        let has = |list: &[String]| list.iter().any(|id| id == question_id);
        if has(&self.due) {
            Some(Stage::Review)
        } else if has(&self.new) {
            Some(Stage::New)
        } else if has(&self.redrill) {
            Some(Stage::Redrill)
        } else {
            None
        }
    }
}

impl Queue {
    /// Follows a grade of a question in this queue, as [`build_from_summary`] would from the
    /// updated cards and grades, without looking at the whole bank again: the question leaves
    /// its list, the day's counts move on, and a grade below 4 sends it to the end of the
    /// re-drill. Returns false, changing nothing, when the question is not in the queue (the
    /// caller then works the queue out afresh).
    pub fn follow_grade(&mut self, grade: &TodaysGrade) -> bool {
        let id = grade.question_id.as_str();
        let Some(stage) = self.stage_of(id) else {
            return false;
        };
        let list = match stage {
            Stage::Review => &mut self.due,
            Stage::New => &mut self.new,
            Stage::Redrill => &mut self.redrill,
        };
        list.retain(|queued| queued != id);
        if !grade.is_redrill {
            if grade.was_new {
                self.new_today = self.new_today.saturating_add(1);
            } else {
                self.reviewed_today = self.reviewed_today.saturating_add(1);
            }
        }
        if grade.grade < 4 {
            self.redrill.push(grade.question_id.clone());
        }
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Review,
    New,
    Redrill,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Review => "review",
            Stage::New => "new",
            Stage::Redrill => "again today",
        }
    }

    /// The CSS class suffix of the stage badge.
    pub fn css_class(self) -> &'static str {
        match self {
            Stage::Review => "review",
            Stage::New => "new",
            Stage::Redrill => "redrill",
        }
    }
}

/// What the grades given today add up to, as far as the queue cares: kept per question rather
/// than per grade, so its size is bounded by the bank however many grades a day brings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TodaySummary {
    /// Scheduled reviews graded today (not re-drills, not new questions).
    pub reviewed: u32,
    /// New questions graded for the first time today.
    pub introduced: u32,
    /// Each question graded today with its latest grade, in the order of those latest grades.
    latest: Vec<(String, u8)>,
}

impl TodaySummary {
    /// The summary of today's grades, oldest first.
    pub fn from_grades(grades: &[TodaysGrade]) -> TodaySummary {
        let mut summary = TodaySummary::default();
        for grade in grades {
            summary.record(grade);
        }
        summary
    }

    /// The summary from its stored parts: the two counts, and each question's latest grade
    /// ordered by when it was given.
    pub fn from_parts(reviewed: u32, introduced: u32, latest: Vec<(String, u8)>) -> TodaySummary {
        TodaySummary {
            reviewed,
            introduced,
            latest,
        }
    }

    /// The latest grade given today to a question, if it was graded today.
    pub fn latest_grade(&self, question_id: &str) -> Option<u8> {
        self.latest
            .iter()
            .find(|(id, _)| id == question_id)
            .map(|(_, grade)| *grade)
    }

    /// Adds a grade given after every grade already counted.
    pub fn record(&mut self, grade: &TodaysGrade) {
        if !grade.is_redrill {
            if grade.was_new {
                self.introduced = self.introduced.saturating_add(1);
            } else {
                self.reviewed = self.reviewed.saturating_add(1);
            }
        }
        self.latest.retain(|(id, _)| *id != grade.question_id);
        self.latest.push((grade.question_id.clone(), grade.grade));
    }
}

/// Works out today's queue from the full list of today's grades (oldest first); see
/// [`build_from_summary`].
pub fn build(
    today: NaiveDate,
    limits: Limits,
    candidates: &[&str],
    cards: &[CardRow],
    todays_grades: &[TodaysGrade],
) -> Queue {
    build_from_summary(
        today,
        limits,
        candidates,
        cards,
        &TodaySummary::from_grades(todays_grades),
    )
}

/// Works out today's queue.
///
/// `candidates` are the questions open for study (active sets, not retired, within the chosen
/// topic), already in the order new ones should be introduced; cards of other questions are
/// ignored.
pub fn build_from_summary(
    today: NaiveDate,
    limits: Limits,
    candidates: &[&str],
    cards: &[CardRow],
    graded: &TodaySummary,
) -> Queue {
    let open: HashMap<&str, usize> = candidates
        .iter()
        .enumerate()
        .map(|(rank, id)| (*id, rank))
        .collect();
    let cards_by_question: HashMap<&str, &CardRow> = cards
        .iter()
        .map(|card| (card.question_id.as_str(), card))
        .collect();

    let reviewed_today = graded.reviewed;
    let new_today = graded.introduced;

    let mut due: Vec<(NaiveDate, usize, &str)> = cards
        .iter()
        .filter(|card| !card.is_hidden_on(today))
        .filter_map(|card| {
            let day = card.due_day.filter(|day| *day <= today)?;
            let rank = *open.get(card.question_id.as_str())?;
            Some((day, rank, card.question_id.as_str()))
        })
        .collect();
    due.sort_unstable();
    let review_room = usize_from(limits.max_reviews_per_day.saturating_sub(reviewed_today));
    let due_over_limit = due.len().saturating_sub(review_room);
    due.truncate(review_room);

    let graded_today: HashSet<&str> = graded.latest.iter().map(|(id, _)| id.as_str()).collect();
    let new_room = usize_from(limits.new_per_day.saturating_sub(new_today));
    let new: Vec<String> = candidates
        .iter()
        .filter(|id| match cards_by_question.get(*id) {
            None => true,
            Some(card) => card.due_day.is_none() && !card.is_hidden_on(today),
        })
        .filter(|id| !graded_today.contains(**id))
        .take(new_room)
        .map(|id| (*id).to_owned())
        .collect();

    // The latest grade of each question today decides whether it still needs a re-drill; the
    // summary keeps them in the order they were given.
    let due_ids: HashSet<&str> = due.iter().map(|(_, _, id)| *id).collect();
    let redrill: Vec<String> = graded
        .latest
        .iter()
        .filter(|(id, grade)| {
            *grade < 4 && open.contains_key(id.as_str()) && !due_ids.contains(id.as_str())
        })
        .filter(|(id, _)| {
            cards_by_question
                .get(id.as_str())
                .is_none_or(|card| !card.is_hidden_on(today))
        })
        .map(|(id, _)| id.clone())
        .collect();

    Queue {
        due: due.into_iter().map(|(_, _, id)| id.to_owned()).collect(),
        new,
        redrill,
        reviewed_today,
        new_today,
        due_over_limit,
    }
}

fn usize_from(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A stable per-user shuffle of new questions: the same order on every page load, different
/// for each user. (FNV-1a over the user and question ids; not for security.)
pub fn shuffle_key(user_id: &str, question_id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in user_id
        .bytes()
        .chain(std::iter::once(0))
        .chain(question_id.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The grade suggested by the share of key points the candidate ticked (the page's script
/// applies the same rule): none → 1, under half → 2, under three quarters → 3, most → 4, all → 5.
pub fn suggested_grade(ticked: usize, total: usize) -> Option<u8> {
    if total == 0 {
        return None;
    }
    let ticked = ticked.min(total);
    Some(if ticked == total {
        5
    } else if ticked == 0 {
        1
    } else if ticked * 4 >= total * 3 {
        4
    } else if ticked * 2 >= total {
        3
    } else {
        2
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn card(id: &str, due: Option<u32>) -> CardRow {
        CardRow {
            question_id: id.into(),
            due_day: due.map(day),
            suspended: false,
            buried_until: None,
            version: 0,
        }
    }

    fn graded(id: &str, grade: u8, was_new: bool, is_redrill: bool) -> TodaysGrade {
        TodaysGrade {
            question_id: id.into(),
            grade,
            is_redrill,
            was_new,
        }
    }

    const LIMITS: Limits = Limits {
        new_per_day: 2,
        max_reviews_per_day: 10,
    };

    #[test]
    fn due_reviews_come_most_overdue_first_then_new_then_redrills() {
        let candidates = ["a", "b", "c", "d", "e", "f"];
        let cards = [
            card("a", Some(10)),
            card("b", Some(3)),
            card("c", Some(20)), // not due yet
            card("f", Some(21)), // graded today below 4
        ];
        let grades = [graded("f", 2, false, false)];
        let queue = build(day(10), LIMITS, &candidates, &cards, &grades);
        assert_eq!(queue.due, ["b", "a"]);
        assert_eq!(queue.new, ["d", "e"]);
        assert_eq!(queue.redrill, ["f"]);
        assert_eq!(queue.next(), Some("b"));
        assert_eq!(queue.reviewed_today, 1);
    }

    #[test]
    fn equally_overdue_cards_keep_the_roadmap_order() {
        let candidates = ["x", "y", "z"];
        let cards = [card("z", Some(1)), card("y", Some(1)), card("x", Some(1))];
        let queue = build(day(5), LIMITS, &candidates, &cards, &[]);
        assert_eq!(queue.due, ["x", "y", "z"]);
    }

    #[test]
    fn the_daily_limits_count_what_was_already_done_today() {
        let candidates = ["a", "b", "c", "d", "n1", "n2", "n3"];
        let cards = [
            card("a", Some(1)),
            card("b", Some(1)),
            card("c", Some(1)),
            card("d", Some(12)),
            card("n1", Some(11)),
        ];
        let grades = [graded("d", 5, false, false), graded("n1", 4, true, false)];
        let limits = Limits {
            new_per_day: 2,
            max_reviews_per_day: 3,
        };
        let queue = build(day(10), limits, &candidates, &cards, &grades);
        assert_eq!(queue.due, ["a", "b"], "3 allowed, 1 already done");
        assert_eq!(queue.due_over_limit, 1);
        assert_eq!(queue.new, ["n2"], "2 allowed, 1 already introduced");
        assert_eq!(queue.new_today, 1);
    }

    #[test]
    fn a_redrill_passed_with_4_leaves_the_queue_and_redrill_grades_do_not_count_as_reviews() {
        let candidates = ["a"];
        let cards = [card("a", Some(11))];
        let grades = [graded("a", 1, false, false), graded("a", 4, false, true)];
        let queue = build(day(10), LIMITS, &candidates, &cards, &grades);
        assert!(queue.is_empty());
        assert_eq!(queue.reviewed_today, 1);
    }

    #[test]
    fn suspended_buried_and_inactive_questions_are_left_out() {
        let candidates = ["a", "b", "new"];
        let mut suspended = card("a", Some(1));
        suspended.suspended = true;
        let mut buried = card("b", Some(1));
        buried.buried_until = Some(day(11));
        let mut buried_new = card("new", None);
        buried_new.buried_until = Some(day(11));
        let inactive = card("gone", Some(1));
        let cards = [suspended, buried.clone(), buried_new, inactive];
        let queue = build(day(10), LIMITS, &candidates, &cards, &[]);
        assert!(queue.is_empty(), "{queue:?}");
        // The next day the buried cards are back.
        let queue = build(day(11), LIMITS, &candidates, &cards, &[]);
        assert_eq!(queue.due, ["b"]);
        assert_eq!(queue.new, ["new"]);
    }

    #[test]
    fn a_new_card_failed_today_is_redrilled_not_reintroduced() {
        let candidates = ["a", "b"];
        let cards = [card("a", Some(11))];
        let grades = [graded("a", 0, true, false)];
        let queue = build(day(10), LIMITS, &candidates, &cards, &grades);
        assert_eq!(queue.new, ["b"]);
        assert_eq!(queue.redrill, ["a"]);
        assert_eq!(queue.stage_of("a"), Some(Stage::Redrill));
    }

    #[test]
    fn suggestions_follow_the_share_of_key_points() {
        assert_eq!(suggested_grade(0, 0), None);
        assert_eq!(suggested_grade(0, 4), Some(1));
        assert_eq!(suggested_grade(1, 4), Some(2));
        assert_eq!(suggested_grade(2, 4), Some(3));
        assert_eq!(suggested_grade(3, 4), Some(4));
        assert_eq!(suggested_grade(4, 4), Some(5));
        assert_eq!(suggested_grade(9, 4), Some(5));
    }

    #[test]
    fn the_shuffle_is_stable_and_differs_between_users() {
        assert_eq!(shuffle_key("u1", "q1"), shuffle_key("u1", "q1"));
        assert_ne!(shuffle_key("u1", "q1"), shuffle_key("u2", "q1"));
    }

    fn arbitrary_cards() -> impl Strategy<Value = Vec<CardRow>> {
        proptest::collection::vec(
            (
                0..30usize,
                proptest::option::of(1..28u32),
                any::<bool>(),
                proptest::option::of(1..28u32),
            ),
            0..30,
        )
        .prop_map(|rows| {
            let mut seen = HashSet::new();
            rows.into_iter()
                .filter(|(q, ..)| seen.insert(*q))
                .map(|(q, due, suspended, buried)| CardRow {
                    question_id: format!("q{q}"),
                    due_day: due.map(day),
                    suspended,
                    buried_until: buried.map(day),
                    version: 0,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_summary_kept_grade_by_grade_builds_the_same_queue_as_the_full_list(
            cards in arbitrary_cards(),
            grades in proptest::collection::vec((0..30usize, 0..=5u8, any::<bool>(), any::<bool>()), 0..40),
            split in 0..40usize,
            today in 1..28u32,
        ) {
            let ids: Vec<String> = (0..25).map(|i| format!("q{i}")).collect();
            let candidates: Vec<&str> = ids.iter().map(String::as_str).collect();
            let grades: Vec<TodaysGrade> = grades.into_iter()
                .map(|(q, g, new, redrill)| graded(&format!("q{q}"), g, new, redrill)).collect();
            // Loaded once part-way through the day, then kept up to date grade by grade.
            let (earlier, later) = grades.split_at(split.min(grades.len()));
            let mut kept = TodaySummary::from_grades(earlier);
            for grade in later {
                kept.record(grade);
            }
            let today = day(today);
            prop_assert_eq!(&kept, &TodaySummary::from_grades(&grades));
            prop_assert_eq!(
                build_from_summary(today, LIMITS, &candidates, &cards, &kept),
                build(today, LIMITS, &candidates, &cards, &grades)
            );
        }

        #[test]
        fn following_a_grade_gives_the_queue_built_afresh(
            cards in arbitrary_cards(),
            grades in proptest::collection::vec((0..30usize, 0..=5u8, any::<bool>(), any::<bool>()), 0..20),
            new_per_day in 0..10u32,
            max_reviews in 0..10u32,
            today in 2..27u32,
            pick in 0..40usize,
            grade in 0..=5u8,
            interval in 1..5u32,
        ) {
            let ids: Vec<String> = (0..25).map(|i| format!("q{i}")).collect();
            let candidates: Vec<&str> = ids.iter().map(String::as_str).collect();
            // Today's grades as the app would have made them: each graded card has a due day.
            let grades: Vec<TodaysGrade> = grades.into_iter()
                .map(|(q, g, new, redrill)| graded(&format!("q{q}"), g, new, redrill)).collect();
            let mut cards = cards;
            for g in &grades {
                match cards.iter_mut().find(|c| c.question_id == g.question_id) {
                    Some(card) => card.due_day = Some(day(today + 1)),
                    None => cards.push(card(&g.question_id, Some(today + 1))),
                }
            }
            let limits = Limits { new_per_day, max_reviews_per_day: max_reviews };
            let mut summary = TodaySummary::from_grades(&grades);
            let mut queue = build_from_summary(day(today), limits, &candidates, &cards, &summary);
            let listed: Vec<String> = queue.due.iter().chain(&queue.new).chain(&queue.redrill).cloned().collect();
            prop_assume!(!listed.is_empty());
            let id = listed[pick % listed.len()].clone();
            // Grade it as the service does: a card graded today already is a re-drill.
            let before = cards.iter().find(|c| c.question_id == id).and_then(|c| c.due_day);
            let is_redrill = before.is_some() && summary.latest.iter().any(|(q, _)| *q == id);
            let this = TodaysGrade { question_id: id.clone(), grade, is_redrill, was_new: before.is_none() };
            if !is_redrill {
                let due = Some(day(today + interval));
                match cards.iter_mut().find(|c| c.question_id == id) {
                    Some(card) => card.due_day = due,
                    None => cards.push(CardRow { due_day: due, ..card(&id, None) }),
                }
            }
            summary.record(&this);
            prop_assert!(queue.follow_grade(&this));
            prop_assert_eq!(queue, build_from_summary(day(today), limits, &candidates, &cards, &summary));
        }

        #[test]
        fn the_queue_respects_its_rules(
            cards in arbitrary_cards(),
            grades in proptest::collection::vec((0..30usize, 0..=5u8, any::<bool>(), any::<bool>()), 0..20),
            new_per_day in 0..10u32,
            max_reviews in 0..10u32,
            today in 1..28u32,
        ) {
            let ids: Vec<String> = (0..25).map(|i| format!("q{i}")).collect();
            let candidates: Vec<&str> = ids.iter().map(String::as_str).collect();
            let grades: Vec<TodaysGrade> = grades.into_iter()
                .map(|(q, g, new, redrill)| graded(&format!("q{q}"), g, new, redrill)).collect();
            let limits = Limits { new_per_day, max_reviews_per_day: max_reviews };
            let today = day(today);
            let queue = build(today, limits, &candidates, &cards, &grades);

            let all: Vec<&String> = queue.due.iter().chain(&queue.new).chain(&queue.redrill).collect();
            let unique: HashSet<&String> = all.iter().copied().collect();
            prop_assert_eq!(unique.len(), all.len(), "a question appears twice");
            for id in &all {
                prop_assert!(candidates.contains(&id.as_str()), "not a candidate: {}", id);
                if let Some(card) = cards.iter().find(|c| &&c.question_id == id) {
                    prop_assert!(!card.is_hidden_on(today));
                }
            }
            prop_assert!(queue.new.len() as u32 <= new_per_day.saturating_sub(queue.new_today));
            prop_assert!(queue.due.len() as u32 <= max_reviews.saturating_sub(queue.reviewed_today));
            let due_days: Vec<NaiveDate> = queue.due.iter()
                .map(|id| cards.iter().find(|c| &c.question_id == id).and_then(|c| c.due_day).unwrap())
                .collect();
            prop_assert!(due_days.windows(2).all(|w| w[0] <= w[1]), "most overdue first");
            prop_assert!(due_days.iter().all(|d| *d <= today));
        }
    }
}
