//! Organization endpoints: thin — extract, validate, run the repo off the async workers, respond.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;
use crate::http::{etag, links};

use super::dto::{
    CreateOrganization, ListOrganizationsQuery, Organization, OrganizationDetail,
    OrganizationFields, OrganizationPath, UpdateOrganization,
};
use super::repo;

/// List organizations
///
/// Units of the Youth Union hierarchy and partner bodies, filtered by kind, parent and
/// activity, sorted by name in Vietnamese order unless `sort` says otherwise.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    params(ListOrganizationsQuery),
    responses(
        (status = 200, description = "One page of organizations", body = ListResponse<Organization>,
         headers(("Link" = String, description = "RFC 8288 links: first, prev, next, last"),
                 ("X-Total-Count" = i64, description = "Exact number of matching rows"))),
        (status = 404, description = "`parent` names no organization", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn list_organizations(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    query: Qs<ListOrganizationsQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let list = ListRequest::new(&req, &query.paging(), &repo::SORTS)?;
    let page_req = list.clone();
    let (data, total, next) =
        db::run(&pool, move |conn| repo::list(conn, &query, &page_req)).await?;
    let base = links::base(&req);
    let data = data.into_iter().map(|o| o.linked(&base)).collect();
    list::respond(&req, &list, data, total, next)
}

/// Get an organization
///
/// By numeric id or slug, with its parent, its ancestors (breadcrumbs, top first) and the
/// number of units directly below it.
#[utoipa::path(
    tag = "organizations",
    operation_id = "get_organization",
    params(OrganizationPath, FieldsQuery),
    responses(
        (status = 200, description = "The organization", body = OrganizationDetail,
         headers(("ETag" = String, description = "Strong validator of this representation"))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get_organization(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    path: web::Path<OrganizationPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let asked = key.clone();
    let detail = db::run(&pool, move |conn| {
        let id = repo::find_id(conn, &key)?;
        repo::detail(conn, id)
    })
    .await?;
    if links::is_old_slug(&asked, &detail.organization.slug) {
        return Ok(links::moved(&req, &detail.organization.slug));
    }
    let detail = detail.linked(&links::base(&req));
    etag::shown_response(&req, detail, query.0.fields.as_deref())
}

/// Create an organization
///
/// The slug is generated from the name (deduplicated with `-2`, `-3`…) unless one is given.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = OrganizationDetail,
         headers(("Location" = String, description = "URL of the new organization"),
                 ("ETag" = String, description = "Validator for later If-Match"))),
        (status = 409, description = "The explicit slug is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn create_organization(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    body: JsonBody<CreateOrganization>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let fields = OrganizationFields::from_create(&body);
    let slug = body.slug.map(|s| s.trim().to_string());
    let created = db::run(&pool, move |conn| repo::create(conn, slug, fields)).await?;
    let created = created.linked(&links::base(&req));
    let location = links::absolute(
        &req,
        &format!("/api/v1/organizations/{}", created.organization.id),
    );
    etag::json_response(&req, StatusCode::CREATED, &created, |res| {
        res.insert_header((header::LOCATION, location));
    })
}

/// Update an organization
///
/// JSON merge patch: absent fields are unchanged, `null` clears a field. With `If-Match`, a
/// stale ETag is a 412 and nothing changes.
#[utoipa::path(
    tag = "organizations",
    operation_id = "update_organization",
    security(("bearer" = [])),
    params(OrganizationPath,
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateOrganization, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = OrganizationDetail,
         headers(("ETag" = String, description = "Validator of the new representation"))),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken, now or before, by another unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn update_organization(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    hooks: web::Data<super::Hooks>,
    path: web::Path<OrganizationPath>,
    body: JsonBody<UpdateOrganization>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let base = links::base(&req);
    let shown = base.clone();
    let expected = etag::precondition(&req, move |o: &OrganizationDetail| o.clone().linked(&shown));
    let patch = body.0;
    let renamed = hooks.renamed;
    let updated = db::run_on_primary(&pool, move |conn| {
        repo::update(conn, &key, patch, expected, renamed)
    })
    .await?;
    let updated = updated.linked(&base);
    etag::json_response(&req, StatusCode::OK, &updated, |_| {})
}

/// Delete an organization
///
/// Refused with 409 while units are below it or it is another unit's successor.
#[utoipa::path(
    tag = "organizations",
    operation_id = "delete_organization",
    security(("bearer" = [])),
    params(OrganizationPath,
        ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still referenced", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn delete_organization(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    hooks: web::Data<super::Hooks>,
    _admin: Admin,
    path: web::Path<OrganizationPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let base = links::base(&req);
    let expected = etag::precondition(&req, move |o: &OrganizationDetail| o.clone().linked(&base));
    let references = (hooks.references)();
    db::run_on_primary(&pool, move |conn| {
        repo::delete(conn, &key, expected, &references)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
