//! FSRS beside SM-2 over HTTP, on both databases: switching to FSRS places every card from its
//! log, grading under FSRS gives exactly the crate's `next_states`, undo restores the memory
//! state, switching back continues SM-2 from its own state; the settings form's mistakes, the
//! schedulers page and `rehearse fsrs evaluate|train`.

use crate::helpers::{TestDb, assert_contains, db_tests, location, rehearse};
use crate::practice::{Study, grade, next_key, study};
use chrono::NaiveDate;
use diesel::prelude::*;
use fsrs::{FSRS, FSRSItem, FSRSReview, MemoryState};
use rehearse::db::schema::{cards, questions, users};
use rehearse::scheduler::core::whole_days;
use rehearse::scheduler::fsrs_rating;
use rehearse::sm2::{self, DayClock, Grade, Sm2State};
use std::collections::HashMap;

/// What one card's columns hold.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Stored {
    sm2: Sm2State,
    due_day: Option<NaiveDate>,
    memory: Option<MemoryState>,
}

fn stored(s: &Study, key: &str) -> Stored {
    let mut conn = s.app.db.reader().unwrap();
    let (reps, interval, easiness, due_day, stability, difficulty) = cards::table
        .inner_join(users::table)
        .inner_join(questions::table)
        .filter(users::username.eq("ada"))
        .filter(questions::question_key.eq(key))
        .select((
            cards::repetitions,
            cards::interval_days,
            cards::easiness_hundredths,
            cards::due_day,
            cards::fsrs_stability,
            cards::fsrs_difficulty,
        ))
        .get_result::<(i32, i32, i32, Option<NaiveDate>, Option<f32>, Option<f32>)>(&mut *conn)
        .unwrap();
    Stored {
        sm2: Sm2State {
            repetitions: reps as u32,
            interval_days: interval as u32,
            easiness_hundredths: easiness as u32,
        },
        due_day,
        memory: stability
            .zip(difficulty)
            .map(|(stability, difficulty)| MemoryState {
                stability,
                difficulty,
            }),
    }
}

fn today(s: &Study) -> NaiveDate {
    DayClock::default().study_day(rehearse::web::Clock::now(&*s.clock))
}

/// The same mostly-passing stream of grades each run.
fn grades(seed: u64) -> impl FnMut() -> u8 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        [5, 4, 4, 3, 3, 2, 1, 0, 5, 4][((state >> 33) % 10) as usize]
    }
}

fn choose(s: &Study, scheduler: &str, retention: &str) -> reqwest::blocking::Response {
    let csrf = s.app.csrf_from("/settings");
    s.app.post_form(
        "/settings/scheduler",
        &[
            ("csrf", csrf.as_str()),
            ("scheduler", scheduler),
            ("desired_retention", retention),
        ],
    )
}

/// Each card's scheduled grades: (study day, grade), oldest first.
type Histories = HashMap<String, Vec<(NaiveDate, u8)>>;

/// Studies every day's queue for `days` days; `on_grade` sees each grade that moved a
/// schedule (the day's first grade of a card) before it is recorded in `histories`.
fn study_days(
    s: &Study,
    days: u32,
    next_grade: &mut impl FnMut() -> u8,
    histories: &mut Histories,
    mut on_grade: impl FnMut(&str, NaiveDate, u8, &[(NaiveDate, u8)]),
) {
    for _ in 0..days {
        let today = today(s);
        let mut count = 0;
        while let Some(key) = next_key(&s.app, None) {
            let value = next_grade();
            grade(&s.app, &key, value);
            let history = histories.entry(key.clone()).or_default();
            if history.last().is_none_or(|(day, _)| *day != today) {
                on_grade(&key, today, value, history);
                history.push((today, value));
            }
            count += 1;
            assert!(count < 200, "the day never ends");
        }
        s.clock.advance(chrono::Duration::days(1));
    }
}

