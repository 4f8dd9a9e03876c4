//! Reading the files: each is parsed (several at a time) and sorted by what it holds, a topic
//! tree, a question set or a coverage list; a file that is none of these is a problem.

use super::{Problem, SourceFile};
use crate::bank::yaml::{self, Node, Value};

/// The parsed files of a batch, by kind.
#[derive(Default)]
pub(super) struct Sorted<'f> {
    pub(super) topics: Vec<(&'f SourceFile, Node)>,
    pub(super) sets: Vec<(&'f SourceFile, Node)>,
    pub(super) coverage: Vec<(&'f SourceFile, Node)>,
}

/// Parses every file and sorts it by kind; syntax errors and unknown kinds go to `problems`.
pub(super) fn parse_and_sort<'f>(
    files: &'f [SourceFile],
    problems: &mut Vec<Problem>,
) -> Sorted<'f> {
    let mut sorted = Sorted::default();
    for (file, parsed) in files.iter().zip(parse_all(files)) {
        match parsed {
            Err(e) => problems.push(Problem::at(&file.path, e.pos, e.message)),
            Ok(root) => match classify(&root) {
                Some(FileKind::Topics) => sorted.topics.push((file, root)),
                Some(FileKind::Set) => sorted.sets.push((file, root)),
                Some(FileKind::Coverage) => sorted.coverage.push((file, root)),
                None => problems.push(Problem::at(
                    &file.path,
                    root.pos,
                    "this file is not a question set, topic tree or coverage list: \
                     it needs a `set:`, `topics:` or `coverage:` field at the top",
                )),
            },
        }
    }
    sorted
}

/// Parses every file, several at a time: parsing is most of the time a big import takes to
/// validate, and files are independent.
fn parse_all(files: &[SourceFile]) -> Vec<Result<Node, yaml::SyntaxProblem>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || files.len() < 2 {
        return files.iter().map(|f| yaml::parse(&f.text)).collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|f| yaml::parse(&f.text))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(files.chunks(chunk))
            .flat_map(|(handle, part)| {
                // Parsing never panics on input (it is fuzzed); if it ever did, parse again here
                // so the error surfaces on this thread.
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|f| yaml::parse(&f.text)).collect())
            })
            .collect()
    })
}

enum FileKind {
    Topics,
    Set,
    Coverage,
}

fn classify(root: &Node) -> Option<FileKind> {
    let Value::Map(entries) = &root.value else {
        return None;
    };
    let has = |name: &str| {
        entries
            .iter()
            .any(|(k, _)| matches!(&k.value, Value::Str(s) if s == name))
    };
    if has("set") || has("questions") {
        Some(FileKind::Set)
    } else if has("topics") {
        Some(FileKind::Topics)
    } else if has("coverage") {
        Some(FileKind::Coverage)
    } else {
        None
    }
}
