//! Writes the import benchmark's 10,000 generated questions to a folder, so the whole CLI run
//! can be timed by hand:
//!
//! ```sh
//! cargo run --release --example gen_bank -- /tmp/bank10k
//! rm -f /tmp/x.db*; time target/release/rehearse --database /tmp/x.db import /tmp/bank10k
//! time target/release/rehearse --database /tmp/x.db import /tmp/bank10k   # unchanged
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../benches/support/bank.rs"]
mod bank;

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: gen_bank DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    bank::generate(&dir).unwrap();
    println!(
        "wrote {} questions in {} sets to {}",
        bank::SETS * bank::PER_SET,
        bank::SETS,
        dir.display()
    );
}
