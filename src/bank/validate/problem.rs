//! [`Problem`]: one thing wrong with the input, at a place in a file.

use crate::bank::yaml::Pos;
use std::fmt;

/// One thing wrong with the input, at a place in a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    /// `None` when the problem is the file as a whole (missing, unreadable).
    pub pos: Option<Pos>,
    pub message: String,
}

impl Problem {
    pub fn at(path: &str, pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            pos: Some(pos),
            message: message.into(),
        }
    }

    pub fn whole_file(path: &str, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            pos: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.path, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
