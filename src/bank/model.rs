//! The question bank as it is once validated: every value here is known to be well formed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An identifier made of 1 to 64 lowercase letters, digits and dashes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Slug {
    type Error = ();
    fn try_from(value: &str) -> Result<Self, ()> {
        let ok = !value.is_empty()
            && value.len() <= Self::MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Slug(value.to_owned()))
        } else {
            Err(())
        }
    }
}

/// Read back through [`Slug::try_from`], so a stored plan cannot smuggle in a bad id.
impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Slug::try_from(text.as_str())
            .map_err(|()| serde::de::Error::custom(format!("\"{text}\" is not a valid id")))
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted words, for error messages: "junior, mid, senior".
            pub fn choices() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// How senior a candidate must be to answer well.
    Difficulty { Junior => "junior", Mid => "mid", Senior => "senior" }
);

word_enum!(
    /// What the candidate is asked to do.
    Kind {
        Concept => "concept",
        CodeOutput => "code-output",
        Coding => "coding",
        Design => "design",
        Debugging => "debugging",
        Behavioural => "behavioural",
    }
);

impl Difficulty {
    /// The time limit of a question that does not set one.
    pub fn default_time_limit_secs(self) -> u32 {
        match self {
            Difficulty::Junior => 120,
            Difficulty::Mid => 240,
            Difficulty::Senior => 360,
        }
    }
}

/// One node of the topic tree, flattened: `parent` links it to its area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub id: Slug,
    pub title: String,
    pub parent: Option<Slug>,
    /// Depth-first position in the tree: the roadmap order.
    pub position: u32,
}

/// One question as written in its set file, with follow-ups resolved to full `set/id` keys.
///
/// Its serde form is also its content hash's input: new fields change every hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: Slug,
    pub topic: Slug,
    pub difficulty: Difficulty,
    pub kind: Kind,
    pub tags: Vec<String>,
    pub time_limit_secs: u32,
    pub prompt: String,
    pub answer: String,
    pub key_points: Vec<String>,
    pub follow_ups: Vec<String>,
}

impl Question {
    /// Identifies what an admin wrote, so an unchanged question is recognised on re-import.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        // serde_json of a plain struct cannot fail; an empty string would only force an update.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&canonical))
    }
}

/// One question set file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSet {
    pub slug: Slug,
    pub title: String,
    pub description: Option<String>,
    pub questions: Vec<Question>,
    /// The file it came from, as given on the command line.
    pub path: String,
}

/// One line of `coverage.yaml`: a seed item and the topics that cover it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageEntry {
    pub seed: String,
    pub item: String,
    pub topics: Vec<Slug>,
}

/// Everything read from a batch of files (stored as JSON between an upload's preview and its
/// apply).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bank {
    /// `Some` when a topics file was among the inputs.
    pub topics: Option<Vec<Topic>>,
    pub sets: Vec<QuestionSet>,
    pub coverage: Vec<CoverageEntry>,
}

impl Bank {
    pub fn question_count(&self) -> usize {
        self.sets.iter().map(|s| s.questions.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_accept_lowercase_digits_and_dashes_only() {
        assert!(Slug::try_from("event-loop-2").is_ok());
        for bad in ["", "Event", "a_b", "a b", "é", &"x".repeat(65)] {
            assert!(Slug::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_stored_bank_reads_back_and_a_bad_id_in_it_is_refused() {
        let id = Slug::try_from("event-loop").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"event-loop\"");
        assert_eq!(serde_json::from_str::<Slug>(&json).unwrap(), id);
        assert!(serde_json::from_str::<Slug>("\"Event Loop\"").is_err());
        assert_eq!(
            serde_json::from_str::<Difficulty>(&serde_json::to_string(&Difficulty::Mid).unwrap())
                .unwrap(),
            Difficulty::Mid
        );
    }

    #[test]
    fn words_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Difficulty::choices(), "junior, mid, senior");
    }
}
