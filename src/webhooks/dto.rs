//! Webhook subscriptions, events, deliveries and the payload, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::list_query;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Event {
    /// An activity became public: published by its editor or approved by a reviewer, its
    /// scheduled time came, or a draft was published again.
    #[serde(rename = "activity.published")]
    ActivityPublished,
    /// A public activity changed (and is still public).
    #[serde(rename = "activity.updated")]
    ActivityUpdated,
    /// A public activity went back to draft, review or schedule.
    #[serde(rename = "activity.unpublished")]
    ActivityUnpublished,
    /// A public activity was moved to the trash.
    #[serde(rename = "activity.deleted")]
    ActivityDeleted,
    /// A public activity came back from the trash.
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
    pub id: i64,
    #[schema(example = "https://congthongtin.langson.gov.vn/hooks/doan")]
    pub url: String,
    pub events: Vec<Event>,
    pub description: Option<String>,
    /// False when switched off, by an admin or after repeated failures (`disabled_reason`).
    pub active: bool,
    /// Failed attempts in a row.
    pub failures: i64,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    /// or private address (unless the server allows it).
    pub url: String,
    /// At least one event.
    #[schema(min_items = 1)]
    pub events: Vec<Event>,
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
    #[serde(default)]
    #[schema(value_type = String, required = false)]
    pub url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<Event>, required = false, min_items = 1)]
    pub events: Patch<Vec<Event>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
}

const READ_ONLY: &[&str] = &[
    "id",
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
    pub id: i64,
    pub event_id: i64,
    pub event: Event,
    /// `pending` (tried at `next_attempt_at`), `delivered`, or `failed` (retries used up).
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last attempt (none: no answer).
    pub response_code: Option<i64>,
    /// Milliseconds the last attempt took.
    pub latency_ms: Option<i64>,
    /// Why the last attempt failed.
    pub error: Option<String>,
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
    pub event: Event,
    /// When the change was made.
    pub created_at: DateTime<Utc>,
    /// The public representation at that moment: an [`crate::activities::dto::Activity`] for
    /// `activity.*`, an [`crate::organizations::dto::Organization`] for `organization.*`.
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
