//! The scheduler choice, our grades as FSRS ratings, and FSRS applied to one card: a step for a
//! new grade, and a card's memory state worked out from its review log. Pure: no I/O, no clock.
//!
//! Only scheduled reviews count: same-day re-drills leave the schedule alone under either
//! scheduler, so consecutive reviews of a card are on different study days and every review
//! after the first has an elapsed time of at least one day.

use crate::sm2::{self, DayClock, Grade, MAX_INTERVAL_DAYS, Sm2State};
use chrono::NaiveDate;
use fsrs::{FSRS, FSRSItem, FSRSReview, MemoryState};

/// Which scheduler sets a user's due days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchedulerChoice {
    /// SM-2 with exact integer arithmetic (`crate::sm2`): the default.
    #[default]
    Sm2,
    /// FSRS: a memory model fitted to reviews, aiming at a desired retention.
    Fsrs,
}

impl SchedulerChoice {
    /// As stored in `users.scheduler` and sent by the settings form.
    pub const fn as_str(self) -> &'static str {
        match self {
            SchedulerChoice::Sm2 => "sm2",
            SchedulerChoice::Fsrs => "fsrs",
        }
    }

    pub fn parse(text: &str) -> Option<SchedulerChoice> {
        match text {
            "sm2" => Some(SchedulerChoice::Sm2),
            "fsrs" => Some(SchedulerChoice::Fsrs),
            _ => None,
        }
    }

    /// How pages name it.
    pub const fn label(self) -> &'static str {
        match self {
            SchedulerChoice::Sm2 => "SM-2",
            SchedulerChoice::Fsrs => "FSRS",
        }
    }
}

/// The share of reviews FSRS aims to have remembered, in whole percent from 70 to 97.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DesiredRetention(u8);

/// A retention field that is not a whole number from 70 to 97 (its message is for the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter a whole number of percent from 70 to 97.")]
pub struct RetentionFieldError;

impl DesiredRetention {
    pub const MIN_PERCENT: u8 = 70;
    pub const MAX_PERCENT: u8 = 97;
    /// 90 %, FSRS's and Anki's default.
    pub const DEFAULT: DesiredRetention = DesiredRetention(90);

    pub const fn new(percent: u8) -> Option<DesiredRetention> {
        if percent >= Self::MIN_PERCENT && percent <= Self::MAX_PERCENT {
            Some(DesiredRetention(percent))
        } else {
            None
        }
    }

    /// A stored value (an `i32` column); out of range reads as the default.
    pub fn from_stored(percent: i32) -> DesiredRetention {
        u8::try_from(percent)
            .ok()
            .and_then(DesiredRetention::new)
            .unwrap_or(Self::DEFAULT)
    }

    /// As the form sends it: "90" or "90%" (surrounding spaces allowed).
    pub fn parse_field(text: &str) -> Result<DesiredRetention, RetentionFieldError> {
        text.trim()
            .trim_end_matches('%')
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(DesiredRetention::new)
            .ok_or(RetentionFieldError)
    }

    pub const fn percent(self) -> u8 {
        self.0
    }

    /// As the FSRS crate takes it (0.9 for 90 %).
    pub fn fraction(self) -> f32 {
        f32::from(self.0) / 100.0
    }
}

impl Default for DesiredRetention {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Our 0–5 grade as one of FSRS's four ratings: 0–2 (failed) Again = 1, 3 Hard = 2,
/// 4 Good = 3, 5 Easy = 4. The pass line is the same as SM-2's: 3 and up count as remembered.
pub const fn fsrs_rating(grade: Grade) -> u32 {
    match grade.value() {
        0..=2 => 1,
        3 => 2,
        4 => 3,
        _ => 4,
    }
}

/// A user's scheduler settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerSettings {
    pub choice: SchedulerChoice,
    pub retention: DesiredRetention,
}

/// The scheduler form's mistakes, one message per field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerErrors {
    pub scheduler: Option<&'static str>,
    pub desired_retention: Option<&'static str>,
}

