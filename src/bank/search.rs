//! Full-text search over the question bank, in memory.
//!
//! Questions change only on import, so the app builds a [`SearchIndex`] from the questions it
//! already holds and answers every search from it: one code path for SQLite and PostgreSQL
//! instead of FTS5 and tsvector. Everything here is pure (no I/O, no database).
//!
//! # Tokens
//! A token is a run of alphanumeric characters (Unicode's definition), lowercased character by
//! character. Everything else separates tokens, which drops Markdown marks (`` ` ``, `*`, `#`)
//! and splits `process.nextTick` into `process` and `nexttick`. camelCase is not split:
//! `nextTick` is the one token `nexttick`.
//!
//! # Queries
//! - Every word must be in the document (AND).
//! - The last word also matches as a prefix, so results follow the user's typing (`even` finds
//!   `event`); earlier words, and a last word of a single character, match whole tokens only.
//! - Words in double quotes (`"event loop"`, typographic quotes too) must appear adjacent and
//!   in that order within one field. A quote still open at the end is a phrase being typed: its
//!   last word matches as a prefix. A word with punctuation inside (`process.nextTick`,
//!   `node:fs`) is such a phrase too.
//! - A query without any token (empty, whitespace, punctuation, emoji) finds nothing: the caller
//!   shows the unfiltered list instead.
//!
//! # Ranking
//! A word scores by where it occurs: in the title, tags or prompt (what the question is about)
//! far more than in the answer, and more occurrences score more, up to a cap per field class so
//! that a long answer repeating a word cannot outrank a prompt that names it. A document's score
//! is the sum over the query's words and phrases; equal scores keep the build order.
//!
//! # Snippets
//! [`snippet`] cuts a plain-text excerpt around the first matching word for the results list.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;

/// One question as the index sees it. The texts are Markdown; the index only reads them.
#[derive(Clone, Copy, Debug)]
pub struct SearchDoc<'a> {
    /// Returned in [`SearchHit::id`].
    pub id: &'a str,
    pub prompt: &'a str,
    pub answer: &'a str,
    pub tags: &'a [String],
    /// Whatever names the question's place, e.g. the set title and the topic title.
    pub title: &'a str,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// The [`SearchDoc::id`] of the matching document.
    pub id: String,
    /// The document's place (from 0) in the sequence given to [`SearchIndex::build`], for a
    /// caller that keeps its rows in a `Vec` in that same order.
    pub build_order: usize,
    /// Higher is better; only meaningful to compare hits of the same query.
    pub score: u32,
}

/// A word found in the title, tags or prompt: these say what the question is about.
const STRONG_WEIGHT: u32 = 10;
/// Occurrences in the title, tags or prompt beyond this many add nothing.
const STRONG_CAP: u32 = 3;
/// A word found in the answer: relevant, but maybe only in passing.
const WEAK_WEIGHT: u32 = 2;
/// Occurrences in the answer beyond this many add nothing, so a long answer cannot dominate.
const WEAK_CAP: u32 = 4;
/// Lifts a document containing the typed word itself above one with only longer words that
/// start with it (`event` over `events` when the user typed `event`).
const EXACT_BONUS: u32 = 1;

// An answer that repeats a word can never outrank a prompt that names it once.
const _: () = assert!(WEAK_WEIGHT * WEAK_CAP + EXACT_BONUS < STRONG_WEIGHT);

/// The score of a word (or phrase) that occurs `strong` times in the title, tags or prompt and
/// `weak` times in the answer.
fn occurrence_score(strong: u32, weak: u32) -> u32 {
    STRONG_WEIGHT * strong.min(STRONG_CAP) + WEAK_WEIGHT * weak.min(WEAK_CAP)
}

/// One term's occurrences in one document.
#[derive(Clone, Copy, Debug)]
struct Posting {
    doc: u32,
    /// Occurrences in the title, tags or prompt.
    strong: u32,
    /// Occurrences in the answer.
    weak: u32,
    /// Where this posting's `strong + weak` positions start in [`SearchIndex::positions`].
    positions_start: u32,
}

/// An immutable inverted index over a set of [`SearchDoc`]s.
///
/// Each distinct token is a term with a list of postings (the documents containing it, in build
/// order) and the positions of its occurrences in each of them. A document's fields share one
/// run of positions, title first, then each tag, the prompt and the answer, with one unused
/// position between fields so that a phrase can never span two of them. For phrases, the index
/// also keeps each document's tokens in order (as term ids). Building it is the expensive part
/// (a third of a second for 10,000 questions of 330 words); searching takes tens to hundreds of
/// microseconds (see `benches/search.rs`).
#[derive(Clone, Default)]
pub struct SearchIndex {
    /// The distinct tokens, sorted, so that the terms sharing a prefix form one contiguous run.
    /// A term's id is its place here.
    terms: Vec<Box<str>>,
    /// Term `t`'s postings are `postings[posting_starts[t]..posting_starts[t + 1]]`.
    posting_starts: Vec<usize>,
    postings: Vec<Posting>,
    /// The token positions of every posting, ascending within a posting.
    positions: Vec<u32>,
    /// Each document's id, in build order.
    ids: Vec<Box<str>>,
    /// Each document's first answer position: smaller positions are in the title, tags or prompt.
    answer_starts: Vec<u32>,
    /// Every document's term ids by position, [`NO_TERM`] between fields; document `d`'s are
    /// `doc_terms[doc_terms_starts[d]..doc_terms_starts[d + 1]]`. A prefix inside a phrase
    /// (`"event lo`) is checked here: one lookup tells whether the term at a position is in
    /// the prefix's range, however many terms that range holds.
    doc_terms: Vec<u32>,
    doc_terms_starts: Vec<usize>,
}

/// The unused position between two fields in [`SearchIndex::doc_terms`].
const NO_TERM: u32 = u32::MAX;

impl fmt::Debug for SearchIndex {
    /// A summary: the index itself can be megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.ids.len())
            .field("terms", &self.terms.len())
            .field("postings", &self.postings.len())
            .field("positions", &self.positions.len())
            .field("doc_terms", &self.doc_terms.len())
            .finish()
    }
}

/// Calls `on_token` with each token of `text`, lowercased, and the index (in chars, not bytes)
/// of its first character.
fn for_each_token(text: &str, mut on_token: impl FnMut(usize, &str)) {
    let mut token = String::new();
    let mut token_start = 0;
    for (char_index, c) in text.chars().enumerate() {
        if c.is_alphanumeric() {
            if token.is_empty() {
                token_start = char_index;
            }
            if c.is_ascii() {
                token.push(c.to_ascii_lowercase());
            } else {
                token.extend(c.to_lowercase());
            }
        } else if !token.is_empty() {
            on_token(token_start, &token);
            token.clear();
        }
    }
    if !token.is_empty() {
        on_token(token_start, &token);
    }
}

/// The tokens of `text`, in order.
fn tokens_of(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for_each_token(text, |_, token| tokens.push(token.to_owned()));
    tokens
}

