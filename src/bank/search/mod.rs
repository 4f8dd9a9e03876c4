//! Full-text search over the question bank: a tantivy index in RAM.
//!
//! Questions change only on import, so each bank snapshot builds its own [`SearchIndex`] from the
//! questions it already holds (a few tens of milliseconds for the shipped bank, one segment per
//! core) and answers every search from it: one code path for SQLite and PostgreSQL.
//!
//! # What a query finds
//! - Every word must match (AND), in any field. A word matches its English forms (the index
//!   stores Snowball stems: `streams` finds `stream`, `idempotency` finds `idempotent`) and,
//!   from 5 letters, words one edit away (two from 9 letters: `evnet` finds `event`), counted
//!   on the stem and on the word as typed, so that an ending neither buys nor costs edits.
//! - The last word, while being typed, also matches as a prefix (`backpr` finds
//!   `backpressure`).
//! - Words in double quotes (typographic quotes too) must appear adjacent and in that order; a
//!   chunk with punctuation inside (`process.nextTick`, `node:fs`) is such a phrase too.
//! - Common English words typed on their own (`the`, `is`, `of`: Lucene's English stop words)
//!   are ignored unless the query has nothing else, so a question typed as a sentence still
//!   finds its answer.
//! - Filters (set, topic or its area, difficulty, kind) narrow the matches without changing
//!   their order.
//! - A query without any word (empty, punctuation, emoji) finds nothing.
//!
//! # Ranking
//! BM25 per field, with the fields saying what a question is about (title, tags, prompt)
//! boosted over the answer, which may only mention a word in passing. A near spelling or a
//! prefix counts, but less than the word itself. Equal scores keep the build order.

mod query;
mod snippet;
mod stems;

pub use query::{Clause, Matching, QueryWord, parse_query};
pub use snippet::{Highlighter, Snippet, SnippetPart, snippet};

use std::cmp::Reverse;
use std::fmt;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
};
use tantivy::{
    DocId, Index, IndexReader, ReloadPolicy, Score, Searcher, SegmentReader, TantivyDocument, Term,
};

/// One question as the index sees it. The texts are Markdown; the index only reads them.
#[derive(Clone, Copy, Debug)]
pub struct SearchDoc<'a> {
    pub prompt: &'a str,
    pub answer: &'a str,
    pub tags: &'a [String],
    /// Whatever names the question's place, e.g. the set title and the topic title.
    pub title: &'a str,
    /// The filterable facts: the set's slug, the topic ids it belongs to (its own and its
    /// area's), its difficulty and kind.
    pub set: &'a str,
    pub topics: &'a [&'a str],
    pub difficulty: &'a str,
    pub kind: &'a str,
}

/// What the results are narrowed to, beside the words. `None` means any.
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchFilter<'a> {
    pub set: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub difficulty: Option<&'a str>,
    pub kind: Option<&'a str>,
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchHit {
    /// The document's place (from 0) in the sequence given to [`SearchIndex::build`].
    pub build_order: usize,
    /// Higher is better; only meaningful to compare hits of the same query.
    pub score: f32,
}

/// One page of results and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// The index failed to build or to answer: never the user's doing (any query is valid).
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index could not be built")]
    Build(#[source] tantivy::TantivyError),
    #[error("the search index failed to answer")]
    Search(#[source] tantivy::TantivyError),
    #[error("the search index is unavailable since its build failed")]
    Unavailable,
}

/// Fields of the title, tags and prompt count this much more than the answer.
const ABOUT_BOOST: f32 = 3.0;
/// A near spelling or a prefix of a word in the title, tags or prompt: a constant, well below
/// what the word itself scores there.
const ABOUT_APPROXIMATE: f32 = 1.0;
/// The same in the answer.
const ANSWER_APPROXIMATE: f32 = 0.3;
/// Longer tokens (a pasted hash, base64) are not words anybody searches for.
const MAX_TOKEN_BYTES: usize = 40;
/// Indexing memory per thread, taken as needed: a thread that fills it writes out a segment
/// and starts another, and ten thousand questions fit in one.
const WRITER_MEMORY_PER_THREAD: usize = 100_000_000;
/// Indexing threads: each builds a segment of its own. Two halve the shipped bank's build on
/// the two cores a small server has; more buy little for a bank of hundreds of questions.
const MAX_WRITER_THREADS: usize = 4;
/// The fast field holding a document's place in the build order.
const ORDER: &str = "order";

const STEMMED: &str = "rehearse_stemmed";
const LOWERCASED: &str = "rehearse_lowercased";

/// Splits, lowercases and stems English: what the word fields are indexed with.
fn stemming_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(stems::MemoStemmer)
        .build()
}

