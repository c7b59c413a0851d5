//! A subscription's delivery log, and a delivery sent again on an admin's request.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec};
use crate::db::schema::webhook_deliveries;
use crate::error::{ApiResult, AppError};

use super::*;

#[derive(Debug, QueryableByName)]
struct DeliveryRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    event_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    event: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    next_attempt_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    last_attempt_at: Option<NaiveDateTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    response_code: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    latency_ms: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    error: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created_at: NaiveDateTime,
}

impl KeysetRow for DeliveryRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, _: &str) -> Bind {
        Bind::Int(i64::from(self.id))
    }
}

impl DeliveryRow {
    /// Its event is one the server knows (written from [`Event::as_str`]): another one (a row
    /// damaged outside the API, or written by a later version) is a fault, never shown as some
    /// other event.
    fn to_dto(&self) -> ApiResult<Delivery> {
        let event = Event::ALL
            .into_iter()
            .find(|e| e.as_str() == self.event)
            .ok_or_else(|| {
                AppError::internal(format!(
                    "webhook delivery {} is of an unknown event {:?}",
                    self.id, self.event
                ))
            })?;
        Ok(Delivery {
            id: i64::from(self.id),
            event_id: i64::from(self.event_id),
            event,
            status: self.status.clone(),
            attempts: i64::from(self.attempts),
            next_attempt_at: self.next_attempt_at.map(|t| t.and_utc()),
            last_attempt_at: self.last_attempt_at.map(|t| t.and_utc()),
            response_code: self.response_code.map(i64::from),
            latency_ms: self.latency_ms.map(i64::from),
            error: self.error.clone(),
            created_at: self.created_at.and_utc(),
        })
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_id, e.event, d.status, d.attempts, \
    d.next_attempt_at, d.last_attempt_at, d.response_code, d.latency_ms, d.error, d.created_at";

fn deliveries_sql(webhook_id: i32, status: Option<&str>) -> ListSql {
    let mut q = ListSql::new(
        DELIVERY_COLUMNS,
        "webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id",
        "d.id",
    );
    q.filter("d.webhook_id = ?", [Bind::Int(i64::from(webhook_id))]);
    if let Some(status) = status {
        q.filter("d.status = ?", [Bind::Text(status.to_string())]);
    }
    q
}

/// A subscription's delivery log.
pub fn deliveries(
    conn: &mut Conn,
    webhook_id: i64,
    status: Option<&str>,
    page: &PageSpec,
) -> ApiResult<(Vec<Delivery>, i64, Option<Vec<Bind>>)> {
    if let Some(s) = status {
        if !matches!(s, "pending" | "delivered" | "failed") {
            return Err(AppError::bad_param(
                "status",
                "must be pending, delivered or failed",
            ));
        }
    }
    let row = find(conn, webhook_id)?;
    let (rows, total, next) = page.load::<DeliveryRow>(conn, &deliveries_sql(row.id, status))?;
    let deliveries = rows
        .iter()
        .map(DeliveryRow::to_dto)
        .collect::<ApiResult<_>>()?;
    Ok((deliveries, total, next))
}

/// Try a delivery again now (with its full count of retries).
pub fn redeliver(conn: &mut Conn, webhook_id: i64, delivery: i64) -> ApiResult<Delivery> {
    crate::db::write(conn, |conn| {
        let row = find(conn, webhook_id)?;
        let not_found =
            || AppError::not_found(format!("webhook {webhook_id} has no delivery {delivery}"));
        let delivery = i32::try_from(delivery).map_err(|_| not_found())?;
        let changed = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(delivery))
                .filter(webhook_deliveries::webhook_id.eq(row.id)),
        )
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(db::now())),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(not_found());
        }
        crate::audit::record(
            conn,
            crate::audit::Entry::new("redeliver", "webhooks", row.id)
                .detail(format!("delivery {delivery}")),
        )?;
        crate::webhooks::wake_after_commit();
        let mut q = deliveries_sql(row.id, None);
        q.filter("d.id = ?", [Bind::Int(i64::from(delivery))]);
        let stmt = q.page(
            &[],
            &crate::db::list::Window::Offset {
                offset: 0,
                limit: 1,
            },
        );
        let rows: Vec<DeliveryRow> = crate::db::list::load(conn, &stmt)?;
        rows.first().ok_or_else(not_found)?.to_dto()
    })
}
