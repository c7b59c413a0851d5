//! Counts of activities for review conferences (sơ kết 6/9 tháng, tổng kết năm): grouped by
//! month, category, organization, cluster or tag (one or two of them), under the same filters
//! as the activities list. JSON for charts, or CSV.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::activities::dto::ActivityFilters;
use crate::activities::repo::Viewer;
use crate::auth::MaybeUser;
use crate::db::tallies::Scope;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::csv;
use crate::http::query::{de_list, Split};
use crate::vocab::Category;

mod render;
mod repo;

crate::string_enum! {
    /// A dimension to count by.
    pub enum Dimension {
        /// `YYYY-MM` of `occurred_on`.
        Month = "month",
        /// The category (its code; the label beside it).
        Category = "category",
        /// The organizer.
        Organization = "organization",
        /// The emulation cluster (activities without one form a group of their own).
        Cluster = "cluster",
        /// Each tag of the activity (an activity with two tags counts under both).
        Tag = "tag",
    }
}

impl Dimension {
    fn name(self) -> &'static str {
        self.as_str()
    }

    /// Over the tallies (`t`, see [`crate::db::tallies`]): (key expression, label expression,
    /// join, the kind of scope whose ids it groups by, if any).
    fn tally_sql(self, n: usize) -> (String, String, String, Option<Scope>) {
        match self {
            Dimension::Month => ("t.month".into(), "NULL".into(), String::new(), None),
            Dimension::Category => ("t.category".into(), "NULL".into(), String::new(), None),
            Dimension::Organization => (
                format!("o{n}.slug"),
                format!("o{n}.name"),
                format!("JOIN organizations o{n} ON o{n}.id = t.scope_id"),
                Some(Scope::Organizer(0)),
            ),
            Dimension::Cluster => (
                format!("c{n}.slug"),
                format!("c{n}.name"),
                format!("LEFT JOIN clusters c{n} ON c{n}.id = t.scope_id"),
                Some(Scope::Cluster(0)),
            ),
            Dimension::Tag => (
                format!("g{n}.slug"),
                format!("g{n}.name"),
                format!("JOIN tags g{n} ON g{n}.id = t.scope_id"),
                Some(Scope::Tag(0)),
            ),
        }
    }

    /// (key expression, label expression, join).
    fn sql(self, n: usize) -> (String, String, String) {
        match self {
            Dimension::Month => ("strftime('%Y-%m', a.occurred_on)".into(), "NULL".into(), String::new()),
            Dimension::Category => ("a.category".into(), "NULL".into(), String::new()),
            Dimension::Organization => (
                format!("o{n}.slug"),
                format!("o{n}.name"),
                format!("JOIN organizations o{n} ON o{n}.id = a.organizer_id"),
            ),
            Dimension::Cluster => (
                format!("c{n}.slug"),
                format!("c{n}.name"),
                format!("LEFT JOIN clusters c{n} ON c{n}.id = a.cluster_id"),
            ),
            Dimension::Tag => (
                format!("t{n}.slug"),
                format!("t{n}.name"),
                format!("JOIN activity_tags at{n} ON at{n}.activity_id = a.id JOIN tags t{n} ON t{n}.id = at{n}.tag_id"),
            ),
        }
    }
}

/// `group_by` of `GET /stats/activities` (its other parameters are [`ActivityFilters`]).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsOptions {
    /// One or two dimensions, comma-separated: `month`, `category`, `organization`, `cluster`, `tag`.
    #[serde(default, deserialize_with = "de_list")]
    #[param(value_type = Vec<Dimension>, style = Form, explode = false, required = true, example = "month,category")]
    pub group_by: Option<Vec<Dimension>>,
}

impl crate::http::query::Params for StatsOptions {
    const LISTS: &'static [&'static str] = &["group_by"];
}