/// Converts a count that fits in practice (documents, positions); saturates rather than panic.
fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Collects documents one at a time; [`IndexBuilder::finish`] sorts the vocabulary.
#[derive(Default)]
struct IndexBuilder {
    term_ids: HashMap<Box<str>, usize>,
    /// In first-seen order; `finish` sorts them.
    terms: Vec<Box<str>>,
    /// Per term, its postings with `positions_start` relative to the same term's `term_positions`.
    term_postings: Vec<Vec<Posting>>,
    term_positions: Vec<Vec<u32>>,
    ids: Vec<Box<str>>,
    answer_starts: Vec<u32>,
    /// As in the index, but with the first-seen term ids.
    doc_terms: Vec<u32>,
    doc_terms_starts: Vec<usize>,
    /// (term, position) of every token of the document being added; kept to reuse its memory.
    occurrences: Vec<(usize, u32)>,
}

impl IndexBuilder {
    fn add(&mut self, doc: SearchDoc<'_>) {
        // Document numbers are u32 to keep postings small; four billion questions is not a case.
        let Ok(doc_number) = u32::try_from(self.ids.len()) else {
            return;
        };
        self.occurrences.clear();
        let mut position = 0;
        self.add_field(doc.title, &mut position);
        for tag in doc.tags {
            self.add_field(tag, &mut position);
        }
        self.add_field(doc.prompt, &mut position);
        let answer_start = position;
        self.add_field(doc.answer, &mut position);

        self.occurrences.sort_unstable();
        for run in self.occurrences.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(term, _)) = run.first() else {
                continue;
            };
            let (Some(postings), Some(positions)) = (
                self.term_postings.get_mut(term),
                self.term_positions.get_mut(term),
            ) else {
                continue;
            };
            let strong = run.iter().filter(|&&(_, p)| p < answer_start).count();
            postings.push(Posting {
                doc: doc_number,
                strong: saturating_u32(strong),
                weak: saturating_u32(run.len() - strong),
                positions_start: saturating_u32(positions.len()),
            });
            positions.extend(run.iter().map(|&(_, p)| p));
        }
        self.ids.push(doc.id.into());
        self.answer_starts.push(answer_start);

        let doc_start = self.doc_terms.len();
        self.doc_terms_starts.push(doc_start);
        self.doc_terms
            .resize(doc_start + position as usize, NO_TERM);
        for &(term, position) in &self.occurrences {
            if let Some(slot) = self.doc_terms.get_mut(doc_start + position as usize) {
                *slot = saturating_u32(term);
            }
        }
    }

    /// Adds one field's tokens from `position` on, then skips a position so that a phrase
    /// cannot run from this field into the next.
    fn add_field(&mut self, text: &str, position: &mut u32) {
        for_each_token(text, |_, token| {
            let term = match self.term_ids.get(token) {
                Some(&term) => term,
                None => {
                    let term = self.terms.len();
                    self.term_ids.insert(token.into(), term);
                    self.terms.push(token.into());
                    self.term_postings.push(Vec::new());
                    self.term_positions.push(Vec::new());
                    term
                }
            };
            self.occurrences.push((term, *position));
            *position = position.saturating_add(1);
        });
        *position = position.saturating_add(1);
    }

    fn finish(mut self) -> SearchIndex {
        let mut sorted_terms: Vec<usize> = (0..self.terms.len()).collect();
        sorted_terms.sort_unstable_by(|&a, &b| self.terms.get(a).cmp(&self.terms.get(b)));
        let mut new_ids = vec![NO_TERM; self.terms.len()];
        for (new_id, &old_id) in sorted_terms.iter().enumerate() {
            if let Some(slot) = new_ids.get_mut(old_id) {
                *slot = saturating_u32(new_id);
            }
        }
        for term in &mut self.doc_terms {
            *term = new_ids.get(*term as usize).copied().unwrap_or(NO_TERM);
        }
        self.doc_terms_starts.push(self.doc_terms.len());

        let mut index = SearchIndex {
            terms: Vec::with_capacity(self.terms.len()),
            posting_starts: Vec::with_capacity(self.terms.len() + 1),
            postings: Vec::with_capacity(self.term_postings.iter().map(Vec::len).sum()),
            positions: Vec::with_capacity(self.term_positions.iter().map(Vec::len).sum()),
            ids: self.ids,
            answer_starts: self.answer_starts,
            doc_terms: self.doc_terms,
            doc_terms_starts: self.doc_terms_starts,
        };
        for term in sorted_terms {
            let (Some(text), Some(postings), Some(positions)) = (
                self.terms.get_mut(term),
                self.term_postings.get_mut(term),
                self.term_positions.get_mut(term),
            ) else {
                continue;
            };
            index.terms.push(std::mem::take(text));
            index.posting_starts.push(index.postings.len());
            let offset = saturating_u32(index.positions.len());
            index
                .postings
                .extend(postings.iter().map(|posting| Posting {
                    positions_start: posting.positions_start.saturating_add(offset),
                    ..*posting
                }));
            index.positions.append(positions);
        }
        index.posting_starts.push(index.postings.len());
        index
    }
}

/// How a query word matches the index's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Matching {
    Whole,
    Prefix,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct QueryWord {
    text: String,
    matching: Matching,
}

/// One condition of a query: a single word, or (two or more words) a phrase whose words must be
/// adjacent and in order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    words: Vec<QueryWord>,
}

/// Straight and typographic double quotes: phones type the latter.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

/// Splits a query into clauses, in the order typed.
fn parse_query(query: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let push = |clauses: &mut Vec<Clause>, text: &str| {
        let words: Vec<QueryWord> = tokens_of(text)
            .into_iter()
            .map(|text| QueryWord {
                text,
                matching: Matching::Whole,
            })
            .collect();
        if !words.is_empty() {
            clauses.push(Clause { words });
        }
    };
    // Segments alternate between outside and inside quotes; with an odd number of quotes the
    // last segment is an unclosed phrase.
    let segments: Vec<&str> = query.split(is_quote).collect();
    let last_segment = segments.len().saturating_sub(1);
    // Whether the last clause comes from the query's last segment: the text still being typed.
    let mut last_clause_is_open = false;
    for (number, segment) in segments.iter().enumerate() {
        let clauses_before = clauses.len();
        if number % 2 == 1 {
            push(&mut clauses, segment);
        } else {
            for chunk in segment.split_whitespace() {
                push(&mut clauses, chunk);
            }
        }
        if clauses.len() > clauses_before {
            last_clause_is_open = number == last_segment;
        }
    }
    if last_clause_is_open {
        let last_word = clauses.last_mut().and_then(|c| c.words.last_mut());
        // One character would match a good part of the vocabulary and tell nothing.
        if let Some(word) = last_word.filter(|word| word.text.chars().nth(1).is_some()) {
            word.matching = Matching::Prefix;
        }
    }
    clauses
}

/// A query word resolved against the vocabulary.
struct Word {
    /// The ids of the terms it matches: one for a whole word, all those starting with it for a
    /// prefix.
    terms: Range<usize>,
    /// The term equal to the word itself, if any.
    exact_term: Option<usize>,
    /// Whether it counts toward the score: typed on its own, not only inside a phrase (whose
    /// own score counts its words).
    scored: bool,
    /// How many postings its terms have: the work to look at all of them.
    postings_count: usize,
}

