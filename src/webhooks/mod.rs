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

use crate::db::Conn;
use diesel::prelude::*;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::resource::{add_schema, describe_codes, Linked, Resource};

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

impl Settings {
    /// As the server was started.
    pub fn of(args: &crate::cli::ServeArgs) -> Self {
        Self {
            deliver: args.webhook_delivery,
            allow_private: args.webhook_allow_private,
            timeout: std::time::Duration::from_secs(args.webhook_timeout),
            max_attempts: args.webhook_max_attempts,
            retry_base: std::time::Duration::from_millis(args.webhook_retry_base_ms),
            disable_after: args.webhook_disable_after,
        }
    }
}

static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Wake the delivery worker once the transaction that enqueued something commits (a change
/// that rolls back wakes nothing).
fn wake_after_commit() {
    db::after_commit(|| WAKE.notify_one());
}

/// Count and log an error of the outbox (see [`crate::metrics::webhook_errors`]).
fn outbox_error(kind: &str) {
    crate::metrics::webhook_errors()
        .with_label_values(&[kind])
        .inc();
}

/// Record `event` about row `resource_id`, whose public representation is `data`, for every
/// active subscription that wants it — inside the caller's transaction.
///
/// A subscription whose stored event list cannot be read gets nothing (it cannot be known
/// whether it wanted this event): logged, counted, and shown on the subscription until its
/// `events` are set again. An id that does not fit the outbox fails the change.
pub fn enqueue(
    conn: &mut Conn,
    event: Event,
    resource_id: i64,
    data: &impl Serialize,
) -> QueryResult<()> {
    // Every id is an i32: another one is a bug upstream, never an event about row 0.
    let resource_id = i32::try_from(resource_id).map_err(|_| {
        outbox_error("resource_id");
        tracing::error!(
            event = event.as_str(),
            resource_id,
            "a webhook event about an id that does not fit the outbox: the change fails"
        );
        diesel::result::Error::SerializationError(
            format!(
                "the id {resource_id} of a {} event does not fit the webhook outbox",
                event.as_str()
            )
            .into(),
        )
    })?;
    let subscribed: Vec<(i32, String)> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select((webhooks::id, webhooks::events))
        .load(conn)?;
    let mut wanting = Vec::new();
    for (webhook, stored) in subscribed {
        match repo::read_events(&stored) {
            Ok(events) if events.contains(&event) => wanting.push(webhook),
            Ok(_) => {}
            Err(e) => {
                outbox_error("unreadable_events");
                tracing::error!(
                    webhook,
                    event = event.as_str(),
                    error = %e,
                    "a webhook's stored event list cannot be read: it misses this event \
                     (set its events again)"
                );
            }
        }
    }
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
            webhook_events::resource_id.eq(resource_id),
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
    wake_after_commit();
    Ok(())
}

/// Subscriptions, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[(
        "webhooks",
        "Subscriptions told of each publication and change, signed, retried (admins only)",
    )],
    api: Some(configure),
    sorts: &[
        ("list_webhooks", &repo::SORTS),
        ("list_webhook_deliveries", &repo::DELIVERY_SORTS),
    ],
    linked: Some(Linked {
        name: "Webhook",
        collection: "/api/v1/webhooks",
        stem: "webhook",
    }),
    document: Some(document),
    ..Resource::NONE
};

/// What webhooks add to the spec: the requests sent to subscribers, their payload, and what
/// each event means.
fn document(spec: &mut utoipa::openapi::OpenApi) {
    add_schema::<dto::WebhookPayload>(spec);
    add_schema::<dto::Event>(spec);
    document_requests(spec);
    let events: Vec<(String, String)> = Event::ALL
        .iter()
        .map(|e| (e.as_str().to_string(), e.describe().to_string()))
        .collect();
    describe_codes(spec, "Event", "Values:", &events);
}

/// The webhook requests this API sends, one per event (OpenAPI `webhooks`).
fn document_requests(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{
        HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
    };
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::{ContentBuilder, Ref};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let mut paths = PathsBuilder::new();
    for event in Event::ALL {
        let operation = OperationBuilder::new()
            .summary(Some(format!("{} (sent to subscribers)", event.as_str())))
            .description(Some(
                "POSTed to each active subscription that asked for this event, after the change committed (at least once: deduplicate on `Webhook-Id`). Verify `Webhook-Signature` — `v1=` and the hex HMAC-SHA256, keyed with the subscription's secret, of `{Webhook-Timestamp}.{raw body}` — and refuse timestamps more than 5 minutes away. Answer 2xx within the timeout; anything else is retried with exponential backoff.",
            ))
            .tag("webhooks")
            .operation_id(Some(format!("webhook_{}", event.as_str().replace('.', "_"))))
            .parameter(header("Webhook-Id", "The event's id (the same on every retry)"))
            .parameter(header("Webhook-Event", event.as_str()))
            .parameter(header("Webhook-Timestamp", "Unix seconds when this attempt was signed"))
            .parameter(header("Webhook-Signature", "`v1=<hex HMAC-SHA256 of {timestamp}.{body}>`"))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("WebhookPayload")))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "2XX",
                ResponseBuilder::new().description("Received; not sent again"),
            )
            .response(
                "default",
                ResponseBuilder::new().description("Not received; retried later"),
            );
        paths = paths.path(event.as_str(), PathItem::new(HttpMethod::Post, operation));
    }
    spec.webhooks = Some(paths.build());
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

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn an_id_that_does_not_fit_fails_the_change_and_is_counted() {
        // Checked before anything is read: no table is needed.
        let mut conn = crate::db::open(":memory:").unwrap();
        let counted = || {
            crate::metrics::webhook_errors()
                .with_label_values(&["resource_id"])
                .get()
        };
        let before = counted();
        let err = enqueue(
            &mut conn,
            Event::OrganizationCreated,
            i64::from(i32::MAX) + 1,
            &"{}",
        )
        .unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        assert_eq!(counted(), before + 1);
    }
}
