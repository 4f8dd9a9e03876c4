//! A username: what people type to sign in.

use std::fmt;

/// 3 to 32 letters, digits, `.`, `_` or `-`; compared without regard to case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Username {
    type Error = &'static str;
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let name = raw.trim();
        if name.chars().count() < 3 {
            return Err("Choose a username of at least 3 characters.");
        }
        if name.chars().count() > 32 {
            return Err("Choose a username of at most 32 characters.");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err("Use only letters, digits, dots, dashes and underscores.");
        }
        Ok(Username(name.to_ascii_lowercase()))
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(Username::try_from("  Ada.L ").unwrap().as_str(), "ada.l");
    }

    #[test]
    fn bad_usernames_explain_the_rule() {
        assert_eq!(
            Username::try_from("ab"),
            Err("Choose a username of at least 3 characters.")
        );
        assert!(Username::try_from("a b c").is_err());
        assert!(Username::try_from("x".repeat(33).as_str()).is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_valid_names_round_trip(raw in ".{0,40}") {
            if let Ok(name) = Username::try_from(raw.as_str()) {
                prop_assert_eq!(Username::try_from(name.as_str()), Ok(name.clone()));
            }
        }
    }
}
