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
    /// Identifier of the cluster (stable; `GET /api/v1/clusters/{id}` takes it or the slug).
    pub id: i64,
    /// The cluster's name in URLs: made from the name when it was created (unless one was given),
    /// and never changed afterwards, not even by a rename.
    #[schema(example = "cum-thi-dua-so-4")]
    pub slug: String,
    /// The cluster's name, as written (1–200 characters).
    #[schema(example = "Cụm thi đua số 4")]
    pub name: String,
    /// Its number within the bloc (1–1000, unique in the bloc): the default order of
    /// `GET /api/v1/clusters`.
    #[schema(example = 4)]
    pub number: i64,
    /// The organization that groups the clusters (e.g. the Đoàn khối).
    pub bloc_id: i64,
    /// The organization that groups the clusters (the one `bloc_id` names), embedded.
    pub bloc: OrgRef,
    /// Free text about the cluster, as written (null: none).
    pub description: Option<String>,
    /// Whether the cluster is still in use (true unless an admin set it false); what the `active`
    /// filter of `GET /api/v1/clusters` reads. It changes nothing else: rosters, results and
    /// activities may still name an inactive cluster.
    pub active: bool,
    /// When the cluster was created (UTC).
    pub created_at: DateTime<Utc>,
    /// Its last change by `PATCH` (UTC); writing a roster or results does not change it.
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 when created, one more at each change by `PATCH` (rosters and results do not
    /// count); the ETag changes with it.
    pub version: i64,
    /// Feeds of the activities the cluster ran.
    pub feeds: FeedLinks,
}

/// Body of `POST /clusters`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cụm thi đua số 5", "number": 5, "bloc_id": 2}))]
pub struct CreateCluster {
    /// Optional explicit slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 100 characters, not all digits;
    /// 422 otherwise); one another cluster has is a 409. Default: made from the name (deduplicated
    /// with `-2`, `-3`…). It cannot be changed later.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    /// The cluster's name, e.g. "Cụm thi đua số 5" (1–200 characters once trimmed).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Its number within the bloc (1–1000); a number another cluster of the same bloc has is a 409.
    #[schema(minimum = 1, maximum = 1000)]
    pub number: i64,
    /// The id of the organization that groups the clusters (usually the Đoàn khối): an existing
    /// organization (422 otherwise; its kind is not checked). Roster members must be units below
    /// it. It cannot be changed later.
    pub bloc_id: i64,
    /// Free text about the cluster (at most 2000 characters); empty: none.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Whether the cluster is in use (default true).
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
    /// A new name (1–200 characters once trimmed); the slug stays as it is. Cannot be null.
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 200)]
    pub name: Patch<String>,
    /// A new number within the bloc (1–1000); one another cluster of the same bloc has is a 409.
    /// Cannot be null.
    #[serde(default)]
    #[schema(value_type = i64, required = false, minimum = 1, maximum = 1000)]
    pub number: Patch<i64>,
    /// New free text (at most 2000 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Patch<String>,
    /// `false`: the cluster is no longer in use; `true`: in use again. Cannot be null.
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
    /// The member unit.
    pub organization: OrgRef,
    /// Its role in the cluster that year.
    pub role: MemberRole,
    /// `role` in Vietnamese ("Cụm trưởng", "Cụm phó thường trực"…).
    #[schema(example = "Cụm trưởng")]
    pub role_label: String,
}

/// A roster: the members of a cluster in a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    /// The cluster whose roster this is.
    pub cluster: ClusterRef,
    /// The emulation year of the roster.
    #[schema(example = 2023)]
    pub year: i32,
    /// The members that year: the head (Cụm trưởng) first, then the standing deputy, the deputies
    /// and the members, each group in Vietnamese name order. Empty when no roster was recorded for
    /// that year.
    pub members: Vec<Member>,
}

/// One entry of a roster as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The member unit: a unit below the cluster's bloc, at any depth, given once (422 otherwise).
    /// A unit already in another cluster of the same bloc that year is a 409.
    pub organization_id: i64,
    /// Its role that year: at most one `head` (Cụm trưởng) and one `standing_deputy` (Cụm phó
    /// thường trực) per roster (422 otherwise); any number of `deputy` (Cụm phó) and `member`
    /// (Thành viên).
    pub role: MemberRole,
}