impl SchedulerErrors {
    pub fn is_empty(&self) -> bool {
        *self == SchedulerErrors::default()
    }
}

/// Reads the scheduler form (`scheduler`: sm2 or fsrs; `desired_retention`: percent).
pub fn parse_form(pairs: &[(String, String)]) -> Result<SchedulerSettings, SchedulerErrors> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let mut errors = SchedulerErrors::default();
    let choice = SchedulerChoice::parse(field("scheduler").trim()).unwrap_or_else(|| {
        errors.scheduler = Some("Choose SM-2 or FSRS.");
        SchedulerChoice::Sm2
    });
    let retention =
        DesiredRetention::parse_field(field("desired_retention")).unwrap_or_else(|_| {
            errors.desired_retention = Some("Enter a whole number of percent from 70 to 97.");
            DesiredRetention::DEFAULT
        });
    if errors.is_empty() {
        Ok(SchedulerSettings { choice, retention })
    } else {
        Err(errors)
    }
}

/// The FSRS crate refused parameters or produced a state that is not a number.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("FSRS could not compute a memory state: {0:?}")]
    Fsrs(fsrs::FSRSError),
}

impl From<fsrs::FSRSError> for SchedulerError {
    fn from(e: fsrs::FSRSError) -> Self {
        SchedulerError::Fsrs(e)
    }
}

/// One scheduled review of a card, as the log keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedReview {
    pub day: NaiveDate,
    pub grade: Grade,
}

/// A card's scheduled reviews, oldest first (re-drills and undone grades left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardHistory {
    /// The SM-2 state before the first logged review: [`Sm2State::NEW`] for a card whose whole
    /// history is in the log.
    pub start: Sm2State,
    /// The day of the last review before the log, for a card whose history is incomplete.
    pub start_day: Option<NaiveDate>,
    pub reviews: Vec<LoggedReview>,
}

impl CardHistory {
    /// A card whose whole history is `reviews`.
    pub fn complete(reviews: Vec<LoggedReview>) -> CardHistory {
        CardHistory {
            start: Sm2State::NEW,
            start_day: None,
            reviews,
        }
    }

    /// The log starts after reviews it does not hold (the card had an SM-2 state already).
    pub fn is_truncated(&self) -> bool {
        self.start != Sm2State::NEW
    }

    pub fn last_day(&self) -> Option<NaiveDate> {
        self.reviews.last().map(|r| r.day).or(self.start_day)
    }

    /// The SM-2 state after every review: what SM-2 keeps in the card.
    pub fn sm2_state(&self) -> Sm2State {
        self.reviews
            .iter()
            .fold(self.start, |state, r| sm2::review(state, r.grade))
    }

    /// The card's SM-2 due day: its last review day plus SM-2's interval (`None` when never
    /// reviewed).
    pub fn sm2_due_day(&self) -> Option<NaiveDate> {
        let interval = self.sm2_state().interval_days;
        self.last_day().map(|day| DayClock::due_day(day, interval))
    }

    /// The reviews as the FSRS crate takes them: ratings and days since the review before.
    pub fn fsrs_item(&self) -> FSRSItem {
        let mut previous = if self.is_truncated() {
            self.start_day
        } else {
            None
        };
        let reviews = self
            .reviews
            .iter()
            .map(|r| {
                let delta_t = previous.map_or(0, |p| days_between(p, r.day));
                previous = Some(r.day);
                FSRSReview {
                    rating: fsrs_rating(r.grade),
                    delta_t,
                }
            })
            .collect();
        FSRSItem { reviews }
    }
}

/// Whole days from `from` to `to` (0 when `to` is not later).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days()).unwrap_or(0)
}

/// An FSRS interval in whole days, as due days need it: rounded, at least 1, at most
/// [`MAX_INTERVAL_DAYS`] (the same bounds as SM-2's).
pub fn whole_days(interval: f32) -> u32 {
    if interval.is_finite() {
        // In range after the clamp, so the cast neither truncates nor saturates.
        interval.round().clamp(1.0, MAX_INTERVAL_DAYS as f32) as u32
    } else {
        1
    }
}

