//! Activity rows and queries, in parts: who sees what (`access`), loading (`load`), lists and
//! feeds (`query`), filter resolution (`filters`), writes (`write`), the search entry (`index`),
//! revisions, vocabulary counts.

use crate::db::Conn;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::audit;
use crate::auth::AuthUser;
use crate::db::list::{self as sql, Bind, ListSql, Statement};
use crate::db::list::{KeysetRow, PageSpec, Sortable, Total};
use crate::db::patch::Patch;
use crate::db::precondition::Precondition;
use crate::db::schema::{
    activities, activity_bodies, activity_documents, activity_photos, activity_revisions, clusters,
    organizations, tags,
};
use crate::db::{self, search, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::organizations::dto::OrgRef;
use crate::organizations::repo as orgs;
use crate::text;
use crate::webhooks;

use super::dto::*;
use super::render;

mod access;
mod columns;
mod counts;
mod filters;
mod index;
mod load;
mod media;
mod query;
mod review;
mod revisions;
mod schedule;
mod tallied;
mod transfer;
mod write;

pub use access::*;
use columns::*;
pub use counts::*;
pub use filters::*;
pub use index::*;
pub use load::*;
pub use media::*;
pub use query::*;
pub use review::*;
pub use revisions::*;
pub use schedule::*;
pub use tallied::*;
pub use transfer::*;
pub use write::*;

pub const SEARCH_TABLE: &str = "activities_fts";

pub const SORTS: Sortable = Sortable {
    fields: &[
        ("occurred_on", "a.occurred_on"),
        ("published_at", "coalesce(a.published_at, '')"),
        ("title", "a.title_sort_key"),
        ("updated_at", "a.updated_at"),
        ("featured", "a.featured"),
        ("relevance", "f.rank"),
    ],
    default: "-occurred_on",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = activities)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct ActivityRow {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub title_sort_key: Vec<u8>,
    pub summary: Option<String>,
    pub occurred_on: NaiveDate,
    pub date_precision: String,
    pub period_end: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub part_of_day: Option<String>,
    pub location: Option<String>,
    pub category: String,
    pub organizer_id: i32,
    pub cluster_id: Option<i32>,
    pub participants_count: Option<i32>,
    pub byline: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub updated_by: Option<i32>,
    pub version: i32,
    pub featured: bool,
    pub featured_until: Option<NaiveDateTime>,
    pub review_comment: Option<String>,
}

/// A list row: the activity and, with `sort=relevance`, its rank.
#[derive(Debug, Clone, QueryableByName)]
pub struct ListRow {
    // (not named `row`: the derive uses that name internally)
    #[diesel(embed)]
    pub activity: ActivityRow,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub rank: Option<f64>,
}

impl KeysetRow for ListRow {
    fn id(&self) -> i64 {
        i64::from(self.activity.id)
    }
    fn sort_value(&self, sort_name: &str) -> Bind {
        let r = &self.activity;
        match sort_name {
            "occurred_on" => Bind::date(r.occurred_on),
            "published_at" => Bind::timestamp_or_none(r.published_at),
            "title" => Bind::blob(r.title_sort_key.clone()),
            "updated_at" => Bind::timestamp(r.updated_at),
            "deleted_at" => Bind::timestamp_or_none(r.deleted_at),
            "featured" => Bind::Bool(r.featured),
            _ => Bind::Float(self.rank.unwrap_or(0.0)),
        }
    }
}

pub(super) const ROW_COLUMNS: &str = "a.id, a.slug, a.title, a.title_sort_key, a.summary, \
    a.occurred_on, a.date_precision, a.period_end, a.ends_on, a.part_of_day, a.location, a.category, \
    a.organizer_id, a.cluster_id, a.participants_count, a.byline, a.status, a.published_at, \
    a.deleted_at, a.created_at, a.updated_at, a.created_by, a.updated_by, a.version, a.featured, \
    a.featured_until, a.review_comment";

pub(super) fn parse_enum<T>(value: &str, parse: fn(&str) -> Option<T>, fallback: T) -> T {
    parse(value).unwrap_or(fallback)
}

pub(super) fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}
