//! Bank pages: the home page listing the question sets.

use super::cache::CachedQuestion;
use super::queries::{self, SetSummary};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "bank/home.html")]
struct HomePage {
    nav: Nav,
    /// Today's study, for a signed-in visitor.
    counts: Option<crate::practice::state::Counts>,
    sets: Vec<SetSummary>,
    total_questions: i64,
}

#[get("/")]
async fn home(ctx: PageContext) -> Result<HttpResponse, AppError> {
    let counts = match &ctx.user {
        Some(user) => Some(crate::practice::state::today_counts(&ctx.state, user).await?),
        None => None,
    };
    let sets = ctx
        .state
        .read(|conn| Ok(queries::set_summaries(conn)?))
        .await?;
    let total_questions = sets.iter().map(|s| s.questions).sum();
    let body = HomePage {
        nav: ctx.nav(),
        counts,
        sets,
        total_questions,
    }
    .render()?;
    Ok(ctx.html(StatusCode::OK, body))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}

/// Questions shown per browse page.
const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize)]
struct BrowseQuery {
    q: Option<String>,
    set: Option<String>,
    topic: Option<String>,
    difficulty: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A question in the browse list.
struct ListRow {
    key: String,
    summary: String,
    topic_title: String,
    difficulty: String,
    kind: String,
    /// Where the search words appear, for search results.
    snippet: Option<super::search::Snippet>,
}

#[derive(Template)]
#[template(path = "bank/browse.html")]
struct BrowsePage {
    nav: Nav,
    items: Vec<ListRow>,
    total: i64,
    page: i64,
    pages: i64,
    search: String,
    filter: queries::BrowseFilter,
    sets: Vec<(String, String)>,
    topics: Vec<(String, String, bool)>,
    difficulties: Vec<&'static str>,
    kinds: Vec<&'static str>,
    /// The current search and filter as a query string, for the page links.
    filter_query: String,
}

impl BrowsePage {
    /// Whether a filter menu option is the current choice.
    fn is_selected(&self, current: &Option<String>, value: &str) -> bool {
        current.as_deref() == Some(value)
    }
}

fn matches_filter(candidate: &CachedQuestion, filter: &queries::BrowseFilter) -> bool {
    filter.set.as_ref().is_none_or(|s| *s == candidate.set_slug)
        && filter
            .topic
            .as_ref()
            .is_none_or(|t| super::cache::BankSnapshot::in_topic(candidate, t))
        && filter
            .difficulty
            .as_ref()
            .is_none_or(|d| *d == candidate.difficulty)
        && filter.kind.as_ref().is_none_or(|k| *k == candidate.kind)
}

#[get("/questions")]
async fn browse(
    ctx: PageContext,
    query: web::Query<BrowseQuery>,
) -> Result<HttpResponse, AppError> {
    use super::model::{Difficulty, Kind};
    let filter = queries::BrowseFilter {
        set: non_empty(&query.set),
        topic: non_empty(&query.topic),
        // Only known words filter; anything else shows everything rather than nothing.
        difficulty: non_empty(&query.difficulty).filter(|d| Difficulty::parse(d).is_some()),
        kind: non_empty(&query.kind).filter(|k| Kind::parse(k).is_some()),
    };
    // Long enough for any real search; a pasted essay is cut rather than refused.
    let search: String = non_empty(&query.q)
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let cache = std::sync::Arc::clone(&ctx.state.bank);
    let lookup = filter.clone();
    let words = search.clone();
    let (items, total, sets, topics) = ctx
        .state
        .read(move |conn| {
            let bank = cache.snapshot(conn)?;
            let offset = usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(usize::MAX);
            let limit = usize::try_from(PAGE_SIZE).unwrap_or(50);
            let (rows, total): (Vec<&CachedQuestion>, usize) = if words.is_empty() {
                let matching: Vec<&CachedQuestion> = bank
                    .questions
                    .iter()
                    .filter(|q| matches_filter(q, &lookup))
                    .collect();
                let total = matching.len();
                (
                    matching.into_iter().skip(offset).take(limit).collect(),
                    total,
                )
            } else {
                let found = bank.search.search(
                    &words,
                    &super::search::SearchFilter {
                        set: lookup.set.as_deref(),
                        topic: lookup.topic.as_deref(),
                        difficulty: lookup.difficulty.as_deref(),
                        kind: lookup.kind.as_deref(),
                    },
                    offset,
                    limit,
                )?;
                let rows = found
                    .hits
                    .iter()
                    .filter_map(|hit| bank.questions.get(hit.build_order))
                    .collect();
                (rows, found.total)
            };
            let mut highlighter =
                (!words.is_empty()).then(|| super::search::Highlighter::new(&words));
            let total = i64::try_from(total).unwrap_or(i64::MAX);
            let items = rows
                .into_iter()
                .map(|q| ListRow {
                    key: q.key.clone(),
                    summary: q.summary.clone(),
                    topic_title: q.topic_title.clone(),
                    difficulty: q.difficulty.clone(),
                    kind: q.kind.clone(),
                    snippet: highlighter
                        .as_mut()
                        .map(|h| super::search::snippet(&q.answer_md, h, 160))
                        .filter(|s| !s.is_empty()),
                })
                .collect();
            Ok((
                items,
                total,
                queries::set_titles(conn)?,
                queries::topic_choices(conn)?,
            ))
        })
        .await?;
    let filter_query = serde_urlencoded::to_string(
        [
            ("q", &Some(search.clone()).filter(|s| !s.is_empty())),
            ("set", &filter.set),
            ("topic", &filter.topic),
            ("difficulty", &filter.difficulty),
            ("kind", &filter.kind),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.as_str())))
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let body = BrowsePage {
        nav: ctx.nav(),
        items,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        search,
        filter,
        sets,
        topics,
        difficulties: Difficulty::ALL.iter().map(|d| d.as_str()).collect(),
        kinds: Kind::ALL.iter().map(|k| k.as_str()).collect(),
        filter_query,
    }
    .render()?;
    Ok(ctx.html(StatusCode::OK, body))
}

