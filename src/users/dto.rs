//! User and login request/response types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::http::query::{de_bool, de_list, de_nonempty};
use crate::list_query;

/// An account that may write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    #[schema(example = 2)]
    pub id: i64,
    /// Lower case; unique regardless of case.
    #[schema(example = "bientap.vpubnd")]
    pub username: String,
    #[schema(example = "Biên tập viên Chi đoàn Văn phòng UBND tỉnh")]
    pub display_name: Option<String>,
    pub role: Role,
    /// The unit whose activities an editor may write (and the units below it).
    #[schema(example = 4)]
    pub organization_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    #[schema(example = 1)]
    pub version: i64,
}

pub const USERNAME_RULE: &str = "must be 3 to 50 characters: letters a-z, digits, '.', '_' or '-'";

/// The longest display name.
const DISPLAY_NAME_MAX: usize = 100;

/// The display name's rule, on POST and PATCH alike.
fn display_name_problem(name: Option<&String>) -> Option<FieldError> {
    name.filter(|d| d.chars().count() > DISPLAY_NAME_MAX)
        .map(|_| {
            FieldError::new(
                "/display_name",
                format!("must be at most {DISPLAY_NAME_MAX} characters"),
            )
        })
}

/// Is this a valid username (before lower-casing)?
pub fn valid_username(u: &str) -> bool {
    (3..=50).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Body of `POST /users`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "bientap.vpubnd", "password": "Lang Son 2023!", "role": "editor", "organization_id": 4}))]
pub struct CreateUser {
    #[schema(pattern = "^[A-Za-z0-9._-]{3,50}$")]
    pub username: String,
    /// At least 10 characters mixing two of: lower case, upper case, digits, symbols.
    #[schema(min_length = 10, max_length = 200, format = Password)]
    pub password: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    pub role: Role,
    /// Required for editors.
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_true() -> bool {
    true
}

impl BodySchema for CreateUser {
    const READ_ONLY: &'static [&'static str] =
        &["id", "created_at", "updated_at", "last_login_at", "version"];

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !valid_username(&self.username) {
            errors.push(FieldError::new("/username", USERNAME_RULE));
        }
        if let Some(why) = crate::auth::password::weakness(&self.password, &self.username) {
            errors.push(FieldError::new("/password", why));
        }
        if self.role.needs_unit() && self.organization_id.is_none() {
            errors.push(FieldError::new(
                "/organization_id",
                "is required for an editor or a reviewer",
            ));
        }
        errors.extend(display_name_problem(self.display_name.as_ref()));
        errors
    }
}

/// Body of `PATCH /users/{id}` (merge patch). Setting `password` resets it; a password, role,
/// unit or activity change revokes the user's earlier tokens.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateUser {
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Role, required = false)]
    pub role: Patch<Role>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 10, max_length = 200, format = Password)]
    pub password: Patch<String>,
}

impl BodySchema for UpdateUser {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "username",
        "created_at",
        "updated_at",
        "last_login_at",
        "version",
    ];

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, null) in [
            ("/role", matches!(self.role, Patch::Null)),
            ("/active", matches!(self.active, Patch::Null)),
            ("/password", matches!(self.password, Patch::Null)),
        ] {
            if null {
                errors.push(FieldError::new(field, "cannot be null"));
            }
        }
        errors.extend(display_name_problem(self.display_name.as_value()));
        errors
    }
}

/// Body of `POST /auth/token`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "••••••••••"}))]
pub struct TokenRequest {
    #[schema(max_length = 100)]
    pub username: String,
    #[schema(max_length = 200, format = Password)]
    pub password: String,
}

impl BodySchema for TokenRequest {
    /// The documented limits, checked before any lookup: a megabyte-long username must not
    /// reach the throttle's table or the log.
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.username.chars().count() > 100 {
            errors.push(FieldError::new(
                "/username",
                "must be at most 100 characters",
            ));
        }
        if self.password.chars().count() > 200 {
            errors.push(FieldError::new(
                "/password",
                "must be at most 200 characters",
            ));
        }
        errors
    }
}

/// A bearer token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT (HS256) to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until it expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
}

/// Body of `POST /auth/password`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(format = Password, max_length = 200)]
    pub current_password: String,
    /// At least 10 characters mixing two of: lower case, upper case, digits, symbols.
    #[schema(format = Password, min_length = 10, max_length = 200)]
    pub new_password: String,
}

impl BodySchema for ChangePassword {
    fn validate(&self) -> Vec<FieldError> {
        if self.current_password.chars().count() > 200 {
            return vec![FieldError::new(
                "/current_password",
                "must be at most 200 characters",
            )];
        }
        Vec::new()
    }
}

list_query! {
    /// Query of `GET /users`.
    pub struct ListUsersQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `username`, `created_at`. Default: `username`.",
        default_sort: "username",
        /// Only these roles.
        #[serde(default, deserialize_with = "de_list")]
        #[param(value_type = Option<Vec<Role>>, style = Form, explode = false)]
        pub role: Option<Vec<Role>>,
        /// Only the users of this unit (id or slug).
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1)]
        pub organization: Option<String>,
        /// Only active (`true`) or deactivated (`false`) users.
        #[serde(default, deserialize_with = "de_bool")]
        #[param(value_type = Option<bool>)]
        pub active: Option<bool>,
    }
}

crate::key_path!(UserPath, UserKey, "a user", "username", "admin");
