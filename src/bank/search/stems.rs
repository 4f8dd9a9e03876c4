//! Snowball's English stemmer with a memory of the words it has stemmed.
//!
//! A bank repeats a few thousand distinct words hundreds of thousands of times, and stemming
//! each occurrence afresh was 40 % of building the index. The memo lives in the analyzer that
//! a segment writer holds for one build, so it starts empty with every bank snapshot and never
//! outgrows the bank's vocabulary.

use std::collections::HashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words longer than this are stemmed every time, not remembered: they are rare (identifiers,
/// URLs) and would only fill the memo.
const LONGEST_REMEMBERED: usize = 24;

/// The token filter: lowercased words in, their English stems out.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter {
            inner: tokenizer,
            stems: HashMap::new(),
        }
    }
}

#[derive(Clone)]
pub struct MemoStemmerFilter<T> {
    inner: T,
    /// Word → its stem when that differs from the word.
    stems: HashMap<String, Option<String>>,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

pub struct MemoStemmerStream<'a, T> {
    tail: T,
    stems: &'a mut HashMap<String, Option<String>>,
    stemmer: frostem::Stemmer,
}

impl<T: TokenStream> TokenStream for MemoStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token.text.len() > LONGEST_REMEMBERED {
            let stem = self.stemmer.stem(&token.text).into_owned();
            token.text = stem;
            return true;
        }
        let stem = match self.stems.get(token.text.as_str()) {
            Some(stem) => stem,
            None => {
                let stem = self.stemmer.stem(&token.text);
                let changed = (stem != token.text.as_str()).then(|| stem.into_owned());
                self.stems.entry(token.text.clone()).or_insert(changed)
            }
        };
        if let Some(stem) = stem {
            token.text.clear();
            token.text.push_str(stem);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut found = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            found.push(token.clone());
        }
        found
    }

    fn memo() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(MemoStemmer)
            .build()
    }

    fn plain() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn remembered_words_stem_as_the_first_time() {
        let mut analyzer = memo();
        let text = "Streams stream streaming; the Streams were streamed. Idempotency idempotent";
        let first = tokens(&mut analyzer, text);
        let again = tokens(&mut analyzer, text);
        assert_eq!(first, again);
        let stems: Vec<&str> = first.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            stems,
            [
                "stream", "stream", "stream", "the", "stream", "were", "stream", "idempot",
                "idempot"
            ]
        );
    }

    proptest! {
        #[test]
        fn the_memo_never_changes_what_snowball_says(
            texts in proptest::collection::vec("[a-zA-Z ,.éüİ_0-9]{0,80}", 1..6)
        ) {
            let mut memo = memo();
            let mut plain = plain();
            for text in &texts {
                prop_assert_eq!(tokens(&mut memo, text), tokens(&mut plain, text));
            }
        }
    }
}
