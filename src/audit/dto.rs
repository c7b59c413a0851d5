//! The audit log's entry and list query.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::query::de_nonempty;
use crate::list_query;

/// One recorded change or login.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Identifier of the entry, in recording order (never reused).
    pub id: i64,
    /// When it happened (UTC, RFC 3339): the moment the change was written.
    pub at: DateTime<Utc>,
    /// The user's id (null: the clock or the command line, and every failed login — the
    /// username tried is in `actor`).
    pub actor_id: Option<i64>,
    /// Username; for a failed login, the one tried.
    #[schema(example = "bientap")]
    pub actor: Option<String>,
    /// The actor's role at that moment (`admin`, `editor`, `reviewer`); null for the clock,
    /// the command line and a failed login.
    #[schema(example = "editor")]
    pub role: Option<String>,
    /// `create`, `update`, `delete`, `restore`, `purge`, `approve`, `return`, `publish`
    /// (a scheduled activity's time came), `unfeature`, `login`, `login_failed`,
    /// `password_change`, `redeliver` (a webhook delivery sent again), `import`.
    #[schema(example = "update")]
    pub action: String,
    /// `activities`, `organizations`, `clusters`, `users`, `media`, `webhooks`, `auth`
    /// (logins), `archive` (imports).
    #[schema(example = "activities")]
    pub resource: String,
    /// The id of the row concerned, as text (for `auth`: the user's id); null when the action
    /// concerns no single row (an import, a failed login).
    #[schema(example = "42")]
    pub resource_id: Option<String>,
    /// More about the change (a roster's year, a revision restored…).
    pub detail: Option<String>,
    /// The `X-Request-Id` of the request that made it.
    pub request_id: Option<String>,
    /// The client's IP address as the server saw it (a proxy's, behind one).
    pub client_addr: Option<String>,
    /// The row's `version` before the change; null for a creation and for actions that do not
    /// touch a versioned row (logins, rosters, results, redeliveries, imports).
    pub version_before: Option<i64>,
    /// The row's `version` after the change; null for a deletion (and as `version_before`).
    /// Equal to `version_before` when the row changed without a new version (trash, restore).
    pub version_after: Option<i64>,
}

list_query! {
    /// Query of `GET /audit`.
    pub struct ListAuditQuery {
        sort_doc: "`at` or `-at` (newest first, the default); the id breaks ties.",
        default_sort: "-at",
        /// Only this user's entries (username).
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1)]
        pub actor: Option<String>,
        /// Only this action.
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1, example = "update")]
        pub action: Option<String>,
        /// Only this kind of resource.
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1, example = "activities")]
        pub resource: Option<String>,
        /// With `resource`: only this row (its id).
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1)]
        pub resource_id: Option<String>,
        /// Entries at or after this instant (any year 0000–9999).
        #[serde(default, deserialize_with = "crate::http::query::de_instant")]
        #[param(value_type = Option<DateTime<Utc>>)]
        pub from: Option<DateTime<Utc>>,
        /// Entries before this instant (any year 0000–9999: `9999-12-31T23:59:59Z` leaves it
        /// open).
        #[serde(default, deserialize_with = "crate::http::query::de_instant")]
        #[param(value_type = Option<DateTime<Utc>>)]
        pub to: Option<DateTime<Utc>>,
    }
}
