//! The one error type of the API and its RFC 9457 problem+json rendering.
//!
//! Handlers return [`ApiResult`]; every error response — ours and actix-web's own — goes out as
//! `application/problem+json` (the `http` middleware guarantees it for every error response).
//! Internals are logged, never serialised.

use actix_web::http::{header, Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://doan-api.github.io/problems/";

pub type ApiResult<T> = Result<T, AppError>;

/// One invalid field or parameter.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field (JSON pointer for a body, name for a query parameter).
    #[schema(example = "occurred_on")]
    pub field: String,
    /// What is wrong and what is allowed.
    #[schema(example = "must be a date YYYY-MM-DD")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://doan-api.github.io/problems/validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/organizations",
    "errors": [{"field": "/name", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// URI identifying the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path that caused the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Every invalid field or parameter, where there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: a malformed or unknown query parameter, or a body that is not JSON.
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no, bad or expired token (or wrong credentials at login).
    #[error("unauthorized")]
    Unauthorized,
    /// 401 at login: the one answer for an unknown user and a wrong password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403: the caller may see this but not do it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 429: too many requests of a kind (`reason`: failed logins, requests from one address,
    /// backups at once); try again after this many seconds.
    #[error("too many requests: {reason}")]
    TooManyRequests {
        retry_after: u64,
        reason: &'static str,
    },
    /// 404: no such resource, route, or referenced filter value.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405 with the methods the path does allow.
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<Method> },
    /// 409: a unique value taken, or a delete of something still referenced.
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 412: `If-Match` does not match the current representation.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: body over the limit.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 406: the `Accept` header refuses every representation offered.
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// 415: body not in a supported media type.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON that breaks the schema or a rule.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 503: not ready (database unreachable).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 501: what this deployment's database does not offer (a file backup of PostgreSQL).
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// 500: a real fault. The cause is logged, never sent.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_param(param: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadRequest {
            detail: format!("query parameter `{param}` {message}"),
            errors: vec![FieldError::new(param, message)],
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        AppError::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn internal(msg: impl std::fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{msg}"))
    }

    /// The problem document for this error (without `instance`, which the middleware adds).
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (kind, title, detail, errors) = match self {
            AppError::BadRequest { detail, errors } => (
                "bad-request",
                "Bad request",
                Some(detail.clone()),
                errors.clone(),
            ),
            AppError::Unauthorized => (
                "unauthorized",
                "Unauthorized",
                Some("a valid bearer token is required (POST /api/v1/auth/token)".into()),
                vec![],
            ),
            AppError::InvalidCredentials => (
                "invalid-credentials",
                "Unauthorized",
                Some("the username or the password is wrong".into()),
                vec![],
            ),
            AppError::Forbidden(detail) => ("forbidden", "Forbidden", Some(detail.clone()), vec![]),
            AppError::TooManyRequests {
                retry_after,
                reason,
            } => (
                "too-many-requests",
                "Too many requests",
                Some(format!("{reason}; try again in {retry_after} seconds")),
                vec![],
            ),
            AppError::NotFound(what) => ("not-found", "Not found", Some(what.clone()), vec![]),
            AppError::MethodNotAllowed { allow } => (
                "method-not-allowed",
                "Method not allowed",
                Some(format!(
                    "allowed methods: {}",
                    allow
                        .iter()
                        .map(Method::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                vec![],
            ),
            AppError::Conflict { detail, errors } => {
                ("conflict", "Conflict", Some(detail.clone()), errors.clone())
            }
            AppError::PreconditionFailed => (
                "precondition-failed",
                "Precondition failed",
                Some("If-Match does not match the current ETag; fetch the resource again".into()),
                vec![],
            ),
            AppError::PayloadTooLarge { limit } => (
                "payload-too-large",
                "Payload too large",
                Some(format!("the body is over the limit of {limit} bytes")),
                vec![],
            ),
            AppError::NotAcceptable(detail) => (
                "not-acceptable",
                "Not acceptable",
                Some(detail.clone()),
                vec![],
            ),
            AppError::UnsupportedMediaType(detail) => (
                "unsupported-media-type",
                "Unsupported media type",
                Some(detail.clone()),
                vec![],
            ),
            AppError::Validation(errors) => (
                "validation",
                "Validation failed",
                Some(match errors.len() {
                    1 => "1 field is invalid".to_string(),
                    n => format!("{n} fields are invalid"),
                }),
                errors.clone(),
            ),
            AppError::Unavailable(detail) => (
                "unavailable",
                "Service unavailable",
                Some(detail.clone()),
                vec![],
            ),
            AppError::NotImplemented(detail) => (
                "not-implemented",
                "Not implemented",
                Some(detail.clone()),
                vec![],
            ),
            AppError::Internal(_) => (
                "internal",
                "Internal server error",
                Some("an unexpected error occurred; it has been logged".into()),
                vec![],
            ),
        };
        Problem {
            type_: format!("{PROBLEM_BASE}{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            instance: None,
            errors,
        }
    }

    /// A problem for a bare status that actix-web produced on its own.
    pub fn problem_for_status(status: StatusCode) -> Problem {
        let title = status.canonical_reason().unwrap_or("Error").to_string();
        Problem {
            type_: "about:blank".to_string(),
            title,
            status: status.as_u16(),
            detail: None,
            instance: None,
            errors: vec![],
        }
    }
}

/// Render a problem with the right content type (and `Allow` for 405).
pub fn problem_response(problem: &Problem, allow: Option<&[Method]>) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
    if let Some(allow) = allow {
        let list = allow
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        res.insert_header((header::ALLOW, list));
    }
    res.body(serde_json::to_string(problem).unwrap_or_default())
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let allow = match self {
            AppError::MethodNotAllowed { allow } => Some(allow.as_slice()),
            _ => None,
        };
        let mut res = problem_response(&self.problem(), allow);
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => {
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"doan-api\""),
                );
            }
            AppError::Unavailable(_) => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            AppError::TooManyRequests { retry_after, .. } => {
                if let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        res
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::NotFound("no such resource".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                unique_conflict(&unique_columns(info.as_ref()))
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => AppError::conflict(
                "the change would break a reference between resources (a referenced row is missing or still referenced)",
            ),
            // Another writer held SQLite's write lock longer than the busy timeout.
            ref busy if is_busy(busy) => AppError::Unavailable(
                "the database is busy with other writes; try again".into(),
            ),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// The 409 of a unique constraint that refused a write, in the API's words: which field, never
/// the database's own text (its tables and columns are logged, not sent). Most of these are
/// checked before the write; this is what a concurrent writer that got there first meets.
/// The `table.column`s of a violated unique constraint, as SQLite names them
/// (`UNIQUE constraint failed: organizations.slug`, several comma-separated); on PostgreSQL
/// from the constraint's name, which the baseline spells `uq__table__col1__col2`.
fn unique_columns(info: &(dyn diesel::result::DatabaseErrorInformation + Send + Sync)) -> String {
    if let Some(columns) = info.constraint_name().and_then(|name| {
        // A primary key: the ones a write can collide on, by table.
        if let Some(table) = name.strip_suffix("_pkey") {
            return Some(match table {
                "slug_history" => "slug_history.resource, slug_history.slug".to_string(),
                _ => format!("{table}.pkey"),
            });
        }
        let mut parts = name.strip_prefix("uq__")?.split("__");
        let table = parts.next()?;
        Some(
            parts
                .map(|column| format!("{table}.{column}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }) {
        return format!("UNIQUE constraint failed: {columns}");
    }
    info.message().to_string()
}

fn unique_conflict(message: &str) -> AppError {
    tracing::info!(constraint = message, "a unique constraint refused a write");
    let columns: Vec<&str> = message
        .rsplit_once(": ")
        .map(|(_, cols)| cols.split(", ").map(str::trim).collect())
        .unwrap_or_default();
    let has = |column: &str| columns.contains(&column);
    let (field, why) = if has("slug_history.slug") {
        (
            "/slug",
            "was another row's slug (old links keep their meaning)",
        )
    } else if columns.iter().any(|c| c.ends_with(".slug")) {
        ("/slug", "is already taken")
    } else if has("users.username") {
        ("/username", "is already taken")
    } else if has("clusters.number") {
        ("/number", "another cluster of this bloc has this number")
    } else if columns.iter().any(|c| c.starts_with("cluster_members.")) {
        (
            "/members",
            "a unit is in at most one cluster of its bloc a year",
        )
    } else if columns.iter().any(|c| c.starts_with("cluster_results.")) {
        ("/results", "names a unit twice")
    } else if columns.iter().any(|c| c.starts_with("activity_partners.")) {
        ("/partners", "names a unit twice")
    } else if columns.iter().any(|c| c.starts_with("external_ids.")) {
        ("/external_id", "is another row's already")
    } else {
        return AppError::conflict(
            "the change conflicts with another resource (a value that must be unique is taken);              read the resource again and retry",
        );
    };
    AppError::Conflict {
        detail: format!("{} {why}", field.trim_start_matches('/')),
        errors: vec![FieldError::new(field, why)],
    }
}

/// Did the write wait too long for another's lock: SQLite's "database is locked" (the write
/// lock held past the busy timeout), PostgreSQL's lock timeout, deadlock or serialization
/// failure (a retry may succeed)?
pub fn is_busy(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let m = info.message();
            m.starts_with("database is locked")
                || m.starts_with("canceling statement due to lock timeout")
                || m.starts_with("deadlock detected")
        }
        _ => false,
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("database connection unavailable: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_field_never_the_table() {
        let problem = |message: &str| unique_conflict(message).problem();
        let slug = problem("UNIQUE constraint failed: organizations.slug");
        assert_eq!(slug.errors[0].field, "/slug");
        let number = problem("UNIQUE constraint failed: clusters.bloc_id, clusters.number");
        assert_eq!(number.errors[0].field, "/number");
        let username = problem("UNIQUE constraint failed: users.username");
        assert_eq!(username.errors[0].field, "/username");
        for message in [
            "UNIQUE constraint failed: organizations.slug",
            "UNIQUE constraint failed: users.username",
            "UNIQUE constraint failed: webhook_deliveries.webhook_id, webhook_deliveries.event_id",
            "something else entirely",
        ] {
            let text = serde_json::to_string(&problem(message)).unwrap();
            for leak in [
                "UNIQUE",
                "constraint",
                "organizations.",
                "users.",
                "webhook_",
            ] {
                assert!(!text.contains(leak), "{text}");
            }
        }
    }
}
