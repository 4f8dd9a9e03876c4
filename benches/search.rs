//! Search speed: building the tantivy index over 10,000 generated questions of realistic
//! size, then typical queries against it (one common word, two words, a prefix, a phrase, a
//! typo, a filter), plus a phrase being typed, a pasted prompt and a result snippet; and the
//! index of the shipped bank, which every instance builds at start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rehearse::bank::search::{Highlighter, SearchDoc, SearchFilter, SearchIndex, snippet};
use std::collections::HashSet;
use std::hint::black_box;

const QUESTIONS: usize = 10_000;
const PROMPT_WORDS: usize = 80;
const ANSWER_WORDS: usize = 250;
const INVENTED_WORDS: usize = 3_000;
/// How many results a page shows.
const LIMIT: usize = 20;

/// The most frequent words of any English text.
const COMMON: &[&str] = &[
    "the", "a", "of", "to", "and", "is", "in", "it", "that", "for", "on", "with", "as", "be",
    "this", "are", "by", "not", "when", "you",
];
/// Node.js words, next in frequency.
const NODE: &[&str] = &[
    "event",
    "loop",
    "stream",
    "buffer",
    "promise",
    "process",
    "callback",
    "module",
    "async",
    "await",
    "error",
    "request",
    "response",
    "server",
    "worker",
    "thread",
    "cluster",
    "timer",
    "nexttick",
    "microtask",
    "queue",
    "memory",
    "heap",
    "garbage",
    "collector",
    "http",
    "socket",
    "file",
    "system",
    "pipe",
    "backpressure",
    "readable",
    "writable",
    "emitter",
    "listener",
    "handler",
    "middleware",
    "express",
    "require",
    "import",
    "export",
    "package",
    "dependency",
];

struct Question {
    id: String,
    title: String,
    tags: Vec<String>,
    prompt: String,
    answer: String,
}

/// Words ranked by frequency (common English, then Node.js, then invented words), drawn with
/// a Zipf distribution as in real text.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative weights of the words, for drawing one.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut StdRng) -> Self {
        const SYLLABLES: &[&str] = &[
            "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "de", "po", "an", "el", "or", "us",
            "str", "pre", "con", "ex", "im", "tion",
        ];
        let mut words: Vec<String> = COMMON.iter().chain(NODE).map(|w| w.to_string()).collect();
        let mut seen: HashSet<String> = words.iter().cloned().collect();
        while words.len() < COMMON.len() + NODE.len() + INVENTED_WORDS {
            let syllables = rng.random_range(2..=4);
            let word: String = (0..syllables)
                .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
                .collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn draw(&self, rng: &mut StdRng) -> &str {
        let target = rng.random::<f64>() * self.cumulative.last().unwrap();
        let rank = self.cumulative.partition_point(|&c| c < target);
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// `count` words of Markdown: some in backticks or bold, some `object.method` names, and
    /// "event" often followed by "loop" so that the phrase has matches.
    fn text(&self, rng: &mut StdRng, count: usize) -> String {
        let mut text = String::new();
        let mut previous = "";
        for n in 0..count {
            let word = if previous == "event" && rng.random_bool(0.5) {
                "loop"
            } else {
                self.draw(rng)
            };
            if n > 0 {
                text.push(if n % 17 == 0 { '\n' } else { ' ' });
            }
            match rng.random_range(0..20) {
                0 => text.push_str(&format!("`{word}()`")),
                1 => text.push_str(&format!("**{word}**")),
                2 => text.push_str(&format!("{word}.{}", self.draw(rng))),
                _ => text.push_str(word),
            }
            previous = word;
        }
        text
    }
}

fn generate() -> Vec<Question> {
    let mut rng = StdRng::seed_from_u64(2024);
    let vocabulary = Vocabulary::new(&mut rng);
    (0..QUESTIONS)
        .map(|n| {
            let prompt = vocabulary.text(&mut rng, PROMPT_WORDS);
            let mut answer = vocabulary.text(&mut rng, ANSWER_WORDS - 10);
            answer.push_str("\n\n```js\n");
            answer.push_str(&vocabulary.text(&mut rng, 10));
            answer.push_str("\n```\n");
            Question {
                id: format!("set-{}/q-{n}", n / 500),
                title: format!("Set {} Topic {}", n / 500, n % 23),
                tags: (0..3)
                    .map(|_| vocabulary.draw(&mut rng).to_owned())
                    .collect(),
                prompt,
                answer,
            }
        })
        .collect()
}

const DIFFICULTIES: [&str; 3] = ["junior", "mid", "senior"];
const TOPICS: [[&str; 2]; 4] = [
    ["event-loop-phases", "event-loop"],
    ["streams-basics", "streams"],
    ["http-servers", "networking"],
    ["testing-unit", "testing"],
];

fn build(questions: &[Question]) -> SearchIndex {
    SearchIndex::build(questions.iter().enumerate().map(|(n, q)| SearchDoc {
        prompt: &q.prompt,
        answer: &q.answer,
        tags: &q.tags,
        title: &q.title,
        set: q.id.split('/').next().unwrap(),
        topics: &TOPICS[n % TOPICS.len()],
        difficulty: DIFFICULTIES[n % 3],
        kind: "concept",
    }))
    .unwrap()
}

/// One question of the shipped bank as the server indexes it.
struct ShippedDoc {
    prompt: String,
    answer: String,
    tags: Vec<String>,
    title: String,
    set: String,
    topics: [String; 2],
    difficulty: String,
    kind: String,
}

fn shipped_bank_docs() -> Vec<ShippedDoc> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions");
    let (files, _) = rehearse::bank::load::load_paths(&[root]);
    let sources: Vec<_> = files.into_iter().map(|f| f.source).collect();
    let bank = rehearse::bank::validate::validate(&sources, &Default::default()).unwrap();
    bank.sets
        .iter()
        .flat_map(|set| {
            set.questions.iter().map(move |q| ShippedDoc {
                prompt: q.prompt.clone(),
                answer: format!("{}\n{}", q.answer, q.key_points.join("\n")),
                tags: q.tags.clone(),
                title: format!("{} {}", set.title, q.topic),
                set: set.slug.to_string(),
                topics: [q.topic.to_string(), String::new()],
                difficulty: q.difficulty.to_string(),
                kind: q.kind.to_string(),
            })
        })
        .collect()
}

