//! Cluster endpoints: CRUD, yearly rosters, ranking (JSON or CSV) and annual results.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;
use crate::http::{csv, dates, etag, links};
use crate::organizations::dto::OrganizationPath;

use super::dto::*;
use super::render;
use super::repo::{self, ResultScope};

/// List clusters
///
/// Public. The emulation clusters (cụm thi đua), by `number` unless `sort` says otherwise.
/// Filters: `bloc` (the unit that groups them, by id or slug; 404 if there is none), `year`
/// (only clusters with a roster that year), `active` and `q` (name and description).
#[utoipa::path(tag = "clusters", operation_id = "list_clusters", params(ListClustersQuery),
    responses(
        (status = 200, description = "One page of clusters", body = ListResponse<Cluster>,
         headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 404, description = "`bloc` names no organization", body = Problem, content_type = "application/problem+json")))]
#[get("")]
pub async fn list_clusters(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    query: Qs<ListClustersQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    if let Some(year) = query.year {
        check_year(year)?;
    }
    let list = ListRequest::new(&req, &query.paging(), &repo::SORTS)?;
    let page_req = list.clone();
    let (data, total, next) =
        db::run(&pool, move |conn| repo::list(conn, &query, &page_req)).await?;
    let base = links::base(&req);
    let data = data.into_iter().map(|c| c.linked(&base)).collect();
    list::respond(&req, &list, data, total, next)
}

/// Get a cluster
///
/// Public, by numeric id or slug: the cluster with its bloc and the links to the feeds of the
/// activities it ran. Its `ETag` answers `If-None-Match` (304) and guards a `PATCH` or `DELETE`
/// (`If-Match`).
#[utoipa::path(tag = "clusters", operation_id = "get_cluster", params(ClusterPath, FieldsQuery),
    responses((status = 200, description = "The cluster", body = Cluster, headers(("ETag" = String))),
        (status = 304, description = "Not modified")))]
#[get("/{id}")]
pub async fn get_cluster(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    path: web::Path<ClusterPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let cluster = db::run(&pool, move |conn| {
        let row = repo::find(conn, &key)?;
        Ok(repo::to_dto(conn, &row)?)
    })
    .await?;
    let cluster = cluster.linked(&links::base(&req));
    etag::shown_response(&req, cluster, query.0.fields.as_deref())
}

/// Create a cluster
///
/// Admins only. `bloc_id` must name an existing organization (422); `number` is unique within
/// the bloc (409). The slug is made from the name unless given, and a given one already taken
/// is a 409; it does not change afterwards. Rosters and results are set year by year with
/// `PUT /api/v1/clusters/{id}/members/{year}` and `PUT /api/v1/clusters/{id}/results/{year}`.
#[utoipa::path(tag = "clusters", operation_id = "create_cluster", request_body = CreateCluster,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = Cluster, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "Slug or number taken", body = Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_cluster(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    body: JsonBody<CreateCluster>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    let cluster = db::run(&pool, move |conn| {
        let row = repo::create(conn, &input)?;
        Ok(repo::to_dto(conn, &row)?)
    })
    .await?;
    let cluster = cluster.linked(&links::base(&req));
    let location = links::absolute(&req, &format!("/api/v1/clusters/{}", cluster.id));
    etag::json_response(&req, StatusCode::CREATED, &cluster, |res| {
        res.insert_header((header::LOCATION, location));
    })
}

