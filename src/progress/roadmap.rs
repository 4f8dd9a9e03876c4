//! The roadmap: the topic tree of `questions/topics.yaml`, each area and topic with the level
//! the candidate has earned in it from their reviews (study and mock interviews alike). Pure.
//!
//! The source documents mark roadmap items by hand — heard of it, know it, have used it —
//! and here the marks are earned:
//! - **not started**: no question of it graded yet;
//! - **👂 heard**: at least one question graded;
//! - **🎓 known**: every question passed at least once and none failing now (each question's
//!   latest scheduled grade was 3 or more);
//! - **🖐️ used**: known, and every question mature and retained (its latest grade passed and
//!   its next interval is 21 days or more).

use super::stats::{CardFacts, MATURE_INTERVAL_DAYS};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    NotStarted,
    Heard,
    Known,
    Used,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::NotStarted, Level::Heard, Level::Known, Level::Used];

    pub fn mark(self) -> &'static str {
        match self {
            Level::NotStarted => "·",
            Level::Heard => "👂",
            Level::Known => "🎓",
            Level::Used => "🖐️",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::NotStarted => "not started",
            Level::Heard => "heard",
            Level::Known => "known",
            Level::Used => "used",
        }
    }

    /// The CSS class suffix of the level's badge.
    pub fn css(self) -> &'static str {
        match self {
            Level::NotStarted => "none",
            Level::Heard => "heard",
            Level::Known => "known",
            Level::Used => "used",
        }
    }

    /// The rule, as the page states it.
    pub fn rule(self) -> &'static str {
        match self {
            Level::NotStarted => "no question of it graded yet",
            Level::Heard => "at least one question graded",
            Level::Known => {
                "every question passed at least once and none failing now (each one's latest \
                 scheduled grade was 3 or more)"
            }
            Level::Used => {
                "known, and every question mature and retained: latest grade passed and next \
                 interval 21 days or more"
            }
        }
    }
}

/// Where one question stands. A failing grade resets a card's repetitions to 0, so a card
/// with repetitions ≥ 1 has passed at least once and is not failing now.
pub fn question_level(card: Option<&CardFacts>) -> Level {
    match card {
        None => Level::NotStarted,
        Some(c) if c.due_day.is_none() => Level::NotStarted,
        Some(c) if c.repetitions < 1 => Level::Heard,
        Some(c) if c.interval_days >= MATURE_INTERVAL_DAYS => Level::Used,
        Some(_) => Level::Known,
    }
}

/// How many questions are at each level, in [`Level::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts(pub [u32; 4]);

impl LevelCounts {
    fn add(&mut self, level: Level) {
        if let Some(slot) = self.0.get_mut(level as usize) {
            *slot = slot.saturating_add(1);
        }
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    pub fn of(&self, level: Level) -> u32 {
        self.0.get(level as usize).copied().unwrap_or(0)
    }

    pub fn not_started(&self) -> u32 {
        self.of(Level::NotStarted)
    }

    pub fn heard(&self) -> u32 {
        self.of(Level::Heard)
    }

    pub fn known(&self) -> u32 {
        self.of(Level::Known)
    }

    pub fn used(&self) -> u32 {
        self.of(Level::Used)
    }

    /// The level of a group of questions with these counts: the lowest level every question
    /// has reached once all are known, else heard as soon as one was graded. `None` when the
    /// group has no questions.
    pub fn level(&self) -> Option<Level> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        Some(if self.of(Level::Used) == total {
            Level::Used
        } else if self.of(Level::Used) + self.of(Level::Known) == total {
            Level::Known
        } else if self.of(Level::NotStarted) == total {
            Level::NotStarted
        } else {
            Level::Heard
        })
    }
}

/// A topic of the tree as stored (`topics` table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub title: String,
    pub position: i32,
}