/// A query resolved against the vocabulary.
#[derive(Default)]
struct Plan {
    /// Each distinct word once, whether typed alone or inside phrases.
    words: Vec<Word>,
    /// Each distinct phrase once, as numbers into `words`.
    phrases: Vec<Vec<usize>>,
}

/// A document still matching every condition looked at so far, and its score so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Candidate {
    doc: u32,
    score: u32,
}

impl SearchIndex {
    /// Indexes `docs`; [`SearchHit::build_order`] refers to their order here.
    pub fn build<'a>(docs: impl IntoIterator<Item = SearchDoc<'a>>) -> SearchIndex {
        let mut builder = IndexBuilder::default();
        for doc in docs {
            builder.add(doc);
        }
        builder.finish()
    }

    /// The number of documents indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The documents matching `query`, best first, at most `limit` of them (see the module
    /// documentation for the query language and the ranking).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        if limit == 0 || self.is_empty() {
            return Vec::new();
        }
        let Some(plan) = self.plan(&parse_query(query)) else {
            return Vec::new();
        };
        let mut candidates = self.candidates_with_all_words(&plan.words);
        for phrase in &plan.phrases {
            let phrase_words: Vec<&Word> =
                phrase.iter().filter_map(|&n| plan.words.get(n)).collect();
            let occurrences = self.phrase_occurrences(&candidates, &phrase_words);
            candidates = candidates
                .iter()
                .zip(occurrences)
                .filter(|&(_, (strong, weak))| strong > 0 || weak > 0)
                .map(|(candidate, (strong, weak))| Candidate {
                    doc: candidate.doc,
                    // A phrase counts as much as its words would on their own.
                    score: candidate.score.saturating_add(
                        occurrence_score(strong, weak)
                            .saturating_mul(saturating_u32(phrase_words.len())),
                    ),
                })
                .collect();
        }
        self.best(candidates, limit)
    }

    /// Resolves every word of the query once; `None` if one of them is in no document, since
    /// then nothing can match all of them.
    fn plan(&self, clauses: &[Clause]) -> Option<Plan> {
        let mut plan = Plan::default();
        let mut word_numbers: HashMap<(&str, Matching), usize> = HashMap::new();
        let mut seen_phrases: HashSet<Vec<usize>> = HashSet::new();
        for clause in clauses {
            let mut phrase = Vec::with_capacity(clause.words.len());
            for query_word in &clause.words {
                let key = (query_word.text.as_str(), query_word.matching);
                let number = match word_numbers.get(&key) {
                    Some(&number) => number,
                    None => {
                        let word = self.resolve(&query_word.text, query_word.matching);
                        if word.terms.is_empty() {
                            return None;
                        }
                        plan.words.push(word);
                        let number = plan.words.len() - 1;
                        word_numbers.insert(key, number);
                        number
                    }
                };
                phrase.push(number);
            }
            if let [single] = phrase.as_slice() {
                if let Some(word) = plan.words.get_mut(*single) {
                    word.scored = true;
                }
            } else if seen_phrases.insert(phrase.clone()) {
                plan.phrases.push(phrase);
            }
        }
        Some(plan)
    }

    /// The documents containing the rarest of `words` and every word typed on its own, scored
    /// by the latter. Starting from the rarest word leaves each further word only a few
    /// candidates to look for. Words only inside phrases are left to the phrase check, which
    /// finds them anyway.
    fn candidates_with_all_words(&self, words: &[Word]) -> Vec<Candidate> {
        let mut by_cost: Vec<&Word> = words.iter().collect();
        by_cost.sort_by_key(|word| word.postings_count);
        let Some((rarest, others)) = by_cost.split_first() else {
            // No token in the query at all.
            return Vec::new();
        };
        let mut candidates = self.candidates_for(rarest);
        for word in others.iter().filter(|word| word.scored) {
            if candidates.is_empty() {
                break;
            }
            let found = if self.probing_is_cheaper(candidates.len(), word) {
                self.find_by_probing(&candidates, word)
            } else {
                self.find_by_union(&candidates, word)
            };
            candidates = candidates
                .iter()
                .zip(found)
                .filter(|&(_, score)| score > 0)
                .map(|(candidate, score)| Candidate {
                    doc: candidate.doc,
                    score: candidate.score.saturating_add(score),
                })
                .collect();
        }
        candidates
    }

    /// The best `limit` candidates as hits, best first, equal scores in build order.
    fn best(&self, candidates: Vec<Candidate>, limit: usize) -> Vec<SearchHit> {
        // Higher is better: the score, then the earlier document.
        let rank = |candidate: &Candidate| (candidate.score, Reverse(candidate.doc));
        let mut best: Vec<Candidate> = if candidates.len() <= limit {
            candidates
        } else {
            // Keep the best `limit` seen so far in a heap whose top is the worst of them, so
            // that most candidates cost one comparison with it.
            let mut kept: BinaryHeap<Reverse<(u32, Reverse<u32>)>> =
                BinaryHeap::with_capacity(limit);
            for candidate in &candidates {
                if kept.len() < limit {
                    kept.push(Reverse(rank(candidate)));
                } else if let Some(mut worst) = kept.peek_mut() {
                    if rank(candidate) > worst.0 {
                        *worst = Reverse(rank(candidate));
                    }
                }
            }
            kept.into_iter()
                .map(|Reverse((score, Reverse(doc)))| Candidate { doc, score })
                .collect()
        };
        best.sort_unstable_by_key(|candidate| Reverse(rank(candidate)));
        best.into_iter()
            .map(|candidate| {
                let build_order = candidate.doc as usize;
                SearchHit {
                    id: self
                        .ids
                        .get(build_order)
                        .map(|id| String::from(&**id))
                        .unwrap_or_default(),
                    build_order,
                    score: candidate.score,
                }
            })
            .collect()
    }

    /// The terms `text` matches: itself, or for a prefix every term starting with it, which
    /// the sorted vocabulary keeps together. An empty range if no document contains any.
    fn resolve(&self, text: &str, matching: Matching) -> Word {
        let first = self.terms.partition_point(|term| term.as_ref() < text);
        let exact_term = self
            .terms
            .get(first)
            .is_some_and(|term| term.as_ref() == text)
            .then_some(first);
        let terms = match matching {
            Matching::Whole => first..exact_term.map_or(first, |term| term + 1),
            Matching::Prefix => {
                let rest = self.terms.get(first..).unwrap_or_default();
                first..first + rest.partition_point(|term| term.starts_with(text))
            }
        };
        let postings_count = self
            .posting_starts
            .get(terms.end)
            .copied()
            .unwrap_or(0)
            .saturating_sub(self.posting_starts.get(terms.start).copied().unwrap_or(0));
        Word {
            terms,
            exact_term,
            scored: false,
            postings_count,
        }
    }

    fn term_postings(&self, term: usize) -> &[Posting] {
        let start = self.posting_starts.get(term).copied().unwrap_or(0);
        let end = self.posting_starts.get(term + 1).copied().unwrap_or(start);
        self.postings.get(start..end).unwrap_or_default()
    }

    fn posting_positions(&self, posting: &Posting) -> &[u32] {
        let start = posting.positions_start as usize;
        let count = posting.strong as usize + posting.weak as usize;
        self.positions
            .get(start..start.saturating_add(count))
            .unwrap_or_default()
    }

    /// `doc`'s term ids by position.
    fn terms_of_doc(&self, doc: u32) -> &[u32] {
        let start = self
            .doc_terms_starts
            .get(doc as usize)
            .copied()
            .unwrap_or(0);
        let end = self
            .doc_terms_starts
            .get(doc as usize + 1)
            .copied()
            .unwrap_or(start);
        self.doc_terms.get(start..end).unwrap_or_default()
    }

    /// What `word` adds to the score of a document through `term`'s `posting`; never 0.
    fn word_score(word: &Word, term: usize, posting: &Posting) -> u32 {
        let bonus = if word.exact_term == Some(term) {
            EXACT_BONUS
        } else {
            0
        };
        occurrence_score(posting.strong, posting.weak) + bonus
    }

    /// The documents containing `word`, in build order, scored by it if it counts.
    fn candidates_for(&self, word: &Word) -> Vec<Candidate> {
        let keep_score = |score| if word.scored { score } else { 0 };
        if word.terms.len() == 1 {
            let term = word.terms.start;
            return self
                .term_postings(term)
                .iter()
                .map(|posting| Candidate {
                    doc: posting.doc,
                    score: keep_score(Self::word_score(word, term, posting)),
                })
                .collect();
        }
        self.best_scores_by_doc(word)
            .into_iter()
            .enumerate()
            .filter(|&(_, score)| score > 0)
            .map(|(doc, score)| Candidate {
                doc: saturating_u32(doc),
                score: keep_score(score),
            })
            .collect()
    }

    /// For every document, the best score of any of `word`'s terms in it (0: none of them).
    /// A document containing `events` and `eventemitter` scores by the better of the two rather
    /// than their sum, so that a prefix matching many words does not inflate the score.
    fn best_scores_by_doc(&self, word: &Word) -> Vec<u32> {
        let mut best = vec![0; self.len()];
        for term in word.terms.clone() {
            for posting in self.term_postings(term) {
                if let Some(slot) = best.get_mut(posting.doc as usize) {
                    *slot = (*slot).max(Self::word_score(word, term, posting));
                }
            }
        }
        best
    }

    /// Whether looking each candidate up in each of `word`'s postings lists costs less than
    /// reading all those lists.
    fn probing_is_cheaper(&self, candidates: usize, word: &Word) -> bool {
        word.terms.len() == 1
            || candidates.saturating_mul(word.terms.len())
                < word.postings_count.saturating_add(self.len())
    }

    /// For each candidate, `word`'s best score in it (0: absent), by stepping through the
    /// candidates and each term's postings together: both are in document order.
    fn find_by_probing(&self, candidates: &[Candidate], word: &Word) -> Vec<u32> {
        let mut found = vec![0; candidates.len()];
        for term in word.terms.clone() {
            let mut rest = self.term_postings(term);
            for (candidate, best) in candidates.iter().zip(found.iter_mut()) {
                rest = skip_to(rest, candidate.doc);
                if let Some(posting) = rest.first().filter(|p| p.doc == candidate.doc) {
                    *best = (*best).max(Self::word_score(word, term, posting));
                }
            }
        }
        found
    }

    /// The same as [`Self::find_by_probing`], by reading all of `word`'s postings once: cheaper
    /// for a short prefix matching many terms.
    fn find_by_union(&self, candidates: &[Candidate], word: &Word) -> Vec<u32> {
        let best = self.best_scores_by_doc(word);
        candidates
            .iter()
            .map(|candidate| best.get(candidate.doc as usize).copied().unwrap_or(0))
            .collect()
    }

    /// For each candidate, how often the phrase `words` occurs in it: in the title, tags or
    /// prompt, and in the answer.
    fn phrase_occurrences(&self, candidates: &[Candidate], words: &[&Word]) -> Vec<(u32, u32)> {
        // Go through the occurrences of the phrase's rarest word (its anchor) and check that
        // the other words are at the positions around each.
        let Some((anchor_offset, anchor)) = words
            .iter()
            .enumerate()
            .min_by_key(|(_, word)| word.postings_count)
        else {
            return vec![(0, 0); candidates.len()];
        };
        let mut anchor_postings: Vec<&[Posting]> = anchor
            .terms
            .clone()
            .map(|term| self.term_postings(term))
            .collect();
        let mut others: Vec<PhraseWord<'_>> = words
            .iter()
            .enumerate()
            .filter(|&(offset, _)| offset != anchor_offset)
            .map(|(offset, word)| PhraseWord {
                offset,
                terms: word.terms.clone(),
                postings: (word.terms.len() == 1).then(|| self.term_postings(word.terms.start)),
                positions: &[],
            })
            .collect();

        candidates
            .iter()
            .map(|candidate| {
                let doc = candidate.doc;
                let mut all_present = true;
                for word in &mut others {
                    if let Some(postings) = &mut word.postings {
                        *postings = skip_to(postings, doc);
                        word.positions = postings
                            .first()
                            .filter(|p| p.doc == doc)
                            .map_or(&[], |posting| self.posting_positions(posting));
                        all_present &= !word.positions.is_empty();
                    }
                }
                let (mut strong, mut weak) = (0, 0);
                if !all_present {
                    return (strong, weak);
                }
                let doc_terms = self.terms_of_doc(doc);
                let answer_start = self.answer_starts.get(doc as usize).copied().unwrap_or(0);
                for postings in &mut anchor_postings {
                    *postings = skip_to(postings, doc);
                    let Some(posting) = postings.first().filter(|p| p.doc == doc) else {
                        continue;
                    };
                    for &anchor_position in self.posting_positions(posting) {
                        let Some(start) =
                            anchor_position.checked_sub(saturating_u32(anchor_offset))
                        else {
                            continue;
                        };
                        if others.iter().all(|word| word.is_at(start, doc_terms)) {
                            // The phrase is within one field, so its start tells which.
                            if start < answer_start {
                                strong += 1;
                            } else {
                                weak += 1;
                            }
                        }
                    }
                }
                (strong, weak)
            })
            .collect()
    }
}

