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
        let at = "+10000-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(instant_problem(at).is_some());
    }
}