/// Body of `PUT /clusters/{id}/members/{year}`: the whole roster of that year.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"members": [{"organization_id": 10, "role": "standing_deputy"}]}))]
pub struct PutRoster {
    /// Every member of that year with its role, replacing the roster recorded (an empty list clears
    /// it). The order given is not kept: a roster is shown by role, then name.
    pub members: Vec<MemberInput>,
}

impl BodySchema for PutRoster {}

/// A unit's cluster and role in one year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    /// The emulation year.
    #[schema(example = 2023)]
    pub year: i32,
    /// The cluster the unit belonged to that year.
    pub cluster: ClusterRef,
    /// Its role in that cluster.
    pub role: MemberRole,
    /// `role` in Vietnamese ("Thành viên").
    #[schema(example = "Thành viên")]
    pub role_label: String,
}

/// Counts of one member in a ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingEntry {
    /// 1 is best; members with the same total share a rank.
    pub rank: i64,
    /// The member unit.
    pub organization: OrgRef,
    /// Its role in the cluster that year.
    pub role: MemberRole,
    /// `role` in Vietnamese ("Cụm trưởng").
    #[schema(example = "Cụm trưởng")]
    pub role_label: String,
    /// Public activities (published or archived) it organized in the period.
    pub organized: i64,
    /// Public activities (published or archived) it took part in as a partner.
    pub partnered: i64,
    /// organized + partnered
    pub total: i64,
    /// Organized + partnered, by category code.
    pub by_category: std::collections::BTreeMap<String, i64>,
}

/// A cluster's ranking for a year and period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranking {
    /// The cluster ranked.
    pub cluster: ClusterRef,
    /// The year whose roster is ranked (the `year` asked for, else the current year in
    /// Asia/Ho_Chi_Minh).
    pub year: i32,
    /// The first day of the period counted (`occurred_from`, default 1 January of `year`).
    pub occurred_from: NaiveDate,
    /// The last day of the period counted (`occurred_to`, default 31 December of `year`).
    pub occurred_to: NaiveDate,
    /// Order: total (desc), then organized (desc), then name (Vietnamese order).
    pub members: Vec<RankingEntry>,
}

/// One member's annual review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    /// The member reviewed: a unit of the cluster's roster for that year, given once (422
    /// otherwise).
    pub organization_id: i64,
    /// The score the unit gave itself (0–1000); null: not given.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub self_score: Option<f64>,
    /// The score agreed at the cluster's vote (bình xét) (0–1000); null: not given. Results are
    /// listed by it, highest first.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub agreed_score: Option<f64>,
    /// The year-end grade (xếp loại); null: not decided.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// The award (khen thưởng); null: none. At most one `emulation_flag` (Cờ thi đua) per cluster
    /// and year (422 otherwise).
    #[serde(default)]
    pub award: Option<Award>,
    /// A remark of the review, as written (at most 1000 characters); empty: none.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Body of `PUT /clusters/{id}/results/{year}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutResults {
    /// The results of that year, one per member reviewed, replacing those recorded (an empty list
    /// clears them).
    pub results: Vec<ResultInput>,
}

impl BodySchema for PutResults {}

/// A recorded annual review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultEntry {
    /// The emulation year reviewed.
    pub year: i32,
    /// The cluster the unit was in that year.
    pub cluster: ClusterRef,
    /// The member unit reviewed.
    pub organization: OrgRef,
    /// The score the unit gave itself (0–1000), if recorded.
    pub self_score: Option<f64>,
    /// The score agreed at the cluster's vote (bình xét) (0–1000), if recorded; within a year,
    /// results are listed by it, highest first, then by name.
    pub agreed_score: Option<f64>,
    /// The year-end grade (xếp loại), once decided.
    pub grade: Option<Grade>,
    /// `grade` in Vietnamese ("Xuất sắc"); null with it.
    #[schema(example = "Xuất sắc")]
    pub grade_label: Option<String>,
    /// The award (khen thưởng), if any.
    pub award: Option<Award>,
    /// `award` in Vietnamese ("Cờ thi đua"); null with it.
    #[schema(example = "Cờ thi đua")]
    pub award_label: Option<String>,
    /// A remark of the cluster's review, as written.
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
        /// `true`: only clusters in use; `false`: only those no longer in use (the cluster's
        /// `active` flag); absent: both.
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
    /// The emulation year whose roster (or results) is replaced (1900–2100; outside that range is a
    /// 404).
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: i32,
}

/// `?year=` (default: the current year in Asia/Ho_Chi_Minh).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The emulation year (1900–2100; default: the current year in Asia/Ho_Chi_Minh); outside that
    /// range is a 400.
    #[serde(default)]
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: Option<i32>,
}

