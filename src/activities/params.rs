//! Query and path parameters of the activity endpoints, and the small response types of the
//! vocabulary and revision endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::query::{de_bool, de_list, de_nonempty};
use crate::list_query;

use super::dto::*;

list_query! {
    /// Paging and order of the activity lists (their filters are [`ActivityFilters`]).
    pub struct ActivityPaging {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `occurred_on`, `published_at`, `title` (Vietnamese order), `updated_at`, `featured` (`-featured,-published_at`: tin nổi bật first, then newest), and `relevance` with `q` (best first; a search matching more than 10,000 activities ranks and lists the newest 10,000 of them, by id). Default: `-occurred_on`.",
        default_sort: "-occurred_on",
        /// How a search counts `meta.total`. By default it counts up to 1,000 matches and,
        /// beyond, answers `total: 1000` with `total_relation: gte` ("at least"), so a common
        /// word costs what its page costs; `exact` counts every match (as many rows as the
        /// search matches: seconds at a million). Lists without `q` always count exactly.
        #[serde(default)]
        pub count: Option<CountMode>,
    }
}

crate::string_enum! {
    /// How `meta.total` is counted.
    pub enum CountMode {
        /// Every match.
        Exact = "exact",
    }
}

/// The filters of activities, one definition for the lists, the stats and the feeds: each
/// endpoint takes them next to its own parameters through [`crate::http::query::Split`].
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityFilters {
    /// Full-text search over title, summary, body, place, tags, organizer name, byline, photo
    /// captions and document titles, ignoring
    /// case, diacritics and tone-mark placement (`tinh nguyen` finds "tình nguyện"). Words
    /// are ANDed, each a whole word, the last also a prefix; a double-quoted phrase matches
    /// its words in that order (`"vu lang"` finds "xã Vũ Lăng", not "phục vụ … Lạng Sơn").
    /// At most 200 characters and 12 words.
    #[serde(default)]
    #[param(example = "tinh nguyen")]
    pub q: Option<String>,
    /// A unit (id or slug) as organizer or in any partner role.
    #[serde(default, deserialize_with = "de_nonempty")]
    #[param(min_length = 1, example = "chi-doan-van-phong-ubnd-tinh")]
    pub organization: Option<String>,
    /// A unit (id or slug) as organizer only.
    #[serde(default, deserialize_with = "de_nonempty")]
    #[param(min_length = 1)]
    pub organizer: Option<String>,
    /// With `organization` or `organizer`: the units below it too.
    #[serde(default, deserialize_with = "de_bool")]
    #[param(value_type = Option<bool>)]
    pub include_descendants: Option<bool>,
    /// A cluster (id or slug) that ran the activity.
    #[serde(default, deserialize_with = "de_nonempty")]
    #[param(min_length = 1, example = "cum-thi-dua-so-4")]
    pub cluster: Option<String>,
    /// Only these categories.
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<Category>>, style = Form, explode = false)]
    pub category: Option<Vec<Category>>,
    /// Only activities with all of these tags (slugs).
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub tag: Option<Vec<String>>,
    /// `true`: only tin nổi bật (featured); `false`: only the others.
    #[serde(default, deserialize_with = "de_bool")]
    #[param(value_type = Option<bool>)]
    pub featured: Option<bool>,
    /// Only these statuses (default `published`); `draft`, `pending_review` and `scheduled`
    /// only where the caller may edit or review.
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<Status>>, style = Form, explode = false)]
    pub status: Option<Vec<Status>>,
    /// Activities whose whole period starts on or after this day (any day of years 0000–9999:
    /// `0000-01-01` leaves it open).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_from: Option<NaiveDate>,
    /// Activities whose whole period ends on or before this day (a month-precision activity
    /// needs the range to cover its month; any day of years 0000–9999: `9999-12-31` leaves it
    /// open).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_to: Option<NaiveDate>,
}

impl crate::http::query::Params for ActivityFilters {
    const LISTS: &'static [&'static str] = &["category", "tag", "status"];
}

crate::key_path!(
    ActivityPath,
    ActivityKey,
    "an activity",
    "slug",
    "dem-hoi-trang-ram"
);

/// `{id}/revisions/{n}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisionPath {
    /// Numeric id or slug of the activity.
    pub id: String,
    /// Version number.
    #[param(minimum = 1)]
    pub n: i64,
}

/// One saved state of an activity (without the state itself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionInfo {
    /// The activity's version this state was saved as (1 is the creation): the `{n}` of
    /// `GET /api/v1/activities/{id}/revisions/{n}`.
    pub version: i64,
    /// Username of whoever saved it.
    pub changed_by: Option<String>,
    /// When it was saved (UTC, RFC 3339).
    pub changed_at: DateTime<Utc>,
    /// What the server noted about this version ("restored from version 3", "returned: …",
    /// "imported", a scheduled publication); null for an ordinary edit.
    pub note: Option<String>,
}

/// One saved state of an activity, in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    #[serde(flatten)]
    pub info: RevisionInfo,
    /// The activity as it was at this version.
    pub state: Activity,
}

/// A category with its label and how many published activities it has.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCount {
    /// The category's code, as `category` filters and activities carry it.
    pub code: Category,
    /// Its Vietnamese label, as a page shows it.
    #[schema(example = "Tình nguyện")]
    pub label: &'static str,
    /// How many activities of this category are published (status `published`, not in the
    /// trash; `archived` ones are not counted).
    #[schema(example = 2)]
    pub count: i64,
}

/// A tag with how many published activities carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagCount {
    /// The tag's slug: what the `tag` filter of the activity lists takes.
    #[schema(example = "thanh-nien-tinh-nguyen")]
    pub slug: String,
    /// The tag's name as written ("Thanh niên tình nguyện").
    #[schema(example = "Thanh niên tình nguyện")]
    pub name: String,
    /// How many activities carrying it are published (status `published`, not in the trash;
    /// `archived` ones are not counted).
    pub count: i64,
}

/// Query of `GET /tags`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTagsQuery {
    /// Tags whose name matches (diacritics- and case-insensitive prefix of a word).
    #[serde(default)]
    pub q: Option<String>,
    /// `count` (most used first, default) or `name` (Vietnamese order).
    #[serde(default)]
    pub sort: Option<TagSort>,
}

impl crate::http::query::Params for ListTagsQuery {}

crate::string_enum! {
    /// Order of `GET /tags`.
    pub enum TagSort {
        /// Most used first.
        Count = "count",
        /// Vietnamese order of the name.
        Name = "name",
    }
}

list_query! {
    /// Query of `GET /trash/activities`.
    pub struct ListTrashQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `deleted_at`, `updated_at`. Default: `-deleted_at`.",
        default_sort: "-deleted_at",
    }
}

list_query! {
    /// Query of `GET /review-queue`.
    pub struct ReviewQueueQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `updated_at` (when it was submitted), `published_at`. Default: `-updated_at` (newest first).",
        default_sort: "-updated_at",
    }
}