fn item(history: &[(NaiveDate, u8)]) -> FSRSItem {
    let mut previous: Option<NaiveDate> = None;
    FSRSItem {
        reviews: history
            .iter()
            .map(|&(day, grade)| {
                let delta_t = previous.map_or(0, |p| (day - p).num_days() as u32);
                previous = Some(day);
                FSRSReview {
                    rating: fsrs_rating(Grade::new(grade).unwrap()),
                    delta_t,
                }
            })
            .collect(),
    }
}

fn sm2_of(history: &[(NaiveDate, u8)]) -> Sm2State {
    history.iter().fold(Sm2State::NEW, |state, &(_, grade)| {
        sm2::review(state, Grade::new(grade).unwrap())
    })
}

fn switching_to_fsrs_and_back_keeps_every_card_where_each_scheduler_puts_it(test_db: TestDb) {
    let s = study(test_db, 8, 0, "2026-01-05T12:00:00Z");
    s.set_limits(3, 200);
    let crate_fsrs = FSRS::new(&[]).unwrap();
    let retention = 0.85;
    let mut next_grade = grades(11);
    let mut histories = Histories::new();
    // A week of SM-2.
    study_days(&s, 7, &mut next_grade, &mut histories, |_, _, _, _| {});
    assert!(histories.len() >= 6, "{histories:?}");

    // Switch to FSRS: each card's memory state is the crate's from its log.
    let response = choose(&s, "fsrs", "85");
    assert_eq!(location(&response), "/settings?scheduler=1");
    let mut memories: HashMap<String, MemoryState> = HashMap::new();
    for (key, history) in &histories {
        let card = stored(&s, key);
        let memory = crate_fsrs.memory_state(item(history), None).unwrap();
        let interval = whole_days(crate_fsrs.next_interval(Some(memory.stability), retention, 3));
        let last_day = history.last().unwrap().0;
        assert_eq!(card.memory, Some(memory), "{key}");
        assert_eq!(
            card.due_day,
            Some(DayClock::due_day(last_day, interval)),
            "{key}"
        );
        assert_eq!(card.sm2, sm2_of(history), "{key}: SM-2 kept as it was");
        memories.insert(key.clone(), memory);
    }

    // Ten days of FSRS: every grade gives exactly the crate's next state for its rating.
    let mut expected_due: HashMap<String, NaiveDate> = HashMap::new();
    study_days(
        &s,
        10,
        &mut next_grade,
        &mut histories,
        |key, today, value, before| {
            let elapsed = before
                .last()
                .map_or(0, |(day, _)| (today - *day).num_days() as u32);
            let next = crate_fsrs
                .next_states(memories.get(key).copied(), retention, elapsed)
                .unwrap();
            let chosen = [next.again, next.hard, next.good, next.easy]
                [fsrs_rating(Grade::new(value).unwrap()) as usize - 1]
                .clone();
            memories.insert(key.to_owned(), chosen.memory);
            expected_due.insert(
                key.to_owned(),
                DayClock::due_day(today, whole_days(chosen.interval)),
            );
        },
    );
    assert!(!expected_due.is_empty(), "nothing was graded under FSRS");
    // "My data" carries the choice and each card's memory state.
    let data: serde_json::Value =
        serde_json::from_str(&s.app.get("/settings/data").text().unwrap()).unwrap();
    assert_eq!(data["settings"]["scheduler"], "fsrs");
    assert_eq!(data["settings"]["desired_retention_percent"], 85);
    let (key, memory) = memories.iter().next().unwrap();
    let card = data["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["question"] == key.as_str())
        .unwrap();
    assert_eq!(
        card["fsrs_stability"].as_f64().map(|v| v as f32),
        Some(memory.stability),
        "{card}"
    );
    for (key, history) in &histories {
        let card = stored(&s, key);
        assert_eq!(card.memory, memories.get(key).copied(), "{key}");
        if let Some(due) = expected_due.get(key) {
            assert_eq!(card.due_day, Some(*due), "{key}");
        }
        assert_eq!(
            card.sm2,
            sm2_of(history),
            "{key}: SM-2 followed every grade"
        );
    }

    // Undo under FSRS puts the memory state back exactly.
    let key = next_key(&s.app, None).or_else(|| {
        s.clock.advance(chrono::Duration::days(30));
        next_key(&s.app, None)
    });
    let key = key.expect("something to study a month on");
    let before = stored(&s, &key);
    grade(&s.app, &key, 1);
    assert_ne!(stored(&s, &key), before);
    let csrf = s.app.csrf_from("/study");
    let undo = s.app.post_form("/study/undo", &[("csrf", csrf.as_str())]);
    assert_eq!(undo.status(), 303);
    assert_eq!(stored(&s, &key), before, "{key}");

    // Back to SM-2: every card continues from the SM-2 state of its whole history.
    assert_eq!(location(&choose(&s, "sm2", "85")), "/settings?scheduler=1");
    for (key, history) in &histories {
        let card = stored(&s, key);
        let sm2 = sm2_of(history);
        let last_day = history.last().unwrap().0;
        assert_eq!(
            card,
            Stored {
                sm2,
                due_day: Some(DayClock::due_day(last_day, sm2.interval_days)),
                memory: None,
            },
            "{key}"
        );
    }
}

fn the_scheduler_form_shows_its_mistakes_beside_the_fields(test_db: TestDb) {
    let s = study(test_db, 2, 0, "2026-01-05T12:00:00Z");
    let response = choose(&s, "fsrs", "99");
    assert_eq!(response.status(), 422);
    let page = response.text().unwrap();
    assert_contains(
        &page,
        &[
            "id=\"desired_retention-error\"",
            "Enter a whole number of percent from 70 to 97.",
            "value=\"99\"",
        ],
    );
    // Nothing changed, and the grade mapping is documented on the page.
    let settings = s.app.get("/settings").text().unwrap();
    assert_contains(
        &settings,
        &[
            "0 — no idea",
            "Again",
            "3 — hard",
            "Hard",
            "5 — perfect",
            "Easy",
        ],
    );
    let mut conn = s.app.db.reader().unwrap();
    let scheduler: String = users::table
        .filter(users::username.eq("ada"))
        .select(users::scheduler)
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(scheduler, "sm2");
}

fn the_schedulers_page_and_the_cli_evaluate_both_on_the_users_reviews(test_db: TestDb) {
    let s = study(test_db, 8, 0, "2026-01-05T12:00:00Z");
    s.set_limits(4, 200);
    let mut next_grade = grades(5);
    let mut histories = Histories::new();
    study_days(&s, 20, &mut next_grade, &mut histories, |_, _, _, _| {});
    let page = s.app.get("/progress/schedulers").text().unwrap();
    assert_contains(
        &page,
        &[
            "id=\"evaluation\"",
            "<th scope=\"row\">FSRS</th>",
            "<th scope=\"row\">SM-2</th>",
            "R = 0.9",
        ],
    );
    let evaluated = rehearse(
        None,
        &[
            "--database",
            &s.app.database_url,
            "fsrs",
            "evaluate",
            "--user",
            "ada",
        ],
    );
    assert_eq!(evaluated.code, 0, "{evaluated:?}");
    assert!(evaluated.stdout.contains("FSRS") && evaluated.stdout.contains("SM-2"));
    // Training from the CLI stores parameters that the page then reports.
    let trained = rehearse(
        None,
        &[
            "--database",
            &s.app.database_url,
            "fsrs",
            "train",
            "--user",
            "ada",
        ],
    );
    assert_eq!(trained.code, 0, "{trained:?}");
    assert!(
        trained.stdout.starts_with("Fitted FSRS parameters to"),
        "{trained:?}"
    );
    let page = s.app.get("/progress/schedulers").text().unwrap();
    assert_contains(&page, &["id=\"trained\""]);
    let unknown = rehearse(
        None,
        &[
            "--database",
            &s.app.database_url,
            "fsrs",
            "evaluate",
            "--user",
            "nobody",
        ],
    );
    assert_eq!(unknown.code, 1);
}

db_tests!(
    switching_to_fsrs_and_back_keeps_every_card_where_each_scheduler_puts_it,
    the_scheduler_form_shows_its_mistakes_beside_the_fields,
    the_schedulers_page_and_the_cli_evaluate_both_on_the_users_reviews,
);
