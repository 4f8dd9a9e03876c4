//! Problems shown at their lines: each with its `file:line:column`, the offending line and a
//! caret under the column, as the command line prints them.

use crate::bank::load::LoadedFile;
use crate::bank::validate::Problem;
use std::collections::HashMap;

/// One problem with the offending line and a caret under its column.
pub(super) struct ProblemView {
    pub(super) location: String,
    pub(super) message: String,
    pub(super) excerpt: Option<String>,
}

pub(super) fn problem_views(problems: &[Problem], files: &[LoadedFile]) -> Vec<ProblemView> {
    let texts: HashMap<&str, &str> = files
        .iter()
        .map(|f| (f.source.path.as_str(), f.source.text.as_str()))
        .collect();
    problems
        .iter()
        .map(|problem| {
            let excerpt = problem.pos.and_then(|pos| {
                let text = texts.get(problem.path.as_str())?;
                let line_index = usize::try_from(pos.line).ok()?.checked_sub(1)?;
                let line = text.lines().nth(line_index)?;
                let number = pos.line.to_string();
                let column = usize::try_from(pos.column).unwrap_or(1).max(1);
                let pad: String = line
                    .chars()
                    .take(column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                Some(format!(
                    "{number} | {line}\n{} | {pad}^",
                    " ".repeat(number.len())
                ))
            });
            ProblemView {
                location: match problem.pos {
                    Some(pos) => format!("{}:{}:{}", problem.path, pos.line, pos.column),
                    None => problem.path.clone(),
                },
                message: problem.message.clone(),
                excerpt,
            }
        })
        .collect()
}