/// A word of a phrase other than its anchor, looked for in each candidate in turn.
struct PhraseWord<'i> {
    /// Its place in the phrase.
    offset: usize,
    terms: Range<usize>,
    /// A word of one term is checked in its own positions: its postings, from the current
    /// candidate on, are stepped through along with the candidates and read in order from
    /// memory. `None` for a prefix of several terms, checked in the document's terms instead:
    /// one lookup tells whether the term there is in the prefix's range.
    postings: Option<&'i [Posting]>,
    /// A word of one term's positions in the current candidate.
    positions: &'i [u32],
}

impl PhraseWord<'_> {
    /// Whether the phrase starting at `start` has this word in its place; `doc_terms` are the
    /// current candidate's.
    fn is_at(&self, start: u32, doc_terms: &[u32]) -> bool {
        let Some(position) = start.checked_add(saturating_u32(self.offset)) else {
            return false;
        };
        if self.postings.is_some() {
            contains(self.positions, position)
        } else {
            doc_terms
                .get(position as usize)
                .is_some_and(|&term| self.terms.contains(&(term as usize)))
        }
    }
}

/// Whether the ascending `positions` include `position`. Most lists hold a handful of
/// positions, which a plain scan checks faster than a binary search.
fn contains(positions: &[u32], position: u32) -> bool {
    if positions.len() <= 16 {
        positions.contains(&position)
    } else {
        positions.binary_search(&position).is_ok()
    }
}