impl crate::http::query::Params for YearQuery {}

/// Query of the ranking.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// The roster's year (default: the current year); the period defaults to that year.
    #[serde(default)]
    #[param(minimum = 1900, maximum = 2100, example = 2023)]
    pub year: Option<i32>,
    /// Count activities whose whole period starts on or after this day (default: 1 January of
    /// `year`; any day of years 0000–9999).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_from: Option<NaiveDate>,
    /// Count activities whose whole period ends on or before this day (default: 31 December of
    /// `year`; any day of years 0000–9999).
    #[serde(default, deserialize_with = "crate::http::query::de_day")]
    #[param(value_type = Option<NaiveDate>)]
    pub occurred_to: Option<NaiveDate>,
    /// Count only these categories.
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Option<Vec<Category>>, style = Form, explode = false)]
    pub category: Option<Vec<Category>>,
}

impl crate::http::query::Params for RankingQuery {
    const LISTS: &'static [&'static str] = &["category"];
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

/// One entry of a year's roster as its rules see it, whoever gives it (the API by unit id, an
/// import by slug): `at` its position for the error's path.
pub struct RosterEntry<K> {
    pub at: usize,
    pub unit: K,
    pub role: MemberRole,
}

/// The rules of one year's roster: at most one head and one standing deputy, each unit given
/// once and below the cluster's bloc (`below`).
pub fn roster_problems<K: Eq + std::hash::Hash + std::fmt::Display>(
    members: &[RosterEntry<K>],
    below: impl Fn(&K) -> bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for role in [MemberRole::Head, MemberRole::StandingDeputy] {
        for m in members.iter().filter(|m| m.role == role).skip(1) {
            errors.push(FieldError::new(
                format!("/members/{}/role", m.at),
                format!("a cluster has at most one {} a year", role.as_str()),
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for m in members {
        if !seen.insert(&m.unit) {
            errors.push(FieldError::new(
                format!("/members/{}/organization_id", m.at),
                "is given twice",
            ));
        } else if !below(&m.unit) {
            errors.push(FieldError::new(
                format!("/members/{}/organization_id", m.at),
                format!("unit {} is not a unit below the cluster's bloc", m.unit),
            ));
        }
    }
    errors
}

/// One result of a year as its rules see it, whoever gives it: `at` its position for the
/// error's path.
pub struct ResultEntryCheck<'a, K> {
    pub at: usize,
    pub unit: K,
    pub self_score: Option<f64>,
    pub agreed_score: Option<f64>,
    pub award: Option<Award>,
    pub note: Option<&'a str>,
}

/// The lowest and highest score.
const SCORES: std::ops::RangeInclusive<f64> = 0.0..=1000.0;
const NOTE_MAX: usize = 1000;

/// The rules of one year's results: at most one emulation flag, each unit given once and in
/// that year's roster (`in_roster`), scores within range, notes not too long.
pub fn result_problems<K: Eq + std::hash::Hash + std::fmt::Display>(
    results: &[ResultEntryCheck<'_, K>],
    year: i32,
    in_roster: impl Fn(&K) -> bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let flags = results
        .iter()
        .filter(|r| r.award == Some(Award::EmulationFlag));
    for r in flags.skip(1) {
        errors.push(FieldError::new(
            format!("/results/{}/award", r.at),
            "a cluster awards at most one emulation flag a year",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for r in results {
        let i = r.at;
        if !seen.insert(&r.unit) {
            errors.push(FieldError::new(
                format!("/results/{i}/organization_id"),
                "is given twice",
            ));
        } else if !in_roster(&r.unit) {
            errors.push(FieldError::new(
                format!("/results/{i}/organization_id"),
                format!("unit {} is not in the cluster's {year} roster", r.unit),
            ));
        }
        for (field, score) in [
            ("self_score", r.self_score),
            ("agreed_score", r.agreed_score),
        ] {
            if score.is_some_and(|s| !SCORES.contains(&s) || s.is_nan()) {
                errors.push(FieldError::new(
                    format!("/results/{i}/{field}"),
                    format!("must be between {} and {}", SCORES.start(), SCORES.end()),
                ));
            }
        }
        if r.note.is_some_and(|n| n.chars().count() > NOTE_MAX) {
            errors.push(FieldError::new(
                format!("/results/{i}/note"),
                format!("must be at most {NOTE_MAX} characters"),
            ));
        }
    }
    errors
}
