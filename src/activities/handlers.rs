//! Activity endpoints: list and search, read, write, trash, revisions, vocabularies.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use crate::auth::{Admin, AuthUser, MaybeUser};
use crate::db::{self, DbPool};
use crate::error::{ApiResult, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse, Paging};
use crate::http::query::{Qs, Split};
use crate::http::{etag, links};
use crate::organizations::dto::OrganizationPath;

use super::dto::*;
use super::repo::{self, Viewer};

/// A page of summaries as sent: their URLs on the request's site, in the shared envelope.
fn respond(
    req: &HttpRequest,
    list: &ListRequest,
    data: Vec<ActivitySummary>,
    total: impl Into<db::list::Total>,
    next: Option<Vec<db::list::Bind>>,
) -> ApiResult<HttpResponse> {
    let site = links::site(req);
    let data = data.into_iter().map(|a| a.linked(&site)).collect();
    list::respond(req, list, data, total, next)
}

/// What a write's `If-Match` is compared with: the ETag of the current state as this request
/// shows it.
fn precondition(req: &HttpRequest, site: &Site) -> db::precondition::Precondition<Activity> {
    let site = site.clone();
    etag::precondition(req, move |a: &Activity| a.clone().linked(&site))
}

async fn list_with_scope(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: Option<AuthUser>,
    Split(paging, filters): Split<ActivityPaging, ActivityFilters>,
    scope: Option<String>,
) -> ApiResult<HttpResponse> {
    let list = ListRequest::new(&req, &paging.paging(), &repo::SORTS)?;
    let page_req = list.clone();
    let exact = paging.count == Some(CountMode::Exact);
    let (data, total, next) = db::run(&pool, move |conn| {
        let viewer = Viewer::of(conn, user.as_ref())?;
        let scope_id = match scope {
            Some(key) => Some(crate::organizations::repo::find_id(conn, &key)?),
            None => None,
        };
        let filters = filters.resolve(conn, &viewer, scope_id)?;
        repo::list(conn, &filters, &page_req, &viewer, exact)
    })
    .await?;
    respond(&req, &list, data, total, next)
}

/// List and search activities
///
/// Published activities, newest first, filtered and searched. With a token, editors also see
/// the drafts of their units (`status=draft`), admins every draft.
#[utoipa::path(tag = "activities", operation_id = "list_activities", params(ActivityPaging, ActivityFilters),
    responses(
        (status = 200, description = "One page of activities", body = ListResponse<ActivitySummary>,
         headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 401, description = "A token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A filter names an unknown organization, cluster or tag", body = Problem, content_type = "application/problem+json")))]
#[get("")]
pub async fn list_activities(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: MaybeUser,
    query: Split<ActivityPaging, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    list_with_scope(req, pool, user.0, query, None).await
}

/// Activities of an organization
///
/// The activities list scoped to one unit (as organizer or partner; with
/// `include_descendants=true`, the units below it too).
#[utoipa::path(tag = "activities", operation_id = "list_organization_activities",
    params(OrganizationPath, ActivityPaging, ActivityFilters),
    responses(
        (status = 200, description = "One page of activities", body = ListResponse<ActivitySummary>,
         headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 401, description = "A token was sent and is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization (or an unknown filter value)", body = Problem, content_type = "application/problem+json")))]
#[get("/organizations/{id}/activities")]
pub async fn list_organization_activities(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: MaybeUser,
    path: web::Path<OrganizationPath>,
    query: Split<ActivityPaging, ActivityFilters>,
) -> ApiResult<HttpResponse> {
    list_with_scope(req, pool, user.0, query, Some(path.into_inner().id)).await
}

/// Get an activity
///
/// By id or slug, with partners, cluster, tags, documents and photos. Drafts and trashed
/// activities are 404 to anyone who may not edit them.
#[utoipa::path(tag = "activities", operation_id = "get_activity", params(ActivityPath, FieldsQuery),
    responses(
        (status = 200, description = "The activity", body = Activity, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "A token was sent and is not valid", body = Problem, content_type = "application/problem+json")))]
#[get("/{id}")]
pub async fn get_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: MaybeUser,
    path: web::Path<ActivityPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let asked = key.clone();
    let activity = db::run(&pool, move |conn| {
        let viewer = Viewer::of(conn, user.0.as_ref())?;
        repo::detail_of(conn, &key, &viewer)
    })
    .await?
    .linked(&links::site(&req));
    if links::is_old_slug(&asked, &activity.slug) {
        return Ok(links::moved(&req, &activity.slug));
    }
    etag::shown_response(&req, activity, query.0.fields.as_deref())
}

