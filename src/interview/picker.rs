//! The mock-interview question picker: a pure function from (seed, pool, options) to the ids of
//! the questions to ask, in the order to ask them. No I/O, no clock, no global RNG.
//!
//! How a set is drawn:
//!
//! 1. The pool is filtered by kind and (for [`DifficultyChoice::Only`]) difficulty, and
//!    de-duplicated by id (the first eligible occurrence of an id wins).
//! 2. Each group's questions are put in preference order: never seen first, then oldest
//!    `last_seen` first; questions equally old (or both never seen) are ordered by the seed.
//! 3. The groups are put in a seeded random order and take turns, one question per turn, until
//!    `count` questions are chosen or every group has run out. So per-group counts differ by at
//!    most one, except that a group that runs out leaves its places to the others, and the groups
//!    early in the seeded order get the extra questions. The turn order is also the order the
//!    questions are asked in, so topics are interleaved.
//! 4. On its turn a group gives its most preferred remaining question, except with
//!    [`DifficultyChoice::Mix`], where it gives its most preferred remaining question of the
//!    difficulty the set is shortest of relative to 35% junior / 40% mid / 25% senior (or of the
//!    next best difficulty it still has).
//!
//! The random numbers come from [`ChaCha8Rng`], whose output stream for a seed is fixed by its
//! algorithm, and are turned into indices and shuffles by the small functions below rather than
//! by `rand`'s distributions, so a stored seed replays the same interview across `rand` upgrades.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One question the candidate could be asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolQuestion {
    /// The question's id (its bank id).
    pub id: String,
    /// The chosen topic this question counts towards (the caller maps subtopics to the topic the
    /// candidate picked, or to the area when "all"). The set is balanced across these.
    pub group: String,
    /// `"junior"`, `"mid"` or `"senior"`.
    pub difficulty: String,
    /// `"concept"`, `"code-output"`, `"coding"`, `"design"`, `"debugging"` or `"behavioural"`.
    pub kind: String,
    /// When the candidate last graded it (practice or interview); `None` = never seen.
    pub last_seen: Option<NaiveDateTime>,
}

/// Which difficulties an interview draws from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DifficultyChoice {
    /// Any difficulty, chosen purely by recency.
    Any,
    /// Only questions of this difficulty.
    Only(String),
    /// About 35% junior / 40% mid / 25% senior, as far as the pool allows.
    Mix,
}

/// What the candidate asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickOptions {
    /// How many questions to ask (fewer if the pool has fewer eligible questions).
    pub count: usize,
    /// Which difficulties to draw from.
    pub difficulty: DifficultyChoice,
    /// The kinds to draw from; empty = any kind.
    pub kinds: Vec<String>,
}

/// The target shares for [`DifficultyChoice::Mix`], in percent (they sum to 100).
const MIX_SHARES: [(&str, i64); 3] = [("junior", 35), ("mid", 40), ("senior", 25)];

