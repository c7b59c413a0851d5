//! Webhooks: admin-managed subscriptions told the moment something is published, changed,
//! unpublished, deleted or restored. An event is written to an outbox in the same transaction
//! as the change ([`enqueue`]): a change that rolls back sends nothing, one that commits is
//! delivered — at least once, across restarts — by a background worker ([`deliver::run`]) with
//! retries and exponential backoff, a log per delivery, manual redelivery, and subscriptions
//! switched off after repeated failures. Every request is signed (HMAC-SHA256 over the
//! timestamp and the body) and never goes to a loopback, link-local or private address unless
//! a setting allows it.

pub mod deliver;
pub mod dto;
pub mod handlers;
pub mod repo;

use std::cell::Cell;

use diesel::prelude::*;
use diesel::SqliteConnection;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::db::schema::{webhook_deliveries, webhook_events, webhooks};

pub use dto::Event;

/// How deliveries behave (from the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Run the delivery worker in this process.
    pub deliver: bool,
    /// Allow loopback, link-local and private addresses (tests, a portal on the same network).
    pub allow_private: bool,
    pub timeout: std::time::Duration,
    /// Attempts per delivery before it is given up (`failed`).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each next one (at most an hour).
    pub retry_base: std::time::Duration,
    /// Failed attempts in a row after which a subscription is switched off.
    pub disable_after: u32,
}

thread_local! {
    static ENQUEUED: Cell<bool> = const { Cell::new(false) };
}

static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Wake the delivery worker if this thread enqueued an event (called after database work
/// returns: its transaction has committed, or rolled back and the worker finds nothing).
pub fn wake_if_enqueued() {
    if ENQUEUED.with(|e| e.replace(false)) {
        WAKE.notify_one();
    }
}

/// Record `event` about row `resource_id`, whose public representation is `data`, for every
/// active subscription that wants it — inside the caller's transaction.
pub fn enqueue(
    conn: &mut SqliteConnection,
    event: Event,
    resource_id: i64,
    data: &impl Serialize,
) -> QueryResult<()> {
    let subscribed: Vec<(i32, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let wanting: Vec<i32> = subscribed
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events)
                .is_ok_and(|list| list.iter().any(|e| e == event.as_str()))
        })
        .map(|(id, _)| id)
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let now = db::now();
    let data = serde_json::to_string(data)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let event_id: i32 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event.eq(event.as_str()),
            webhook_events::resource.eq(event.resource()),
            webhook_events::resource_id.eq(i32::try_from(resource_id).unwrap_or_default()),
            webhook_events::data.eq(data),
            webhook_events::created_at.eq(now),
        ))
        .returning(webhook_events::id)
        .get_result(conn)?;
    for webhook_id in wanting {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_id.eq(webhook_id),
                webhook_deliveries::event_id.eq(event_id),
                webhook_deliveries::status.eq("pending"),
                webhook_deliveries::next_attempt_at.eq(Some(now)),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    ENQUEUED.with(|e| e.set(true));
    Ok(())
}

/// Routes under `/api/v1`: `/webhooks`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/webhooks")
            .service(handlers::list_webhooks)
            .service(handlers::create_webhook)
            .service(handlers::get_webhook)
            .service(handlers::update_webhook)
            .service(handlers::delete_webhook)
            .service(handlers::list_deliveries)
            .service(handlers::redeliver),
    );
}
