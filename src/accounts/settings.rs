//! Study settings: what a user can change about their schedule, parsed from the settings form.

use chrono::{Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How new questions are introduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewOrder {
    /// In the order of the topic tree.
    Roadmap,
    Shuffled,
}

impl NewOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            NewOrder::Roadmap => "roadmap",
            NewOrder::Shuffled => "shuffled",
        }
    }

    pub fn parse(text: &str) -> Option<NewOrder> {
        match text {
            "roadmap" => Some(NewOrder::Roadmap),
            "shuffled" => Some(NewOrder::Shuffled),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub new_per_day: u32,
    pub max_reviews_per_day: u32,
    pub timezone: Tz,
    pub rollover_hour: u8,
    pub new_order: NewOrder,
    pub interview_date: Option<NaiveDate>,
    /// Slugs of the sets switched off for study.
    pub inactive_sets: BTreeSet<String>,
}

impl Settings {
    /// Where this user's study days begin and end (their timezone and rollover hour).
    pub fn day_clock(&self) -> crate::sm2::DayClock {
        crate::sm2::DayClock {
            timezone: self.timezone,
            rollover_hour: self.rollover_hour,
        }
    }
}

pub const MAX_NEW_PER_DAY: u32 = 500;
pub const MAX_REVIEWS_PER_DAY: u32 = 9999;

/// One message per field that needs fixing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsErrors {
    pub new_per_day: Option<&'static str>,
    pub max_reviews_per_day: Option<&'static str>,
    pub timezone: Option<&'static str>,
    pub rollover_hour: Option<&'static str>,
    pub new_order: Option<&'static str>,
    pub interview_date: Option<&'static str>,
}