/// The postings from the first one for `doc` or a later document on. Looks at the next
/// posting and then gallops (2, 4, 8, … ahead) before the binary search, because the callers
/// step through documents in order and the one sought is usually close.
fn skip_to(postings: &[Posting], doc: u32) -> &[Posting] {
    match postings {
        [first, ..] if first.doc >= doc => return postings,
        [_, second, ..] if second.doc >= doc => {
            return postings.get(1..).unwrap_or_default();
        }
        _ => {}
    }
    let mut bound = 1;
    while bound < postings.len() && postings.get(bound).is_some_and(|p| p.doc < doc) {
        bound *= 2;
    }
    let window = postings
        .get(..bound.min(postings.len()))
        .unwrap_or(postings);
    let skipped = window.partition_point(|p| p.doc < doc);
    postings.get(skipped..).unwrap_or_default()
}

/// `markdown` as one line of plain text: whitespace collapsed, control characters and the
/// Markdown marks that read as noise (`` ` ``, `*`, `#`) dropped.
fn plain_text(markdown: &str) -> String {
    let mut plain = String::with_capacity(markdown.len());
    for word in markdown.split_whitespace() {
        let kept = word
            .chars()
            .filter(|&c| !matches!(c, '`' | '*' | '#') && !c.is_control());
        let start = plain.len();
        if start > 0 {
            plain.push(' ');
        }
        let word_start = plain.len();
        plain.extend(kept);
        // A word of marks only leaves nothing, and no double space either.
        if plain.len() == word_start {
            plain.truncate(start);
        }
    }
    plain
}

/// Where (in chars) the first token of `plain` matching any word of `query` starts.
fn first_match(plain: &str, query: &str) -> Option<usize> {
    let words: Vec<QueryWord> = parse_query(query)
        .into_iter()
        .flat_map(|clause| clause.words)
        .collect();
    let mut first = None;
    for_each_token(plain, |start, token| {
        if first.is_none()
            && words.iter().any(|word| match word.matching {
                Matching::Whole => token == word.text,
                Matching::Prefix => token.starts_with(&word.text),
            })
        {
            first = Some(start);
        }
    });
    first
}