/// Splits and lowercases only: the prefix fields, since a prefix of a word is not a prefix of
/// its stem (`configura` and `configur`).
fn lowercasing_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// The terms `analyzer` makes of `text`.
fn terms_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

/// The stem of one lowercased word, as the index stores it.
pub fn stem(word: &str) -> String {
    terms_of(&mut stemming_analyzer(), word)
        .into_iter()
        .next()
        .unwrap_or_default()
}

#[derive(Clone, Copy)]
struct Fields {
    /// Title, tags and prompt, stemmed: what the question is about.
    about: Field,
    answer: Field,
    /// The same texts lowercased but not stemmed, for prefixes.
    about_words: Field,
    answer_words: Field,
    set: Field,
    topic: Field,
    difficulty: Field,
    kind: Field,
    /// The document's place in the build order: documents reach the indexing threads in no
    /// fixed order, so their ids within a segment say nothing.
    order: Field,
}

fn schema() -> (Schema, Fields) {
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let mut builder = Schema::builder();
    let fields = Fields {
        about: builder.add_text_field("about", text(STEMMED)),
        answer: builder.add_text_field("answer", text(STEMMED)),
        about_words: builder.add_text_field("about_words", text(LOWERCASED)),
        answer_words: builder.add_text_field("answer_words", text(LOWERCASED)),
        set: builder.add_text_field("set", STRING),
        topic: builder.add_text_field("topic", STRING),
        difficulty: builder.add_text_field("difficulty", STRING),
        kind: builder.add_text_field("kind", STRING),
        order: builder.add_u64_field(ORDER, FAST),
    };
    (builder.build(), fields)
}

/// An immutable index over a set of [`SearchDoc`]s, cheap to share between threads.
#[derive(Clone)]
pub struct SearchIndex {
    /// `None` when the build failed (logged then); searching says so.
    searcher: Option<Searcher>,
    fields: Fields,
    len: usize,
    /// Keeps the searcher's segments alive.
    _reader: Option<IndexReader>,
}

impl fmt::Debug for SearchIndex {
    /// A summary: the index itself can be megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.len)
            .field("available", &self.searcher.is_some())
            .finish()
    }
}

impl Default for SearchIndex {
    fn default() -> Self {
        SearchIndex::unavailable()
    }
}

