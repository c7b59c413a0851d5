//! The audit log: every write (who, with which role, what resource and id, which action, the
//! request id, the client's address, the version before and after), logins and failed logins
//! included, in an append-only table written in the same transaction as the change — a change
//! that rolls back leaves no entry, one that commits always has one. `GET /api/v1/audit` for
//! admins; entries older than the retention setting are removed (never younger than a day).

pub mod dto;
pub mod handlers;

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::db::schema::audit_log;

/// One change to record; who, from where and under which request come from the context.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_id: Option<String>,
    pub detail: Option<String>,
    pub version_before: Option<i64>,
    pub version_after: Option<i64>,
}

impl<'a> Entry<'a> {
    pub fn new(action: &'a str, resource: &'a str, id: impl ToString) -> Self {
        Self {
            action,
            resource,
            resource_id: Some(id.to_string()),
            ..Self::default()
        }
    }

    pub fn versions(mut self, before: Option<i64>, after: Option<i64>) -> Self {
        self.version_before = before;
        self.version_after = after;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Record `entry` as done now by the current request's caller (none: the clock or the
/// command line).
pub fn record(conn: &mut Conn, entry: Entry<'_>) -> QueryResult<()> {
    let meta = crate::context::current().unwrap_or_default();
    let (actor_id, actor, role) = match &meta.actor {
        Some(a) => (Some(a.id), Some(a.username.clone()), Some(a.role)),
        None => (None, None, None),
    };
    insert(conn, &entry, &meta, actor_id, actor, role)
}

/// Record a login attempt for `username` (`login` or `login_failed`), as that user.
pub fn record_login(
    conn: &mut Conn,
    action: &str,
    username: &str,
    user: Option<(i32, &'static str)>,
) -> QueryResult<()> {
    let meta = crate::context::current().unwrap_or_default();
    let entry = Entry {
        action,
        resource: "auth",
        resource_id: user.map(|(id, _)| id.to_string()),
        ..Entry::default()
    };
    // A tried username is cut to a sane length: it is the attacker's text.
    let name: String = username.trim().to_lowercase().chars().take(100).collect();
    insert(
        conn,
        &entry,
        &meta,
        user.map(|(id, _)| id),
        Some(name),
        user.map(|(_, role)| role),
    )
}

fn insert(
    conn: &mut Conn,
    entry: &Entry<'_>,
    meta: &crate::context::RequestMeta,
    actor_id: Option<i32>,
    actor: Option<String>,
    role: Option<&str>,
) -> QueryResult<()> {
    let narrow = |v: Option<i64>| v.and_then(|v| i32::try_from(v).ok());
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(db::now()),
            audit_log::actor_id.eq(actor_id),
            audit_log::actor.eq(actor),
            audit_log::role.eq(role),
            audit_log::action.eq(entry.action),
            audit_log::resource.eq(entry.resource),
            audit_log::resource_id.eq(&entry.resource_id),
            audit_log::detail.eq(&entry.detail),
            audit_log::request_id.eq(&meta.request_id),
            audit_log::client_addr.eq(&meta.client_addr),
            audit_log::version_before.eq(narrow(entry.version_before)),
            audit_log::version_after.eq(narrow(entry.version_after)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Remove the entries older than `days` days (at least one); returns how many.
pub fn purge_older_than(conn: &mut Conn, days: u32) -> QueryResult<usize> {
    let cutoff: NaiveDateTime = db::now() - chrono::Duration::days(i64::from(days.max(1)));
    db::write(conn, |conn| {
        diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).execute(conn)
    })
}

/// Remove what is past the retention now and every hour after, while the server runs.
pub async fn keep_for(pool: db::DbPool, days: u32) {
    loop {
        match db::run(&pool, move |conn| Ok(purge_older_than(conn, days)?)).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, days, "old audit entries removed"),
            Err(e) => tracing::warn!(error = %e, "old audit entries could not be removed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// The audit log, as the rest of the program sees it.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[("audit", "Who changed what, and every login (admins only)")],
    api: Some(configure),
    sorts: &[("list_audit", &handlers::SORTS)],
    ..crate::http::resource::Resource::NONE
};

/// `GET /audit` under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_audit);
}