/// FSRS with one user's parameters and desired retention.
#[derive(Clone, Debug)]
pub struct FsrsModel {
    fsrs: FSRS,
    retention: DesiredRetention,
    decay: f32,
}

impl FsrsModel {
    /// `parameters` empty means the crate's defaults (fitted to many people's reviews).
    pub fn new(parameters: &[f32], retention: DesiredRetention) -> Result<Self, SchedulerError> {
        let filled = fsrs::check_and_fill_parameters(parameters)?;
        Ok(FsrsModel {
            fsrs: FSRS::new(&filled)?,
            retention,
            // The forgetting curve's decay is the last of the 21 parameters.
            decay: filled.last().copied().unwrap_or(fsrs::FSRS6_DEFAULT_DECAY),
        })
    }

    /// The crate's model, for callers that compare with it.
    pub fn crate_model(&self) -> &FSRS {
        &self.fsrs
    }

    pub fn retention(&self) -> DesiredRetention {
        self.retention
    }

    /// One grade: the crate's `next_states` from the state before (`None` for a new card) and
    /// the days since the last review; returns the new state and the interval in whole days.
    pub fn step(
        &self,
        before: Option<MemoryState>,
        elapsed_days: u32,
        grade: Grade,
    ) -> Result<(MemoryState, u32), SchedulerError> {
        let next = self
            .fsrs
            .next_states(before, self.retention.fraction(), elapsed_days)?;
        let chosen = match fsrs_rating(grade) {
            1 => next.again,
            2 => next.hard,
            3 => next.good,
            _ => next.easy,
        };
        Ok((chosen.memory, whole_days(chosen.interval)))
    }

    /// The interval FSRS gives a card in this memory state, in whole days.
    pub fn interval_days(&self, state: MemoryState) -> u32 {
        whole_days(
            self.fsrs
                .next_interval(Some(state.stability), self.retention.fraction(), 3),
        )
    }

    /// Where a card's log starts: nothing for a log from its first review, else the state
    /// FSRS derives from the SM-2 state the log starts from.
    fn starting_state(&self, history: &CardHistory) -> Option<MemoryState> {
        if !history.is_truncated() {
            return None;
        }
        self.fsrs
            .memory_state_from_sm2(
                history.start.easiness_hundredths as f32 / 100.0,
                history.start.interval_days as f32,
                0.9,
            )
            .ok()
    }

    /// A card's memory state after its logged reviews (`None` when it has none). A truncated
    /// log starts from the crate's estimate from the SM-2 state (`memory_state_from_sm2`, with
    /// SM-2 assumed to keep 90 %).
    pub fn state_from_history(
        &self,
        history: &CardHistory,
    ) -> Result<Option<MemoryState>, SchedulerError> {
        if history.reviews.is_empty() {
            return Ok(None);
        }
        let starting = self.starting_state(history);
        Ok(Some(self.fsrs.memory_state(history.fsrs_item(), starting)?))
    }

    /// The memory state after each review, in order (the same steps as
    /// [`Self::state_from_history`]).
    pub fn states_along(&self, history: &CardHistory) -> Result<Vec<MemoryState>, SchedulerError> {
        let starting = self.starting_state(history);
        let mut states = self
            .fsrs
            .historical_memory_states(history.fsrs_item(), starting)?;
        if starting.is_some() {
            // The crate lists the starting state first.
            states.remove(0);
        }
        Ok(states)
    }

    /// The predicted chance of recall `elapsed_days` after a review that left `state`.
    pub fn recall(&self, state: MemoryState, elapsed_days: u32) -> f32 {
        fsrs::current_retrievability(state, elapsed_days as f32, self.decay)
    }
}

/// Where a card stands under the chosen scheduler after its logged history: its due day and
/// (under FSRS) its memory state. The SM-2 columns are [`CardHistory::sm2_state`] either way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub due_day: Option<NaiveDate>,
    pub memory: Option<MemoryState>,
}