/// Update a cluster
///
/// Admins only. Merge patch of `name`, `number`, `description` and `active`; the slug and the
/// bloc cannot change. With `If-Match`, a stale ETag is a 412 and nothing is written. A
/// number another cluster of the bloc has is a 409.
#[utoipa::path(tag = "clusters", operation_id = "update_cluster",
    params(ClusterPath, ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateCluster, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = Cluster, headers(("ETag" = String))),
        (status = 409, description = "Number taken", body = Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn update_cluster(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<ClusterPath>,
    body: JsonBody<UpdateCluster>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let patch = body.0;
    let base = links::base(&req);
    let shown = base.clone();
    let expected = etag::precondition(&req, move |c: &Cluster| c.clone().linked(&shown));
    let cluster = db::run_on_primary(&pool, move |conn| {
        let row = repo::update(conn, &key, patch, expected)?;
        Ok(repo::to_dto(conn, &row)?)
    })
    .await?;
    let cluster = cluster.linked(&base);
    etag::json_response(&req, StatusCode::OK, &cluster, |_| {})
}

/// Delete a cluster
///
/// With its rosters and results; refused (409) while activities name it.
#[utoipa::path(tag = "clusters", operation_id = "delete_cluster",
    params(ClusterPath, ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"),
        (status = 409, description = "Activities name it", body = Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_cluster(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<ClusterPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let base = links::base(&req);
    let expected = etag::precondition(&req, move |c: &Cluster| c.clone().linked(&base));
    db::run_on_primary(&pool, move |conn| repo::delete(conn, &key, expected)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Roster of a year
///
/// The members and their roles (head, standing deputy, deputies, members) in `year`
/// (default: this year in Vietnam).
#[utoipa::path(tag = "clusters", operation_id = "get_cluster_members", params(ClusterPath, YearQuery),
    responses((status = 200, description = "The roster", body = Roster)))]
#[get("/{id}/members")]
pub async fn get_members(
    pool: web::Data<DbPool>,
    path: web::Path<ClusterPath>,
    query: Qs<YearQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let year = query.into_inner().year.unwrap_or_else(repo::current_year);
    check_year(year)?;
    let roster = db::run(&pool, move |conn| repo::roster(conn, &key, year)).await?;
    Ok(HttpResponse::Ok().json(roster))
}

fn check_year(year: i32) -> ApiResult<()> {
    match dates::year_problem(year) {
        None => Ok(()),
        Some(why) => Err(AppError::bad_param("year", why)),
    }
}

/// A year of a path outside the range: no such resource (404).
fn year_in_path(year: i32, what: &str) -> ApiResult<()> {
    match dates::year_problem(year) {
        None => Ok(()),
        Some(_) => Err(AppError::not_found(format!(
            "there is no year {year} for {what}"
        ))),
    }
}

/// Replace the roster of a year
///
/// In one transaction. At most one head and one standing deputy (422); members must be units
/// below the bloc (422); a unit already in another cluster of the bloc that year is a 409.
#[utoipa::path(tag = "clusters", operation_id = "put_cluster_members", params(ClusterYearPath), request_body = PutRoster,
    security(("bearer" = [])),
    responses((status = 200, description = "The new roster", body = Roster),
        (status = 409, description = "A unit is in another cluster of the bloc that year", body = Problem, content_type = "application/problem+json")))]
#[put("/{id}/members/{year}")]
pub async fn put_members(
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<ClusterYearPath>,
    body: JsonBody<PutRoster>,
) -> ApiResult<HttpResponse> {
    let ClusterYearPath { id, year } = path.into_inner();
    year_in_path(year, "a roster")?;
    let input = body.0;
    let roster = db::run(&pool, move |conn| repo::put_roster(conn, &id, year, &input)).await?;
    Ok(HttpResponse::Ok().json(roster))
}

/// Ranking of a cluster's members
///
/// Per member of `year`'s roster: public activities (published or archived: archived news
/// still happened) it organized and took part in as a partner in the period (default: that
/// year), by category, total and rank. Ties share a rank;
/// ties are listed by organized count, then name. `Accept: text/csv` gives CSV (UTF-8, BOM).
#[utoipa::path(tag = "clusters", operation_id = "get_cluster_ranking", params(ClusterPath, RankingQuery),
    responses((status = 200, description = "The ranking", content(
        (Ranking = "application/json"),
        (String = "text/csv", example = "rank,organization_id,organization,role,organized,partnered,total\r\n1,10,Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh,standing_deputy,2,0,2\r\n"))),
        (status = 406, description = "`Accept` refuses both JSON and CSV", body = Problem, content_type = "application/problem+json")))]
