//! Subscriptions, their deliveries, and the worker's claims and results.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::SqliteConnection;

use crate::db;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition as etag;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

use super::dto::*;
use super::Settings;

pub const SORTS: Sortable = Sortable {
    fields: &[("id", "w.id")],
    default: "id",
};

pub const DELIVERY_SORTS: Sortable = Sortable {
    fields: &[("id", "d.id")],
    default: "-id",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = webhooks)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct WebhookRow {
    pub id: i32,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub active: bool,
    pub secret: String,
    pub failures: i32,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl KeysetRow for WebhookRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, _: &str) -> Bind {
        Bind::Int(i64::from(self.id))
    }
}

/// A subscription's stored event list (a JSON array of event names). An error means the row
/// was damaged outside the API (or written by a version with other events): the subscription
/// receives nothing until its events are set again.
pub fn read_events(stored: &str) -> Result<Vec<Event>, serde_json::Error> {
    serde_json::from_str(stored)
}

impl WebhookRow {
    pub fn to_dto(&self) -> Webhook {
        let (events, problem) = match read_events(&self.events) {
            Ok(events) => (events, None),
            Err(e) => (
                Vec::new(),
                Some(format!(
                    "its stored event list cannot be read ({e}): it receives no event until \
                     `events` is set again"
                )),
            ),
        };
        Webhook {
            id: i64::from(self.id),
            url: self.url.clone(),
            events,
            problem,
            description: self.description.clone(),
            active: self.active,
            failures: i64::from(self.failures),
            disabled_reason: self.disabled_reason.clone(),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            version: i64::from(self.version),
        }
    }
}

/// The events, deduplicated in the documented order, as stored.
fn events_json(events: &[Event]) -> String {
    let list: Vec<&str> = Event::ALL
        .iter()
        .filter(|e| events.contains(e))
        .map(|e| e.as_str())
        .collect();
    // Never "[]" in its place: that would be a subscription to nothing.
    serde_json::to_string(&list).expect("a list of strings always serializes")
}

/// A URL a subscription may have: http(s), a host, no credentials, at most 2000 characters,
/// and — unless `allow_private` — no loopback, link-local or private address or `localhost`.
/// (What other names resolve to is checked by the handlers, [`super::deliver::check_host`],
/// and again when each request is sent: it may change.)
pub fn check_url(raw: &str, allow_private: bool) -> Result<String, FieldError> {
    let bad = |why: &str| FieldError::new("/url", why);
    let raw = raw.trim();
    if raw.chars().count() > 2000 {
        return Err(bad("must be at most 2000 characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http or https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    let Some(host) = url.host() else {
        return Err(bad("must have a host"));
    };
    if !allow_private {
        let private = match host {
            url::Host::Ipv4(ip) => super::deliver::forbidden(std::net::IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => super::deliver::forbidden(std::net::IpAddr::V6(ip)),
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
        };
        if private {
            return Err(bad(
                "must not point to a loopback, link-local or private address",
            ));
        }
    }
    Ok(url.to_string())
}

fn find(conn: &mut SqliteConnection, id: i64) -> ApiResult<WebhookRow> {
    let not_found = || AppError::not_found(format!("there is no webhook {id}"));
    let id = i32::try_from(id).map_err(|_| not_found())?;
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)
}

pub fn list(
    conn: &mut SqliteConnection,
    page: &PageSpec,
) -> ApiResult<(Vec<Webhook>, i64, Option<Vec<Bind>>)> {
    let q = ListSql::new("w.*", "webhooks w", "w.id");
    let (rows, total, next) = page.load::<WebhookRow>(conn, &q)?;
    Ok((rows.iter().map(WebhookRow::to_dto).collect(), total, next))
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> ApiResult<Webhook> {
    Ok(find(conn, id)?.to_dto())
}

pub fn create(
    conn: &mut SqliteConnection,
    input: &CreateWebhook,
    settings: &Settings,
) -> ApiResult<CreatedWebhook> {
    let url =
        check_url(&input.url, settings.allow_private).map_err(|e| AppError::Validation(vec![e]))?;
    let secret = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
    let now = db::now();
    crate::db::write(conn, |conn| {
        let id: i32 = diesel::insert_into(webhooks::table)
            .values((
                webhooks::url.eq(&url),
                webhooks::events.eq(events_json(&input.events)),
                webhooks::description.eq(text::clean_opt(input.description.as_deref())),
                webhooks::active.eq(input.active.unwrap_or(true)),
                webhooks::secret.eq(&secret),
                webhooks::created_at.eq(now),
                webhooks::updated_at.eq(now),
            ))
            .returning(webhooks::id)
            .get_result(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "webhooks", id).versions(None, Some(1)),
        )?;
        Ok(CreatedWebhook {
            webhook: find(conn, i64::from(id))?.to_dto(),
            secret: secret.clone(),
        })
    })
}

pub fn update(
    conn: &mut SqliteConnection,
    id: i64,
    patch: UpdateWebhook,
    if_match: Option<String>,
    settings: &Settings,
) -> ApiResult<Webhook> {
    crate::db::write(conn, |conn| {
        let row = find(conn, id)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&row.to_dto())?)?;
        let url = match &patch.url {
            Patch::Value(v) => {
                check_url(v, settings.allow_private).map_err(|e| AppError::Validation(vec![e]))?
            }
            _ => row.url.clone(),
        };
        let events = match &patch.events {
            Patch::Value(v) => events_json(v),
            _ => row.events.clone(),
        };
        let description = match patch.description {
            Patch::Absent => row.description.clone(),
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        let active = patch.active.as_value().copied().unwrap_or(row.active);
        // Switched on again: a fresh start.
        let revived = active && !row.active;
        let unchanged = url == row.url
            && events == row.events
            && description == row.description
            && active == row.active;
        if unchanged {
            return Ok(row.to_dto());
        }
        diesel::update(webhooks::table.find(row.id))
            .set((
                webhooks::url.eq(&url),
                webhooks::events.eq(&events),
                webhooks::description.eq(&description),
                webhooks::active.eq(active),
                webhooks::failures.eq(if revived { 0 } else { row.failures }),
                webhooks::disabled_reason.eq(if active {
                    None
                } else {
                    row.disabled_reason.clone()
                }),
                webhooks::updated_at.eq(db::now()),
                webhooks::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "webhooks", row.id).versions(
                Some(i64::from(row.version)),
                Some(i64::from(row.version) + 1),
            ),
        )?;
        Ok(find(conn, id)?.to_dto())
    })
}

pub fn delete(conn: &mut SqliteConnection, id: i64, if_match: Option<String>) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let row = find(conn, id)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&row.to_dto())?)?;
        diesel::delete(webhooks::table.find(row.id)).execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("delete", "webhooks", row.id)
                .versions(Some(i64::from(row.version)), None),
        )?;
        Ok(())
    })
}

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
    conn: &mut SqliteConnection,
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
pub fn redeliver(
    conn: &mut SqliteConnection,
    webhook_id: i64,
    delivery: i64,
) -> ApiResult<Delivery> {
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
        super::wake_after_commit();
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

/// One attempt the worker makes.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivery_id: i32,
    pub webhook_id: i32,
    pub url: String,
    pub secret: String,
    pub event_id: i32,
    pub event: String,
    pub body: String,
    pub attempts: i32,
    /// Until when this attempt is this worker's: its result is recorded only if the delivery
    /// is still leased so (another node took it over, or an admin asked for a redelivery).
    pub lease_until: NaiveDateTime,
}

