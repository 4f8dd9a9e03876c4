//! The report at the end of a mock interview, worked out from its items without I/O.

use chrono::NaiveDateTime;

/// One asked (or not reached) question, as stored.
#[derive(Clone, Debug)]
pub struct ReportItem {
    pub key: String,
    pub summary: String,
    pub area_id: String,
    pub area_title: String,
    pub grade: Option<i32>,
    pub skipped: bool,
    pub is_follow_up: bool,
    pub key_points: Vec<String>,
    /// Indexes into `key_points` the candidate ticked.
    pub hit: Vec<usize>,
    pub limit_secs: Option<i64>,
    pub started_at: Option<NaiveDateTime>,
    /// When it was graded or skipped.
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Graded(i32),
    Skipped,
    NotReached,
}

#[derive(Clone, Debug)]
pub struct ReportRow {
    pub key: String,
    pub summary: String,
    pub area_title: String,
    pub is_follow_up: bool,
    pub outcome: Outcome,
    pub missed: Vec<String>,
    pub time_secs: Option<i64>,
    pub limit_secs: Option<i64>,
    /// Seconds past the question's limit, when it ran over.
    pub overtime_secs: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaScore {
    pub area_id: String,
    pub title: String,
    /// 0–100: grades out of 5, skipped questions counting 0.
    pub percent: u32,
    pub questions: usize,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub rows: Vec<ReportRow>,
    pub areas: Vec<AreaScore>,
    /// 0–100 over graded and skipped questions; `None` when none was answered.
    pub percent: Option<u32>,
    pub overtime_questions: usize,
    pub strongest: Option<AreaScore>,
    pub weakest: Option<AreaScore>,
}

fn percent_of(points: i64, questions: usize) -> u32 {
    let most = i64::try_from(questions)
        .unwrap_or(i64::MAX)
        .saturating_mul(5);
    if most == 0 {
        return 0;
    }
    u32::try_from((points * 100 + most / 2) / most).unwrap_or(0)
}

pub fn build(items: &[ReportItem]) -> Report {
    let rows: Vec<ReportRow> = items
        .iter()
        .map(|item| {
            let outcome = match (item.grade, item.skipped) {
                (Some(grade), _) => Outcome::Graded(grade),
                (None, true) => Outcome::Skipped,
                (None, false) => Outcome::NotReached,
            };
            let time_secs = match (item.started_at, item.ended_at) {
                (Some(start), Some(end)) => Some((end - start).num_seconds().max(0)),
                _ => None,
            };
            let overtime_secs = match (time_secs, item.limit_secs) {
                (Some(spent), Some(limit)) if spent > limit => Some(spent - limit),
                _ => None,
            };
            let missed = if matches!(outcome, Outcome::Graded(_)) {
                item.key_points
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !item.hit.contains(i))
                    .map(|(_, point)| point.clone())
                    .collect()
            } else {
                Vec::new()
            };
            ReportRow {
                key: item.key.clone(),
                summary: item.summary.clone(),
                area_title: item.area_title.clone(),
                is_follow_up: item.is_follow_up,
                outcome,
                missed,
                time_secs,
                limit_secs: item.limit_secs,
                overtime_secs,
            }
        })
        .collect();

    // Per area, in the order the areas first came up.
    let mut areas: Vec<(String, String, i64, usize)> = Vec::new();
    for item in items {
        let points = match (item.grade, item.skipped) {
            (Some(grade), _) => i64::from(grade),
            (None, true) => 0,
            (None, false) => continue,
        };
        match areas.iter_mut().find(|a| a.0 == item.area_id) {
            Some(area) => {
                area.2 += points;
                area.3 += 1;
            }
            None => areas.push((item.area_id.clone(), item.area_title.clone(), points, 1)),
        }
    }
    let areas: Vec<AreaScore> = areas
        .into_iter()
        .map(|(area_id, title, points, questions)| AreaScore {
            area_id,
            title,
            percent: percent_of(points, questions),
            questions,
        })
        .collect();
    let answered: usize = areas.iter().map(|a| a.questions).sum();
    let points: i64 = items.iter().filter_map(|i| i.grade.map(i64::from)).sum();
    let strongest = areas
        .iter()
        .enumerate()
        .max_by_key(|(index, a)| (a.percent, std::cmp::Reverse(*index)))
        .map(|(_, a)| a.clone());
    let weakest = areas
        .iter()
        .enumerate()
        .min_by_key(|(index, a)| (a.percent, *index))
        .map(|(_, a)| a.clone());
    let spread = strongest.as_ref().map(|a| a.percent) != weakest.as_ref().map(|a| a.percent);
    Report {
        overtime_questions: rows.iter().filter(|r| r.overtime_secs.is_some()).count(),
        rows,
        percent: (answered > 0).then(|| percent_of(points, answered)),
        // Only when the areas differ: with one area, or all equal, there is no strongest.
        strongest: if spread { strongest } else { None },
        weakest: if spread { weakest } else { None },
        areas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(secs: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 5, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            + chrono::Duration::seconds(secs)
    }

    fn item(
        area: &str,
        grade: Option<i32>,
        skipped: bool,
        spent: Option<(i64, i64)>,
    ) -> ReportItem {
        ReportItem {
            key: format!("{area}/q"),
            summary: "Q".into(),
            area_id: area.into(),
            area_title: area.to_uppercase(),
            grade,
            skipped,
            is_follow_up: false,
            key_points: vec!["a".into(), "b".into(), "c".into()],
            hit: vec![1],
            limit_secs: Some(120),
            started_at: spent.map(|s| at(s.0)),
            ended_at: spent.map(|s| at(s.1)),
        }
    }

    #[test]
    fn scores_overtime_and_missed_points() {
        let report = build(&[
            item("streams", Some(5), false, Some((0, 100))),
            item("streams", Some(2), false, Some((100, 300))),
            item("security", None, true, Some((300, 310))),
            item("security", None, false, None),
        ]);
        // (5 + 2 + 0) of 15.
        assert_eq!(report.percent, Some(47));
        assert_eq!(report.overtime_questions, 1);
        assert_eq!(report.rows[1].overtime_secs, Some(80));
        assert_eq!(report.rows[0].missed, ["a", "c"]);
        assert!(report.rows[2].missed.is_empty(), "skipped: nothing to tick");
        assert_eq!(report.rows[3].outcome, Outcome::NotReached);
        assert_eq!(report.areas.len(), 2);
        assert_eq!(report.areas[0].percent, 70);
        assert_eq!(report.strongest.unwrap().area_id, "streams");
        assert_eq!(report.weakest.unwrap().area_id, "security");
    }

    #[test]
    fn equal_areas_have_no_strongest_or_weakest() {
        let report = build(&[
            item("streams", Some(3), false, None),
            item("security", Some(3), false, None),
        ]);
        assert_eq!(report.areas.len(), 2);
        assert!(report.strongest.is_none() && report.weakest.is_none());
    }

    #[test]
    fn nothing_answered_has_no_score() {
        let report = build(&[item("streams", None, false, None)]);
        assert_eq!(report.percent, None);
        assert!(report.strongest.is_none());
        assert!(build(&[]).rows.is_empty());
    }
}