#[get("/{id}/ranking")]
pub async fn get_ranking(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    path: web::Path<ClusterPath>,
    query: Qs<RankingQuery>,
) -> ApiResult<HttpResponse> {
    let as_csv = csv::wanted(&req)?;
    let key = path.into_inner().id;
    let query = query.into_inner();
    if let Some(year) = query.year {
        check_year(year)?;
    }
    let wanted_categories = query.category.clone();
    let ranking = db::run(&pool, move |conn| repo::ranking(conn, &key, &query)).await?;
    if as_csv {
        let (headers, rows) = render::ranking_table(&ranking, wanted_categories.as_deref());
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        return Ok(csv::response(
            &format!("xep-hang-{}-{}.csv", ranking.cluster.slug, ranking.year),
            &headers,
            &rows,
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .json(ranking))
}

/// Record the annual results of a year
///
/// Replaces that year's results: scores, grade and award per member of that year's roster;
/// at most one emulation flag (Cờ thi đua) per cluster and year (422).
#[utoipa::path(tag = "clusters", operation_id = "put_cluster_results", params(ClusterYearPath), request_body = PutResults,
    security(("bearer" = [])),
    responses((status = 200, description = "The recorded results", body = Vec<ResultEntry>)))]
#[put("/{id}/results/{year}")]
pub async fn put_results(
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<ClusterYearPath>,
    body: JsonBody<PutResults>,
) -> ApiResult<HttpResponse> {
    let ClusterYearPath { id, year } = path.into_inner();
    year_in_path(year, "results")?;
    let input = body.0;
    let results = db::run(&pool, move |conn| {
        repo::put_results(conn, &id, year, &input)
    })
    .await?;
    Ok(HttpResponse::Ok().json(results))
}

/// Annual results of a cluster
///
/// Public. The year-end review (bình xét) of each member in `year` (default: the current year
/// in Vietnam): scores, grade and award, the highest `agreed_score` first, then by name. An
/// empty list when that year's results were not recorded.
#[utoipa::path(tag = "clusters", operation_id = "get_cluster_results", params(ClusterPath, YearQuery),
    responses((status = 200, description = "The results of that year", body = Vec<ResultEntry>)))]
#[get("/{id}/results")]
pub async fn get_results(
    pool: web::Data<DbPool>,
    path: web::Path<ClusterPath>,
    query: Qs<YearQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let year = query.into_inner().year.unwrap_or_else(repo::current_year);
    check_year(year)?;
    let results = db::run(&pool, move |conn| {
        let row = repo::find(conn, &key)?;
        repo::results(conn, ResultScope::Cluster(row.id, year))
    })
    .await?;
    Ok(HttpResponse::Ok().json(results))
}

/// Clusters of an organization
///
/// The unit's cluster and role for each year, newest first.
#[utoipa::path(tag = "clusters", operation_id = "list_organization_clusters", params(OrganizationPath),
    responses((status = 200, description = "Memberships", body = Vec<Membership>)))]
#[get("/organizations/{id}/clusters")]
pub async fn list_organization_clusters(
    pool: web::Data<DbPool>,
    path: web::Path<OrganizationPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let data = db::run(&pool, move |conn| repo::memberships(conn, &key)).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// Results history of an organization
///
/// Public. Every year-end result recorded for the unit (by numeric id or slug), whichever
/// cluster it was in that year: newest year first. 404 for an unknown unit.
#[utoipa::path(tag = "clusters", operation_id = "list_organization_results", params(OrganizationPath),
    responses((status = 200, description = "Annual results, newest first", body = Vec<ResultEntry>)))]
#[get("/organizations/{id}/results")]
pub async fn list_organization_results(
    pool: web::Data<DbPool>,
    path: web::Path<OrganizationPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let data = db::run(&pool, move |conn| {
        let org = crate::organizations::repo::find_id(conn, &key)?;
        repo::results(conn, ResultScope::Organization(org))
    })
    .await?;
    Ok(HttpResponse::Ok().json(data))
}
