//! Webhook subscriptions, events, deliveries and the payload, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::list_query;

/// What happened (the spec lists each event with [`Event::describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Event {
    #[serde(rename = "activity.published")]
    ActivityPublished,
    #[serde(rename = "activity.updated")]
    ActivityUpdated,
    #[serde(rename = "activity.unpublished")]
    ActivityUnpublished,
    #[serde(rename = "activity.deleted")]
    ActivityDeleted,
    #[serde(rename = "activity.restored")]
    ActivityRestored,
    #[serde(rename = "organization.created")]
    OrganizationCreated,
    #[serde(rename = "organization.updated")]
    OrganizationUpdated,
    #[serde(rename = "organization.deleted")]
    OrganizationDeleted,
}

impl Event {
    pub const ALL: [Event; 8] = [
        Event::ActivityPublished,
        Event::ActivityUpdated,
        Event::ActivityUnpublished,
        Event::ActivityDeleted,
        Event::ActivityRestored,
        Event::OrganizationCreated,
        Event::OrganizationUpdated,
        Event::OrganizationDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::ActivityPublished => "activity.published",
            Event::ActivityUpdated => "activity.updated",
            Event::ActivityUnpublished => "activity.unpublished",
            Event::ActivityDeleted => "activity.deleted",
            Event::ActivityRestored => "activity.restored",
            Event::OrganizationCreated => "organization.created",
            Event::OrganizationUpdated => "organization.updated",
            Event::OrganizationDeleted => "organization.deleted",
        }
    }

    /// When it is sent.
    pub fn describe(self) -> &'static str {
        match self {
            Event::ActivityPublished => {
                "An activity became public: published by its editor or approved by a reviewer, \
                 its scheduled time came, or a draft was published again."
            }
            Event::ActivityUpdated => "A public activity changed (and is still public).",
            Event::ActivityUnpublished => {
                "A public activity went back to draft, review or schedule."
            }
            Event::ActivityDeleted => "A public activity was moved to the trash.",
            Event::ActivityRestored => "A public activity came back from the trash.",
            Event::OrganizationCreated => "An organization was created.",
            Event::OrganizationUpdated => "An organization changed (a rename, a new parent…).",
            Event::OrganizationDeleted => "An organization was deleted.",
        }
    }

    /// The kind of row it is about.
    pub fn resource(self) -> &'static str {
        if self.as_str().starts_with("activity.") {
            "activities"
        } else {
            "organizations"
        }
    }
}

/// A subscription (its secret is shown only once, when it is created).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    /// Identifier of the subscription (never reused); its deliveries are under
    /// `/api/v1/webhooks/{id}/deliveries`.
    pub id: i64,
    /// Where each event is POSTed (http or https).
    #[schema(example = "https://congthongtin.langson.gov.vn/hooks/doan")]
    pub url: String,
    /// The events sent to it, without duplicates, in the order of `Event`'s list (empty when
    /// its stored list cannot be read: see `problem`).
    pub events: Vec<Event>,
    /// What is wrong with it as stored, that only an admin can repair (null: nothing): its
    /// stored event list cannot be read (damaged outside the API), so it receives no event
    /// (each one missed is logged and counted in `/metrics` as
    /// `webhook_errors_total{kind="unreadable_events"}`) until `events` is set again with a
    /// `PATCH`.
    #[schema(required = true)]
    pub problem: Option<String>,
    /// The admins' note on what it is for (null: none).
    pub description: Option<String>,
    /// False when switched off, by an admin or after repeated failures (`disabled_reason`).
    pub active: bool,
    /// Failed attempts in a row.
    pub failures: i64,
    /// Why the server switched it off by itself: the number of failed attempts in a row and
    /// the last error. Null while it is active, and when an admin switched it off.
    pub disabled_reason: Option<String>,
    /// When it was created (UTC, RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Its last change, by an admin or by the automatic switch-off (UTC, RFC 3339); a failed
    /// or successful attempt alone does not change it.
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 when created, one more at each change by an admin and at the automatic
    /// switch-off. The ETag changes with it (and with `failures`); send the ETag back in
    /// `If-Match` to change or delete the subscription.
    pub version: i64,
}

/// A new subscription, with its signing secret — shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of the `Webhook-Signature` header. Keep it: it is never shown again.
    #[schema(example = "whsec_8f1d…")]
    pub secret: String,
}