/// A due delivery with what sending it needs.
#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    delivery_id: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    webhook_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    url: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    secret: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    event_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    event: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

/// How long a claimed attempt is this worker's: past it (the process died mid-request), the
/// delivery is due again.
const LEASE: chrono::Duration = chrono::Duration::seconds(120);

/// The due deliveries of active subscriptions, the oldest due first, at most `per_webhook` of
/// each subscription (numbered within it by `ROW_NUMBER`).
const DUE_SQL: &str = "SELECT delivery_id, webhook_id, url, secret, event_id, event, data, \
    created, attempts FROM (\
      SELECT d.id AS delivery_id, w.id AS webhook_id, w.url AS url, w.secret AS secret, \
        e.id AS event_id, e.event AS event, e.data AS data, e.created_at AS created, \
        d.attempts AS attempts, d.next_attempt_at AS due, \
        ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at, d.id) AS n \
      FROM webhook_deliveries d \
        JOIN webhooks w ON w.id = d.webhook_id \
        JOIN webhook_events e ON e.id = d.event_id \
      WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.active = ?\
    ) AS due_now WHERE n <= ? ORDER BY due, delivery_id LIMIT ?";

/// Claim the deliveries due at `now` (of active subscriptions) that the worker sends at once,
/// the oldest due first: of each subscription at most `per_webhook` less its attempts already
/// in flight (`busy`, by subscription id). A subscription with nothing in flight always gets
/// one (no number of hanging receivers can hold up a healthy one); each further attempt takes
/// one of the `shared` places. Each is leased to this worker by moving its next attempt past
/// the lease, so another node skips it; nothing is leased that is not sent now (a subscription
/// at its limit keeps its due deliveries due).
pub fn claim_due(
    conn: &mut SqliteConnection,
    now: NaiveDateTime,
    shared: usize,
    per_webhook: usize,
    busy: &std::collections::HashMap<i32, usize>,
) -> ApiResult<Vec<Attempt>> {
    if per_webhook == 0 {
        return Ok(Vec::new());
    }
    crate::db::write(conn, |conn| {
        // At most `per_webhook` rows of each subscription: a few per subscription (they are an
        // admin's, not the public's), so every one with something due is seen.
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let due: Vec<Due> = diesel::sql_query(DUE_SQL)
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<diesel::sql_types::Bool, _>(true)
            .bind::<diesel::sql_types::BigInt, _>(to_i64(per_webhook))
            .bind::<diesel::sql_types::BigInt, _>(i64::MAX)
            .load(conn)?;
        let mut shared_taken = 0;
        let mut taken: std::collections::HashMap<i32, usize> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(due.len());
        for Due {
            delivery_id,
            webhook_id,
            url,
            secret,
            event_id,
            event,
            data,
            created,
            attempts,
        } in due
        {
            let in_flight = busy.get(&webhook_id).copied().unwrap_or(0);
            let mine = taken.entry(webhook_id).or_default();
            if in_flight + *mine >= per_webhook {
                continue; // its turn comes when one of its attempts ends
            }
            if in_flight + *mine > 0 {
                // A further attempt of a subscription already sending: a shared place.
                if shared_taken >= shared {
                    continue;
                }
                shared_taken += 1;
            }
            *mine += 1;
            let lease_until = now + LEASE;
            diesel::update(webhook_deliveries::table.find(delivery_id))
                .set(webhook_deliveries::next_attempt_at.eq(Some(lease_until)))
                .execute(conn)?;
            // The same bytes on every attempt: id, event, time and the stored representation.
            let body =
                format!(
                "{{\"id\":{event_id},\"event\":\"{event}\",\"created_at\":\"{}\",\"data\":{data}}}",
                created.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            );
            out.push(Attempt {
                delivery_id,
                webhook_id,
                url,
                secret,
                event_id,
                event,
                body,
                attempts,
                lease_until,
            });
        }
        Ok(out)
    })
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub response_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.response_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// The wait before attempt `n + 1` after `n` failed ones: the base doubled each time, at most
/// an hour.
pub fn backoff(base: std::time::Duration, failed: u32) -> chrono::Duration {
    let factor = 2u32.saturating_pow(failed.saturating_sub(1)).min(1 << 20);
    let wait = base
        .saturating_mul(factor)
        .min(std::time::Duration::from_secs(3600));
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
}

/// Record an attempt's outcome: delivered; or tried again later; or given up. A subscription
/// whose attempts fail `disable_after` times in a row is switched off.
pub fn record(
    conn: &mut SqliteConnection,
    attempt: &Attempt,
    outcome: &Outcome,
    settings: &Settings,
) -> ApiResult<()> {
    let now = db::now();
    crate::db::write(conn, |conn| {
        let attempts = attempt.attempts + 1;
        let ok = outcome.succeeded();
        let (status, next) = if ok {
            ("delivered", None)
        } else if attempts as u32 >= settings.max_attempts {
            ("failed", None)
        } else {
            (
                "pending",
                Some(now + backoff(settings.retry_base, attempts as u32)),
            )
        };
        let error = match (&outcome.error, outcome.response_code) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(code)) if !ok => Some(format!("the receiver answered {code}")),
            _ => None,
        };
        let fenced = webhook_deliveries::table
            .find(attempt.delivery_id)
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.eq(Some(attempt.lease_until)));
        let recorded = diesel::update(fenced)
            .set((
                webhook_deliveries::status.eq(status),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::next_attempt_at.eq(next),
                webhook_deliveries::last_attempt_at.eq(Some(now)),
                webhook_deliveries::response_code.eq(outcome.response_code.map(i32::from)),
                webhook_deliveries::latency_ms
                    .eq(Some(i32::try_from(outcome.latency_ms).unwrap_or(i32::MAX))),
                webhook_deliveries::error.eq(error),
            ))
            .execute(conn)?;
        if recorded == 0 {
            // No longer this worker's: what happened since decides.
            return Ok(());
        }
        if ok {
            diesel::update(webhooks::table.find(attempt.webhook_id))
                .filter(webhooks::failures.ne(0))
                .set(webhooks::failures.eq(0))
                .execute(conn)?;
        } else {
            let failures: i32 = diesel::update(webhooks::table.find(attempt.webhook_id))
                .set(webhooks::failures.eq(webhooks::failures + 1))
                .returning(webhooks::failures)
                .get_result(conn)?;
            if failures as u32 >= settings.disable_after {
                diesel::update(webhooks::table.find(attempt.webhook_id))
                    .filter(webhooks::active.eq(true))
                    .set((
                        webhooks::active.eq(false),
                        webhooks::disabled_reason.eq(Some(format!(
                            "switched off after {failures} failed attempts in a row (last: {})",
                            outcome
                                .error
                                .clone()
                                .or(outcome.response_code.map(|c| format!("HTTP {c}")))
                                .unwrap_or_default()
                        ))),
                        webhooks::updated_at.eq(now),
                        webhooks::version.eq(webhooks::version + 1),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// The next moment a delivery is due, if any (the worker's sleep), leaving out the
/// subscriptions in `skip` (at their limit of attempts in flight: the end of one wakes the
/// worker).
pub fn next_due(conn: &mut SqliteConnection, skip: &[i32]) -> QueryResult<Option<NaiveDateTime>> {
    // Deliveries of switched-off subscriptions wait until it is switched on again: not due.
    webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhooks::active.eq(true))
        .filter(webhooks::id.ne_all(skip))
        .filter(webhook_deliveries::status.eq("pending"))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first(conn)
}
