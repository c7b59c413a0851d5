//! Subscriptions, their deliveries, and the worker's claims and results.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition as etag;
use crate::db::schema::webhooks;
use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

use super::dto::*;
use super::Settings;

mod deliveries;
mod outbox;

pub use deliveries::*;
pub use outbox::*;

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

pub(super) fn find(conn: &mut Conn, id: i64) -> ApiResult<WebhookRow> {
    let not_found = || AppError::not_found(format!("there is no webhook {id}"));
    let id = i32::try_from(id).map_err(|_| not_found())?;
    webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)
}

pub fn list(conn: &mut Conn, page: &PageSpec) -> ApiResult<(Vec<Webhook>, i64, Option<Vec<Bind>>)> {
    let q = ListSql::new("w.*", "webhooks w", "w.id");
    let (rows, total, next) = page.load::<WebhookRow>(conn, &q)?;
    Ok((rows.iter().map(WebhookRow::to_dto).collect(), total, next))
}

pub fn get(conn: &mut Conn, id: i64) -> ApiResult<Webhook> {
    Ok(find(conn, id)?.to_dto())
}

pub fn create(
    conn: &mut Conn,
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
    conn: &mut Conn,
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

pub fn delete(conn: &mut Conn, id: i64, if_match: Option<String>) -> ApiResult<()> {
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