/// One value per dimension grouped by: a dimension not in `group_by` is absent, so a client
/// reads `keys.month` (or `labels.category`) after asking for it. `keys` and `labels` have the
/// same shape; only the category differs (a code in `keys`, its label in `labels`).
macro_rules! per_dimension {
    ($(#[$meta:meta])* $name:ident, $category:ty, $category_example:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
        pub struct $name {
            /// `YYYY-MM` of `occurred_on`.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(value_type = String, required = false, example = "2023-09")]
            pub month: Option<Option<String>>,
            /// The category.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(value_type = $category, required = false, example = $category_example)]
            pub category: Option<Option<String>>,
            /// The organizer (a slug in `keys`, its name in `labels`).
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(value_type = String, required = false, example = "chi-doan-van-phong-tinh-uy")]
            pub organization: Option<Option<String>>,
            /// The cluster (a slug in `keys`, its name in `labels`); `null` for the activities
            /// that count for no cluster.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(value_type = Option<String>, required = false, example = "cum-thi-dua-so-4")]
            pub cluster: Option<Option<String>>,
            /// A tag (a slug in `keys`, its name in `labels`): an activity with two tags counts
            /// under both, one without tags under none.
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(value_type = String, required = false, example = "thang-thanh-nien")]
            pub tag: Option<Option<String>>,
        }

        impl $name {
            fn slot(&mut self, dim: Dimension) -> &mut Option<Option<String>> {
                match dim {
                    Dimension::Month => &mut self.month,
                    Dimension::Category => &mut self.category,
                    Dimension::Organization => &mut self.organization,
                    Dimension::Cluster => &mut self.cluster,
                    Dimension::Tag => &mut self.tag,
                }
            }

            /// Set the value of `dim` (`None`: the group of activities without one).
            pub fn set(&mut self, dim: Dimension, value: Option<String>) {
                *self.slot(dim) = Some(value);
            }

            /// The value of `dim`, if grouped by it and not null.
            pub fn get(&self, dim: Dimension) -> Option<&str> {
                let value = match dim {
                    Dimension::Month => &self.month,
                    Dimension::Category => &self.category,
                    Dimension::Organization => &self.organization,
                    Dimension::Cluster => &self.cluster,
                    Dimension::Tag => &self.tag,
                };
                value.as_ref().and_then(|v| v.as_deref())
            }
        }
    };
}

per_dimension!(
    /// A group's key per dimension of `group_by` (absent: not grouped by it): the month, the
    /// category's code, the slug of the unit, cluster or tag.
    StatsKeys,
    Category,
    "volunteering"
);

per_dimension!(
    /// What people read per dimension of `group_by` (absent: not grouped by it): the month,
    /// the category's Vietnamese label, the name of the unit, cluster or tag.
    StatsLabels,
    String,
    "Tình nguyện"
);

/// One group and its count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsRow {
    /// The group's key per dimension of `group_by` (`month`: `2023-09`, `category`: its code,
    /// the others: a slug; `cluster` is `null` for activities without a cluster).
    #[schema(example = json!({"month": "2023-09", "category": "volunteering"}))]
    pub keys: StatsKeys,
    /// What people read per dimension: Vietnamese category labels, names of units, clusters
    /// and tags (`month` as in `keys`).
    #[schema(example = json!({"month": "2023-09", "category": "Tình nguyện"}))]
    pub labels: StatsLabels,
    /// Number of matching activities in this group.
    #[schema(example = 2)]
    pub count: i64,
}

/// Counts by group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    /// The dimensions asked for, in order (the CSV's columns follow it).
    #[schema(example = json!(["month", "category"]))]
    pub group_by: Vec<Dimension>,
    /// Number of matching activities (equals the list's `meta.total` for the same filters).
    pub total: i64,
    /// One row per group that has activities (groups without any are not listed), ordered by
    /// the dimensions' keys.
    pub data: Vec<StatsRow>,
}

/// Activity counts
///
/// Counts of activities grouped by one or two dimensions, under the filters of the activities
/// list, ready for a chart. `Accept: text/csv` gives CSV (UTF-8 with BOM, for Excel).
#[utoipa::path(tag = "stats", operation_id = "activity_stats", params(StatsOptions, ActivityFilters),
    responses((status = 200, description = "Counts", content(
        (Stats = "application/json"),
        (String = "text/csv", example = "month,category,category_label,count\r\n2023-09,volunteering,Tình nguyện,2\r\n"))),
        (status = 401, description = "A token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` refuses both JSON and CSV", body = Problem, content_type = "application/problem+json")))]
#[get("/activities")]
pub async fn activity_stats(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: MaybeUser,
    Split(options, filters): Split<StatsOptions, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    let as_csv = csv::wanted(&req)?;
    let dims = options.group_by.unwrap_or_default();
    if dims.is_empty() || dims.len() > 2 || (dims.len() == 2 && dims[0] == dims[1]) {
        return Err(AppError::bad_param(
            "group_by",
            "needs one or two different dimensions: month, category, organization, cluster, tag",
        ));
    }
    let stats = db::run(&pool, move |conn| {
        let viewer = Viewer::of(conn, user.0.as_ref())?;
        let filters = filters.resolve(conn, &viewer, None)?;
        repo::counts(conn, &filters, &viewer, dims)
    })
    .await?;
    if as_csv {
        let (headers, rows) = render::csv_table(&stats);
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        return Ok(csv::response("thong-ke-hoat-dong.csv", &refs, &rows));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .json(stats))
}

/// Statistics, as the rest of the program sees them.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[("stats", "Counts for review conferences (sơ kết, tổng kết)")],
    api: Some(configure),
    document: Some(document),
    ..crate::http::resource::Resource::NONE
};

/// What each dimension counts by, in the spec.
fn document(spec: &mut utoipa::openapi::OpenApi) {
    use crate::http::resource::{describe_codes, docs};
    describe_codes(spec, "Dimension", "Values:", &docs(Dimension::DOCS));
}

/// Routes under `/api/v1/stats`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(utoipa_actix_web::scope("/stats").service(activity_stats));
}
