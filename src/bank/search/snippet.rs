//! Result snippets: an excerpt of an answer around the first word a query matched, with every
//! matched word marked. Pure: the caller escapes the text and renders the marks.

use super::query::{Matching, parse_query, typo_allowance};
use super::{stemming_analyzer, terms_of};
use tantivy::tokenizer::TextAnalyzer;

/// A run of an excerpt's text, marked when it is a word the query matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnippetPart {
    pub text: String,
    pub marked: bool,
}

/// An excerpt as runs of text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snippet {
    pub parts: Vec<SnippetPart>,
}

impl Snippet {
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|part| part.text.is_empty())
    }

    /// The excerpt without its marks.
    pub fn text(&self) -> String {
        self.parts.iter().map(|part| part.text.as_str()).collect()
    }

    /// The marked words, in order.
    pub fn marked(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|part| part.marked)
            .map(|part| part.text.as_str())
            .collect()
    }
}

struct Wanted {
    typed: String,
    stem: String,
    prefix: bool,
    /// Edits allowed from the stem, and from the word as typed (see `typo_allowance`).
    allowance: usize,
    typed_allowance: usize,
}

/// Tells which words of a text a query matches, by the index's own rules: the same stem, a
/// near spelling of a long enough word, or the prefix being typed.
pub struct Highlighter {
    wanted: Vec<Wanted>,
    stemmer: TextAnalyzer,
}

impl Highlighter {
    pub fn new(query: &str) -> Self {
        let mut stemmer = stemming_analyzer();
        let wanted = parse_query(query)
            .into_iter()
            .flat_map(|clause| clause.words)
            .filter_map(|word| {
                let stem = terms_of(&mut stemmer, &word.text).into_iter().next()?;
                Some(Wanted {
                    allowance: usize::from(typo_allowance(&stem)),
                    typed_allowance: usize::from(typo_allowance(&word.text)),
                    prefix: word.matching == Matching::Prefix,
                    typed: word.text,
                    stem,
                })
            })
            .collect();
        Highlighter { wanted, stemmer }
    }

    /// Whether `word` (one token, any case) is one the query looks for.
    pub fn matches(&mut self, word: &str) -> bool {
        if self.wanted.is_empty() {
            return false;
        }
        let lower = word.to_lowercase();
        let Some(stem) = terms_of(&mut self.stemmer, &lower).into_iter().next() else {
            return false;
        };
        self.wanted.iter().any(|wanted| {
            stem == wanted.stem
                || (wanted.prefix && lower.starts_with(&wanted.typed))
                || (wanted.allowance > 0
                    && strsim::osa_distance(&stem, &wanted.stem) <= wanted.allowance)
                || (wanted.typed_allowance > 0
                    && strsim::osa_distance(&lower, &wanted.typed) <= wanted.typed_allowance)
        })
    }
}

/// Markdown as one line of plain text: marks (`` ` ``, `*`, `#`) and control characters
/// dropped, whitespace collapsed.
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

/// The tokens of `chars` as char ranges `[start, end)`.
fn token_spans(chars: &[char]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (at, c) in chars.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                spans.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        spans.push((from, chars.len()));
    }
    spans
}

const ELLIPSIS: &str = "…";

/// An excerpt of the Markdown `text` as plain text, of at most `max_chars` characters
/// (including "…"), around the first word `highlighter` matches (or from the start if none
/// does), with the matched words marked. It begins and ends on whole words where it can, with
/// "…" where text was cut off.
pub fn snippet(text: &str, highlighter: &mut Highlighter, max_chars: usize) -> Snippet {
    if max_chars == 0 {
        return Snippet::default();
    }
    let plain = plain_text(text);
    let chars: Vec<char> = plain.chars().collect();
    let spans = token_spans(&chars);
    let total = chars.len();
    let mut marked_spans = Vec::new();
    let (start, end) = if total <= max_chars {
        (0, total)
    } else if max_chars < 3 {
        // No room for a word between two "…".
        (0, max_chars.saturating_sub(1))
    } else {
        let first = spans.iter().find(|&&(from, to)| {
            let word: String = chars.get(from..to).unwrap_or_default().iter().collect();
            highlighter.matches(&word)
        });
        window(&chars, first.map_or(0, |&(from, _)| from), max_chars)
    };
    for &(from, to) in &spans {
        if from >= start && to <= end {
            let word: String = chars.get(from..to).unwrap_or_default().iter().collect();
            if highlighter.matches(&word) {
                marked_spans.push((from, to));
            }
        }
    }
    let mut parts = Vec::new();
    let mut push = |text: String, marked: bool| {
        if !text.is_empty() {
            parts.push(SnippetPart { text, marked });
        }
    };
    if start > 0 {
        push(ELLIPSIS.to_owned(), false);
    }
    let mut at = start;
    for (from, to) in marked_spans {
        push(
            chars.get(at..from).unwrap_or_default().iter().collect(),
            false,
        );
        push(
            chars.get(from..to).unwrap_or_default().iter().collect(),
            true,
        );
        at = to;
    }
    push(
        chars.get(at..end).unwrap_or_default().iter().collect(),
        false,
    );
    if end < total {
        push(ELLIPSIS.to_owned(), false);
    }
    Snippet { parts }
}

