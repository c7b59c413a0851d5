//! `GET /api/v1/audit`.

use crate::db::Conn;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

use crate::auth::Admin;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec, Sortable, Statement};
use crate::db::{self, DbPool};
use crate::error::{ApiResult, Problem};
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;

use super::dto::{AuditEntry, ListAuditQuery};

/// `at` is the order entries were recorded in: their id (each index on a filter ends with
/// it, so every filtered list reads in order).
pub const SORTS: Sortable = Sortable {
    fields: &[("at", "l.id")],
    default: "-at",
};

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Timestamp)]
    at: chrono::NaiveDateTime,
    #[diesel(sql_type = Nullable<Integer>)]
    actor_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    actor: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    role: Option<String>,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    resource: String,
    #[diesel(sql_type = Nullable<Text>)]
    resource_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    detail: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    request_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    client_addr: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    version_before: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    version_after: Option<i32>,
}

impl KeysetRow for Row {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, _sort_name: &str) -> Bind {
        Bind::Int(i64::from(self.id))
    }
}

impl Row {
    fn into_dto(self) -> AuditEntry {
        AuditEntry {
            id: i64::from(self.id),
            at: self.at.and_utc(),
            actor_id: self.actor_id.map(i64::from),
            actor: self.actor,
            role: self.role,
            action: self.action,
            resource: self.resource,
            resource_id: self.resource_id,
            detail: self.detail,
            request_id: self.request_id,
            client_addr: self.client_addr,
            version_before: self.version_before.map(i64::from),
            version_after: self.version_after.map(i64::from),
        }
    }
}

fn list_sql(query: &ListAuditQuery) -> ListSql {
    let mut q = ListSql::new("l.*", "audit_log l", "l.id");
    let text = |v: &String| Bind::Text(v.clone());
    if let Some(v) = &query.actor {
        q.filter("l.actor = ?", [Bind::Text(v.trim().to_lowercase())]);
    }
    if let Some(v) = &query.action {
        q.filter("l.action = ?", [text(v)]);
    }
    if let Some(v) = &query.resource {
        q.filter("l.resource = ?", [text(v)]);
    }
    if let Some(v) = &query.resource_id {
        q.filter("l.resource_id = ?", [text(v)]);
    }
    // Entries are recorded in time order: a time bound is the id of the first entry at or
    // after it (one seek on the time index), and the page stays a walk in id order.
    let first_at_or_after = "coalesce((SELECT id FROM audit_log WHERE at >= ? ORDER BY at LIMIT 1), 9223372036854775807)";
    if let Some(from) = query.from {
        q.filter(
            format!("l.id >= {first_at_or_after}"),
            [Bind::timestamp(from.naive_utc())],
        );
    }
    if let Some(to) = query.to {
        q.filter(
            format!("l.id < {first_at_or_after}"),
            [Bind::timestamp(to.naive_utc())],
        );
    }
    q
}

fn list(
    conn: &mut Conn,
    query: &ListAuditQuery,
    page: &PageSpec,
) -> ApiResult<(Vec<AuditEntry>, i64, Option<Vec<Bind>>)> {
    let (rows, total, next) = page.load::<Row>(conn, &list_sql(query))?;
    Ok((rows.into_iter().map(Row::into_dto).collect(), total, next))
}

/// The page and count statements of a list (what the query-plan test explains).
pub fn list_statements(query: &ListAuditQuery, page: &PageSpec) -> Vec<Statement> {
    page.statements(&list_sql(query))
}

/// The audit log
///
/// Every write through the API (who, role, resource and id, action, request id, client
/// address, version before and after), what the clock did (no actor) and every login, failed
/// ones included; newest first, filterable, paged by cursor or page. Admins only. Entries are
/// kept for `DOAN_AUDIT_RETENTION_DAYS` (default 365).
#[utoipa::path(tag = "audit", operation_id = "list_audit", params(ListAuditQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of entries", body = ListResponse<AuditEntry>,
        headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    query: Qs<ListAuditQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = ListRequest::new(&req, &query.paging(), &SORTS)?;
    let page_req = page.clone();
    let (data, total, next) = db::run(&pool, move |conn| list(conn, &query, &page_req)).await?;
    list::respond(&req, &page, data, total, next)
}