impl SearchIndex {
    /// Indexes `docs` on up to [`MAX_WRITER_THREADS`] threads, one segment each.
    pub fn build<'a>(docs: impl IntoIterator<Item = SearchDoc<'a>>) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(STEMMED, stemming_analyzer());
        index
            .tokenizers()
            .register(LOWERCASED, lowercasing_analyzer());
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_WRITER_THREADS);
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(threads, threads * WRITER_MEMORY_PER_THREAD)
            .map_err(SearchError::Build)?;
        let mut len = 0;
        for doc in docs {
            let mut document = TantivyDocument::default();
            for field in [fields.about, fields.about_words] {
                document.add_text(field, doc.title);
                for tag in doc.tags {
                    document.add_text(field, tag);
                }
                document.add_text(field, doc.prompt);
            }
            document.add_text(fields.answer, doc.answer);
            document.add_text(fields.answer_words, doc.answer);
            document.add_text(fields.set, doc.set);
            for topic in doc.topics {
                document.add_text(fields.topic, topic);
            }
            document.add_text(fields.difficulty, doc.difficulty);
            document.add_text(fields.kind, doc.kind);
            document.add_u64(fields.order, len as u64);
            writer.add_document(document).map_err(SearchError::Build)?;
            len += 1;
        }
        writer.commit().map_err(SearchError::Build)?;
        writer.wait_merging_threads().map_err(SearchError::Build)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::Build)?;
        let searcher = reader.searcher();
        Ok(SearchIndex {
            searcher: Some(searcher),
            fields,
            len,
            _reader: Some(reader),
        })
    }

    /// An index whose build failed: every search answers [`SearchError::Unavailable`].
    pub fn unavailable() -> Self {
        SearchIndex {
            searcher: None,
            fields: schema().1,
            len: 0,
            _reader: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The documents matching `query` and `filter`, best first: `limit` of them after skipping
    /// `offset`, and how many match in all (see the module documentation for the query
    /// language and the ranking).
    pub fn search(
        &self,
        query: &str,
        filter: &SearchFilter<'_>,
        offset: usize,
        limit: usize,
    ) -> Result<SearchResults, SearchError> {
        let searcher = self.searcher.as_ref().ok_or(SearchError::Unavailable)?;
        let Some(query) = self.query_for(query, filter) else {
            return Ok(SearchResults::default());
        };
        if limit == 0 {
            let total = searcher
                .search(&query, &Count)
                .map_err(SearchError::Search)?;
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        // Best score first; equal scores in build order, whichever segments they are in.
        let ranked =
            TopDocs::with_limit(limit)
                .and_offset(offset)
                .tweak_score(|segment: &SegmentReader| {
                    let order = segment
                        .fast_fields()
                        .u64(ORDER)
                        .ok()
                        .map(|column| column.first_or_default_col(u64::MAX));
                    move |doc: DocId, score: Score| {
                        (
                            score,
                            Reverse(order.as_ref().map_or(u64::MAX, |o| o.get_val(doc))),
                        )
                    }
                });
        let (top, total) = searcher
            .search(&query, &(ranked, Count))
            .map_err(SearchError::Search)?;
        let hits = top
            .into_iter()
            .map(|((score, Reverse(order)), _)| SearchHit {
                build_order: usize::try_from(order).unwrap_or(usize::MAX),
                score,
            })
            .collect();
        Ok(SearchResults { total, hits })
    }

    /// The tantivy query for `text` and `filter`, or `None` when the text has no word.
    fn query_for(&self, text: &str, filter: &SearchFilter<'_>) -> Option<Box<dyn Query>> {
        let clauses = meaningful_clauses(parse_query(text));
        if clauses.is_empty() {
            return None;
        }
        let mut stemmer = stemming_analyzer();
        let mut must: Vec<(Occur, Box<dyn Query>)> = clauses
            .iter()
            .map(|clause| (Occur::Must, self.clause_query(clause, &mut stemmer)))
            .collect();
        let facets = [
            (self.fields.set, filter.set),
            (self.fields.topic, filter.topic),
            (self.fields.difficulty, filter.difficulty),
            (self.fields.kind, filter.kind),
        ];
        for (field, value) in facets {
            if let Some(value) = value {
                let term = TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                );
                // A filter narrows; it must not reorder.
                must.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
                ));
            }
        }
        Some(Box::new(BooleanQuery::new(must)))
    }

    fn clause_query(&self, clause: &Clause, stemmer: &mut TextAnalyzer) -> Box<dyn Query> {
        let f = self.fields;
        match clause.words.as_slice() {
            [word] => {
                let stemmed = terms_of(stemmer, &word.text).into_iter().next();
                let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                if let Some(stemmed) = &stemmed {
                    for (field, boost) in [(f.about, ABOUT_BOOST), (f.answer, 1.0)] {
                        let term = Term::from_field_text(field, stemmed);
                        let exact = TermQuery::new(term, IndexRecordOption::WithFreqs);
                        should.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(exact), boost)),
                        ));
                    }
                    let allowance = query::typo_allowance(stemmed);
                    if allowance > 0 {
                        for (field, boost) in
                            [(f.about, ABOUT_APPROXIMATE), (f.answer, ANSWER_APPROXIMATE)]
                        {
                            let term = Term::from_field_text(field, stemmed);
                            let near = FuzzyTermQuery::new(term, allowance, true);
                            should.push((
                                Occur::Should,
                                Box::new(BoostQuery::new(Box::new(near), boost)),
                            ));
                        }
                    }
                }
                // A typo in an inflected word (`prodcuer`) is near the word as written, not
                // near its stem, so the words as written are searched too.
                let allowance = query::typo_allowance(&word.text);
                if allowance > 0 {
                    for (field, boost) in [
                        (f.about_words, ABOUT_APPROXIMATE),
                        (f.answer_words, ANSWER_APPROXIMATE),
                    ] {
                        let term = Term::from_field_text(field, &word.text);
                        let near = FuzzyTermQuery::new(term, allowance, true);
                        should.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(near), boost)),
                        ));
                    }
                }
                if word.matching == Matching::Prefix {
                    for (field, boost) in [
                        (f.about_words, ABOUT_APPROXIMATE),
                        (f.answer_words, ANSWER_APPROXIMATE),
                    ] {
                        let term = Term::from_field_text(field, &word.text);
                        let prefix = FuzzyTermQuery::new_prefix(term, 0, true);
                        should.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(prefix), boost)),
                        ));
                    }
                }
                Box::new(BooleanQuery::new(should))
            }
            words => {
                let open = words.last().is_some_and(|w| w.matching == Matching::Prefix);
                let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                if open {
                    // The phrase's last word is being typed: match the words as typed.
                    for (field, boost) in [(f.about_words, ABOUT_BOOST), (f.answer_words, 1.0)] {
                        let terms = words
                            .iter()
                            .map(|w| Term::from_field_text(field, &w.text))
                            .collect();
                        let phrase = PhrasePrefixQuery::new(terms);
                        should.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(phrase), boost)),
                        ));
                    }
                } else {
                    for (field, boost) in [(f.about, ABOUT_BOOST), (f.answer, 1.0)] {
                        // A word the analyzer drops (too long) cannot be in any document.
                        let terms: Vec<Term> = words
                            .iter()
                            .filter_map(|w| terms_of(stemmer, &w.text).into_iter().next())
                            .map(|stemmed| Term::from_field_text(field, &stemmed))
                            .collect();
                        let phrase: Box<dyn Query> = if terms.len() < words.len() {
                            Box::new(tantivy::query::EmptyQuery)
                        } else {
                            Box::new(PhraseQuery::new(terms))
                        };
                        should.push((Occur::Should, Box::new(BoostQuery::new(phrase, boost))));
                    }
                }
                Box::new(BooleanQuery::new(should))
            }
        }
    }
}