/// The excerpt `[start, end)` of `chars` (longer than `max_chars` ≥ 3) around a match starting
/// at `match_start`: a few words before it so that it reads in context, most of the room
/// after it, on whole words, leaving room for the "…" on either side.
fn window(chars: &[char], match_start: usize, max_chars: usize) -> (usize, usize) {
    let total = chars.len();
    let is_space = |at: usize| chars.get(at).is_some_and(|c| *c == ' ');
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
    }
    while start < match_start && is_space(start) {
        start += 1;
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
        while end > start && is_space(end - 1) {
            end -= 1;
        }
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cut(text: &str, query: &str, max_chars: usize) -> Snippet {
        snippet(text, &mut Highlighter::new(query), max_chars)
    }

    #[test]
    fn a_short_text_is_its_own_snippet_without_markup() {
        let s = cut("Use `stream.pipeline()` for **backpressure**.", "zzz", 160);
        assert_eq!(s.text(), "Use stream.pipeline() for backpressure.");
        assert!(s.marked().is_empty());
    }

    #[test]
    fn matched_words_are_marked_in_all_their_forms() {
        let s = cut(
            "A Stream pipes streams; streaming is how streamed data flows. Buffers buffer.",
            "streams buffer",
            160,
        );
        assert_eq!(
            s.marked(),
            [
                "Stream",
                "streams",
                "streaming",
                "streamed",
                "Buffers",
                "buffer"
            ]
        );
    }

    #[test]
    fn near_spellings_and_the_typed_prefix_are_marked() {
        let s = cut(
            "The event loop runs backpressure checks.",
            "evnet backpr",
            160,
        );
        assert_eq!(s.marked(), ["event", "backpressure"]);
        // A short word allows no typo.
        let s = cut("The loop and the look.", "loop", 160);
        assert_eq!(s.marked(), ["loop"]);
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match_on_whole_words() {
        let text = format!(
            "{} the needle is here {}",
            "word ".repeat(60),
            "tail ".repeat(60)
        );
        let s = cut(&text, "needle", 60);
        let plain = s.text();
        assert!(plain.starts_with('…') && plain.ends_with('…'), "{plain}");
        assert!(plain.contains("the needle is here"), "{plain}");
        assert!(plain.chars().count() <= 60);
        assert_eq!(s.marked(), ["needle"]);
        assert!(!plain.contains("… ") && !plain.contains(" …"), "{plain:?}");
    }

    #[test]
    fn snippets_keep_multibyte_characters_whole() {
        let text = "ü".repeat(50) + " 日本語 needle " + &"é".repeat(50);
        let s = cut(&text, "needle", 20);
        assert!(s.text().chars().count() <= 20);
        assert_eq!(s.marked(), ["needle"]);
    }

    #[test]
    fn no_query_words_mark_nothing() {
        assert!(cut("anything at all", "", 160).marked().is_empty());
        assert!(cut("anything at all", "?!", 160).marked().is_empty());
        assert!(cut("", "x", 160).is_empty());
    }

    proptest! {
        #[test]
        fn snippets_never_exceed_their_length(
            text in "[a-zé ]{0,300}",
            query in "[a-z ]{0,12}",
            max in 0usize..200,
        ) {
            let s = cut(&text, &query, max);
            prop_assert!(s.text().chars().count() <= max);
        }

        #[test]
        fn the_marks_cover_whole_words_of_the_text(
            words in proptest::collection::vec("[a-z]{1,9}", 1..60),
            pick in 0usize..60,
        ) {
            let text = words.join(" ");
            let query = words.get(pick % words.len()).cloned().unwrap_or_default();
            let s = cut(&text, &query, 80);
            for marked in s.marked() {
                prop_assert!(words.iter().any(|w| w == marked), "{marked}");
            }
            prop_assert!(!s.marked().is_empty());
        }
    }
}