/// Body of `POST /webhooks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://congthongtin.langson.gov.vn/hooks/doan", "events": ["activity.published", "activity.updated", "activity.deleted"]}))]
pub struct CreateWebhook {
    /// http(s) URL, at most 2000 characters, without credentials; never a loopback, link-local
    /// or private address (unless the server allows it): a host name is resolved now and
    /// refused (422) when it points only to such addresses. A name that does not resolve (yet)
    /// is accepted; every delivery resolves it again and refuses such addresses then.
    pub url: String,
    /// At least one event.
    #[schema(min_items = 1)]
    pub events: Vec<Event>,
    /// A note for admins on what it is for (trimmed; empty means none).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default true.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Body of `PATCH /webhooks/{id}` (merge patch). Setting `active: true` again clears the
/// failure count.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    /// A new URL, under the rules of `POST /webhooks` (422 otherwise); cannot be null.
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub url: Patch<String>,
    /// The events to send from now on, replacing the list (at least one); cannot be null.
    #[serde(default)]
    #[schema(value_type = Vec<Event>, required = false, min_items = 1)]
    pub events: Patch<Vec<Event>>,
    /// A new note (trimmed); null or empty removes it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Patch<String>,
    /// `false` switches it off: no new event is queued for it and its pending deliveries
    /// wait. `true` switches it on again, `failures` back to 0 and `disabled_reason` cleared.
    /// Cannot be null.
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "problem",
    "secret",
    "failures",
    "disabled_reason",
    "created_at",
    "updated_at",
    "version",
];

impl BodySchema for CreateWebhook {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.events.is_empty() {
            errors.push(FieldError::new("/events", "must name at least one event"));
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            errors.push(FieldError::new(
                "/description",
                "must be at most 500 characters",
            ));
        }
        errors
    }
}

impl BodySchema for UpdateWebhook {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, null) in [
            ("/url", matches!(self.url, Patch::Null)),
            ("/events", matches!(self.events, Patch::Null)),
            ("/active", matches!(self.active, Patch::Null)),
        ] {
            if null {
                errors.push(FieldError::new(field, "cannot be null"));
            }
        }
        if self.events.as_value().is_some_and(Vec::is_empty) {
            errors.push(FieldError::new("/events", "must name at least one event"));
        }
        if self
            .description
            .as_value()
            .is_some_and(|d| d.chars().count() > 500)
        {
            errors.push(FieldError::new(
                "/description",
                "must be at most 500 characters",
            ));
        }
        errors
    }
}

/// One event's delivery to one subscription: its state and its last attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// Identifier of the delivery (one per subscription and event): the `{delivery}` of
    /// `POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver`.
    pub id: i64,
    /// The event delivered: the payload's `id` and the `Webhook-Id` header, the same on every
    /// attempt and for every subscription (receivers deduplicate on it).
    pub event_id: i64,
    /// What happened (also sent as the `Webhook-Event` header).
    pub event: Event,
    /// `pending` (tried at `next_attempt_at`), `delivered`, or `failed` (retries used up).
    #[schema(example = "delivered")]
    pub status: String,
    /// Attempts made so far: 0 before the first; a redelivery starts again from 0.
    pub attempts: i64,
    /// When it is tried next (UTC, RFC 3339); null once `delivered` or `failed`. While an
    /// attempt is under way, the end of its lease: the receivers' timeout and 20 s ahead (a
    /// node that died mid-attempt leaves it due again then). The deliveries of a switched-off
    /// subscription wait past it until it is switched on again.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt was made (UTC, RFC 3339); null before the first.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last attempt (none: no answer).
    pub response_code: Option<i64>,
    /// Milliseconds the last attempt took.
    pub latency_ms: Option<i64>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// When the event was queued for this subscription (UTC, RFC 3339): in the transaction of
    /// the change itself.
    pub created_at: DateTime<Utc>,
}

/// The body of every webhook request (`POST`, `Content-Type: application/json`), with the
/// headers `Webhook-Id` (this event's id: the same on every retry, to deduplicate),
/// `Webhook-Event`, `Webhook-Timestamp` (Unix seconds) and `Webhook-Signature: v1=<hex>`, the
/// HMAC-SHA256, keyed with the subscription's secret, of `{timestamp}.{body}`. A receiver
/// checks the signature over the raw body and refuses timestamps more than 5 minutes away.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The event's id.
    pub id: i64,
    /// What happened (the `Webhook-Event` header says the same).
    pub event: Event,
    /// When the change was made.
    pub created_at: DateTime<Utc>,
    /// The public representation at that moment: an `Activity` (as `GET
    /// /api/v1/activities/{id}` shows it) for `activity.*`, an `Organization` for
    /// `organization.*`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

list_query! {
    /// Query of `GET /webhooks`.
    pub struct ListWebhooksQuery {
        sort_doc: "`id` or `-id` (default: oldest first).",
        default_sort: "id",
    }
}

list_query! {
    /// Query of `GET /webhooks/{id}/deliveries`.
    pub struct ListDeliveriesQuery {
        sort_doc: "`id` or `-id` (default: newest first).",
        default_sort: "-id",
        /// Only deliveries in this state: `pending`, `delivered` or `failed`.
        #[serde(default, deserialize_with = "crate::http::query::de_nonempty")]
        #[param(min_length = 1, example = "failed")]
        pub status: Option<String>,
    }
}

/// `{id}` of a subscription's path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// The subscription's id.
    pub id: i64,
}

/// `{id}/deliveries/{delivery}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The subscription's id.
    pub id: i64,
    /// The delivery's id.
    pub delivery: i64,
}