/// An open question, as far as the roadmap cares.
#[derive(Clone, Copy, Debug)]
pub struct QuestionRef<'a> {
    pub id: &'a str,
    pub topic_id: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicNode {
    pub id: String,
    pub title: String,
    pub counts: LevelCounts,
    /// `None` when none of its questions is in the user's active sets.
    pub level: Option<Level>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaNode {
    pub id: String,
    pub title: String,
    /// Every question of the area, its subtopics' included.
    pub counts: LevelCounts,
    pub level: Option<Level>,
    pub topics: Vec<TopicNode>,
}

/// The tree in roadmap order with every level worked out.
pub fn roadmap(
    topics: &[TopicRow],
    questions: &[QuestionRef<'_>],
    cards: &HashMap<&str, &CardFacts>,
) -> Vec<AreaNode> {
    let mut per_topic: HashMap<&str, LevelCounts> = HashMap::new();
    for q in questions {
        per_topic
            .entry(q.topic_id)
            .or_default()
            .add(question_level(cards.get(q.id).copied()));
    }
    let mut sorted: Vec<&TopicRow> = topics.iter().collect();
    sorted.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
    sorted
        .iter()
        .filter(|t| t.parent_id.is_none())
        .map(|area| {
            let children: Vec<TopicNode> = sorted
                .iter()
                .filter(|t| t.parent_id.as_deref() == Some(area.id.as_str()))
                .map(|t| {
                    let counts = per_topic.get(t.id.as_str()).copied().unwrap_or_default();
                    TopicNode {
                        id: t.id.clone(),
                        title: t.title.clone(),
                        counts,
                        level: counts.level(),
                    }
                })
                .collect();
            // Questions may name the area itself as their topic.
            let mut counts = per_topic.get(area.id.as_str()).copied().unwrap_or_default();
            for child in &children {
                for (total, n) in counts.0.iter_mut().zip(child.counts.0) {
                    *total = total.saturating_add(n);
                }
            }
            AreaNode {
                id: area.id.clone(),
                title: area.title.clone(),
                counts,
                level: counts.level(),
                topics: children,
            }
        })
        .collect()
}

/// How many topics (subtopics, and areas without any) are at each level.
pub fn topic_level_counts(areas: &[AreaNode]) -> LevelCounts {
    let mut counts = LevelCounts::default();
    for area in areas {
        if area.topics.is_empty() {
            if let Some(level) = area.level {
                counts.add(level);
            }
        }
        for level in area.topics.iter().filter_map(|t| t.level) {
            counts.add(level);
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn card(id: &str, graded: bool, reps: i32, interval: i32) -> CardFacts {
        let due = graded.then_some("2026-12-07");
        crate::progress::stats::tests::card(id, due, reps, interval)
    }

    fn topic(id: &str, parent: Option<&str>, position: i32) -> TopicRow {
        TopicRow {
            id: id.into(),
            parent_id: parent.map(str::to_owned),
            title: id.to_uppercase(),
            position,
        }
    }

    #[test]
    fn a_question_earns_its_level_from_its_card() {
        assert_eq!(question_level(None), Level::NotStarted);
        assert_eq!(
            question_level(Some(&card("q", false, 0, 0))),
            Level::NotStarted
        );
        assert_eq!(question_level(Some(&card("q", true, 0, 1))), Level::Heard);
        assert_eq!(question_level(Some(&card("q", true, 1, 1))), Level::Known);
        assert_eq!(question_level(Some(&card("q", true, 2, 20))), Level::Known);
        assert_eq!(question_level(Some(&card("q", true, 3, 21))), Level::Used);
    }

    #[test]
    fn a_group_is_known_only_when_every_question_is() {
        let c = |n: [u32; 4]| LevelCounts(n).level();
        assert_eq!(c([0, 0, 0, 0]), None);
        assert_eq!(c([3, 0, 0, 0]), Some(Level::NotStarted));
        assert_eq!(c([2, 0, 1, 0]), Some(Level::Heard));
        assert_eq!(c([0, 1, 2, 2]), Some(Level::Heard));
        assert_eq!(c([0, 0, 2, 2]), Some(Level::Known));
        assert_eq!(c([0, 0, 0, 4]), Some(Level::Used));
    }

    #[test]
    fn the_tree_keeps_roadmap_order_and_sums_areas_over_their_topics() {
        let topics = [
            topic("b", None, 4),
            topic("a", None, 0),
            topic("a-two", Some("a"), 2),
            topic("a-one", Some("a"), 1),
            topic("empty", Some("b"), 5),
        ];
        let questions = [
            QuestionRef {
                id: "1",
                topic_id: "a-one",
            },
            QuestionRef {
                id: "2",
                topic_id: "a-one",
            },
            QuestionRef {
                id: "3",
                topic_id: "a-two",
            },
            QuestionRef {
                id: "4",
                topic_id: "b",
            },
        ];
        let cards = [
            card("1", true, 1, 1),
            card("2", true, 4, 30),
            card("4", true, 0, 1),
        ];
        let by_id: HashMap<&str, &CardFacts> =
            cards.iter().map(|c| (c.question_id.as_str(), c)).collect();
        let tree = roadmap(&topics, &questions, &by_id);
        assert_eq!(
            tree.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let a = &tree[0];
        assert_eq!(
            a.topics.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["a-one", "a-two"]
        );
        assert_eq!(a.topics[0].level, Some(Level::Known));
        assert_eq!(a.topics[1].level, Some(Level::NotStarted));
        assert_eq!(a.level, Some(Level::Heard));
        assert_eq!(a.counts, LevelCounts([1, 0, 1, 1]));
        let b = &tree[1];
        assert_eq!(b.level, Some(Level::Heard));
        assert_eq!(
            b.topics[0].level, None,
            "a topic without questions has no level"
        );
        assert_eq!(topic_level_counts(&tree), LevelCounts([1, 0, 1, 0]));
    }

    proptest! {
        #[test]
        fn an_area_is_never_above_its_lowest_topic_nor_counted_twice(
            states in proptest::collection::vec((0usize..3, any::<bool>(), 0i32..4, 0i32..40), 1..30),
        ) {
            let topics = [topic("a", None, 0), topic("t0", Some("a"), 1), topic("t1", Some("a"), 2), topic("t2", Some("a"), 3)];
            let names = ["t0", "t1", "t2"];
            let ids: Vec<String> = (0..states.len()).map(|i| i.to_string()).collect();
            let questions: Vec<QuestionRef> = states
                .iter()
                .zip(&ids)
                .map(|((t, ..), id)| QuestionRef { id, topic_id: names[*t] })
                .collect();
            let cards: Vec<CardFacts> = states
                .iter()
                .zip(&ids)
                .map(|((_, graded, reps, interval), id)| card(id, *graded, *reps, *interval))
                .collect();
            let by_id: HashMap<&str, &CardFacts> =
                cards.iter().map(|c| (c.question_id.as_str(), c)).collect();
            let tree = roadmap(&topics, &questions, &by_id);
            let area = &tree[0];
            prop_assert_eq!(area.counts.total() as usize, states.len());
            let lowest = area.topics.iter().filter_map(|t| t.level).min();
            if let (Some(level), Some(lowest)) = (area.level, lowest) {
                if level >= Level::Known {
                    prop_assert!(level <= lowest);
                }
            }
        }
    }
}
