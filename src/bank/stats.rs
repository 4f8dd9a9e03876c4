//! Counts of a bank by area, topic, difficulty and kind (`rehearse check --stats`).

use super::model::{Bank, Difficulty, Kind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A printable summary of the bank, including topics with fewer than `min_per_topic` questions.
pub fn render(bank: &Bank, min_per_topic: usize) -> String {
    let mut out = String::new();
    let total = bank.question_count();
    let mut per_topic: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_difficulty: BTreeMap<Difficulty, usize> = BTreeMap::new();
    let mut per_kind: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut with_follow_ups = 0;
    for q in bank.sets.iter().flat_map(|s| &s.questions) {
        *per_topic.entry(q.topic.as_str()).or_default() += 1;
        *per_difficulty.entry(q.difficulty).or_default() += 1;
        *per_kind.entry(q.kind).or_default() += 1;
        if !q.follow_ups.is_empty() {
            with_follow_ups += 1;
        }
    }
    let percent = |n: usize| (n * 100 + total / 2).checked_div(total).unwrap_or(0);
    let _ = writeln!(out, "{total} questions in {} sets", bank.sets.len());
    let _ = writeln!(out, "{with_follow_ups} with follow-ups");
    let _ = writeln!(out, "\nBy difficulty:");
    for d in Difficulty::ALL {
        let n = per_difficulty.get(d).copied().unwrap_or(0);
        let _ = writeln!(out, "  {:<12} {n:>5}  {:>3}%", d.as_str(), percent(n));
    }
    let _ = writeln!(out, "\nBy kind:");
    for k in Kind::ALL {
        let n = per_kind.get(k).copied().unwrap_or(0);
        let _ = writeln!(out, "  {:<12} {n:>5}  {:>3}%", k.as_str(), percent(n));
    }
    if let Some(topics) = &bank.topics {
        let _ = writeln!(out, "\nBy area and topic:");
        let mut thin = Vec::new();
        for area in topics.iter().filter(|t| t.parent.is_none()) {
            let children: Vec<_> = topics
                .iter()
                .filter(|t| t.parent.as_ref() == Some(&area.id))
                .collect();
            let own = per_topic.get(area.id.as_str()).copied().unwrap_or(0);
            let area_total: usize = own
                + children
                    .iter()
                    .map(|c| per_topic.get(c.id.as_str()).copied().unwrap_or(0))
                    .sum::<usize>();
            let _ = writeln!(out, "  {:<40} {area_total:>5}", area.title);
            if area_total < min_per_topic {
                thin.push((area.id.as_str(), area_total));
            }
            for c in children {
                let n = per_topic.get(c.id.as_str()).copied().unwrap_or(0);
                let _ = writeln!(out, "    {:<38} {n:>5}", c.id.as_str());
                if n < min_per_topic {
                    thin.push((c.id.as_str(), n));
                }
            }
        }
        if thin.is_empty() {
            let _ = writeln!(out, "\nEvery topic has at least {min_per_topic} questions.");
        } else {
            let _ = writeln!(out, "\nTopics with fewer than {min_per_topic} questions:");
            for (id, n) in thin {
                let _ = writeln!(out, "  {id}: {n}");
            }
        }
    }
    out
}
