//! The user's past interviews (`GET /interviews`), newest first, with a chart of the scores.

use super::preset_title;
use crate::interview::service;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::layout::Nav;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get};
use askama::Template;

struct PastView {
    id: String,
    title: &'static str,
    when: String,
    status: String,
    questions: usize,
    percent: Option<u32>,
    running: bool,
}

#[derive(Template)]
#[template(path = "interview/history.html")]
struct HistoryPage {
    nav: Nav,
    past: Vec<PastView>,
    chart: Option<TrendChart>,
}

/// A small inline SVG line chart of scores (0–100) over time, oldest first; drawn by
/// `interview/trend_chart.html`, so every value in it is escaped like any other.
struct TrendChart {
    width: i64,
    height: i64,
    pad: i64,
    /// "40%, 80%": what a screen reader says for the chart.
    label: String,
    /// The polyline's `points`.
    line: String,
    /// Each score's dot: x, y and the score.
    dots: Vec<(i64, i64, u32)>,
}

fn trend_chart(scores: &[u32]) -> Option<TrendChart> {
    if scores.len() < 2 {
        return None;
    }
    let (width, height, pad) = (600_i64, 160_i64, 20_i64);
    let steps = i64::try_from(scores.len() - 1).unwrap_or(1).max(1);
    let dots: Vec<(i64, i64, u32)> = scores
        .iter()
        .enumerate()
        .map(|(i, score)| {
            let x = pad + (width - 2 * pad) * i64::try_from(i).unwrap_or(0) / steps;
            let y = pad + (height - 2 * pad) * (100 - i64::from(*score)) / 100;
            (x, y, *score)
        })
        .collect();
    let line: Vec<String> = dots.iter().map(|(x, y, _)| format!("{x},{y}")).collect();
    Some(TrendChart {
        width,
        height,
        pad,
        label: scores
            .iter()
            .map(|s| format!("{s}%"))
            .collect::<Vec<_>>()
            .join(", "),
        line: line.join(" "),
        dots,
    })
}

#[get("/interviews")]
pub(super) async fn interview_history(
    SignedIn { context, user }: SignedIn,
) -> Result<HttpResponse, AppError> {
    let user_id = user.user_id.clone();
    let past = context
        .state
        .read(move |conn| Ok(service::history(conn, &user_id)?))
        .await?;
    let percent = |p: &service::PastInterview| -> Option<u32> {
        let most = i64::try_from(p.answered).ok()? * 5;
        (most > 0).then(|| u32::try_from((p.points * 100 + most / 2) / most).unwrap_or(0))
    };
    let scores: Vec<u32> = past
        .iter()
        .filter(|p| p.status != service::RUNNING)
        .filter_map(percent)
        .collect();
    let ctx = &context;
    let page = HistoryPage {
        nav: ctx.nav(),
        chart: trend_chart(&scores),
        past: past
            .iter()
            .rev()
            .map(|p| PastView {
                id: p.id.clone(),
                title: preset_title(p.preset.as_deref()),
                when: p.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                status: p.status.clone(),
                questions: p.questions,
                percent: percent(p),
                running: p.status == service::RUNNING,
            })
            .collect(),
    };
    Ok(ctx.html(StatusCode::OK, page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_chart_needs_two_scores_and_names_them() {
        /// The chart's template alone, as the history page includes it.
        #[derive(askama::Template)]
        #[template(path = "interview/trend_chart.html")]
        struct Alone<'a> {
            chart: &'a super::TrendChart,
        }
        assert!(trend_chart(&[50]).is_none());
        let chart = trend_chart(&[40, 80]).unwrap();
        let svg = askama::Template::render(&Alone { chart: &chart }).unwrap();
        assert!(svg.contains("40%, 80%"));
        assert!(svg.contains("<polyline points=\"20,92 580,44\""), "{svg}");
    }
}