fn bench_search(c: &mut Criterion) {
    let questions = generate();
    let mut group = c.benchmark_group("search");
    group.sample_size(10);
    group.bench_function("build an index of 10k questions", |b| {
        b.iter(|| black_box(build(&questions)))
    });
    group.finish();

    let index = build(&questions);
    println!("{index:?}");
    let pasted_prompt: String = questions[1234]
        .prompt
        .split_whitespace()
        .take(30)
        .collect::<Vec<_>>()
        .join(" ");
    let shipped = shipped_bank_docs();
    c.bench_function("build the index of the shipped bank", |b| {
        b.iter(|| {
            let topics: Vec<[&str; 2]> = shipped
                .iter()
                .map(|d| [d.topics[0].as_str(), d.topics[1].as_str()])
                .collect();
            black_box(
                SearchIndex::build(shipped.iter().zip(&topics).map(|(d, topics)| SearchDoc {
                    prompt: &d.prompt,
                    answer: &d.answer,
                    tags: &d.tags,
                    title: &d.title,
                    set: &d.set,
                    topics,
                    difficulty: &d.difficulty,
                    kind: &d.kind,
                }))
                .unwrap(),
            )
        })
    });

    let queries = [
        ("one common word", "event".to_owned()),
        ("a typo", "evnet".to_owned()),
        ("a long word with two typos", "backprseure".to_owned()),
        ("two words", "stream buffer".to_owned()),
        ("a prefix", "pro".to_owned()),
        ("a phrase", "\"event loop\"".to_owned()),
        ("a phrase being typed", "\"event lo".to_owned()),
        ("a rare word and a prefix", "backpressure wri".to_owned()),
        ("30 words pasted from a prompt", pasted_prompt),
    ];
    let any = SearchFilter::default();
    let mut group = c.benchmark_group("search 10k questions");
    for (shape, query) in &queries {
        let found = index.search(query, &any, 0, LIMIT).unwrap().total;
        // Criterion reports the mean; the goal is about the slowest answers, so time 1,000
        // searches one by one and print the 99th percentile too.
        let mut times: Vec<std::time::Duration> = (0..1000)
            .map(|_| {
                let started = std::time::Instant::now();
                black_box(index.search(black_box(query), &any, 0, LIMIT).unwrap());
                started.elapsed()
            })
            .collect();
        times.sort_unstable();
        println!(
            "{shape} ({query:.40}): {found} matches, p50 {:?}, p99 {:?}, max {:?}",
            times[500], times[990], times[999]
        );
        assert!(found > 0, "{shape}");
        group.bench_function(*shape, |b| {
            b.iter(|| black_box(index.search(black_box(query), &any, 0, LIMIT).unwrap()))
        });
    }
    let filter = SearchFilter {
        topic: Some("streams"),
        difficulty: Some("mid"),
        ..SearchFilter::default()
    };
    group.bench_function("two words, a topic and a difficulty", |b| {
        b.iter(|| {
            black_box(
                index
                    .search(black_box("stream buffer"), &filter, 0, LIMIT)
                    .unwrap(),
            )
        })
    });
    group.finish();

    let answer = &questions[42].answer;
    c.bench_function("snippet of a 250-word answer", |b| {
        b.iter(|| {
            let mut highlighter = Highlighter::new("event loop");
            black_box(snippet(black_box(answer), &mut highlighter, 160))
        })
    });
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
