//! Seeds a database for `bench/run.sh`: signed-in users whose cookies the `wrk` scripts use,
//! and one user with a year of history.
//!
//! ```sh
//! cargo run --release --example bench_seed -- DATABASE_URL OUT_DIR FRESH_USERS
//! ```
//!
//! The server must have started on the database once (it migrates and imports the bank). This
//! writes `OUT_DIR/fresh.txt` (one line per new user: session token, CSRF token) and
//! `OUT_DIR/year.txt` (the year user, the same way). The year user has a card for every
//! question and about 20,000 reviews over the last 365 days, made by the real SM-2 scheduler
//! with a fixed stream of grades (about one in five failed, each failure re-drilled the same
//! day), so today brings the reviews a real year would; their interview is ten days ahead (for
//! the progress pages' benchmark).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use chrono::{Days, NaiveDate, Utc};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use rehearse::accounts::service::{self, Role};
use rehearse::db::schema::{cards, questions, reviews, users};
use rehearse::db::{DatabaseUrl, Db, DbConnection, write_transaction};
use rehearse::sm2::{self, DayClock, Grade, Sm2State};

/// New questions the simulated candidate starts each day, until none are left.
const NEW_PER_DAY: usize = 4;
/// Grades from 0 to 5 drawn with these weights (about one in five fails).
const GRADE_WEIGHTS: [u32; 6] = [4, 7, 11, 20, 30, 28];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, out, fresh] = &args[..] else {
        eprintln!("usage: bench_seed DATABASE_URL OUT_DIR FRESH_USERS");
        std::process::exit(2);
    };
    let fresh: usize = fresh.parse().expect("FRESH_USERS is a number");
    let db = Db::open(&DatabaseUrl::parse(url), 1).expect("open the database");
    let mut conn = db.writer().expect("a connection");
    let conn: &mut DbConnection = &mut conn;
    // One hash for every bench user: argon2 is slow on purpose, and nobody signs in with it.
    let hash = rehearse::accounts::password::hash("bench-password").unwrap();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut lines = String::new();
    for n in 0..fresh {
        let (_, line) = bench_user(conn, &format!("fresh{n}-{}", &run[..8]), &hash);
        lines.push_str(&line);
    }
    std::fs::create_dir_all(out).unwrap();
    std::fs::write(format!("{out}/fresh.txt"), lines).unwrap();
    let (year_user, line) = bench_user(conn, &format!("year-{}", &run[..8]), &hash);
    let reviews = seed_year(conn, &year_user);
    std::fs::write(format!("{out}/year.txt"), line).unwrap();
    println!("seeded {fresh} new users and one with {reviews} reviews over 365 days");
}

/// A user with the daily limits lifted and a session; returns its id and its cookie line.
fn bench_user(conn: &mut DbConnection, name: &str, hash: &str) -> (String, String) {
    let now = Utc::now().naive_utc();
    let id = service::create_user(conn, name, hash, Role::Candidate, now).unwrap();
    diesel::update(users::table.find(&id))
        .set((
            users::new_per_day.eq(500),
            users::max_reviews_per_day.eq(9999),
        ))
        .execute(conn)
        .unwrap();
    let token = service::start_session(conn, &id, "wrk (benchmark)", now).unwrap();
    let csrf = uuid::Uuid::new_v4().simple().to_string();
    (id, format!("{token} {csrf}\n"))
}