/// Picks the questions for a mock interview: the ids in the order to ask them.
///
/// The result has `min(options.count, distinct eligible ids)` entries, never repeats an id, and is
/// the same for the same `(seed, pool, options)`. See the module docs for the rules.
pub fn pick(seed: u64, pool: &[PoolQuestion], options: &PickOptions) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // 1. Filter and de-duplicate, grouping by group name (BTreeMap: a fixed iteration order).
    let mut seen_ids: BTreeSet<&str> = BTreeSet::new();
    let mut groups: BTreeMap<&str, Vec<&PoolQuestion>> = BTreeMap::new();
    for question in pool.iter().filter(|q| is_eligible(q, options)) {
        if seen_ids.insert(question.id.as_str()) {
            groups
                .entry(question.group.as_str())
                .or_default()
                .push(question);
        }
    }
    let wanted = options.count.min(seen_ids.len());
    if wanted == 0 {
        return Vec::new();
    }

    // 3 (the order part). The groups take turns in a seeded order.
    let mut order: Vec<&str> = groups.keys().copied().collect();
    shuffle(&mut rng, &mut order);

    // 2. Preference order within each group: shuffle, then a stable sort by recency, so that
    //    equally old questions end up in seeded order. `None < Some(_)`: never seen first.
    let mut queues: BTreeMap<&str, Vec<&PoolQuestion>> = BTreeMap::new();
    for (name, mut questions) in groups {
        shuffle(&mut rng, &mut questions);
        questions.sort_by_key(|q| q.last_seen);
        queues.insert(name, questions);
    }

    // 3 and 4. Round-robin over the groups until enough are chosen or all have run out.
    let mut chosen: Vec<String> = Vec::with_capacity(wanted);
    let mut per_difficulty: BTreeMap<&str, i64> = BTreeMap::new();
    while chosen.len() < wanted {
        let before = chosen.len();
        for name in &order {
            if chosen.len() >= wanted {
                break;
            }
            let Some(queue) = queues.get_mut(name) else {
                continue;
            };
            let position = match options.difficulty {
                DifficultyChoice::Mix => mix_position(queue, &per_difficulty, chosen.len()),
                DifficultyChoice::Any | DifficultyChoice::Only(_) => {
                    if queue.is_empty() {
                        None
                    } else {
                        Some(0)
                    }
                }
            };
            if let Some(position) = position.filter(|&p| p < queue.len()) {
                let question = queue.remove(position);
                *per_difficulty
                    .entry(question.difficulty.as_str())
                    .or_insert(0) += 1;
                chosen.push(question.id.clone());
            }
        }
        if chosen.len() == before {
            // Every group has run out (cannot happen while `wanted` ≤ eligible, but never loop).
            break;
        }
    }
    chosen
}

/// Whether a question passes the kind and difficulty filters.
fn is_eligible(question: &PoolQuestion, options: &PickOptions) -> bool {
    let kind_ok = options.kinds.is_empty() || options.kinds.contains(&question.kind);
    let difficulty_ok = match &options.difficulty {
        DifficultyChoice::Any | DifficultyChoice::Mix => true,
        DifficultyChoice::Only(difficulty) => *difficulty == question.difficulty,
    };
    kind_ok && difficulty_ok
}

/// For [`DifficultyChoice::Mix`]: the position in `queue` (a group's remaining questions, most
/// preferred first) of the question to take as the set's question number `already + 1`.
///
/// Each difficulty's deficit is how far the set would fall short of its share after this
/// question (`share × (already + 1) − taken so far`, in hundredths of a question). The question
/// taken is the most preferred one among those whose difficulty has the largest deficit of the
/// difficulties the group still has; difficulties outside the mix rank below all of those. Taking
/// the largest deficit each time keeps every difficulty's count within one question of its share
/// whenever the pool has enough of each.
fn mix_position(
    queue: &[&PoolQuestion],
    taken: &BTreeMap<&str, i64>,
    already: usize,
) -> Option<usize> {
    let next = i64::try_from(already).unwrap_or(i64::MAX).saturating_add(1);
    let rank = |question: &PoolQuestion| -> (bool, i64) {
        let taken_of = taken
            .get(question.difficulty.as_str())
            .copied()
            .unwrap_or(0);
        let share = MIX_SHARES
            .iter()
            .find(|(name, _)| *name == question.difficulty)
            .map(|(_, share)| *share);
        let deficit = share
            .unwrap_or(0)
            .saturating_mul(next)
            .saturating_sub(taken_of.saturating_mul(100));
        (share.is_some(), deficit)
    };
    let mut best: Option<(usize, (bool, i64))> = None;
    for (position, question) in queue.iter().enumerate() {
        let candidate = rank(question);
        // Strictly greater: on equal rank the earlier (more preferred) question stays.
        if best.is_none_or(|(_, best_rank)| candidate > best_rank) {
            best = Some((position, candidate));
        }
    }
    best.map(|(position, _)| position)
}