impl SettingsErrors {
    pub fn is_empty(&self) -> bool {
        *self == SettingsErrors::default()
    }
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn whole_number(
    text: &str,
    max: u32,
    message: &'static str,
    slot: &mut Option<&'static str>,
) -> u32 {
    match text.parse::<u32>() {
        Ok(n) if n <= max => n,
        _ => {
            *slot = Some(message);
            0
        }
    }
}

/// How far ahead an interview date may be.
pub const MAX_INTERVIEW_YEARS_AHEAD: u32 = 5;

/// Reads the settings form. `all_sets` are the sets that exist; a set whose checkbox
/// (`set:<slug>`) is missing is inactive. `now` (UTC) decides which interview dates are
/// allowed: from today, in the chosen timezone, to [`MAX_INTERVIEW_YEARS_AHEAD`] years on.
pub fn parse_form(
    pairs: &[(String, String)],
    all_sets: &[String],
    now: NaiveDateTime,
) -> Result<Settings, SettingsErrors> {
    let mut errors = SettingsErrors::default();
    let new_per_day = whole_number(
        field(pairs, "new_per_day"),
        MAX_NEW_PER_DAY,
        "Enter a whole number from 0 to 500.",
        &mut errors.new_per_day,
    );
    let max_reviews_per_day = whole_number(
        field(pairs, "max_reviews_per_day"),
        MAX_REVIEWS_PER_DAY,
        "Enter a whole number from 0 to 9999.",
        &mut errors.max_reviews_per_day,
    );
    let timezone = field(pairs, "timezone").parse::<Tz>().unwrap_or_else(|_| {
        errors.timezone = Some("Choose a timezone from the list, like Europe/Berlin.");
        Tz::UTC
    });
    let rollover_hour = match field(pairs, "rollover_hour").parse::<u8>() {
        Ok(h) if h <= 23 => h,
        _ => {
            errors.rollover_hour = Some("Choose an hour from 0 to 23.");
            4
        }
    };
    let new_order = NewOrder::parse(field(pairs, "new_order")).unwrap_or_else(|| {
        errors.new_order = Some("Choose roadmap order or shuffled.");
        NewOrder::Roadmap
    });
    let today = Utc
        .from_utc_datetime(&now)
        .with_timezone(&timezone)
        .date_naive();
    let latest = today.checked_add_months(Months::new(12 * MAX_INTERVIEW_YEARS_AHEAD));
    let interview_date = match field(pairs, "interview_date") {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) if d >= today && latest.is_some_and(|latest| d <= latest) => Some(d),
            Ok(_) => {
                errors.interview_date =
                    Some("Choose a date from today to 5 years ahead, or leave it empty.");
                None
            }
            Err(_) => {
                errors.interview_date = Some("Enter a date like 2027-03-15, or leave it empty.");
                None
            }
        },
    };
    let inactive_sets = all_sets
        .iter()
        .filter(|slug| !pairs.iter().any(|(k, _)| k == &format!("set:{slug}")))
        .cloned()
        .collect();
    if errors.is_empty() {
        Ok(Settings {
            new_per_day,
            max_reviews_per_day,
            timezone,
            rollover_hour,
            new_order,
            interview_date,
            inactive_sets,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 2027-01-10, 12:00 UTC: the parser's "now" in these tests.
    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 1, 10)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_complete_form_becomes_settings() {
        let form = pairs(&[
            ("new_per_day", "15"),
            ("max_reviews_per_day", "150"),
            ("timezone", "Europe/Berlin"),
            ("rollover_hour", "3"),
            ("new_order", "shuffled"),
            ("interview_date", "2027-03-15"),
            ("set:streams", "on"),
        ]);
        let s = parse_form(&form, &["streams".into(), "event-loop".into()], now()).unwrap();
        assert_eq!(s.new_per_day, 15);
        assert_eq!(s.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(s.interview_date, NaiveDate::from_ymd_opt(2027, 3, 15));
        assert_eq!(
            s.inactive_sets.into_iter().collect::<Vec<_>>(),
            vec!["event-loop"]
        );
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = pairs(&[
            ("new_per_day", "-1"),
            ("max_reviews_per_day", "lots"),
            ("timezone", "Mars/Olympus"),
            ("rollover_hour", "24"),
            ("new_order", "random"),
            ("interview_date", "next week"),
        ]);
        let e = parse_form(&form, &[], now()).unwrap_err();
        assert_eq!(e.new_per_day, Some("Enter a whole number from 0 to 500."));
        assert!(
            e.max_reviews_per_day.is_some() && e.timezone.is_some() && e.rollover_hour.is_some()
        );
        assert!(e.new_order.is_some() && e.interview_date.is_some());
    }

    fn interview_date_error(date: &str, timezone: &str) -> Option<&'static str> {
        let form = pairs(&[
            ("new_per_day", "15"),
            ("max_reviews_per_day", "150"),
            ("timezone", timezone),
            ("rollover_hour", "3"),
            ("new_order", "roadmap"),
            ("interview_date", date),
        ]);
        parse_form(&form, &[], now())
            .err()
            .and_then(|e| e.interview_date)
    }

    #[test]
    fn an_interview_date_is_accepted_from_today_to_five_years_ahead() {
        for date in ["2027-01-10", "2027-06-01", "2032-01-10", ""] {
            assert_eq!(interview_date_error(date, "UTC"), None, "{date}");
        }
        for date in ["2027-01-09", "2032-01-11", "-4714-01-01", "0000-01-01"] {
            assert_eq!(
                interview_date_error(date, "UTC"),
                Some("Choose a date from today to 5 years ahead, or leave it empty."),
                "{date}"
            );
        }
    }

    #[test]
    fn today_is_the_day_in_the_chosen_timezone() {
        // 12:00 UTC on the 10th is already the 11th in Auckland, still the 10th in Honolulu.
        assert!(interview_date_error("2027-01-10", "Pacific/Auckland").is_some());
        assert_eq!(interview_date_error("2027-01-10", "Pacific/Honolulu"), None);
    }

    proptest! {
        #[test]
        fn parsing_never_panics(values in proptest::collection::vec(".{0,20}", 6)) {
            let names = ["new_per_day", "max_reviews_per_day", "timezone", "rollover_hour", "new_order", "interview_date"];
            let form: Vec<(String, String)> = names.iter().zip(values).map(|(k, v)| (k.to_string(), v)).collect();
            let _ = parse_form(&form, &["a".into()], now());
        }
    }
}
