//! Near-duplicate questions: how alike two questions are, judged by the words of what they ask.
//!
//! Each question becomes a bag of terms (see [`question_terms`]): the prose of its prompt, its
//! key points and its answer, lower-cased, without stop words, numbers and one- or two-letter
//! words, each cut to a rough stem so `streams`/`stream` and `signals`/`signalling` meet. The
//! terms are weighted by TF-IDF over the whole bank (a word most questions use, like `server`,
//! weighs little; a rare one like `pid` weighs a lot) and two questions are compared by the
//! cosine of their weight vectors: 1.0 for the same words in the same proportions, 0.0 for no
//! word in common. The lint test reports every pair at or above a threshold.

use crate::bank::model::{Kind, Question};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Words that carry no topic: English function words, words every interview prompt uses
/// ("explain", "what", "how"), and the names every Node.js question shares.
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "and",
    "any",
    "are",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "can",
    "could",
    "did",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "into",
    "its",
    "itself",
    "just",
    "more",
    "most",
    "not",
    "now",
    "off",
    "once",
    "only",
    "other",
    "our",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "too",
    "under",
    "until",
    "very",
    "was",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "one",
    "two",
    "use",
    "using",
    "used",
    "way",
    "ways",
    "get",
    "gets",
    "make",
    "makes",
    "need",
    "needs",
    "want",
    "wants",
    "like",
    "let",
    "may",
    "might",
    "must",
    "without",
    "within",
    "instead",
    "still",
    "even",
    "every",
    "many",
    "much",
    "well",
    "yet",
    // words of the interview, not of the subject
    "explain",
    "describe",
    "question",
    "answer",
    "tell",
    "show",
    "give",
    "walk",
    "happen",
    "happens",
    "difference",
    "different",
    "differ",
    "differences",
    "compare",
    "example",
    "would",
    "approach",
    "design",
    "write",
    "implement",
    "code",
    "program",
    "print",
    "prints",
    "output",
    "candidate",
    "interviewer",
    "mention",
    "mentions",
    "know",
    "knows",
    "name",
    "names",
    "why",
    "does",
    "go",
    "goes",
    "work",
    "works",
    "case",
    "cases",
    "thing",
    "things",
    // words of the runtime every question shares
    "node",
    "nodejs",
    "js",
    "javascript",
    "console",
    "log",
    "const",
    "function",
    "return",
    "require",
    "import",
    "export",
    "await",
    "async",
    "new",
    "true",
    "false",
    "null",
    "undefined",
];

/// [`STOP_WORDS`] as a set: `terms` looks every word up twice.
static STOP_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// The rough stem of a lower-case ASCII word: common English endings cut off.
///
/// Not a full Porter stemmer: enough that plural and verb forms of one word meet, and cheap.
pub fn stem(word: &str) -> String {
    let mut w = word.to_owned();
    // Plurals and third person.
    if let Some(base) = w.strip_suffix("ies") {
        if base.len() >= 2 {
            w = format!("{base}y");
        }
    } else if w.ends_with("sses")
        || w.ends_with("xes")
        || w.ends_with("ches")
        || w.ends_with("shes")
    {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && w.len() > 3
    {
        w.truncate(w.len() - 1);
    }
    // Verb forms and adverbs, keeping at least a three-letter stem.
    for suffix in ["ingly", "edly", "ing", "ed", "ly"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.len() >= 3 && base.bytes().any(|b| b"aeiouy".contains(&b)) {
                w = base.to_owned();
                // "stopped" → "stopp" → "stop", "running" → "runn" → "run".
                let bytes = w.as_bytes();
                if let [.., a, b] = bytes {
                    if a == b && !b"lsz".contains(b) {
                        w.pop();
                    }
                }
                break;
            }
        }
    }
    // A trailing silent "e" differs between forms ("cache"/"caching"): drop it everywhere.
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// The terms of a text: lower-cased ASCII words of three letters or more, not stop words,
/// not numbers, stemmed. camelCase identifiers split into their words as well.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        let mut parts = split_camel_case(raw);
        if parts.len() > 1 {
            parts.push(raw.to_ascii_lowercase());
        }
        for part in parts {
            if part.len() < 3 || part.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if STOP_SET.contains(part.as_str()) {
                continue;
            }
            let stemmed = stem(&part);
            if !STOP_SET.contains(stemmed.as_str()) {
                out.push(stemmed);
            }
        }
    }
    out
}