/// The clauses that carry meaning: at most [`query::MAX_CLAUSES`], without lone common words
/// (`the`, `is`) unless there is nothing else.
fn meaningful_clauses(clauses: Vec<Clause>) -> Vec<Clause> {
    // Without the stop-word list (it is built in), nothing counts as common.
    let mut common_words = StopWordFilter::new(Language::English).map(|filter| {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(filter)
            .build()
    });
    let mut is_common = |word: &str| {
        common_words
            .as_mut()
            .is_some_and(|analyzer| terms_of(analyzer, word).is_empty())
    };
    let kept: Vec<Clause> = clauses
        .iter()
        .filter(|clause| match clause.words.as_slice() {
            [word] => word.matching == Matching::Prefix || !is_common(&word.text),
            _ => true,
        })
        .cloned()
        .collect();
    let chosen = if kept.is_empty() { clauses } else { kept };
    chosen.into_iter().take(query::MAX_CLAUSES).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct Doc {
        title: &'static str,
        tags: Vec<String>,
        prompt: &'static str,
        answer: &'static str,
        set: &'static str,
        topics: [&'static str; 2],
        difficulty: &'static str,
        kind: &'static str,
    }

    fn doc(prompt: &'static str, answer: &'static str) -> Doc {
        Doc {
            title: "",
            tags: Vec::new(),
            prompt,
            answer,
            set: "set",
            topics: ["topic", "area"],
            difficulty: "mid",
            kind: "concept",
        }
    }

    fn index_of(docs: &[Doc]) -> SearchIndex {
        SearchIndex::build(docs.iter().map(|d| SearchDoc {
            prompt: d.prompt,
            answer: d.answer,
            tags: &d.tags,
            title: d.title,
            set: d.set,
            topics: &d.topics,
            difficulty: d.difficulty,
            kind: d.kind,
        }))
        .unwrap()
    }

    /// The build order of every hit, best first.
    fn found(index: &SearchIndex, query: &str) -> Vec<usize> {
        found_with(index, query, &SearchFilter::default())
    }

    fn found_with(index: &SearchIndex, query: &str, filter: &SearchFilter<'_>) -> Vec<usize> {
        let results = index.search(query, filter, 0, 100).unwrap();
        assert_eq!(results.total, results.hits.len(), "{query}");
        results.hits.iter().map(|h| h.build_order).collect()
    }

    #[test]
    fn english_word_forms_match_each_other() {
        let index = index_of(&[
            doc("What are readable streams?", ""),
            doc("Explain Buffer.alloc", "A buffer holds bytes."),
            doc("Why make an endpoint idempotent?", ""),
            doc("Design idempotency keys", ""),
            doc("Nothing relevant", "at all"),
        ]);
        assert_eq!(found(&index, "stream"), [0]);
        assert_eq!(found(&index, "streaming"), [0]);
        assert_eq!(found(&index, "buffers"), [1]);
        let mut idem = found(&index, "idempotency");
        idem.sort_unstable();
        assert_eq!(idem, [2, 3]);
        let mut idem = found(&index, "idempotent");
        idem.sort_unstable();
        assert_eq!(idem, [2, 3]);
    }

    #[test]
    fn long_words_forgive_typos_and_short_ones_do_not() {
        let index = index_of(&[
            doc("How does the event loop work?", ""),
            doc("Tune the garbage collection", ""),
            doc("Look it up", ""),
        ]);
        assert_eq!(found(&index, "evnet loop"), [0]);
        assert_eq!(found(&index, "garbage collector"), [1]);
        assert_eq!(found(&index, "garbage colection"), [1]);
        // Four letters allow no edit: `lopo` is not `loop` (and, as the last word, not a
        // prefix of anything).
        assert!(found(&index, "lopo").is_empty());
        assert_eq!(found(&index, "loop"), [0]);
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_and_earlier_ones_do_not() {
        let index = index_of(&[
            doc("Streams and backpressure", ""),
            doc("Configuration loading", ""),
        ]);
        assert_eq!(found(&index, "backpr"), [0]);
        assert_eq!(found(&index, "configura"), [1]);
        assert!(found(&index, "backpr streams").is_empty());
        // A one-letter last word is no prefix: it would match half the vocabulary.
        assert!(found(&index, "b").is_empty());
    }

    #[test]
    fn a_quoted_phrase_matches_adjacent_words_in_order() {
        let index = index_of(&[
            doc("The event loop", ""),
            doc("A loop of events", ""),
            doc("", "Each event loops over the loop event"),
        ]);
        assert_eq!(found(&index, "\"event loop\""), [0, 2]);
        assert_eq!(found(&index, "\"loop event\""), [2]);
        // Unquoted, any order will do.
        assert_eq!(found(&index, "loop event").len(), 3);
        // A dotted name is a phrase of its parts; an open quote's last word is a prefix.
        let index = index_of(&[
            doc("process.nextTick versus setImmediate", ""),
            doc("next tick", "process"),
        ]);
        assert_eq!(found(&index, "process.nextTick"), [0]);
        assert_eq!(found(&index, "\"process nextt"), [0]);
    }

    #[test]
    fn words_in_the_title_tags_or_prompt_outrank_the_answer() {
        let mut tagged = doc("Something else", "");
        tagged.tags = vec!["cluster".into()];
        let index = index_of(&[
            doc(
                "Unrelated",
                "The cluster module forks a cluster of cluster workers in a cluster.",
            ),
            doc("Scaling with the cluster module", "It forks workers."),
            tagged,
        ]);
        let hits = found(&index, "cluster");
        assert_eq!(hits.len(), 3);
        assert_eq!(hits.last(), Some(&0), "{hits:?}");
        // The word itself outranks a near spelling of it.
        let index = index_of(&[doc("Promise combinators", ""), doc("Promises", "")]);
        let index2 = index_of(&[doc("Premise", ""), doc("Promise", "")]);
        assert_eq!(found(&index2, "promise"), [1, 0]);
        assert_eq!(found(&index, "promise").len(), 2);
    }

    #[test]
    fn filters_narrow_without_reordering() {
        let mut a = doc("streams", "");
        a.set = "one";
        a.difficulty = "junior";
        let mut b = doc("streams streams", "");
        b.set = "two";
        b.topics = ["streams-basics", "streams"];
        b.kind = "code-output";
        let mut c = doc("streams", "");
        c.set = "two";
        let index = index_of(&[a, b, c]);
        let all = found(&index, "stream");
        assert_eq!(all.len(), 3);
        let two = found_with(
            &index,
            "stream",
            &SearchFilter {
                set: Some("two"),
                ..Default::default()
            },
        );
        assert_eq!(
            two,
            all.iter().copied().filter(|&d| d != 0).collect::<Vec<_>>()
        );
        let expected: [(SearchFilter, &[usize]); 5] = [
            (
                SearchFilter {
                    topic: Some("streams"),
                    ..Default::default()
                },
                &[1],
            ),
            (
                SearchFilter {
                    topic: Some("streams-basics"),
                    ..Default::default()
                },
                &[1],
            ),
            (
                SearchFilter {
                    difficulty: Some("junior"),
                    ..Default::default()
                },
                &[0],
            ),
            (
                SearchFilter {
                    kind: Some("code-output"),
                    set: Some("two"),
                    ..Default::default()
                },
                &[1],
            ),
            (
                SearchFilter {
                    kind: Some("code-output"),
                    set: Some("one"),
                    ..Default::default()
                },
                &[],
            ),
        ];
        for (filter, hits) in expected {
            assert_eq!(found_with(&index, "stream", &filter), hits, "{filter:?}");
        }
    }

    #[test]
    fn common_words_alone_are_ignored_unless_there_is_nothing_else() {
        let index = index_of(&[
            doc("What is the event loop?", ""),
            doc("It is what it is", ""),
        ]);
        assert_eq!(found(&index, "what is the event loop"), [0]);
        assert_eq!(found(&index, "event loop of the"), [0]);
        assert_eq!(found(&index, "is").len(), 2);
    }

    #[test]
    fn pages_come_from_one_ranking_and_the_total_counts_them_all() {
        // Enough documents that every indexing thread gets some: the order holds across
        // segments.
        let docs: Vec<Doc> = (0..2_000).map(|_| doc("a stream", "")).collect();
        let index = index_of(&docs);
        let page = |offset| {
            index
                .search("stream", &SearchFilter::default(), offset, 10)
                .unwrap()
        };
        let (first, second, last) = (page(0), page(10), page(1_990));
        assert_eq!(
            (first.total, second.total, last.total),
            (2_000, 2_000, 2_000)
        );
        // Equal scores keep the build order.
        let order: Vec<usize> = [first, second, last]
            .iter()
            .flat_map(|page| page.hits.iter().map(|h| h.build_order))
            .collect();
        let expected: Vec<usize> = (0..20).chain(1_990..2_000).collect();
        assert_eq!(order, expected);
        let counted = index
            .search("stream", &SearchFilter::default(), 0, 0)
            .unwrap();
        assert_eq!((counted.total, counted.hits.len()), (2_000, 0));
    }

    #[test]
    fn queries_without_words_find_nothing_and_odd_input_does_not_panic() {
        let index = index_of(&[
            doc("🎉 party ünïcödé", "日本語 テスト \u{0}\u{1b}[31m"),
            doc("word word", "x"),
        ]);
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
            assert_eq!(
                index
                    .search(query, &SearchFilter::default(), 0, 10)
                    .unwrap(),
                SearchResults::default(),
                "{query:?}"
            );
        }
        assert_eq!(found(&index, "ÜNÏCÖDÉ"), [0]);
        assert_eq!(found(&index, "日本語"), [0]);
        assert_eq!(found(&index, &"word ".repeat(2048)), [1]);
        assert!(found(&index, &"w".repeat(10_240)).is_empty());
        let mixed: String = (0..10_240u32).filter_map(char::from_u32).collect();
        let _ = index
            .search(&mixed, &SearchFilter::default(), 0, 10)
            .unwrap();
        let empty = index_of(&[]);
        assert!(empty.is_empty());
        assert!(found(&empty, "anything").is_empty());
    }

    #[test]
    fn an_index_that_failed_to_build_says_so() {
        let index = SearchIndex::unavailable();
        assert!(matches!(
            index.search("x", &SearchFilter::default(), 0, 10),
            Err(SearchError::Unavailable)
        ));
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SearchIndex>();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_hit_holds_a_form_of_each_word(
            texts in proptest::collection::vec("[bcdx]{2,6}( [bcdx]{2,6}){0,8}", 1..12),
            query in "[bcdx]{2,4}( [bcdx]{2,4}){0,1}",
        ) {
            let docs: Vec<Doc> = texts.iter().map(|t| doc(Box::leak(t.clone().into_boxed_str()), "")).collect();
            let index = index_of(&docs);
            let results = index.search(&query, &SearchFilter::default(), 0, 100).unwrap();
            prop_assert_eq!(results.total, results.hits.len());
            let words: Vec<&str> = query.split(' ').collect();
            let last = words.len() - 1;
            for hit in &results.hits {
                let text = texts[hit.build_order].as_str();
                for (i, word) in words.iter().enumerate() {
                    let holds = text.split(' ').any(|t| {
                        stem(t) == stem(word)
                            || (i == last && t.starts_with(word))
                    });
                    prop_assert!(holds, "{query:?} in {text:?}");
                }
            }
        }
    }
}
