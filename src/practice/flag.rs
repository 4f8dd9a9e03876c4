//! The "flag this question" form: why a question is wrong or unclear, in the reporter's words.

/// Why a candidate flagged a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagReason {
    Wrong,
    Unclear,
}

impl FlagReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::Wrong => "wrong",
            FlagReason::Unclear => "unclear",
        }
    }

    pub fn parse(text: &str) -> Option<FlagReason> {
        match text {
            "wrong" => Some(FlagReason::Wrong),
            "unclear" => Some(FlagReason::Unclear),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagReport {
    pub reason: FlagReason,
    pub comment: String,
}

/// Longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// One message per field that needs fixing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlagErrors {
    pub reason: Option<&'static str>,
    pub comment: Option<&'static str>,
}

/// Checks the submitted reason and comment.
pub fn parse_form(reason: &str, comment: &str) -> Result<FlagReport, FlagErrors> {
    let mut errors = FlagErrors::default();
    let reason = FlagReason::parse(reason.trim());
    if reason.is_none() {
        errors.reason = Some("Choose whether the question is wrong or unclear.");
    }
    let comment = comment.trim();
    if comment.is_empty() {
        errors.comment = Some("Say what is wrong or unclear, so it can be fixed.");
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        errors.comment = Some("Keep the comment under 2,000 characters.");
    }
    match reason {
        Some(reason) if errors == FlagErrors::default() => Ok(FlagReport {
            reason,
            comment: comment.to_owned(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_and_a_comment_make_a_report() {
        let report = parse_form("unclear", "  which Node version?  ").unwrap();
        assert_eq!(report.reason, FlagReason::Unclear);
        assert_eq!(report.comment, "which Node version?");
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let errors = parse_form("rude", " ").unwrap_err();
        assert!(errors.reason.is_some());
        assert!(errors.comment.is_some());
        let errors = parse_form("wrong", &"x".repeat(MAX_COMMENT_CHARS + 1)).unwrap_err();
        assert_eq!(errors.reason, None);
        assert!(errors.comment.unwrap().contains("2,000"));
    }
}