/// Places a card under `choice` from its history (`model` is used only for FSRS): what a
/// switch of scheduler writes to each card.
pub fn place(
    choice: SchedulerChoice,
    history: &CardHistory,
    model: &FsrsModel,
) -> Result<Placement, SchedulerError> {
    match choice {
        SchedulerChoice::Sm2 => Ok(Placement {
            due_day: history.sm2_due_day(),
            memory: None,
        }),
        SchedulerChoice::Fsrs => {
            let memory = model.state_from_history(history)?;
            let due_day = match (memory, history.last_day()) {
                (Some(state), Some(day)) => {
                    Some(DayClock::due_day(day, model.interval_days(state)))
                }
                _ => None,
            };
            Ok(Placement { due_day, memory })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: u8) -> Grade {
        Grade::new(v).unwrap()
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    fn history(list: &[(u32, u8)]) -> CardHistory {
        CardHistory::complete(
            list.iter()
                .map(|&(d, v)| LoggedReview {
                    day: day(d),
                    grade: g(v),
                })
                .collect(),
        )
    }

    #[test]
    fn grades_map_to_the_four_fsrs_ratings() {
        let ratings: Vec<u32> = (0..=5).map(|v| fsrs_rating(g(v))).collect();
        assert_eq!(ratings, [1, 1, 1, 2, 3, 4]);
        // FSRS's pass line (any rating above Again) is SM-2's: grade 3 and up.
        for v in 0..=5 {
            assert_eq!(fsrs_rating(g(v)) > 1, g(v).is_pass(), "grade {v}");
        }
    }

    #[test]
    fn desired_retention_is_a_whole_percent_from_70_to_97() {
        assert_eq!(DesiredRetention::parse_field(" 90 ").unwrap().percent(), 90);
        assert_eq!(DesiredRetention::parse_field("85%").unwrap().percent(), 85);
        for bad in ["69", "98", "0.9", "", "ninety", "-90"] {
            assert!(DesiredRetention::parse_field(bad).is_err(), "{bad}");
        }
        assert_eq!(
            DesiredRetention::from_stored(500),
            DesiredRetention::DEFAULT
        );
        assert!((DesiredRetention::new(97).unwrap().fraction() - 0.97).abs() < 1e-6);
    }

    #[test]
    fn the_scheduler_form_reports_each_bad_field() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let ok = parse_form(&pairs(&[
            ("scheduler", "fsrs"),
            ("desired_retention", "85"),
        ]));
        assert_eq!(
            ok,
            Ok(SchedulerSettings {
                choice: SchedulerChoice::Fsrs,
                retention: DesiredRetention::new(85).unwrap(),
            })
        );
        let bad = parse_form(&pairs(&[
            ("scheduler", "anki"),
            ("desired_retention", "99"),
        ]));
        let errors = bad.unwrap_err();
        assert_eq!(errors.scheduler, Some("Choose SM-2 or FSRS."));
        assert_eq!(
            errors.desired_retention,
            Some("Enter a whole number of percent from 70 to 97.")
        );
    }

    #[test]
    fn the_choice_round_trips_through_its_stored_text() {
        for choice in [SchedulerChoice::Sm2, SchedulerChoice::Fsrs] {
            assert_eq!(SchedulerChoice::parse(choice.as_str()), Some(choice));
        }
        assert_eq!(SchedulerChoice::parse("anki"), None);
        assert_eq!(SchedulerChoice::default(), SchedulerChoice::Sm2);
    }

    #[test]
    fn the_fsrs_item_counts_days_between_reviews() {
        let item = history(&[(0, 4), (3, 2), (4, 5)]).fsrs_item();
        let pairs: Vec<(u32, u32)> = item.reviews.iter().map(|r| (r.rating, r.delta_t)).collect();
        assert_eq!(pairs, [(3, 0), (1, 3), (4, 1)]);
    }

    #[test]
    fn stepping_grade_by_grade_gives_the_crates_next_states() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        let reference = FSRS::new(&[]).unwrap();
        let h = history(&[(0, 4), (2, 5), (9, 1), (10, 3)]);
        let mut ours = None;
        let mut theirs: Option<MemoryState> = None;
        let mut last = None;
        for r in &h.reviews {
            let elapsed = last.map_or(0, |l| days_between(l, r.day));
            let (state, interval) = model.step(ours, elapsed, r.grade).unwrap();
            let next = reference.next_states(theirs, 0.9, elapsed).unwrap();
            let expected = [next.again, next.hard, next.good, next.easy]
                [fsrs_rating(r.grade) as usize - 1]
                .clone();
            assert_eq!(state, expected.memory);
            assert_eq!(interval, whole_days(expected.interval));
            ours = Some(state);
            theirs = Some(expected.memory);
            last = Some(r.day);
        }
    }

    #[test]
    fn switching_to_fsrs_computes_the_state_from_the_log() {
        let model = FsrsModel::new(&[], DesiredRetention::new(85).unwrap()).unwrap();
        let h = history(&[(0, 4), (1, 4), (7, 2), (8, 5)]);
        let placed = place(SchedulerChoice::Fsrs, &h, &model).unwrap();
        let expected = FSRS::new(&[])
            .unwrap()
            .memory_state(h.fsrs_item(), None)
            .unwrap();
        assert_eq!(placed.memory, Some(expected));
        let interval = whole_days(FSRS::new(&[]).unwrap().next_interval(
            Some(expected.stability),
            0.85,
            3,
        ));
        assert_eq!(placed.due_day, Some(DayClock::due_day(day(8), interval)));
        // The log's memory state is the one grading step by step reaches.
        let along = model.states_along(&h).unwrap();
        assert_eq!(along.len(), 4);
        let last = along.last().unwrap();
        assert!((last.stability - expected.stability).abs() < 1e-3 * expected.stability);
    }

    #[test]
    fn switching_back_to_sm2_continues_from_the_sm2_state_of_the_whole_history() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        let grades = [(0, 4), (1, 4), (7, 2), (8, 5), (9, 5)];
        let h = history(&grades);
        let placed = place(SchedulerChoice::Sm2, &h, &model).unwrap();
        let sm2 = grades
            .iter()
            .fold(Sm2State::NEW, |s, &(_, v)| sm2::review(s, g(v)));
        assert_eq!(h.sm2_state(), sm2);
        assert_eq!(placed.memory, None);
        assert_eq!(
            placed.due_day,
            Some(DayClock::due_day(day(9), sm2.interval_days))
        );
    }

    #[test]
    fn a_card_never_reviewed_stays_new_under_both() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        let h = history(&[]);
        for choice in [SchedulerChoice::Sm2, SchedulerChoice::Fsrs] {
            let placed = place(choice, &h, &model).unwrap();
            assert_eq!((placed.due_day, placed.memory), (None, None));
        }
    }

    #[test]
    fn a_truncated_log_starts_from_the_sm2_estimate() {
        let model = FsrsModel::new(&[], DesiredRetention::DEFAULT).unwrap();
        let start = Sm2State {
            repetitions: 3,
            interval_days: 20,
            easiness_hundredths: 250,
        };
        let h = CardHistory {
            start,
            start_day: Some(day(0)),
            reviews: vec![LoggedReview {
                day: day(20),
                grade: g(4),
            }],
        };
        assert_eq!(h.fsrs_item().reviews[0].delta_t, 20);
        let from_sm2 = FSRS::new(&[])
            .unwrap()
            .memory_state_from_sm2(2.5, 20.0, 0.9)
            .unwrap();
        let expected = FSRS::new(&[])
            .unwrap()
            .memory_state(h.fsrs_item(), Some(from_sm2))
            .unwrap();
        assert_eq!(model.state_from_history(&h).unwrap(), Some(expected));
        assert_eq!(model.states_along(&h).unwrap(), vec![expected]);
    }

    #[test]
    fn intervals_are_whole_days_within_bounds() {
        assert_eq!(whole_days(0.2), 1);
        assert_eq!(whole_days(2.5), 3);
        assert_eq!(whole_days(f32::NAN), 1);
        assert_eq!(whole_days(1e12), MAX_INTERVAL_DAYS);
    }
}