/// Create an activity
///
/// With its partners, tags, documents and photos, in one transaction. Editors may create
/// activities only for their own unit or the units below it.
#[utoipa::path(tag = "activities", operation_id = "create_activity", request_body = CreateActivity,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Activity, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The explicit slug is taken", body = Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    body: JsonBody<CreateActivity>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let fields = ActivityFields::from_create(&body);
    let slug = body.slug.map(|s| s.trim().to_string());
    let site = links::site(&req);
    let shown = site.clone();
    let created = db::run(&pool, move |conn| {
        repo::create(conn, &user, slug, fields, &site)
    })
    .await?
    .linked(&shown);
    let location = links::absolute(&req, &format!("/api/v1/activities/{}", created.id));
    etag::json_response(&req, StatusCode::CREATED, &created, |res| {
        res.insert_header((header::LOCATION, location));
    })
}

/// Update an activity
///
/// JSON merge patch (lists are replaced whole); every change is kept as a revision.
#[utoipa::path(tag = "activities", operation_id = "update_activity",
    params(ActivityPath, ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateActivity, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = Activity, headers(("ETag" = String))),
        (status = 409, description = "The new slug is taken, now or before, by another activity", body = Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn update_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<ActivityPath>,
    body: JsonBody<UpdateActivity>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let site = links::site(&req);
    let expected = precondition(&req, &site);
    let patch = body.0;
    let shown = site.clone();
    let updated = db::run_on_primary(&pool, move |conn| {
        repo::update(conn, &user, &key, patch, expected, &site)
    })
    .await?
    .linked(&shown);
    etag::json_response(&req, StatusCode::OK, &updated, |_| {})
}

/// Delete an activity (to the trash)
///
/// Afterwards it is 404 for everyone; it can be restored from the trash.
#[utoipa::path(tag = "activities", operation_id = "delete_activity",
    params(ActivityPath, ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    security(("bearer" = [])),
    responses((status = 204, description = "Moved to the trash")))]
#[delete("/{id}")]
pub async fn delete_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<ActivityPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let site = links::site(&req);
    let expected = precondition(&req, &site);
    db::run_on_primary(&pool, move |conn| {
        repo::trash(conn, &user, &key, expected, &site)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore an activity from the trash
///
/// For admins and the editors of the organizing unit (or of a unit above it). The activity
/// comes back as it was deleted: same status, content and `version` (only `updated_at` and
/// `updated_by` change; no new revision). A public one is public again and webhooks get
/// `activity.restored`. 404 when it is not in the trash (or not visible to the caller); 403
/// for a reviewer.
#[utoipa::path(tag = "activities", operation_id = "restore_activity", params(ActivityPath),
    security(("bearer" = [])),
    responses((status = 200, description = "Restored", body = Activity, headers(("ETag" = String)))))]
#[post("/{id}/restore")]
pub async fn restore_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<ActivityPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let site = links::site(&req);
    let shown = site.clone();
    let restored = db::run(&pool, move |conn| repo::restore(conn, &user, &key, &site))
        .await?
        .linked(&shown);
    etag::json_response(&req, StatusCode::OK, &restored, |_| {})
}

