//! Import speed: 10,000 generated questions into a fresh SQLite database, the same files
//! re-imported unchanged (both in-process, and as whole `rehearse import` runs: process start,
//! migrations, reading the files), and how fast an alias bomb is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{Criterion, criterion_group, criterion_main};
use rehearse::bank::import::{Actor, import};
use rehearse::bank::load::load_paths;
use rehearse::bank::validate::{Context, SourceFile, validate};
use rehearse::db::{self, DatabaseUrl};
use std::path::Path;
use std::time::Duration;

#[path = "support/bank.rs"]
mod bank;
use bank::{PER_SET, SETS, generate};

fn bench_import(c: &mut Criterion) {
    let source = tempfile::tempdir().unwrap();
    generate(source.path()).unwrap();
    let (files, problems) = load_paths(&[source.path().to_path_buf()]);
    assert!(problems.is_empty());
    let actor = Actor {
        name: "bench".into(),
        source: "cli",
    };
    let now = chrono::Utc::now().naive_utc();

    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("10k questions into an empty SQLite database", |b| {
        b.iter_with_setup(
            || {
                let dir = tempfile::tempdir().unwrap();
                let url = DatabaseUrl::parse(&dir.path().join("bench.db").display().to_string());
                let mut conn = db::connect(&url).unwrap();
                db::migrate::run_pending(&mut conn).unwrap();
                (dir, conn)
            },
            |(_dir, mut conn)| {
                let report = import(&mut conn, &files, &actor, now, &|_, _| {}).unwrap();
                assert_eq!(report.plan.counts.added, SETS * PER_SET);
            },
        )
    });

    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&dir.path().join("bench.db").display().to_string());
    let mut conn = db::connect(&url).unwrap();
    db::migrate::run_pending(&mut conn).unwrap();
    import(&mut conn, &files, &actor, now, &|_, _| {}).unwrap();
    group.bench_function("10k unchanged questions re-imported", |b| {
        b.iter(|| {
            let report = import(&mut conn, &files, &actor, now, &|_, _| {}).unwrap();
            assert_eq!(report.plan.counts.unchanged, SETS * PER_SET);
        })
    });
    group.finish();
}

/// The whole command-line run, as a user times it: the release binary Cargo built for this bench.
fn bench_cli(c: &mut Criterion) {
    let source = tempfile::tempdir().unwrap();
    generate(source.path()).unwrap();
    let run = |db: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rehearse"))
            .arg("--database")
            .arg(db)
            .arg("import")
            .arg(source.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };

    let mut group = c.benchmark_group("cli");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("rehearse import: 10k questions, fresh database", |b| {
        b.iter_with_setup(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let out = run(&dir.path().join("cli.db"));
                assert!(out.ends_with("10000 added, 0 updated, 0 retired, 0 unchanged\n"));
                // Dropped (the files deleted) outside the timing.
                dir
            },
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    run(&db);
    group.bench_function("rehearse import: 10k questions unchanged", |b| {
        b.iter(|| {
            let out = run(&db);
            assert_eq!(out, "0 added, 0 updated, 0 retired, 10000 unchanged\n");
        })
    });
    group.finish();
}

fn bench_alias_bomb(c: &mut Criterion) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/alias-bomb.yaml"),
    )
    .unwrap();
    let files = [SourceFile {
        path: "alias-bomb.yaml".into(),
        text,
    }];
    c.bench_function("refuse an alias bomb", |b| {
        b.iter(|| assert!(validate(&files, &Context::default()).is_err()))
    });
}

criterion_group!(benches, bench_import, bench_cli, bench_alias_bomb);
criterion_main!(benches);