/// A year of study for `user_id`, ending yesterday; returns the number of reviews.
fn seed_year(conn: &mut DbConnection, user_id: &str) -> usize {
    let question_ids: Vec<String> = questions::table
        .filter(questions::retired_at.is_null())
        .order((questions::set_slug, questions::position))
        .select(questions::id)
        .load(conn)
        .unwrap();
    let clock = DayClock::default();
    let today = clock.study_day(Utc::now());
    let first_day = today.checked_sub_days(Days::new(365)).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(365);
    let total: u32 = GRADE_WEIGHTS.iter().sum();
    let mut draw_grade = move || {
        let mut pick = rng.random_range(0..total);
        for (grade, weight) in GRADE_WEIGHTS.iter().enumerate() {
            if pick < *weight {
                return Grade::new(grade as u8).unwrap();
            }
            pick -= weight;
        }
        Grade::new(5).unwrap()
    };

    struct Card {
        state: Sm2State,
        due: Option<NaiveDate>,
        lapses: i32,
        reviews: i32,
    }
    let mut cards: Vec<Card> = question_ids
        .iter()
        .map(|_| Card {
            state: Sm2State::NEW,
            due: None,
            lapses: 0,
            reviews: 0,
        })
        .collect();
    let mut seq: i64 = 0;
    write_transaction(conn, |conn| -> QueryResult<()> {
        let mut introduced = 0;
        let mut day = first_day;
        while day < today {
            let newly = introduced..(introduced + NEW_PER_DAY).min(cards.len());
            let due: Vec<usize> = (0..introduced)
                .filter(|i| cards[*i].due.is_some_and(|d| d <= day))
                .chain(newly.clone())
                .collect();
            introduced = newly.end;
            let reviewed_at = clock.day_starts_at(day).naive_utc() + chrono::Duration::hours(3);
            for index in due {
                let mut redrill = false;
                loop {
                    let grade = draw_grade();
                    let card = &mut cards[index];
                    let before = (card.state, card.due, card.lapses, card.reviews);
                    if !redrill {
                        card.state = sm2::review(card.state, grade);
                        card.due = Some(DayClock::due_day(day, card.state.interval_days));
                        card.lapses += i32::from(!grade.is_pass());
                    }
                    card.reviews += 1;
                    seq += 1;
                    let after = (card.state, card.due);
                    insert_review(
                        conn,
                        user_id,
                        &question_ids[index],
                        (seq, day, reviewed_at),
                        (grade, redrill),
                        before,
                        after,
                    )?;
                    // Failed today: drilled again until it passes.
                    if grade.value() >= 4 {
                        break;
                    }
                    redrill = true;
                }
            }
            day = day.succ_opt().unwrap();
        }
        for (card, question_id) in cards.iter().zip(&question_ids) {
            if card.reviews == 0 {
                continue;
            }
            diesel::insert_into(cards::table)
                .values((
                    cards::user_id.eq(user_id),
                    cards::question_id.eq(question_id),
                    cards::repetitions.eq(card.state.repetitions as i32),
                    cards::interval_days.eq(card.state.interval_days as i32),
                    cards::easiness_hundredths.eq(card.state.easiness_hundredths as i32),
                    cards::due_day.eq(card.due),
                    cards::lapses.eq(card.lapses),
                    cards::review_count.eq(card.reviews),
                    cards::version.eq(card.reviews),
                ))
                .execute(conn)?;
        }
        // An interview ten days ahead, so the readiness page has its figures and plan.
        diesel::update(users::table.find(user_id))
            .set((
                users::study_version.eq(seq),
                users::interview_date.eq(today.checked_add_days(Days::new(10))),
            ))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
    let due_today = cards
        .iter()
        .filter(|c| c.due.is_some_and(|d| d <= today))
        .count();
    println!("the year user has {due_today} cards due today");
    usize::try_from(seq).unwrap()
}

fn insert_review(
    conn: &mut DbConnection,
    user_id: &str,
    question_id: &str,
    (seq, day, reviewed_at): (i64, NaiveDate, chrono::NaiveDateTime),
    (grade, redrill): (Grade, bool),
    (state, due, lapses, count): (Sm2State, Option<NaiveDate>, i32, i32),
    (after_state, after_due): (Sm2State, Option<NaiveDate>),
) -> QueryResult<()> {
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(uuid::Uuid::new_v4().to_string()),
            reviews::seq.eq(seq),
            reviews::user_id.eq(user_id),
            reviews::question_id.eq(question_id),
            reviews::grade.eq(i32::from(grade.value())),
            reviews::source.eq("practice"),
            reviews::is_redrill.eq(redrill),
            reviews::reviewed_at.eq(reviewed_at),
            reviews::study_day.eq(day),
            reviews::time_taken_ms.eq(30_000i64),
            (
                reviews::before_repetitions.eq(state.repetitions as i32),
                reviews::before_interval_days.eq(state.interval_days as i32),
                reviews::before_easiness_hundredths.eq(state.easiness_hundredths as i32),
                reviews::before_due_day.eq(due),
                reviews::before_lapses.eq(lapses),
                reviews::before_review_count.eq(count),
            ),
            (
                reviews::after_repetitions.eq(after_state.repetitions as i32),
                reviews::after_interval_days.eq(after_state.interval_days as i32),
                reviews::after_easiness_hundredths.eq(after_state.easiness_hundredths as i32),
                reviews::after_due_day.eq(after_due),
            ),
            reviews::submission_id.eq(format!("seed{seq}")),
        ))
        .execute(conn)?;
    Ok(())
}
