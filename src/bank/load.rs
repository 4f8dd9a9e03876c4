//! Reads question files from disk: expands folders, enforces the size cap while reading (so a
//! huge file never sits in memory whole), and reports unreadable files as problems.

use super::validate::{Problem, SourceFile};
use super::yaml::Pos;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Question files larger than this are refused: the biggest real set is well under 200 KiB.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A file read from disk, with the hash recorded in the import history.
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub source: SourceFile,
    pub sha256: String,
}

/// Reads every `*.yaml`/`*.yml` file named or inside a named folder (sorted, recursive).
/// If no topic tree is among them, the `topics.yaml` beside the first file is read too.
pub fn load_paths(paths: &[PathBuf]) -> (Vec<LoadedFile>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        if path.is_dir() {
            let mut found = Vec::new();
            collect_yaml(path, &mut found, &mut problems);
            found.sort();
            if found.is_empty() {
                problems.push(Problem::whole_file(
                    &display,
                    "this folder holds no .yaml files",
                ));
            }
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            problems.push(Problem::whole_file(&display, "no such file or folder"));
        }
    }
    let has_topics = files.iter().any(|f| is_topics_file(f));
    if !has_topics {
        if let Some(sibling) = files
            .first()
            .and_then(|f| f.parent())
            .map(|dir| dir.join("topics.yaml"))
            .filter(|p| p.is_file())
        {
            files.insert(0, sibling);
        }
    }
    files.dedup();
    let mut loaded = Vec::new();
    for file in files {
        match read_bounded(&file) {
            Ok(f) => loaded.push(f),
            Err(p) => problems.push(p),
        }
    }
    (loaded, problems)
}

fn is_topics_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "topics.yaml")
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem::whole_file(
                &dir.display().to_string(),
                format!("cannot read this folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out, problems);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Reads one file, refusing it once it passes [`MAX_FILE_BYTES`] or is not UTF-8.
pub fn read_bounded(path: &Path) -> Result<LoadedFile, Problem> {
    let display = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Problem::whole_file(&display, format!("cannot open this file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::whole_file(&display, format!("cannot read this file: {e}")))?;
    from_bytes(&display, bytes)
}

/// Checks the size and encoding of a file's bytes (used for uploads too).
pub fn from_bytes(display: &str, bytes: Vec<u8>) -> Result<LoadedFile, Problem> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Problem::whole_file(
            display,
            "this file is larger than 2 MiB, the limit for one question file; split it into several sets",
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    match String::from_utf8(bytes) {
        Ok(text) => Ok(LoadedFile {
            source: SourceFile {
                path: display.to_owned(),
                text: lone_carriage_returns_as_line_feeds(text),
            },
            sha256,
        }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let before = e.as_bytes().get(..valid).unwrap_or(&[]);
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map(|i| i + 1)
                .unwrap_or(0);
            let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or(&[]))
                .chars()
                .count()
                + 1;
            Err(Problem::at(
                display,
                Pos {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: u32::try_from(column).unwrap_or(u32::MAX),
                },
                "this file is not valid UTF-8 text; save it as UTF-8 in your editor",
            ))
        }
    }
}

/// YAML counts a lone `\r` as a line break, but the pages that show a problem's line split
/// at `\n` only; written as `\n` (the same to YAML), both agree which line is which.
fn lone_carriage_returns_as_line_feeds(text: String) -> String {
    let mut chars = text.chars().peekable();
    let mut lone = false;
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            lone = true;
            break;
        }
    }
    if !lone {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::validate::{Context, validate};
    use super::*;
    use proptest::prelude::*;

    /// Whether line and column name a place in `text`: an existing line (counting the empty
    /// one after a final line break), and a column on it or just past its end.
    fn inside(text: &str, pos: Pos) -> bool {
        let line = usize::try_from(pos.line).unwrap_or(usize::MAX);
        let column = usize::try_from(pos.column).unwrap_or(usize::MAX);
        line >= 1
            && column >= 1
            && text
                .split('\n')
                .nth(line - 1)
                .is_some_and(|l| column <= l.chars().count() + 1)
    }

    /// Bytes that are often YAML (structure characters, a valid set's words, line breaks),
    /// sometimes not even UTF-8.
    fn yamlish_bytes() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            4 => prop::sample::select(vec![
                "\n", "  ", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "|\n", ">-\n",
                "'", "\"", "#", "\t", "\r", "\r\n", "---\n", "...\n", "? ", "%YAML 1.2\n",
                "format: 1\n", "set: s\n", "title: T\n", "questions:\n", "  - id: q1\n",
                "    topic: runtime\n", "    difficulty: mid\n", "    kind: concept\n",
                "    prompt: Why?\n", "    answer: Because.\n", "    key_points: [one]\n",
                "    follow_ups: [q1, x/y]\n", "    time_limit: 3m\n", "é", "\u{1F600}", "0x1F",
            ])
            .prop_map(|t| t.as_bytes().to_vec()),
            1 => prop::collection::vec(any::<u8>(), 1..4),
        ];
        prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.concat())
    }

    #[test]
    fn lone_carriage_returns_become_line_breaks_the_pages_agree_with() {
        let loaded = from_bytes("x.yaml", b"a: 1\rb: 2\r\nc: 3\r".to_vec()).unwrap();
        assert_eq!(loaded.source.text, "a: 1\nb: 2\r\nc: 3\n");
        let unchanged = from_bytes("x.yaml", b"a: 1\r\n".to_vec()).unwrap();
        assert_eq!(unchanged.source.text, "a: 1\r\n");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_bytes_are_refused_or_accepted_without_panic_and_problems_point_inside_the_file(
            bytes in prop_oneof![yamlish_bytes(), prop::collection::vec(any::<u8>(), 0..200)]
        ) {
            let topics = SourceFile {
                path: "topics.yaml".into(),
                text: "format: 1\ntopics:\n  - id: runtime\n    title: Runtime\n".into(),
            };
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            match from_bytes("x.yaml", bytes) {
                Err(problem) => {
                    let pos = problem.pos.unwrap_or_default();
                    prop_assert!(inside(&lossy, pos), "{problem} in {lossy:?}");
                }
                Ok(loaded) => {
                    let files = [topics, loaded.source];
                    if let Err(problems) = validate(&files, &Context::default()) {
                        prop_assert!(!problems.is_empty());
                        for problem in problems {
                            let file = files.iter().find(|f| f.path == problem.path);
                            let text = file.map(|f| f.text.as_str()).unwrap_or("");
                            let pos = problem.pos.unwrap_or_default();
                            prop_assert!(inside(text, pos), "{problem} in {text:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = from_bytes("x.yaml", b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.yaml:2:4: this file is not valid UTF-8 text; save it as UTF-8 in your editor"
        );
    }
}
