//! The query language, parsed without the index: words, quoted phrases and the word being typed.

/// How a query word matches the index's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Matching {
    /// The word itself, its other English forms, or (when long enough) a near spelling.
    Whole,
    /// Also any word that starts with it: the user is still typing it.
    Prefix,
}

/// One word of a query, lowercased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord {
    pub text: String,
    pub matching: Matching,
}

/// One condition of a query: a single word, or (two or more words) a phrase whose words must be
/// adjacent and in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub words: Vec<QueryWord>,
}

/// A query of more clauses keeps its first this many: no real search needs more, and each
/// clause costs a few term-dictionary walks.
pub const MAX_CLAUSES: usize = 12;

/// Straight and typographic double quotes: phones type the latter.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

/// The tokens of `text`: runs of alphanumeric characters (Unicode's definition), lowercased,
/// exactly as the index splits its texts (tantivy's `SimpleTokenizer` and `LowerCaser`).
pub fn tokens_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Splits a query into clauses, in the order typed.
///
/// - Words outside quotes are clauses of one word each; a chunk with punctuation inside
///   (`process.nextTick`, `node:fs`) is a phrase of its parts.
/// - Words in double quotes form one phrase. A quote still open at the end is a phrase being
///   typed.
/// - The query's last word, when typed last (not followed by a closing quote) and longer than
///   one character, matches as a prefix.
pub fn parse_query(query: &str) -> Vec<Clause> {
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

/// How many edits a word may be away from what was typed and still match, by the length of
/// its stem (`consumers` is `consum`): none for short words, where one edit makes another
/// common word (`loop`, `look`), one from 5 letters, two from 9.
pub fn typo_allowance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(query: &str) -> Vec<Vec<(String, Matching)>> {
        parse_query(query)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| (w.text, w.matching)).collect())
            .collect()
    }

    fn w(text: &str, m: Matching) -> (String, Matching) {
        (text.to_owned(), m)
    }

    #[test]
    fn parses_words_phrases_and_the_prefix_word() {
        use Matching::{Prefix, Whole};
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
    fn tokens_are_lowercased_alphanumeric_runs() {
        assert_eq!(
            tokens_of("process.nextTick() — ÜBER_cool 42x"),
            ["process", "nexttick", "über", "cool", "42x"]
        );
    }

    #[test]
    fn typos_are_allowed_only_in_longer_words() {
        assert_eq!(typo_allowance("loop"), 0);
        assert_eq!(typo_allowance("event"), 1);
        assert_eq!(typo_allowance("backpress"), 2);
        assert_eq!(typo_allowance("ünïcö"), 1);
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_keeps_only_tokens(query in "\\PC{0,80}") {
            for clause in parse_query(&query) {
                prop_assert!(!clause.words.is_empty());
                for word in clause.words {
                    prop_assert!(!word.text.is_empty());
                    prop_assert!(word.text.chars().all(char::is_alphanumeric));
                }
            }
        }

        #[test]
        fn at_most_the_last_word_is_a_prefix(query in "[a-z \"]{0,40}") {
            let clauses = parse_query(&query);
            let prefixes: Vec<_> = clauses
                .iter()
                .flat_map(|c| &c.words)
                .enumerate()
                .filter(|(_, w)| w.matching == Matching::Prefix)
                .map(|(i, _)| i)
                .collect();
            let total: usize = clauses.iter().map(|c| c.words.len()).sum();
            prop_assert!(prefixes.len() <= 1);
            if let Some(&at) = prefixes.first() {
                prop_assert_eq!(at, total - 1);
            }
        }
    }
}
