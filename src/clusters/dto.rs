//! Cluster request/response types.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::http::links::FeedLinks;
use crate::http::query::{de_bool, de_list, de_nonempty};
use crate::list_query;
pub use crate::vocab::{Award, Grade, MemberRole};
use crate::vocab::{Category, ClusterRef, OrgRef};

/// An emulation cluster (cụm thi đua) of a bloc.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cluster {
    pub id: i64,
    #[schema(example = "cum-thi-dua-so-4")]
    pub slug: String,
    #[schema(example = "Cụm thi đua số 4")]
    pub name: String,
    #[schema(example = 4)]
    pub number: i64,
    /// The organization that groups the clusters (e.g. the Đoàn khối).
    pub bloc_id: i64,
    pub bloc: OrgRef,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Feeds of the activities the cluster ran.
    pub feeds: FeedLinks,
}

/// Body of `POST /clusters`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cụm thi đua số 5", "number": 5, "bloc_id": 2}))]
pub struct CreateCluster {
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(minimum = 1, maximum = 1000)]
    pub number: i64,
    pub bloc_id: i64,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl BodySchema for CreateCluster {
    const READ_ONLY: &'static [&'static str] =
        &["id", "bloc", "created_at", "updated_at", "version", "feeds"];
}

/// Body of `PATCH /clusters/{id}` (merge patch).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCluster {
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 200)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = i64, required = false, minimum = 1, maximum = 1000)]
    pub number: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
}

impl BodySchema for UpdateCluster {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "slug",
        "bloc_id",
        "bloc",
        "created_at",
        "updated_at",
        "version",
        "feeds",
    ];

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, null) in [
            ("/name", matches!(self.name, Patch::Null)),
            ("/number", matches!(self.number, Patch::Null)),
            ("/active", matches!(self.active, Patch::Null)),
        ] {
            if null {
                errors.push(FieldError::new(field, "cannot be null"));
            }
        }
        // The fields' rules, checked before any If-Match (and again on the merged result).
        errors.extend(self.name.as_value().and_then(|n| name_problem(n.trim())));
        errors.extend(self.number.as_value().and_then(|n| number_problem(*n)));
        errors.extend(
            self.description
                .as_value()
                .and_then(|d| description_problem(d)),
        );
        errors
    }
}

/// A member of a cluster in a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    pub organization: OrgRef,
    pub role: MemberRole,
}

/// A roster: the members of a cluster in a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    pub cluster: ClusterRef,
    #[schema(example = 2023)]
    pub year: i32,
    pub members: Vec<Member>,
}

/// One entry of a roster as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub organization_id: i64,
    pub role: MemberRole,
}

/// Body of `PUT /clusters/{id}/members/{year}`: the whole roster of that year.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"members": [{"organization_id": 10, "role": "standing_deputy"}]}))]
pub struct PutRoster {
    pub members: Vec<MemberInput>,
}

impl BodySchema for PutRoster {}

/// A unit's cluster and role in one year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    pub year: i32,
    pub cluster: ClusterRef,
    pub role: MemberRole,
}

/// Counts of one member in a ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingEntry {
    /// 1 is best; members with the same total share a rank.
    pub rank: i64,
    pub organization: OrgRef,
    pub role: MemberRole,
    /// Published activities it organized in the period.
    pub organized: i64,
    /// Published activities it took part in as a partner.
    pub partnered: i64,
    /// organized + partnered
    pub total: i64,
    /// Organized + partnered, by category code.
    pub by_category: std::collections::BTreeMap<String, i64>,
}

/// A cluster's ranking for a year and period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranking {
    pub cluster: ClusterRef,
    pub year: i32,
    pub occurred_from: NaiveDate,
    pub occurred_to: NaiveDate,
    /// Order: total (desc), then organized (desc), then name (Vietnamese order).
    pub members: Vec<RankingEntry>,
}

/// One member's annual review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    pub organization_id: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub self_score: Option<f64>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub agreed_score: Option<f64>,
    #[serde(default)]
    pub grade: Option<Grade>,
    #[serde(default)]
    pub award: Option<Award>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Body of `PUT /clusters/{id}/results/{year}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutResults {
    pub results: Vec<ResultInput>,
}

impl BodySchema for PutResults {}

/// A recorded annual review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultEntry {
    pub year: i32,
    pub cluster: ClusterRef,
    pub organization: OrgRef,
    pub self_score: Option<f64>,
    pub agreed_score: Option<f64>,
    pub grade: Option<Grade>,
    pub award: Option<Award>,
    pub note: Option<String>,
}

list_query! {
    /// Query of `GET /clusters`.
    pub struct ListClustersQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `number`, `name`. Default: `number`.",
        default_sort: "number",
        /// Only the clusters of this bloc (id or slug).
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1)]
        pub bloc: Option<String>,
        /// Only clusters with a roster that year.
        #[serde(default)]
        #[param(minimum = 1900, maximum = 2100)]
        pub year: Option<i32>,
        #[serde(default, deserialize_with = "de_bool")]
        #[param(value_type = Option<bool>)]
        pub active: Option<bool>,
        /// Search in name and description.
        #[serde(default)]
        pub q: Option<String>,
    }
}

/// A cluster's name: 1 to this many characters.
const NAME_MAX: usize = 200;
/// Cluster numbers within a bloc.
const NUMBERS: std::ops::RangeInclusive<i64> = 1..=1000;
const DESCRIPTION_MAX: usize = 2000;

/// The rule of a (cleaned) name, on create, patch and the merged result alike.
pub fn name_problem(name: &str) -> Option<FieldError> {
    (name.is_empty() || name.chars().count() > NAME_MAX)
        .then(|| FieldError::new("/name", format!("must be 1 to {NAME_MAX} characters")))
}

pub fn number_problem(number: i64) -> Option<FieldError> {
    (!NUMBERS.contains(&number)).then(|| {
        FieldError::new(
            "/number",
            format!("must be between {} and {}", NUMBERS.start(), NUMBERS.end()),
        )
    })
}

pub fn description_problem(description: &str) -> Option<FieldError> {
    (description.chars().count() > DESCRIPTION_MAX).then(|| {
        FieldError::new(
            "/description",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        )
    })
}

crate::key_path!(
    ClusterPath,
    ClusterKey,
    "a cluster",
    "slug",
    "cum-thi-dua-so-4"
);

/// `{id}/…/{year}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClusterYearPath {
    /// Numeric id or slug.
    pub id: String,
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: i32,
}

/// `?year=` (default: the current year in Asia/Ho_Chi_Minh).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    #[serde(default)]
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: Option<i32>,
}

/// Query of the ranking.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// The roster's year (default: the current year); the period defaults to that year.
    #[serde(default)]
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: Option<i32>,
    /// Count activities whose whole period starts on or after this day (default: 1 January of
    /// `year`).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_from: Option<NaiveDate>,
    /// Count activities whose whole period ends on or before this day (default: 31 December of
    /// `year`).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_to: Option<NaiveDate>,
    /// Count only these categories.
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<Category>>, style = Form, explode = false)]
    pub category: Option<Vec<Category>>,
}

/// The feeds of a cluster's activities, relative until [`Cluster::linked`].
pub fn feed_links(slug: &str) -> FeedLinks {
    FeedLinks::filtered("cluster", slug)
}

impl Cluster {
    /// As sent: links absolute on the public base URL.
    pub fn linked(mut self, base: &str) -> Self {
        self.feeds = self.feeds.on(base);
        self
    }
}