/// An excerpt of the Markdown `text` as plain text, of at most `max_chars` characters
/// (including "…"), around the first word matching `query`, or from the start if none does.
/// It begins and ends on whole words where it can, with "…" where text was cut off, and
/// is plain text: the caller escapes it.
pub fn snippet(text: &str, query: &str, max_chars: usize) -> String {
    const ELLIPSIS: char = '…';
    let plain = plain_text(text);
    let chars: Vec<char> = plain.chars().collect();
    let total = chars.len();
    if total <= max_chars {
        return plain;
    }
    if max_chars < 3 {
        // No room for a word between two "…".
        let mut cut: String = chars.iter().take(max_chars.saturating_sub(1)).collect();
        cut.extend(max_chars.checked_sub(1).map(|_| ELLIPSIS));
        return cut;
    }
    let is_space = |at: usize| chars.get(at).is_some_and(|c| *c == ' ');
    let match_start = first_match(&plain, query).unwrap_or(0);

    // Show a few words before the match so that it reads in context, but keep most of the
    // room for what follows it.
    let mut start = match_start.saturating_sub(max_chars / 4);
    // Near the end of the text, start earlier rather than leave room unused.
    start = start.min(total - (max_chars - 1));
    // Begin on a word, without passing the beginning of the match's own word.
    let match_word_start = (0..match_start)
        .rev()
        .find(|&at| is_space(at))
        .map_or(0, |space| space + 1);
    if start > 0 && start <= match_word_start && !is_space(start - 1) {
        while start < match_word_start && !is_space(start) {
            start += 1;
        }
        while start < match_word_start && is_space(start) {
            start += 1;
        }
    }

    let room = max_chars - usize::from(start > 0);
    let mut end = start + room;
    if end >= total {
        end = total;
    } else {
        // Leave room for the trailing "…" and end on a whole word if there is one.
        end -= 1;
        if !is_space(end) {
            if let Some(space) = (start + 1..end).rev().find(|&at| is_space(at)) {
                end = space;
            }
        }
    }

    let mut excerpt = String::with_capacity(max_chars * 4);
    if start > 0 {
        excerpt.push(ELLIPSIS);
    }
    let kept: String = chars.get(start..end).unwrap_or_default().iter().collect();
    excerpt.push_str(kept.trim());
    if end < total {
        excerpt.push(ELLIPSIS);
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_one_letter_first_word_stays_in_the_snippet() {
        assert_eq!(
            snippet("A slow consumer, `a` **b**", "consumer", 160),
            "A slow consumer, a b"
        );
        assert_eq!(plain_text("** A"), "A");
    }

    struct Doc {
        id: String,
        title: String,
        tags: Vec<String>,
        prompt: String,
        answer: String,
    }

    fn doc(id: &str, prompt: &str, answer: &str) -> Doc {
        Doc {
            id: id.into(),
            title: String::new(),
            tags: Vec::new(),
            prompt: prompt.into(),
            answer: answer.into(),
        }
    }

    fn index_of(docs: &[Doc]) -> SearchIndex {
        SearchIndex::build(docs.iter().map(|d| SearchDoc {
            id: &d.id,
            prompt: &d.prompt,
            answer: &d.answer,
            tags: &d.tags,
            title: &d.title,
        }))
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.id.as_str()).collect()
    }

    fn search_ids(index: &SearchIndex, query: &str) -> Vec<String> {
        index.search(query, 100).into_iter().map(|h| h.id).collect()
    }

    #[test]
    fn tokens_are_lowercased_alphanumeric_runs() {
        assert_eq!(
            tokens_of("## Why does `process.nextTick()` run **before** I/O? (Node.js 24)"),
            [
                "why", "does", "process", "nexttick", "run", "before", "i", "o", "node", "js", "24"
            ]
        );
        assert_eq!(tokens_of("ÉTÉ Straße ΣΟΦΙΑ"), ["été", "straße", "σοφια"]);
        assert_eq!(tokens_of("日本語 テスト"), ["日本語", "テスト"]);
        assert!(tokens_of("🎉 — … \u{0} \t").is_empty());
    }

    #[test]
    fn token_starts_are_char_indices() {
        let mut starts = Vec::new();
        for_each_token("é, ab.cd", |start, token| {
            starts.push((start, token.to_owned()))
        });
        assert_eq!(
            starts,
            [(0, "é".into()), (3, "ab".into()), (6, "cd".into())]
        );
    }

    #[test]
    fn parses_words_phrases_and_the_prefix_word() {
        let words = |query: &str| -> Vec<Vec<(String, Matching)>> {
            parse_query(query)
                .into_iter()
                .map(|c| c.words.into_iter().map(|w| (w.text, w.matching)).collect())
                .collect()
        };
        use Matching::{Prefix, Whole};
        let w = |text: &str, m| (text.to_owned(), m);
        assert_eq!(
            words("Event LOOP"),
            [vec![w("event", Whole)], vec![w("loop", Prefix)]]
        );
        assert_eq!(
            words("\"event loop\" phase"),
            [
                vec![w("event", Whole), w("loop", Whole)],
                vec![w("phase", Prefix)]
            ]
        );
        // A closed phrase at the end is complete; an unclosed one is still being typed.
        assert_eq!(
            words("\"event loop\""),
            [vec![w("event", Whole), w("loop", Whole)]]
        );
        assert_eq!(
            words("“event lo"),
            [vec![w("event", Whole), w("lo", Prefix)]]
        );
        assert_eq!(
            words("process.nextTick"),
            [vec![w("process", Whole), w("nexttick", Prefix)]]
        );
        assert_eq!(
            words("stream x"),
            [vec![w("stream", Whole)], vec![w("x", Whole)]]
        );
        assert!(words("  \t ").is_empty());
        assert!(words("\"\" ?! 🎉").is_empty());
    }

    #[test]
    fn is_case_insensitive_and_finds_any_field() {
        let docs = [
            Doc {
                id: "title".into(),
                title: "Streams and Buffers".into(),
                ..doc("", "", "")
            },
            Doc {
                id: "tag".into(),
                tags: vec!["backpressure".into()],
                ..doc("", "", "")
            },
            doc("prompt", "What is the EVENT loop?", ""),
            doc("answer", "", "The event loop runs callbacks."),
        ];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "BUFFERS"), ["title"]);
        assert_eq!(search_ids(&index, "BackPressure"), ["tag"]);
        assert_eq!(search_ids(&index, "Event"), ["prompt", "answer"]);
        assert_eq!(index.len(), 4);
        assert!(!index.is_empty());
    }

    #[test]
    fn dotted_names_are_searchable_by_their_parts_and_camel_case_by_its_whole() {
        let docs = [
            doc("tick", "When does `process.nextTick()` run?", ""),
            doc("next", "What comes next in the process?", ""),
        ];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "nextTick"), ["tick"]);
        assert_eq!(
            search_ids(&index, "nexttick process"),
            ["tick", "next"][..1]
        );
        assert_eq!(search_ids(&index, "process.nextTick"), ["tick"]);
        assert_eq!(search_ids(&index, "process.nextTick()"), ["tick"]);
        assert_eq!(search_ids(&index, "process"), ["tick", "next"]);
        // camelCase is one token: its second half is not a word of its own.
        assert!(search_ids(&index, "tick").is_empty());
        // Inner punctuation asks for the parts adjacent and in order.
        assert!(search_ids(&index, "nextTick.process").is_empty());
    }

    #[test]
    fn all_words_must_match() {
        let docs = [
            doc("both", "Readable streams and backpressure", ""),
            doc("one", "Readable streams", ""),
        ];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "streams backpressure"), ["both"]);
        assert_eq!(search_ids(&index, "streams readable"), ["both", "one"]);
        assert!(search_ids(&index, "streams cluster").is_empty());
    }

    #[test]
    fn only_the_last_word_matches_as_a_prefix() {
        let docs = [doc("loop", "The event loop", "")];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "even"), ["loop"]);
        assert_eq!(search_ids(&index, "loop even"), ["loop"]);
        assert!(search_ids(&index, "even loop").is_empty());
        assert_eq!(search_ids(&index, "event lo"), ["loop"]);
    }

    #[test]
    fn a_single_character_matches_only_a_whole_token() {
        let docs = [
            doc("word", "An event", ""),
            doc("letter", "Let x be an event", ""),
        ];
        let index = index_of(&docs);
        assert!(search_ids(&index, "e").is_empty());
        assert_eq!(search_ids(&index, "x"), ["letter"]);
        assert_eq!(search_ids(&index, "event x"), ["letter"]);
    }

    #[test]
    fn a_quoted_phrase_matches_adjacent_words_in_order_within_one_field() {
        let docs = [
            doc("phrase", "How does the Event Loop work?", ""),
            doc("reversed", "Loop over every event", ""),
            doc("apart", "An event in a loop", ""),
            doc("across fields", "Name every event", "loop phases"),
            Doc {
                id: "across tags".into(),
                tags: vec!["event".into(), "loop".into()],
                ..doc("", "", "")
            },
            doc("in answer", "", "The event loop, again: the event loop."),
        ];
        let index = index_of(&docs);
        assert_eq!(
            search_ids(&index, "\"event loop\""),
            ["phrase", "in answer"]
        );
        assert_eq!(search_ids(&index, "“EVENT LOOP”"), ["phrase", "in answer"]);
        // Still being typed: the phrase's last word is a prefix.
        assert_eq!(search_ids(&index, "\"event lo"), ["phrase", "in answer"]);
        assert_eq!(search_ids(&index, "\"the event\" work"), ["phrase"]);
        assert!(search_ids(&index, "\"event lo\"").is_empty());
        assert!(search_ids(&index, "\"loop event\" phases").is_empty());
    }

    #[test]
    fn a_repeated_word_in_a_phrase_needs_repeated_occurrences() {
        let docs = [doc("once", "tick", ""), doc("twice", "tick tick", "")];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "\"tick tick\""), ["twice"]);
        // Unquoted, it is one word asked twice, and more occurrences rank higher.
        assert_eq!(search_ids(&index, "tick tick"), ["twice", "once"]);
    }

    #[test]
    fn prompt_title_and_tags_outrank_the_answer() {
        let long_answer = "cluster ".repeat(100);
        let docs = [
            doc("answer", "Scale a server", &long_answer),
            doc("prompt", "What does the cluster module do?", ""),
            Doc {
                id: "tag".into(),
                tags: vec!["cluster".into()],
                ..doc("", "Scale out", "")
            },
            Doc {
                id: "title".into(),
                title: "Cluster".into(),
                ..doc("", "Scale out", "")
            },
        ];
        let hits = index_of(&docs).search("cluster", 10);
        assert_eq!(ids(&hits), ["prompt", "tag", "title", "answer"]);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn more_occurrences_rank_higher_up_to_a_cap() {
        let docs = [
            doc("once", "stream", ""),
            doc("twice", "stream stream", ""),
            doc("thrice", "stream stream stream", ""),
            doc("many", &"stream ".repeat(50), ""),
            doc("answer once", "", "stream"),
            doc("answer twice", "", "stream stream"),
        ];
        let hits = index_of(&docs).search("stream", 10);
        assert_eq!(
            ids(&hits),
            [
                "thrice",
                "many",
                "twice",
                "once",
                "answer twice",
                "answer once"
            ]
        );
        // Past the cap, the build order decides.
        assert_eq!(hits[0].score, hits[1].score);
    }

    #[test]
    fn the_typed_word_itself_outranks_longer_words_it_begins() {
        let docs = [
            doc("longer", "Events everywhere", ""),
            doc("exact", "One event", ""),
        ];
        let index = index_of(&docs);
        assert_eq!(search_ids(&index, "event"), ["exact", "longer"]);
    }

    #[test]
    fn a_word_matching_several_terms_scores_by_the_best_of_them() {
        let docs = [
            doc("many forms", "event events eventemitter eventual", ""),
            doc("one form", "event event event", ""),
        ];
        let hits = index_of(&docs).search("even", 10);
        assert_eq!(ids(&hits), ["one form", "many forms"]);
    }

    #[test]
    fn ties_keep_the_build_order() {
        let docs: Vec<Doc> = (0..20)
            .map(|n| doc(&format!("q{n}"), "same prompt", ""))
            .collect();
        let index = index_of(&docs);
        let expected: Vec<String> = (0..20).map(|n| format!("q{n}")).collect();
        assert_eq!(search_ids(&index, "prompt"), expected);
        let hits = index.search("same", 5);
        assert_eq!(ids(&hits), ["q0", "q1", "q2", "q3", "q4"]);
        assert_eq!(
            hits.iter().map(|h| h.build_order).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn queries_without_tokens_find_nothing() {
        let index = index_of(&[doc("q", "Anything at all", "")]);
        for query in [
            "",
            "   ",
            "\t\n",
            "?!.,",
            "\"\"",
            "\"",
            "🎉🎉",
            "\u{0}\u{7}",
            "—",
        ] {
            assert!(index.search(query, 10).is_empty(), "{query:?}");
        }
        assert!(index.search("anything", 0).is_empty());
        let empty = SearchIndex::build([]);
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        assert!(empty.search("anything", 10).is_empty());
    }

    #[test]
    fn odd_input_does_not_panic() {
        let docs = [
            doc(
                "emoji",
                "🎉 party 🎉 ünïcödé",
                "日本語 テスト \u{0}\u{1b}[31m",
            ),
            doc("long", &"word ".repeat(5000), &"x".repeat(10_000)),
            doc("empty", "", ""),
        ];
        let index = index_of(&docs);
        let long_query = "word ".repeat(2048);
        assert_eq!(search_ids(&index, &long_query), ["long"]);
        let long_token = "w".repeat(10_240);
        assert!(index.search(&long_token, 10).is_empty());
        let mixed: String = (0..10_240u32).filter_map(char::from_u32).collect();
        let _ = index.search(&mixed, 10);
        assert_eq!(search_ids(&index, "ÜNÏCÖDÉ"), ["emoji"]);
        assert_eq!(search_ids(&index, "日本"), ["emoji"]);
        assert_eq!(search_ids(&index, &"x".repeat(10_000)), ["long"]);
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SearchIndex>();
        shareable::<SearchHit>();
    }

    #[test]
    fn debug_output_is_a_summary() {
        let index = index_of(&[doc("q", "one two", "two")]);
        assert_eq!(
            format!("{index:?}"),
            "SearchIndex { documents: 1, terms: 2, postings: 2, positions: 3, doc_terms: 6 }"
        );
    }

    /// Many documents and a short prefix, so that both ways of narrowing have work to do.
    const CORPUS_WORDS: [&str; 16] = [
        "event",
        "events",
        "eventemitter",
        "loop",
        "stream",
        "streams",
        "buffer",
        "promise",
        "process",
        "nexttick",
        "cluster",
        "worker",
        "tick",
        "timer",
        "timers",
        "pool",
    ];

    fn corpus() -> Vec<Doc> {
        let words = CORPUS_WORDS;
        (0..300)
            .map(|n: usize| {
                let pick = |salt: usize, count: usize| -> String {
                    (0..count)
                        .map(|i| words[(n * 7 + i * salt + n / 3) % words.len()])
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                Doc {
                    id: format!("q{n}"),
                    title: pick(3, n % 3),
                    tags: vec![words[n % words.len()].to_owned()],
                    prompt: pick(5, 3 + n % 5),
                    answer: pick(11, n % 13),
                }
            })
            .collect()
    }

    #[test]
    fn probing_and_union_find_the_same_scores() {
        let index = index_of(&corpus());
        for (first, then) in [
            ("loop", "ev"),
            ("tick", "t"),
            ("pool", "stream"),
            ("events", "p"),
        ] {
            let mut rarest = index.resolve(first, Matching::Whole);
            rarest.scored = true;
            let candidates = index.candidates_for(&rarest);
            assert!(!candidates.is_empty(), "{first}");
            let word = index.resolve(then, Matching::Prefix);
            assert_eq!(
                index.find_by_probing(&candidates, &word),
                index.find_by_union(&candidates, &word),
                "{first} {then}"
            );
        }
    }

    #[test]
    fn skip_to_finds_the_first_posting_at_or_after_a_document() {
        let postings: Vec<Posting> = [1, 3, 4, 8, 9, 15, 40]
            .into_iter()
            .map(|doc| Posting {
                doc,
                strong: 1,
                weak: 0,
                positions_start: 0,
            })
            .collect();
        for target in 0..45 {
            let expected = postings
                .iter()
                .position(|p| p.doc >= target)
                .unwrap_or(postings.len());
            assert_eq!(
                skip_to(&postings, target).len(),
                postings.len() - expected,
                "{target}"
            );
        }
        assert!(skip_to(&[], 3).is_empty());
    }

    /// What a hit must satisfy, worked out from the tokens alone: every query token but the
    /// last is a token of the document, and the last begins one.
    fn document_satisfies(doc: &Doc, query: &str) -> bool {
        let mut doc_tokens: Vec<String> = tokens_of(&doc.title);
        for tag in &doc.tags {
            doc_tokens.extend(tokens_of(tag));
        }
        doc_tokens.extend(tokens_of(&doc.prompt));
        doc_tokens.extend(tokens_of(&doc.answer));
        let query_tokens = tokens_of(query);
        let Some((last, whole)) = query_tokens.split_last() else {
            return false;
        };
        whole.iter().all(|t| doc_tokens.contains(t))
            && doc_tokens.iter().any(|t| t.starts_with(last))
    }

    proptest! {
        #[test]
        fn any_query_gives_at_most_limit_hits_that_contain_its_words(
            query in prop_oneof![
                any::<String>(),
                // Mostly words the corpus contains, so that hits and phrases get checked too.
                "(event|events|loop|stream|tick|process|nexttick|ev|st|pro|t|\"|“| |\\.|:|-|é|🎉|\u{0}){0,12}",
            ],
            limit in 0usize..40,
        ) {
            let docs = corpus();
            let index = index_of(&docs);
            let hits = index.search(&query, limit);
            prop_assert!(hits.len() <= limit);
            // Keeping the best few gives the head of the full ranking.
            let all = index.search(&query, usize::MAX);
            prop_assert_eq!(&hits[..], &all[..limit.min(all.len())]);
            for hit in &hits {
                let doc = &docs[hit.build_order];
                prop_assert_eq!(&doc.id, &hit.id);
                prop_assert!(document_satisfies(doc, &query), "{} for {:?}", hit.id, query);
            }
        }

        #[test]
        fn plain_word_queries_find_exactly_the_documents_with_those_words(
            picked in proptest::collection::vec(0usize..18, 1..4),
            prefix_len in 1usize..8,
        ) {
            let vocabulary = [
                "event", "events", "eventemitter", "loop", "stream", "streams", "buffer", "promise",
                "process", "nexttick", "cluster", "worker", "tick", "timer", "timers", "pool",
                "absent", "Stream",
            ];
            let mut words: Vec<String> = picked.iter().map(|&n| vocabulary[n].to_owned()).collect();
            if let Some(last) = words.last_mut() {
                *last = last.chars().take(prefix_len).collect();
            }
            let query = words.join(" ");
            let docs = corpus();
            let index = index_of(&docs);
            let hits = index.search(&query, usize::MAX);
            let mut found: Vec<usize> = hits.iter().map(|h| h.build_order).collect();
            found.sort_unstable();
            let query_tokens = tokens_of(&query);
            let (last, whole) = query_tokens.split_last().unwrap();
            let expected: Vec<usize> = docs
                .iter()
                .enumerate()
                .filter(|(_, doc)| {
                    let doc_tokens = tokens_of(&doc_text(doc));
                    let last_matches = if last.chars().count() == 1 {
                        doc_tokens.contains(last)
                    } else {
                        doc_tokens.iter().any(|t| t.starts_with(last.as_str()))
                    };
                    last_matches && whole.iter().all(|t| doc_tokens.contains(t))
                })
                .map(|(n, _)| n)
                .collect();
            prop_assert_eq!(found, expected);
            // Best first, ties in build order.
            let best_first = hits.windows(2).all(|w| {
                w[0].score > w[1].score
                    || (w[0].score == w[1].score && w[0].build_order < w[1].build_order)
            });
            prop_assert!(best_first);
        }

        #[test]
        fn phrase_queries_find_exactly_the_documents_with_those_words_in_a_row(
            picked in proptest::collection::vec(0usize..16, 2..4),
            closed in any::<bool>(),
            prefix_len in 2usize..8,
            from_document in proptest::option::of(0usize..300),
        ) {
            let docs = corpus();
            let mut words: Vec<String> = match from_document {
                // Words in a row from a document's answer, so that the phrase is there.
                Some(n) => {
                    let tokens = tokens_of(&docs[n].answer);
                    tokens.iter().skip(picked[0]).take(picked.len()).cloned().collect()
                }
                None => picked.iter().map(|&n| CORPUS_WORDS[n].to_owned()).collect(),
            };
            prop_assume!(words.len() >= 2);
            if !closed {
                let last = words.last_mut().unwrap();
                *last = last.chars().take(prefix_len).collect();
            }
            let query = format!("\"{}{}", words.join(" "), if closed { "\"" } else { "" });
            let index = index_of(&docs);
            let mut found: Vec<usize> =
                index.search(&query, usize::MAX).iter().map(|h| h.build_order).collect();
            found.sort_unstable();
            let in_a_row = |field: &str| {
                let tokens = tokens_of(field);
                tokens.windows(words.len()).any(|window| {
                    window.iter().zip(&words).enumerate().all(|(n, (token, word))| {
                        if !closed && n + 1 == words.len() {
                            token.starts_with(word.as_str())
                        } else {
                            token == word
                        }
                    })
                })
            };
            let expected: Vec<usize> = docs
                .iter()
                .enumerate()
                .filter(|(_, doc)| {
                    in_a_row(&doc.title)
                        || doc.tags.iter().any(|tag| in_a_row(tag))
                        || in_a_row(&doc.prompt)
                        || in_a_row(&doc.answer)
                })
                .map(|(n, _)| n)
                .collect();
            prop_assert_eq!(found, expected, "{}", query);
        }

        #[test]
        fn snippets_never_exceed_their_length(
            text in any::<String>(),
            query in any::<String>(),
            max_chars in 0usize..120,
        ) {
            let excerpt = snippet(&text, &query, max_chars);
            prop_assert!(excerpt.chars().count() <= max_chars);
            let plain = plain_text(&text);
            if plain.chars().count() <= max_chars {
                prop_assert_eq!(excerpt, plain);
            } else if max_chars >= 3 {
                // Every piece between the ellipses is text from the document.
                let inner = excerpt.trim_start_matches('…').trim_end_matches('…');
                prop_assert!(plain.contains(inner), "{:?} not in {:?}", inner, plain);
            }
        }

        #[test]
        fn snippets_show_the_matched_word(
            before in proptest::collection::vec("[a-z]{1,9}", 0..60),
            after in proptest::collection::vec("[a-z]{1,9}", 0..60),
            max_chars in 30usize..200,
        ) {
            let text = format!("{} needle {}", before.join(" "), after.join(" "));
            let excerpt = snippet(&text, "needle", max_chars);
            prop_assert!(
                excerpt.split(' ').any(|word| word.trim_matches('…') == "needle"),
                "{:?}",
                excerpt
            );
            prop_assert!(excerpt.chars().count() <= max_chars);
        }
    }

    fn doc_text(doc: &Doc) -> String {
        format!(
            "{} {} {} {}",
            doc.title,
            doc.tags.join(" "),
            doc.prompt,
            doc.answer
        )
    }

    #[test]
    fn a_short_text_is_its_own_snippet_without_markup() {
        assert_eq!(
            snippet(
                "## Why `process.nextTick()`?\n\n**Bold**  move",
                "tick",
                100
            ),
            "Why process.nextTick()? Bold move"
        );
        assert_eq!(
            snippet("```js\nconst x = 1;\n```", "x", 100),
            "js const x = 1;"
        );
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match_on_whole_words() {
        let text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi \
                    omicron pi rho sigma tau upsilon phi chi psi omega";
        let excerpt = snippet(text, "lambda", 40);
        assert_eq!(excerpt, "…kappa lambda mu nu xi omicron pi rho…");
        assert!(excerpt.chars().count() <= 40);
        // No match: the start of the text.
        assert_eq!(snippet(text, "nothing", 20), "alpha beta gamma…");
        // Near the end: the window slides back to use the room.
        assert_eq!(snippet(text, "omega", 30), "…tau upsilon phi chi psi omega");
        // The last query word is a prefix, as in search.
        assert_eq!(snippet(text, "lamb", 40), excerpt);
    }

    #[test]
    fn snippets_keep_multibyte_characters_whole() {
        let text = "ééé ééé ééé 日本語のテキスト ééé ééé ééé ééé ééé ééé ééé ééé";
        let excerpt = snippet(text, "日本語のテキスト", 20);
        assert_eq!(excerpt, "…ééé 日本語のテキスト ééé…");
        // A word longer than the room is cut inside, on a character.
        assert_eq!(snippet(&"é".repeat(50), "x", 5), "éééé…");
        assert_eq!(snippet("abc def", "x", 2), "a…");
        assert_eq!(snippet("abc def", "x", 1), "…");
        assert_eq!(snippet("abc def", "x", 0), "");
    }
}
