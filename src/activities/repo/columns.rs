//! An activity's row as its fields give it: written once, for a store and an import alike.

use super::*;

/// The columns of an activity's row that its fields give, with its status and publication
/// time: what a store and an import both write (an insert, or an update: a `None` sets NULL).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ActivityColumns<'a> {
    title: &'a str,
    title_sort_key: Vec<u8>,
    summary: Option<&'a str>,
    occurred_on: NaiveDate,
    date_precision: &'static str,
    period_end: NaiveDate,
    ends_on: Option<NaiveDate>,
    part_of_day: Option<&'static str>,
    location: Option<&'a str>,
    category: &'static str,
    organizer_id: i32,
    cluster_id: Option<i32>,
    participants_count: Option<i32>,
    byline: Option<&'a str>,
    status: &'static str,
    published_at: Option<NaiveDateTime>,
    featured: bool,
    featured_until: Option<NaiveDateTime>,
}

impl<'a> ActivityColumns<'a> {
    pub(super) fn of(
        f: &'a ActivityFields,
        status: Status,
        published_at: Option<NaiveDateTime>,
    ) -> Self {
        Self {
            title: &f.title,
            title_sort_key: text::sort_key(&f.title),
            summary: f.summary.as_deref(),
            occurred_on: f.occurred_on,
            date_precision: f.date_precision.as_str(),
            period_end: f.period_end(),
            ends_on: f.ends_on,
            part_of_day: f.part_of_day.map(|p| p.as_str()),
            location: f.location.as_deref(),
            category: f.category.as_str(),
            organizer_id: f.organizer_id as i32,
            cluster_id: f.cluster_id.map(|c| c as i32),
            participants_count: f.participants_count.map(|n| n as i32),
            byline: f.byline.as_deref(),
            status: status.as_str(),
            published_at,
            featured: f.featured,
            featured_until: f.featured_until.map(|t| t.naive_utc()),
        }
    }
}