/// `readFileSync` → `read`, `file`, `sync` (lower-cased); a word without humps stays whole.
fn split_camel_case(word: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in word.chars() {
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// The terms a question is compared by: the prose of its prompt (code blocks left out, so two
/// "what does this print?" programs don't meet over `setTimeout` and `then`), its key points
/// and its whole answer, where code written as an answer is part of what it says.
pub fn question_terms(question: &Question) -> Vec<String> {
    let mut text = prose(&question.prompt);
    for point in &question.key_points {
        text.push('\n');
        text.push_str(point);
    }
    text.push('\n');
    text.push_str(&question.answer);
    terms(&text)
}

/// A Markdown text without its fenced code blocks.
pub fn prose(markdown: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) => {
                if trimmed.starts_with(marker)
                    && trimmed.trim_end().trim_start_matches(marker).is_empty()
                {
                    fence = None;
                }
            }
            None => {
                if trimmed.starts_with("```") {
                    fence = Some("```");
                } else if trimmed.starts_with("~~~") {
                    fence = Some("~~~");
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Pairs of questions that ask the same thing: cosine at or above `threshold`, most alike first.
///
/// A code-output question is compared only with other code-output questions: "predict what
/// this program prints" and "explain the rule" are different exercises even when they share
/// every word, and the bank pairs them on purpose.
pub fn near_duplicates(questions: &[&Question], threshold: f64) -> Vec<SimilarPair> {
    let documents: Vec<Vec<String>> = questions.iter().map(|q| question_terms(q)).collect();
    let is_output = |i: usize| questions.get(i).is_some_and(|q| q.kind == Kind::CodeOutput);
    similar_pairs(&documents, threshold)
        .into_iter()
        .filter(|p| is_output(p.a) == is_output(p.b))
        .collect()
}

/// Two documents found alike: their indexes in the input (`a < b`) and the cosine, 0.0..=1.0.
#[derive(Clone, Debug, PartialEq)]
pub struct SimilarPair {
    pub a: usize,
    pub b: usize,
    pub score: f64,
}

/// Every pair of documents whose TF-IDF cosine is at least `threshold`, most alike first.
/// Pairs with no term in common score 0 and are never reported.
///
/// `documents` are term lists (see [`terms`]); the IDF is computed over these documents, so the
/// same pair can score differently in a different bank. Scores accumulate through an inverted
/// index (term → documents holding it), so the work grows with the pairs that share a term,
/// not with every pair: a few milliseconds for the shipped bank in a release build.
pub fn similar_pairs(documents: &[Vec<String>], threshold: f64) -> Vec<SimilarPair> {
    let vectors = tf_idf_vectors(documents);
    let mut postings: Vec<Vec<(usize, f64)>> = Vec::new();
    for (doc, vector) in vectors.iter().enumerate() {
        for &(term, weight) in vector {
            if postings.len() <= term {
                postings.resize_with(term + 1, Vec::new);
            }
            if let Some(list) = postings.get_mut(term) {
                list.push((doc, weight));
            }
        }
    }
    let mut scores = vec![0.0f64; vectors.len()];
    let mut touched: Vec<usize> = Vec::new();
    let mut pairs = Vec::new();
    for (a, vector) in vectors.iter().enumerate() {
        for &(term, weight) in vector {
            let Some(list) = postings.get(term) else {
                continue;
            };
            // Postings are in document order: only the documents after `a` are new pairs.
            let later = list.partition_point(|&(doc, _)| doc <= a);
            for &(b, other) in list.iter().skip(later) {
                if let Some(score) = scores.get_mut(b) {
                    if *score == 0.0 {
                        touched.push(b);
                    }
                    *score += weight * other;
                }
            }
        }
        for b in touched.drain(..) {
            if let Some(score) = scores.get_mut(b) {
                if *score >= threshold {
                    pairs.push(SimilarPair {
                        a,
                        b,
                        score: *score,
                    });
                }
                *score = 0.0;
            }
        }
    }
    pairs.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    pairs
}

/// Unit-length sparse vectors, sorted by term number, one per document.
fn tf_idf_vectors(documents: &[Vec<String>]) -> Vec<Vec<(usize, f64)>> {
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    let counts: Vec<HashMap<usize, u32>> = documents
        .iter()
        .map(|doc| {
            let mut tf: HashMap<usize, u32> = HashMap::new();
            for term in doc {
                let next = numbers.len();
                let n = *numbers.entry(term.as_str()).or_insert(next);
                *tf.entry(n).or_default() += 1;
            }
            tf
        })
        .collect();
    let mut document_frequency = vec![0u32; numbers.len()];
    for tf in &counts {
        for n in tf.keys() {
            if let Some(df) = document_frequency.get_mut(*n) {
                *df += 1;
            }
        }
    }
    let total = documents.len() as f64;
    counts
        .into_iter()
        .map(|tf| {
            let mut v: Vec<(usize, f64)> = tf
                .into_iter()
                .map(|(n, count)| {
                    let df = f64::from(document_frequency.get(n).copied().unwrap_or(1).max(1));
                    // Sub-linear term frequency: a word repeated in a code sample should not
                    // outweigh the rest of the prompt.
                    let weight = (1.0 + f64::from(count).ln()) * (total / df).ln().max(0.0);
                    (n, weight)
                })
                .collect();
            // A term in every document carries no information (and a zero weight would
            // confuse the score accumulator).
            v.retain(|(_, w)| *w > 0.0);
            let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v.sort_by_key(|(n, _)| *n);
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[&str]) -> Vec<Vec<String>> {
        texts.iter().map(|t| terms(t)).collect()
    }

    #[test]
    fn word_forms_share_a_stem() {
        for (a, b) in [
            ("streams", "stream"),
            ("signals", "signal"),
            ("caching", "cache"),
            ("caches", "cache"),
            ("stopped", "stop"),
            ("running", "run"),
            ("retries", "retry"),
            ("processes", "process"),
            ("buffers", "buffer"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        // Words that merely end in s are not plurals.
        assert_eq!(stem("process"), "process");
        assert_eq!(stem("status"), "status");
    }

    #[test]
    fn terms_drop_stop_words_numbers_and_short_words_and_split_identifiers() {
        assert_eq!(
            terms("Explain how the Node event loop runs 3 timers, in JS."),
            ["event", "loop", "run", "timer"]
        );
        assert_eq!(
            terms("fs.readFileSync"),
            ["read", "fil", "sync", "readfilesync"]
        );
    }

    #[test]
    fn the_same_question_in_other_words_scores_high_and_a_different_one_low() {
        let d = docs(&[
            "Why does a Node process running as PID 1 in a Docker container ignore SIGTERM? docker stop waits then kills",
            "Your container takes ten seconds to stop: docker stop sends SIGTERM to PID 1, which ignores it. Why?",
            "How does the stream highWaterMark control backpressure when piping a readable into a writable?",
            "What is backpressure in streams and how does pipe handle a slow writable with highWaterMark?",
        ]);
        let pairs = similar_pairs(&d, 0.3);
        let found: Vec<(usize, usize)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(found.len(), 2, "{pairs:?}");
        assert!(
            found.contains(&(0, 1)) && found.contains(&(2, 3)),
            "{pairs:?}"
        );
    }

    fn question(kind: Kind, prompt: &str, answer: &str, key_points: &[&str]) -> Question {
        Question {
            id: crate::bank::model::Slug::try_from("q").unwrap(),
            topic: crate::bank::model::Slug::try_from("t").unwrap(),
            difficulty: crate::bank::model::Difficulty::Mid,
            kind,
            tags: vec![],
            time_limit_secs: 240,
            prompt: prompt.to_owned(),
            answer: answer.to_owned(),
            key_points: key_points.iter().map(|k| (*k).to_owned()).collect(),
            follow_ups: vec![],
        }
    }

    #[test]
    fn prose_leaves_out_fenced_code_but_keeps_the_words_around_it() {
        let text = "What does this print?\n\n```js\nsetTimeout(tick);\n```\nAnd why?\n~~~\nqueueMicrotask\n~~~\n";
        assert_eq!(prose(text), "What does this print?\n\nAnd why?\n");
    }

    #[test]
    fn code_output_questions_are_compared_only_with_code_output_questions() {
        let rule = "nextTick callbacks run before promise callbacks";
        let explain = question(
            Kind::Concept,
            "When do nextTick and promise callbacks run?",
            rule,
            &[rule, "microtask queue"],
        );
        let same_explain = question(
            Kind::Concept,
            "Which runs first, nextTick or a promise callback?",
            rule,
            &[rule, "microtask queue"],
        );
        let output = question(
            Kind::CodeOutput,
            "What does this print?\n\n```js\nprocess.nextTick(f);\n```",
            rule,
            &[rule, "microtask queue"],
        );
        let other = question(
            Kind::Concept,
            "How does a Docker container stop?",
            "SIGTERM to PID 1",
            &["signals", "tini init"],
        );
        let pairs = near_duplicates(&[&explain, &same_explain, &output, &other], 0.5);
        let found: Vec<(usize, usize)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(found, [(0, 1)], "{pairs:?}");
    }

    #[test]
    fn identical_documents_score_one_and_disjoint_ones_are_not_reported() {
        let d = docs(&[
            "event loop timers",
            "event loop timers",
            "docker signals",
            "redis",
        ]);
        let all = similar_pairs(&d, 0.0);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!((all[0].a, all[0].b), (0, 1));
        assert!((all[0].score - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_index_gives_the_same_scores_as_a_direct_cosine() {
        let d = docs(&[
            "docker signals sigterm pid container stop",
            "container stop sigterm grace period sigkill",
            "redis cache eviction ttl memory",
            "cache stampede redis lock ttl",
            "docker image layers cache npm",
        ]);
        let vectors = tf_idf_vectors(&d);
        let direct = |a: usize, b: usize| -> f64 {
            vectors[a]
                .iter()
                .filter_map(|(t, w)| vectors[b].iter().find(|(u, _)| u == t).map(|(_, v)| w * v))
                .sum()
        };
        let pairs = similar_pairs(&d, 1e-12);
        for a in 0..d.len() {
            for b in a + 1..d.len() {
                let expected = direct(a, b);
                let found = pairs
                    .iter()
                    .find(|p| p.a == a && p.b == b)
                    .map_or(0.0, |p| p.score);
                assert!(
                    (expected - found).abs() < 1e-9,
                    "{a} {b}: {expected} vs {found}"
                );
            }
        }
    }

    #[test]
    fn pairs_come_most_alike_first_with_the_lower_index_as_a() {
        let d = docs(&[
            "docker signals sigterm pid",
            "redis cache eviction",
            "docker signals sigterm",
            "redis cache eviction ttl",
        ]);
        let pairs = similar_pairs(&d, 0.1);
        assert!(pairs.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(pairs.iter().all(|p| p.a < p.b));
    }
}
