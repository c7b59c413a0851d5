//! `/api/v1/webhooks`: subscriptions (admins only), their delivery logs, redelivery.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;
use crate::http::{etag, links};

use super::dto::*;
use super::{repo, Settings};

/// Webhook subscriptions
///
/// Admins only. The events and their payload (`WebhookPayload`) are described under
/// `webhooks` in this document.
#[utoipa::path(tag = "webhooks", operation_id = "list_webhooks", params(ListWebhooksQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of subscriptions", body = ListResponse<Webhook>,
        headers(("Link" = String), ("X-Total-Count" = i64)))))]
#[get("")]
pub async fn list_webhooks(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    query: Qs<ListWebhooksQuery>,
) -> ApiResult<HttpResponse> {
    let page = ListRequest::new(&req, &query.into_inner().paging(), &repo::SORTS)?;
    let page_req = page.clone();
    let (data, total, next) = db::run(&pool, move |conn| repo::list(conn, &page_req)).await?;
    list::respond(&req, &page, data, total, next)
}

/// Where a URL's host name points, resolved before any database work (no connection is held
/// while waiting for DNS); the URL's form is checked first, so its errors come first.
async fn checked_host(url: &str, settings: &Settings) -> ApiResult<()> {
    let url =
        repo::check_url(url, settings.allow_private).map_err(|e| AppError::Validation(vec![e]))?;
    super::deliver::check_host(&url, settings.allow_private)
        .await
        .map_err(|e| AppError::Validation(vec![e]))
}

/// Subscribe to events
///
/// The response carries the signing `secret`, shown this once. Each event is then POSTed to
/// the URL as a `WebhookPayload`, signed: `Webhook-Signature: v1=<hex>` is the HMAC-SHA256,
/// keyed with the secret, of `{Webhook-Timestamp}.{raw body}`. Verify it before trusting the
/// body (Python: `hmac.compare_digest(sig, "v1=" + hmac.new(secret.encode(), f"{ts}.".encode()
/// + body, hashlib.sha256).hexdigest())`) and refuse timestamps more than 5 minutes away.
/// A 2xx answer within the timeout is a delivery; anything else is retried with exponential
/// backoff, and a subscription whose attempts keep failing is switched off.
#[utoipa::path(tag = "webhooks", operation_id = "create_webhook", request_body = CreateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Subscribed; the secret is in this response only", body = CreatedWebhook,
         headers(("Location" = String))),
        (status = 422, description = "A bad or private URL, no events", body = Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_webhook(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<Settings>,
    _admin: Admin,
    body: JsonBody<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    let settings = settings.get_ref().clone();
    checked_host(&input.url, &settings).await?;
    let created = db::run(&pool, move |conn| repo::create(conn, &input, &settings)).await?;
    let location = links::absolute(&req, &format!("/api/v1/webhooks/{}", created.webhook.id));
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// A subscription
///
/// Admins only. Its URL, events and state (`active`, `failures`, `disabled_reason`); the
/// signing secret is never shown again. Its `ETag` answers `If-None-Match` (304) and guards
/// a `PATCH` or `DELETE` (`If-Match`).
#[utoipa::path(tag = "webhooks", operation_id = "get_webhook", params(WebhookPath, FieldsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The subscription (without its secret)", body = Webhook,
        headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_webhook(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<WebhookPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().id;
    let webhook = db::run(&pool, move |conn| repo::get(conn, id)).await?;
    etag::shown_response(&req, webhook, query.0.fields.as_deref())
}

/// Change a subscription
///
/// Merge patch under `If-Match`. `active: true` switches a subscription that was switched off
/// back on, with its failure count cleared.
#[utoipa::path(tag = "webhooks", operation_id = "update_webhook",
    params(WebhookPath, ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateWebhook, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed", body = Webhook, headers(("ETag" = String)))))]
#[patch("/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<Settings>,
    _admin: Admin,
    path: web::Path<WebhookPath>,
    body: JsonBody<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().id;
    let patch = body.0;
    let if_match = etag::if_match(&req);
    let settings = settings.get_ref().clone();
    if let Some(url) = patch.url.as_value() {
        checked_host(url, &settings).await?;
    }
    let updated = db::run(&pool, move |conn| {
        repo::update(conn, id, patch, if_match, &settings)
    })
    .await?;
    etag::json_response(&req, StatusCode::OK, &updated, |_| {})
}

/// Unsubscribe
///
/// The subscription and its delivery log are gone; nothing more is sent to it.
#[utoipa::path(tag = "webhooks", operation_id = "delete_webhook",
    params(WebhookPath, ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted")))]
#[delete("/{id}")]
pub async fn delete_webhook(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<WebhookPath>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().id;
    let if_match = etag::if_match(&req);
    db::run(&pool, move |conn| repo::delete(conn, id, if_match)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's deliveries
///
/// Each event's delivery: its state, attempts, the last answer (status code, latency, error)
/// and the next try; newest first.
#[utoipa::path(tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(WebhookPath, ListDeliveriesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of deliveries", body = ListResponse<Delivery>,
        headers(("Link" = String), ("X-Total-Count" = i64)))))]
#[get("/{id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<WebhookPath>,
    query: Qs<ListDeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner().id;
    let query = query.into_inner();
    let page = ListRequest::new(&req, &query.paging(), &repo::DELIVERY_SORTS)?;
    let page_req = page.clone();
    let (data, total, next) = db::run(&pool, move |conn| {
        repo::deliveries(conn, id, query.status.as_deref(), &page_req)
    })
    .await?;
    list::respond(&req, &page, data, total, next)
}

/// Deliver again
///
/// The delivery is tried again at once, with its full number of retries (whatever its state:
/// a receiver that lost an event can ask for it again). Answers `202` with the delivery.
#[utoipa::path(tag = "webhooks", operation_id = "redeliver_webhook", params(DeliveryPath),
    security(("bearer" = [])),
    responses((status = 202, description = "Queued again", body = Delivery),
        (status = 404, description = "No such subscription or delivery", body = Problem, content_type = "application/problem+json")))]
#[post("/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<DeliveryPath>,
) -> ApiResult<HttpResponse> {
    let DeliveryPath { id, delivery } = path.into_inner();
    let queued = db::run(&pool, move |conn| repo::redeliver(conn, id, delivery)).await?;
    Ok(HttpResponse::Accepted().json(queued))
}
