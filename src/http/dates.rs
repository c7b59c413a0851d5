//! The range every date and timestamp keeps to: years 1900 to 2100. Wider values (chrono reads
//! `+10000-01-01` and negative years) cannot be written as RFC 3339 or RFC 2822, compare wrongly
//! as stored text, and made feeds panic; they are refused on input (422 for a body field, 400 for
//! a query parameter), so no view ever meets one.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 2100;

/// What is wrong with a year, if anything.
pub fn year_problem(year: i32) -> Option<String> {
    (!(MIN_YEAR..=MAX_YEAR).contains(&year))
        .then(|| format!("must be between {MIN_YEAR} and {MAX_YEAR}"))
}

/// What is wrong with a calendar day, if anything.
pub fn day_problem(day: NaiveDate) -> Option<String> {
    year_problem(day.year())
}

/// A filter's day bound as the stored range sees it: a day before 1900 is 1899-12-31, one
/// after 2100 is 2101-01-01 (no stored day lies beyond either, so the selection is the same).
pub fn clamp_bound(day: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(MIN_YEAR - 1, 12, 31).expect("a valid day");
    let last = NaiveDate::from_ymd_opt(MAX_YEAR + 1, 1, 1).expect("a valid day");
    day.clamp(first, last)
}

/// A filter's instant bound as the stored range sees it (as [`clamp_bound`] for days).
pub fn clamp_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    let day = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    at.clamp(
        day(clamp_bound(NaiveDate::MIN)),
        day(clamp_bound(NaiveDate::MAX)),
    )
}

/// What is wrong with a timestamp, if anything.
pub fn instant_problem(at: DateTime<Utc>) -> Option<String> {
    year_problem(at.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_outside_1900_to_2100_are_refused() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(day_problem(day("+10000-01-01")).is_some());
        assert!(day_problem(day("1899-12-31")).is_some());
        assert!(day_problem(day("9999-12-31")).is_some());
        assert!(day_problem(day("1900-01-01")).is_none());
        assert!(day_problem(day("2100-12-31")).is_none());
        assert_eq!(clamp_bound(day("0000-01-01")), day("1899-12-31"));
        assert_eq!(clamp_bound(day("9999-12-31")), day("2101-01-01"));
        assert_eq!(clamp_bound(day("2023-09-25")), day("2023-09-25"));
        let instant = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            clamp_instant(instant("9999-12-31T23:59:59Z")),
            instant("2101-01-01T00:00:00Z")
        );
        assert_eq!(
            clamp_instant(instant("0000-01-01T00:00:00Z")),
            instant("1899-12-31T00:00:00Z")
        );
        let at = "+10000-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(instant_problem(at).is_some());
    }
}