/// One line of "your history" on a question page.
struct HistoryLine {
    when: String,
    grade: i32,
    grade_word: &'static str,
    note: String,
    undone: bool,
}

/// A signed-in user's standing with one question.
struct YourProgress {
    history: Vec<HistoryLine>,
    next_due: String,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "bank/question.html")]
struct QuestionPage<'a> {
    nav: Nav,
    csrf: String,
    question: &'a CachedQuestion,
    follow_ups: Vec<(String, String)>,
    time_limit: String,
    progress: Option<YourProgress>,
    /// `?topic=…` for "study this topic now".
    topic_query: String,
    area_title: String,
}

fn your_progress(
    conn: &mut crate::db::DbConnection,
    user_id: &str,
    question_id: &str,
) -> Result<YourProgress, AppError> {
    use crate::practice::service;
    let card = service::card_state(conn, user_id, question_id)?;
    let history = service::history(conn, user_id, question_id)?
        .into_iter()
        .map(|entry| HistoryLine {
            when: entry.reviewed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            grade: entry.grade,
            grade_word: crate::sm2::Grade::stored_label(entry.grade),
            note: match (entry.source.as_str(), entry.is_redrill) {
                (_, true) => "same-day re-drill".into(),
                ("interview", false) => {
                    format!("mock interview; next in {} d", entry.interval_days)
                }
                _ => format!("next in {} d", entry.interval_days),
            },
            undone: entry.undone,
        })
        .collect();
    let next_due = match (card.suspended, card.due_day) {
        (true, _) if crate::progress::leech::is_leech(card.lapses) => format!(
            "suspended as a leech: you failed it {} times, so it stays out of your queue until \
             you unsuspend it",
            card.lapses
        ),
        (true, _) => "suspended: it stays out of your queue".to_owned(),
        (false, Some(day)) => format!("next review on {}", day.format("%a %-d %b %Y")),
        (false, None) => "not studied yet".to_owned(),
    };
    Ok(YourProgress {
        history,
        next_due,
        suspended: card.suspended,
    })
}

#[get("/questions/{set}/{id}")]
async fn question(
    ctx: PageContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (set, id) = path.into_inner();
    let key = format!("{set}/{id}");
    let cache = std::sync::Arc::clone(&ctx.state.bank);
    let user_id = ctx.user.as_ref().map(|u| u.user_id.clone());
    let nav = ctx.nav();
    let csrf = ctx.csrf.clone();
    let lookup = key.clone();
    let (bank, progress) = ctx
        .state
        .read(move |conn| {
            let bank = cache.snapshot(conn)?;
            let question = bank.by_key(&lookup).ok_or(AppError::NotFound)?;
            let progress = match &user_id {
                Some(user_id) => Some(your_progress(conn, user_id, &question.id)?),
                None => None,
            };
            Ok((bank, progress))
        })
        .await?;
    // The connection is back in its pool before the page is drawn.
    let question = bank.by_key(&key).ok_or(AppError::NotFound)?;
    let secs = question.time_limit_secs;
    let time_limit = if secs % 60 == 0 {
        format!("{} min", secs / 60)
    } else {
        format!("{} min {} s", secs / 60, secs % 60)
    };
    let page = QuestionPage {
        nav,
        csrf,
        follow_ups: question
            .follow_up_keys
            .iter()
            .filter_map(|k| bank.by_key(k))
            .map(|q| (q.key.clone(), q.summary.clone()))
            .collect(),
        time_limit,
        progress,
        topic_query: format!(
            "?{}",
            serde_urlencoded::to_string([("topic", &question.area_id)]).unwrap_or_default()
        ),
        area_title: bank
            .topic_title(&question.area_id)
            .unwrap_or_default()
            .to_owned(),
        question,
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

pub fn browse_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(browse).service(question);
}
