//! The worker's side of the outbox: claiming what is due (leased), recording each attempt's
//! outcome (fenced by the lease), backing off, switching a failing subscription off.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::error::ApiResult;

use super::*;

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

/// How long a claimed attempt is this worker's, for receivers given `timeout` to answer: the
/// timeout and 20 s to record the outcome. Past it (the process died mid-request), the
/// delivery is due again on any node: soon, since a killed node's events wait this long.
pub fn lease_for(timeout: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::seconds(60))
        + chrono::Duration::seconds(20)
}

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
    conn: &mut Conn,
    now: NaiveDateTime,
    shared: usize,
    per_webhook: usize,
    busy: &std::collections::HashMap<i32, usize>,
    lease: chrono::Duration,
) -> ApiResult<Vec<Attempt>> {
    if per_webhook == 0 {
        return Ok(Vec::new());
    }
    crate::db::write(conn, |conn| {
        // At most `per_webhook` rows of each subscription: a few per subscription (they are an
        // admin's, not the public's), so every one with something due is seen.
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let due: Vec<Due> = crate::db::sql(conn, DUE_SQL)
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
            let lease_until = now + lease;
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
    conn: &mut Conn,
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
pub fn next_due(conn: &mut Conn, skip: &[i32]) -> QueryResult<Option<NaiveDateTime>> {
    // Deliveries of switched-off subscriptions wait until it is switched on again: not due.
    webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhooks::active.eq(true))
        .filter(webhooks::id.ne_all(skip))
        .filter(webhook_deliveries::status.eq("pending"))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first(conn)
}