/// A uniformly random number in `0..n` (`n > 0`), by Lemire's multiply-and-reject method on the
/// raw ChaCha8 output, so it does not depend on how `rand` implements ranges.
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    if n <= 1 {
        return 0;
    }
    // 2^64 mod n: products whose low half falls below this would bias the result.
    let threshold = n.wrapping_neg() % n;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(n);
        if (product as u64) >= threshold {
            return (product >> 64) as usize;
        }
    }
}

/// A Fisher–Yates shuffle driven by [`below`] (again independent of `rand`'s own `shuffle`).
fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for upper in (1..items.len()).rev() {
        let other = below(rng, upper + 1);
        items.swap(upper, other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn day(n: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            + Duration::days(n)
    }

    fn q(id: &str, group: &str, difficulty: &str, kind: &str, seen: Option<i64>) -> PoolQuestion {
        PoolQuestion {
            id: id.to_string(),
            group: group.to_string(),
            difficulty: difficulty.to_string(),
            kind: kind.to_string(),
            last_seen: seen.map(day),
        }
    }

    fn opts(count: usize) -> PickOptions {
        PickOptions {
            count,
            difficulty: DifficultyChoice::Any,
            kinds: Vec::new(),
        }
    }

    /// `n` never-seen "mid" "concept" questions in `group`, ids `{group}{i}`.
    fn group_of(group: &str, n: usize) -> Vec<PoolQuestion> {
        (0..n)
            .map(|i| q(&format!("{group}{i}"), group, "mid", "concept", None))
            .collect()
    }

    fn by_id<'a>(pool: &'a [PoolQuestion], id: &str) -> &'a PoolQuestion {
        pool.iter().find(|q| q.id == id).unwrap()
    }

    fn group_counts(pool: &[PoolQuestion], picked: &[String]) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for id in picked {
            *counts.entry(by_id(pool, id).group.clone()).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn five_over_two_groups_is_three_and_two() {
        let mut pool = group_of("a", 10);
        pool.extend(group_of("b", 10));
        let mut extra_to_a = false;
        let mut extra_to_b = false;
        for seed in 0..50 {
            let picked = pick(seed, &pool, &opts(5));
            assert_eq!(picked.len(), 5);
            let counts = group_counts(&pool, &picked);
            let (a, b) = (counts["a"], counts["b"]);
            assert!((a, b) == (3, 2) || (a, b) == (2, 3), "{a}/{b}");
            extra_to_a |= a == 3;
            extra_to_b |= b == 3;
            // Interleaved: the group with 3 asks 1st, 3rd and 5th.
            for pair in picked.windows(2) {
                assert_ne!(by_id(&pool, &pair[0]).group, by_id(&pool, &pair[1]).group);
            }
        }
        assert!(
            extra_to_a && extra_to_b,
            "the seed decides who gets the extra"
        );
    }

    #[test]
    fn prefers_never_seen_then_oldest() {
        let pool = vec![
            q("recent", "a", "mid", "concept", Some(30)),
            q("old", "a", "mid", "concept", Some(1)),
            q("new1", "a", "mid", "concept", None),
            q("middle", "a", "mid", "concept", Some(10)),
            q("new2", "a", "mid", "concept", None),
        ];
        for seed in 0..20 {
            let picked = pick(seed, &pool, &opts(3));
            let mut sorted = picked.clone();
            sorted.sort();
            assert_eq!(sorted, ["new1", "new2", "old"]);
            assert_eq!(picked[2], "old");
            let picked = pick(seed, &pool, &opts(4));
            assert_eq!(picked[3], "middle");
        }
    }

    #[test]
    fn ties_between_equally_old_questions_depend_on_the_seed() {
        let pool: Vec<_> = (0..10)
            .map(|i| q(&format!("q{i}"), "a", "mid", "concept", Some(5)))
            .collect();
        let firsts: BTreeSet<String> = (0..40)
            .map(|s| pick(s, &pool, &opts(1))[0].clone())
            .collect();
        assert!(firsts.len() > 3, "{firsts:?}");
    }

    #[test]
    fn a_group_that_runs_out_leaves_its_places_to_the_others() {
        let mut pool = group_of("a", 2);
        pool.extend(group_of("b", 10));
        pool.extend(group_of("c", 10));
        for seed in 0..20 {
            let picked = pick(seed, &pool, &opts(12));
            let counts = group_counts(&pool, &picked);
            assert_eq!(counts["a"], 2);
            assert_eq!(counts["b"], 5);
            assert_eq!(counts["c"], 5);
            // Once "a" is exhausted, "b" and "c" still alternate.
            for pair in picked.windows(2) {
                assert_ne!(by_id(&pool, &pair[0]).group, by_id(&pool, &pair[1]).group);
            }
        }
        // More than the pool holds: everything, once.
        let picked = pick(7, &pool, &opts(100));
        assert_eq!(picked.len(), 22);
        assert_eq!(picked.iter().collect::<BTreeSet<_>>().len(), 22);
    }

    #[test]
    fn filters_by_difficulty_and_kind() {
        let pool = vec![
            q("j-concept", "a", "junior", "concept", None),
            q("m-concept", "a", "mid", "concept", None),
            q("m-coding", "b", "mid", "coding", None),
            q("s-design", "b", "senior", "design", None),
            q("m-design", "c", "mid", "design", None),
        ];
        let only_mid = PickOptions {
            count: 10,
            difficulty: DifficultyChoice::Only("mid".to_string()),
            kinds: Vec::new(),
        };
        let mut picked = pick(1, &pool, &only_mid);
        picked.sort();
        assert_eq!(picked, ["m-coding", "m-concept", "m-design"]);

        let designs_and_coding = PickOptions {
            count: 10,
            difficulty: DifficultyChoice::Any,
            kinds: vec!["design".to_string(), "coding".to_string()],
        };
        let mut picked = pick(1, &pool, &designs_and_coding);
        picked.sort();
        assert_eq!(picked, ["m-coding", "m-design", "s-design"]);

        let both = PickOptions {
            difficulty: DifficultyChoice::Only("mid".to_string()),
            ..designs_and_coding
        };
        let mut picked = pick(1, &pool, &both);
        picked.sort();
        assert_eq!(picked, ["m-coding", "m-design"]);

        let nothing = PickOptions {
            count: 10,
            difficulty: DifficultyChoice::Only("staff".to_string()),
            kinds: Vec::new(),
        };
        assert!(pick(1, &pool, &nothing).is_empty());
    }

    #[test]
    fn empty_pool_and_zero_count_give_nothing() {
        assert!(pick(1, &[], &opts(5)).is_empty());
        assert!(pick(1, &group_of("a", 3), &opts(0)).is_empty());
    }

    #[test]
    fn duplicate_ids_are_asked_once() {
        let pool = vec![
            q("x", "a", "mid", "concept", None),
            q("x", "b", "mid", "concept", None),
            q("x", "a", "mid", "concept", Some(3)),
            q("y", "b", "mid", "concept", None),
        ];
        let mut picked = pick(3, &pool, &opts(10));
        picked.sort();
        assert_eq!(picked, ["x", "y"]);
    }

    fn mix_pool(groups: &[&str], per_difficulty: usize) -> Vec<PoolQuestion> {
        let mut pool = Vec::new();
        for group in groups {
            for difficulty in ["junior", "mid", "senior"] {
                for i in 0..per_difficulty {
                    pool.push(q(
                        &format!("{group}-{difficulty}-{i}"),
                        group,
                        difficulty,
                        "concept",
                        None,
                    ));
                }
            }
        }
        pool
    }

    fn difficulty_counts(pool: &[PoolQuestion], picked: &[String]) -> [usize; 3] {
        let mut counts = [0; 3];
        for id in picked {
            match by_id(pool, id).difficulty.as_str() {
                "junior" => counts[0] += 1,
                "mid" => counts[1] += 1,
                "senior" => counts[2] += 1,
                other => panic!("{other}"),
            }
        }
        counts
    }

    #[test]
    fn mix_of_twenty_is_seven_eight_five() {
        let mix = PickOptions {
            count: 20,
            difficulty: DifficultyChoice::Mix,
            kinds: Vec::new(),
        };
        for groups in [&["a"][..], &["a", "b"], &["a", "b", "c"]] {
            let pool = mix_pool(groups, 20);
            for seed in 0..10 {
                let picked = pick(seed, &pool, &mix);
                assert_eq!(difficulty_counts(&pool, &picked), [7, 8, 5], "{groups:?}");
            }
        }
    }

    #[test]
    fn mix_falls_back_to_what_the_group_has() {
        // Group "a" has only seniors, "b" only juniors: the set is 5/5 whatever the targets say.
        let mut pool: Vec<_> = (0..5)
            .map(|i| q(&format!("a{i}"), "a", "senior", "concept", None))
            .collect();
        pool.extend((0..5).map(|i| q(&format!("b{i}"), "b", "junior", "concept", None)));
        let mix = PickOptions {
            count: 10,
            difficulty: DifficultyChoice::Mix,
            kinds: Vec::new(),
        };
        assert_eq!(difficulty_counts(&pool, &pick(2, &pool, &mix)), [5, 0, 5]);
    }

    #[test]
    fn same_seed_same_set_different_seeds_differ() {
        let mut pool = mix_pool(&["a", "b", "c"], 15);
        for (i, question) in pool.iter_mut().enumerate() {
            if i % 3 == 0 {
                question.last_seen = Some(day((i % 4) as i64));
            }
        }
        for difficulty in [DifficultyChoice::Any, DifficultyChoice::Mix] {
            let options = PickOptions {
                count: 12,
                difficulty,
                kinds: Vec::new(),
            };
            assert_eq!(pick(42, &pool, &options), pick(42, &pool, &options));
            let distinct: BTreeSet<Vec<String>> =
                (0..10).map(|seed| pick(seed, &pool, &options)).collect();
            assert!(distinct.len() >= 9, "{}", distinct.len());
        }
    }

    /// Pins the output for one seed: if this changes, stored seeds no longer replay the same
    /// interviews (e.g. after a `rand_chacha` upgrade or a change to the algorithm).
    #[test]
    fn a_stored_seed_replays_the_same_interview() {
        let pool = mix_pool(&["a", "b"], 3);
        let mix = PickOptions {
            count: 6,
            difficulty: DifficultyChoice::Mix,
            kinds: Vec::new(),
        };
        let picked = pick(2025, &pool, &mix);
        assert_eq!(picked, PINNED);
    }
    const PINNED: [&str; 6] = [
        "a-mid-0",
        "b-junior-1",
        "a-senior-2",
        "b-mid-1",
        "a-junior-2",
        "b-senior-0",
    ];

    // ---- properties ----

    fn arb_question() -> impl Strategy<Value = PoolQuestion> {
        (
            0..40u32,
            prop::sample::select(vec!["a", "b", "c", "d"]),
            prop::sample::select(vec!["junior", "mid", "senior"]),
            prop::sample::select(vec!["concept", "coding", "design"]),
            prop::option::of(0..6i64),
        )
            .prop_map(|(id, group, difficulty, kind, seen)| {
                q(&format!("q{id}"), group, difficulty, kind, seen)
            })
    }

    fn arb_options() -> impl Strategy<Value = PickOptions> {
        (
            0..30usize,
            prop_oneof![
                Just(DifficultyChoice::Any),
                Just(DifficultyChoice::Mix),
                prop::sample::select(vec!["junior", "mid", "senior"])
                    .prop_map(|d| DifficultyChoice::Only(d.to_string())),
            ],
            prop::sample::subsequence(vec!["concept", "coding", "design"], 0..=3),
        )
            .prop_map(|(count, difficulty, kinds)| PickOptions {
                count,
                difficulty,
                kinds: kinds.into_iter().map(str::to_string).collect(),
            })
    }

    /// The reference filter: the first eligible occurrence of each id.
    fn eligible(pool: &[PoolQuestion], options: &PickOptions) -> Vec<PoolQuestion> {
        let mut ids = BTreeSet::new();
        pool.iter()
            .filter(|q| {
                (options.kinds.is_empty() || options.kinds.contains(&q.kind))
                    && match &options.difficulty {
                        DifficultyChoice::Only(d) => *d == q.difficulty,
                        _ => true,
                    }
            })
            .filter(|q| ids.insert(q.id.clone()))
            .cloned()
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn picks_are_valid_balanced_least_recent_and_deterministic(
            seed in any::<u64>(),
            pool in prop::collection::vec(arb_question(), 0..50),
            options in arb_options(),
        ) {
            let picked = pick(seed, &pool, &options);
            let eligible = eligible(&pool, &options);

            // Deterministic.
            prop_assert_eq!(&picked, &pick(seed, &pool, &options));
            // Length = min(count, distinct eligible ids).
            prop_assert_eq!(picked.len(), options.count.min(eligible.len()));
            // No repeats.
            prop_assert_eq!(picked.iter().collect::<BTreeSet<_>>().len(), picked.len());
            // Every id is eligible.
            for id in &picked {
                prop_assert!(eligible.iter().any(|q| q.id == *id));
            }

            // Balance: a group that did not run out has at most one fewer than any other group.
            let mut available: BTreeMap<&str, usize> = BTreeMap::new();
            for question in &eligible {
                *available.entry(question.group.as_str()).or_insert(0) += 1;
            }
            let counts = group_counts(&eligible, &picked);
            let count_of = |g: &str| counts.get(g).copied().unwrap_or(0);
            for (&g, &g_available) in &available {
                if count_of(g) < g_available {
                    for &h in available.keys() {
                        prop_assert!(
                            count_of(h) <= count_of(g) + 1,
                            "{g}: {} of {g_available}, {h}: {}", count_of(g), count_of(h)
                        );
                    }
                }
            }

            // Least recent first: within a group (and, for Mix, a difficulty), every question
            // picked is at most as recently seen as every question left out. In particular,
            // never-seen questions go before seen ones.
            let bucket = |q: &PoolQuestion| match options.difficulty {
                DifficultyChoice::Mix => (q.group.clone(), q.difficulty.clone()),
                _ => (q.group.clone(), String::new()),
            };
            for chosen in picked.iter().map(|id| by_id(&eligible, id)) {
                for left in eligible.iter().filter(|q| !picked.contains(&q.id)) {
                    if bucket(chosen) == bucket(left) {
                        prop_assert!(chosen.last_seen <= left.last_seen);
                    }
                }
            }

            // Interleaved: the same group twice in a row only once every other group is done.
            for (i, pair) in picked.windows(2).enumerate() {
                let group = &by_id(&eligible, &pair[0]).group;
                if *group == by_id(&eligible, &pair[1]).group {
                    for later in &picked[i..] {
                        prop_assert_eq!(&by_id(&eligible, later).group, group);
                    }
                }
            }
        }

        #[test]
        fn mix_keeps_each_difficulty_within_one_of_its_share(
            seed in any::<u64>(),
            groups in prop::sample::subsequence(vec!["a", "b", "c", "d"], 1..=4),
            count in 0..40usize,
        ) {
            let pool = mix_pool(&groups, 40);
            let mix = PickOptions { count, difficulty: DifficultyChoice::Mix, kinds: Vec::new() };
            let counts = difficulty_counts(&pool, &pick(seed, &pool, &mix));
            for (got, share) in counts.iter().zip([35, 40, 25]) {
                let exact = (share * count) as i64; // hundredths of a question
                prop_assert!(((*got as i64) * 100 - exact).abs() < 100, "{counts:?} of {count}");
            }
        }
    }
}
