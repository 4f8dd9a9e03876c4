//! The generated question bank the import benchmarks use: a topic tree and 20 sets of 500
//! questions, each with Markdown and a highlighted code block. Shared by `benches/import.rs`
//! and `examples/import_timing.rs` (which times the whole CLI), so both measure the same files.

use std::fmt::Write as _;
use std::path::Path;

pub const SETS: usize = 20;
pub const PER_SET: usize = 500;

/// Writes `topics.yaml` and `set-0.yaml` … `set-19.yaml` into `dir`.
pub fn generate(dir: &Path) -> std::io::Result<()> {
    let mut topics = String::from("format: 1\ntopics:\n");
    for s in 0..SETS {
        let _ = write!(
            topics,
            "  - id: area-{s}\n    title: Area {s}\n    children:\n"
        );
        for t in 0..5 {
            let _ = write!(
                topics,
                "      - id: topic-{s}-{t}\n        title: Topic {s}.{t}\n"
            );
        }
    }
    std::fs::write(dir.join("topics.yaml"), topics)?;
    for s in 0..SETS {
        let mut text = format!("format: 1\nset: set-{s}\ntitle: Set {s}\nquestions:\n");
        for q in 0..PER_SET {
            let _ = write!(
                text,
                "  - id: q-{q}\n    topic: topic-{s}-{}\n    difficulty: mid\n    kind: concept\n    tags: [bench]\n    prompt: |\n      Question {q} of set {s}: what does `fn_{q}()` return?\n    answer: |\n      It returns **{q}**.\n\n      ```js\n      const x = {q};\n      ```\n    key_points:\n      - returns {q}\n      - no side effects\n",
                q % 5
            );
        }
        std::fs::write(dir.join(format!("set-{s}.yaml")), text)?;
    }
    Ok(())
}
