//! Setting up a mock interview: the presets and the custom form, parsed without I/O.

use serde::{Deserialize, Serialize};

/// How the interview is timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Timing {
    /// Each question has its own limit, from the bank.
    PerQuestion,
    /// One clock for the whole interview.
    Total {
        minutes: u32,
    },
    Untimed,
}

impl Timing {
    pub fn describe(self) -> String {
        match self {
            Timing::PerQuestion => "each question has its own time limit".into(),
            Timing::Total { minutes } => format!("{minutes} minutes in all"),
            Timing::Untimed => "untimed".into(),
        }
    }
}

/// What the candidate asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterviewOptions {
    /// Topic or area ids; empty means the whole bank.
    pub topics: Vec<String>,
    /// Pick the candidate's weakest areas instead of `topics`.
    pub weakest: bool,
    /// "any", "mix", "junior", "mid" or "senior".
    pub difficulty: String,
    /// Kinds of question; empty means any.
    pub kinds: Vec<String>,
    pub count: usize,
    pub timing: Timing,
}

/// A ready-made interview.
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
}

pub const PRESETS: [Preset; 3] = [
    Preset {
        id: "quick-screen",
        title: "Quick screen",
        summary: "5 questions, 15 minutes, a mix of difficulties",
    },
    Preset {
        id: "technical-round",
        title: "Technical round",
        summary: "8 questions, 45 minutes, a mix of difficulties",
    },
    Preset {
        id: "senior-deep-dive",
        title: "Senior deep dive",
        summary: "4 design and debugging questions, 60 minutes",
    },
];

/// The options of a preset.
pub fn preset_options(id: &str) -> Option<InterviewOptions> {
    let base = InterviewOptions {
        topics: Vec::new(),
        weakest: false,
        difficulty: "mix".into(),
        kinds: Vec::new(),
        count: 5,
        timing: Timing::Total { minutes: 15 },
    };
    match id {
        "quick-screen" => Some(base),
        "technical-round" => Some(InterviewOptions {
            count: 8,
            timing: Timing::Total { minutes: 45 },
            ..base
        }),
        "senior-deep-dive" => Some(InterviewOptions {
            count: 4,
            difficulty: "any".into(),
            kinds: vec!["design".into(), "debugging".into()],
            timing: Timing::Total { minutes: 60 },
            ..base
        }),
        _ => None,
    }
}

pub const MAX_QUESTIONS: usize = 30;
pub const MAX_MINUTES: u32 = 240;
pub const DIFFICULTIES: [&str; 5] = ["mix", "any", "junior", "mid", "senior"];

/// One message per field that needs fixing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetupErrors {
    pub count: Option<&'static str>,
    pub minutes: Option<&'static str>,
    pub topics: Option<&'static str>,
    pub difficulty: Option<&'static str>,
}

impl SetupErrors {
    pub fn is_empty(&self) -> bool {
        *self == SetupErrors::default()
    }
}

/// The raw custom form.
#[derive(Clone, Debug, Default)]
pub struct SetupForm {
    pub topics: Vec<String>,
    pub weakest: bool,
    pub difficulty: String,
    pub count: String,
    pub timing: String,
    pub minutes: String,
}

/// Checks the custom form against the topics the bank knows.
pub fn parse_form(
    form: &SetupForm,
    known_topic: impl Fn(&str) -> bool,
) -> Result<InterviewOptions, SetupErrors> {
    let mut errors = SetupErrors::default();
    let count = match form.count.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_QUESTIONS).contains(&n) => n,
        _ => {
            errors.count = Some("Choose between 1 and 30 questions.");
            0
        }
    };
    let timing = match form.timing.as_str() {
        "per-question" => Timing::PerQuestion,
        "untimed" => Timing::Untimed,
        _ => match form.minutes.trim().parse::<u32>() {
            Ok(m) if (1..=MAX_MINUTES).contains(&m) => Timing::Total { minutes: m },
            _ => {
                errors.minutes = Some("Give the total time in minutes, from 1 to 240.");
                Timing::Untimed
            }
        },
    };
    if form.topics.iter().any(|t| !known_topic(t)) {
        errors.topics = Some("One of the chosen topics no longer exists; choose again.");
    }
    let difficulty = form.difficulty.trim();
    if !DIFFICULTIES.contains(&difficulty) {
        errors.difficulty = Some("Choose a difficulty from the list.");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(InterviewOptions {
        topics: if form.weakest {
            Vec::new()
        } else {
            form.topics.clone()
        },
        weakest: form.weakest,
        difficulty: difficulty.to_owned(),
        kinds: Vec::new(),
        count,
        timing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SetupForm {
        SetupForm {
            topics: vec!["streams".into()],
            weakest: false,
            difficulty: "mix".into(),
            count: "3".into(),
            timing: "total".into(),
            minutes: "10".into(),
        }
    }

    #[test]
    fn a_good_form_gives_options() {
        let options = parse_form(&form(), |t| t == "streams").unwrap();
        assert_eq!(options.count, 3);
        assert_eq!(options.timing, Timing::Total { minutes: 10 });
        assert_eq!(options.topics, ["streams"]);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let bad = SetupForm {
            count: "0".into(),
            minutes: "x".into(),
            difficulty: "hard".into(),
            ..form()
        };
        let errors = parse_form(&bad, |_| false).unwrap_err();
        assert!(errors.count.is_some() && errors.minutes.is_some());
        assert!(errors.topics.is_some() && errors.difficulty.is_some());
    }

    #[test]
    fn presets_round_trip_through_json() {
        for preset in PRESETS {
            let options = preset_options(preset.id).unwrap();
            let text = serde_json::to_string(&options).unwrap();
            assert_eq!(
                serde_json::from_str::<InterviewOptions>(&text).unwrap(),
                options
            );
        }
        assert!(preset_options("nope").is_none());
    }
}