/// Review an activity (duyệt tin)
///
/// For a reviewer of the organizing unit (or of a unit above it) and for admins, on an activity
/// whose status is `pending_review`: `approve` publishes it (`scheduled` if its `published_at`
/// is ahead), `return` sends it back to its editors as a `draft` with the comment (kept as
/// `review_comment` until it is approved). Each decision is a new version and a revision naming
/// the reviewer.
#[utoipa::path(tag = "activities", operation_id = "review_activity",
    params(ActivityPath, ("If-Match" = Option<String>, Header, description = "ETag of the state reviewed")),
    request_body = ReviewDecision,
    security(("bearer" = [])),
    responses((status = 200, description = "Decided", body = Activity, headers(("ETag" = String))),
        (status = 403, description = "Not a reviewer of this activity's unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The activity is not waiting for review", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` does not match the current state's ETag", body = Problem, content_type = "application/problem+json")))]
#[post("/{id}/review")]
pub async fn review_activity(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<ActivityPath>,
    body: JsonBody<ReviewDecision>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let site = links::site(&req);
    let expected = precondition(&req, &site);
    let decision = body.0;
    let shown = site.clone();
    let reviewed = db::run_on_primary(&pool, move |conn| {
        repo::review(conn, &user, &key, &decision, expected, &site)
    })
    .await?
    .linked(&shown);
    etag::json_response(&req, StatusCode::OK, &reviewed, |_| {})
}

/// The review queue
///
/// Activities waiting for the caller's review (`pending_review`) in its unit and the units
/// below it (an admin: all of them), most recently submitted first; `meta.total` counts them.
/// Reviewers and admins only.
#[utoipa::path(tag = "activities", operation_id = "review_queue", params(ReviewQueueQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of the queue", body = ListResponse<ActivitySummary>,
        headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 403, description = "Not a reviewer or admin", body = Problem, content_type = "application/problem+json")))]
#[get("/review-queue")]
pub async fn review_queue(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    query: Qs<ReviewQueueQuery>,
) -> ApiResult<HttpResponse> {
    let paging: Paging = query.into_inner().paging();
    let list = ListRequest::new(&req, &paging, &repo::REVIEW_SORTS)?;
    let page_req = list.clone();
    let (data, total, next) = db::run(&pool, move |conn| {
        repo::review_queue(conn, &user, &page_req)
    })
    .await?;
    respond(&req, &list, data, total, next)
}

/// Revisions of an activity
///
/// Who saved each version and when, newest first.
#[utoipa::path(tag = "activities", operation_id = "list_activity_revisions", params(ActivityPath),
    security(("bearer" = [])),
    responses((status = 200, description = "The versions", body = Vec<RevisionInfo>)))]
#[get("/{id}/revisions")]
pub async fn list_revisions(
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<ActivityPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let revisions = db::run(&pool, move |conn| repo::revisions(conn, &user, &key)).await?;
    Ok(HttpResponse::Ok().json(revisions))
}

/// One revision of an activity
///
/// The full state at version `n`.
#[utoipa::path(tag = "activities", operation_id = "get_activity_revision", params(RevisionPath),
    security(("bearer" = [])),
    responses((status = 200, description = "The state at that version", body = Revision)))]
#[get("/{id}/revisions/{n}")]
pub async fn get_revision(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<RevisionPath>,
) -> ApiResult<HttpResponse> {
    let RevisionPath { id, n } = path.into_inner();
    let revision = db::run(&pool, move |conn| repo::revision(conn, &user, &id, n))
        .await?
        .linked(&links::site(&req));
    Ok(HttpResponse::Ok().json(revision))
}

/// Restore a revision
///
/// Makes version `n` the current state again; this is itself a new revision.
#[utoipa::path(tag = "activities", operation_id = "restore_activity_revision",
    params(RevisionPath, ("If-Match" = Option<String>, Header, description = "ETag of the current state")),
    security(("bearer" = [])),
    responses((status = 200, description = "Restored as a new version", body = Activity, headers(("ETag" = String))),
        (status = 412, description = "`If-Match` does not match the current state's ETag", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A unit, partner or cluster the old version names is gone", body = Problem, content_type = "application/problem+json")))]
#[post("/{id}/revisions/{n}/restore")]
pub async fn restore_revision(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<RevisionPath>,
) -> ApiResult<HttpResponse> {
    let RevisionPath { id, n } = path.into_inner();
    let site = links::site(&req);
    let expected = precondition(&req, &site);
    let shown = site.clone();
    let restored = db::run_on_primary(&pool, move |conn| {
        repo::restore_revision(conn, &user, &id, n, expected, &site)
    })
    .await?
    .linked(&shown);
    etag::json_response(&req, StatusCode::OK, &restored, |_| {})
}

/// The trash
///
/// Deleted activities the caller may edit, most recently deleted first.
#[utoipa::path(tag = "activities", operation_id = "list_trash", params(ListTrashQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of trashed activities", body = ListResponse<ActivitySummary>,
        headers(("Link" = String), ("X-Total-Count" = i64)))))]
#[get("/activities")]
pub async fn list_trash(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    query: Qs<ListTrashQuery>,
) -> ApiResult<HttpResponse> {
    let paging: Paging = query.into_inner().paging();
    let list = ListRequest::new(&req, &paging, &repo::TRASH_SORTS)?;
    let page_req = list.clone();
    let (data, total, next) =
        db::run(&pool, move |conn| repo::list_trash(conn, &user, &page_req)).await?;
    respond(&req, &list, data, total, next)
}

/// Delete from the trash for good
///
/// Admins only; the activity and its revisions are gone.
#[utoipa::path(tag = "activities", operation_id = "purge_activity", params(ActivityPath),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted for good")))]
#[delete("/activities/{id}")]
pub async fn purge_activity(
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<ActivityPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    db::run(&pool, move |conn| repo::purge(conn, &key)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Categories
///
/// Every category code with its Vietnamese label and its number of published activities.
#[utoipa::path(tag = "activities", operation_id = "list_categories",
    responses((status = 200, description = "The categories", body = Vec<CategoryCount>)))]
#[get("/categories")]
pub async fn list_categories(pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let data = db::run(&pool, |conn| Ok(repo::category_counts(conn)?)).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// Tags
///
/// Campaign and movement tags with their number of published activities. Anonymous readers
/// see the tags of public (published or archived) activities only; an editor also those of
/// the drafts it may edit; an admin every tag.
#[utoipa::path(tag = "activities", operation_id = "list_tags", params(ListTagsQuery),
    responses((status = 200, description = "The tags", body = Vec<TagCount>)))]
#[get("/tags")]
pub async fn list_tags(
    pool: web::Data<DbPool>,
    user: MaybeUser,
    query: Qs<ListTagsQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let by_name = query.sort == Some(TagSort::Name);
    let data = db::run(&pool, move |conn| {
        let viewer = Viewer::of(conn, user.0.as_ref())?;
        repo::tag_counts(conn, query.q.as_deref(), by_name, &viewer)
    })
    .await?;
    Ok(HttpResponse::Ok().json(data))
}
