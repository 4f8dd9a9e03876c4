//! The exports, so nobody is locked in: the review log as CSV, and the active sets as a text
//! file Anki imports (tab-separated, with its `#` file headers). Pure: rows in, bytes out.

use chrono::{NaiveDate, NaiveDateTime};

/// Writing a file into memory failed (it cannot, short of running out of memory; the csv
/// crate's types still say it may).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write the CSV")]
    Csv(#[from] csv::Error),
    #[error("could not finish the file")]
    Finish,
}

impl<W> From<csv::IntoInnerError<W>> for ExportError {
    fn from(_: csv::IntoInnerError<W>) -> Self {
        ExportError::Finish
    }
}

/// One review of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewLine {
    pub reviewed_at: NaiveDateTime,
    pub study_day: NaiveDate,
    /// `set/id`
    pub question: String,
    pub set: String,
    pub topic: String,
    pub grade: i32,
    pub interval_before: i32,
    pub interval_after: i32,
    /// `practice` or `interview`
    pub source: String,
    pub redrill: bool,
    pub time_taken_ms: i64,
}

pub const REVIEW_LOG_HEADER: [&str; 11] = [
    "reviewed_at_utc",
    "study_day",
    "question",
    "set",
    "topic",
    "grade",
    "interval_before_days",
    "interval_after_days",
    "source",
    "same_day_redrill",
    "time_taken_seconds",
];

/// The review log as CSV (RFC 4180, a header row first), oldest review first.
pub fn review_log_csv(lines: &[ReviewLine]) -> Result<Vec<u8>, ExportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(REVIEW_LOG_HEADER)?;
    for line in lines {
        out.write_record([
            line.reviewed_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            line.study_day.to_string(),
            line.question.clone(),
            line.set.clone(),
            line.topic.clone(),
            line.grade.to_string(),
            line.interval_before.to_string(),
            line.interval_after.to_string(),
            line.source.clone(),
            if line.redrill { "yes" } else { "no" }.to_owned(),
            format!("{:.1}", line.time_taken_ms as f64 / 1000.0),
        ])?;
    }
    Ok(out.into_inner()?)
}

/// One note for Anki: the question's sanitized HTML on the front, the answer and key points on
/// the back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnkiNote<'a> {
    pub key: &'a str,
    pub front_html: &'a str,
    pub answer_html: &'a str,
    pub key_points: &'a [String],
    /// Set, topic, difficulty and the question's own tags.
    pub tags: Vec<&'a str>,
}

/// Anki's file headers: tab-separated, fields are HTML, the third column holds the tags.
pub const ANKI_HEADERS: &str = "#separator:tab\n#html:true\n#notetype:Basic\n#deck:Rehearse\n#columns:Front\tBack\tTags\n#tags column:3\n";

/// HTML-escapes text (for key points, which are plain text).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// An Anki tag: no spaces (Anki splits tags on them).
fn anki_tag(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join("_")
}

/// The back of a note: the answer, then the key points as a list.
pub fn anki_back(note: &AnkiNote<'_>) -> String {
    let mut back = note.answer_html.to_owned();
    if !note.key_points.is_empty() {
        back.push_str("<p><strong>Key points</strong></p><ul>");
        for point in note.key_points {
            back.push_str("<li>");
            back.push_str(&escape_html(point));
            back.push_str("</li>");
        }
        back.push_str("</ul>");
    }
    back
}

/// The notes as a file Anki imports: its headers, then one row per note. A field with a tab,
/// a line break or a quote is quoted CSV-style, which Anki's importer reads.
pub fn anki_file(notes: &[AnkiNote<'_>]) -> Result<Vec<u8>, ExportError> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(ANKI_HEADERS.as_bytes().to_vec());
    for note in notes {
        let tags: Vec<String> = note.tags.iter().map(|t| anki_tag(t)).collect();
        out.write_record([note.front_html.to_owned(), anki_back(note), tags.join(" ")])?;
    }
    Ok(out.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_back(bytes: &[u8], delimiter: u8, skip_hash: bool) -> Vec<Vec<String>> {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let body: String = text
            .lines()
            .filter(|l| !(skip_hash && l.starts_with('#')))
            .map(|l| format!("{l}\n"))
            .collect();
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn the_review_log_has_a_header_and_one_row_per_review() {
        let line = ReviewLine {
            reviewed_at: NaiveDateTime::parse_from_str("2026-12-07 09:30:05", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
            study_day: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            question: "streams/back,pressure".into(),
            set: "streams".into(),
            topic: "Streams \"and\" buffers".into(),
            grade: 4,
            interval_before: 6,
            interval_after: 15,
            source: "practice".into(),
            redrill: false,
            time_taken_ms: 12_345,
        };
        let rows = read_back(&review_log_csv(&[line]).unwrap(), b',', false);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], REVIEW_LOG_HEADER);
        assert_eq!(
            rows[1],
            [
                "2026-12-07T09:30:05Z",
                "2026-12-07",
                "streams/back,pressure",
                "streams",
                "Streams \"and\" buffers",
                "4",
                "6",
                "15",
                "practice",
                "no",
                "12.3"
            ]
        );
    }

    #[test]
    fn an_anki_file_starts_with_its_headers_and_keeps_multi_line_html_in_one_field() {
        let points = vec!["a < b".to_owned()];
        let note = AnkiNote {
            key: "s/q1",
            front_html: "<p>Line one\tand</p>\n<pre><code>two\nthree</code></pre>",
            answer_html: "<p>Answer</p>",
            key_points: &points,
            tags: vec!["s", "event loop", "mid"],
        };
        let bytes = anki_file(&[note]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("#separator:tab\n#html:true\n"));
        let rows = read_back(&bytes, b'\t', true);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0][0],
            "<p>Line one\tand</p>\n<pre><code>two\nthree</code></pre>"
        );
        assert_eq!(
            rows[0][1],
            "<p>Answer</p><p><strong>Key points</strong></p><ul><li>a &lt; b</li></ul>"
        );
        assert_eq!(rows[0][2], "s event_loop mid");
    }

    proptest! {
        #[test]
        fn any_text_survives_the_round_trip(front in "\\PC*", back in "[\\PC\t\n\"]*", topic in "[\\PC,\n\"]*") {
            let points: Vec<String> = Vec::new();
            let note = AnkiNote { key: "k", front_html: &front, answer_html: &back, key_points: &points, tags: vec!["t"] };
            let bytes = anki_file(&[note]).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            let body = text.strip_prefix(ANKI_HEADERS).unwrap();
            let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .delimiter(b'\t')
                .has_headers(false)
                .from_reader(body.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            prop_assert_eq!(rows.len(), 1);
            prop_assert_eq!(&rows[0][0], &front);
            prop_assert_eq!(&rows[0][1], &back);
            let line = ReviewLine {
                reviewed_at: NaiveDateTime::default(),
                study_day: NaiveDate::default(),
                question: "q".into(),
                set: "s".into(),
                topic: topic.clone(),
                grade: 0,
                interval_before: 0,
                interval_after: 1,
                source: "interview".into(),
                redrill: true,
                time_taken_ms: 0,
            };
            let csv_bytes = review_log_csv(&[line]).unwrap();
            let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv_bytes.as_slice()).records().map(|r| r.unwrap()).collect();
            prop_assert_eq!(rows.len(), 1);
            prop_assert_eq!(&rows[0][4], topic.as_str());
        }
    }
}
