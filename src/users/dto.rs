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
    /// Identifier of the account (stable; ids are never reused, even after a deletion).
    /// `GET /api/v1/users/{id}` takes it or the username.
    #[schema(example = 2)]
    pub id: i64,
    /// Lower case; unique regardless of case.
    #[schema(example = "bientap.vpubnd")]
    pub username: String,
    /// Name to show for the account (at most 100 characters); null when none was given
    /// (show `username` then).
    #[schema(example = "Biên tập viên Chi đoàn Văn phòng UBND tỉnh")]
    pub display_name: Option<String>,
    /// What the account may do: `admin` everything, `editor` write the activities of its unit
    /// (`organization_id`) and the units below, `reviewer` approve or return their news
    /// (duyệt tin).
    pub role: Role,
    /// The unit whose activities an editor writes or a reviewer reviews (and the units below
    /// it); null for an admin.
    #[schema(example = 4)]
    pub organization_id: Option<i64>,
    /// False: deactivated by an admin. It cannot log in and its earlier tokens are refused;
    /// the account and its history stay (`true` again switches it back on).
    pub active: bool,
    /// When the account was created (UTC, RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Its last change by an admin or by a password change (UTC, RFC 3339); a login does not
    /// change it.
    pub updated_at: DateTime<Utc>,
    /// Its last successful login (`POST /api/v1/auth/token`), UTC, RFC 3339; null if it never
    /// logged in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Its version: 1 when created, one more at each change of the account (a login only sets
    /// `last_login_at`). The ETag changes with it and covers every field but `last_login_at`
    /// (a login is not a change of the account: it never fails an admin's `If-Match`, and a
    /// 304 may stand for an older `last_login_at`); send the ETag back in `If-Match` to change
    /// or delete the user.
    #[schema(example = 1)]
    pub version: i64,
}

pub const USERNAME_RULE: &str =
    "must be 3 to 50 characters: letters a-z, digits, '.', '_' or '-', and not all digits";

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
    // All digits would read as an id in `/users/{id}`.
    (3..=50).contains(&u.len())
        && !u.bytes().all(|b| b.is_ascii_digit())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Body of `POST /users`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "bientap.vpubnd", "password": "Lang Son 2023!", "role": "editor", "organization_id": 4}))]
pub struct CreateUser {
    /// Login name: 3 to 50 characters among letters a-z, digits, `.`, `_` and `-`, not all
    /// digits (`/users/{id}` would read it as an id). Stored lower case; unique regardless of
    /// case (409 if taken). It cannot be changed later.
    #[schema(
        pattern = "^[A-Za-z0-9._-]*[A-Za-z._-][A-Za-z0-9._-]*$",
        min_length = 3,
        max_length = 50
    )]
    pub username: String,
    /// At least 10 characters mixing two of: lower case, upper case, digits, symbols.
    #[schema(min_length = 10, max_length = 200, format = Password)]
    pub password: String,
    /// Name to show for the account (trimmed; empty means none).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// `admin`, `editor` or `reviewer`; an editor or a reviewer needs `organization_id`.
    pub role: Role,
    /// Required for editors and reviewers: the unit they act for (and the units below it); an
    /// existing organization (422 otherwise). Absent or null for an admin (422 otherwise: an
    /// admin acts for every unit).
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// Default true; false creates the account deactivated (it cannot log in until an admin
    /// sets `active: true`).
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_true() -> bool {
    true
}

impl User {
    /// The ETag of the account: of its representation without `last_login_at` (see
    /// `version`), the same for a read and for a write's `If-Match`.
    pub fn etag(&self) -> Result<String, crate::error::AppError> {
        let account = User {
            last_login_at: None,
            ..self.clone()
        };
        crate::db::precondition::of(&account)
    }
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
    /// A new display name (trimmed; empty or null removes it).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub display_name: Patch<String>,
    /// A new role; cannot be null. An editor or a reviewer needs a unit (`organization_id`,
    /// kept or given: else 422); demoting the last active admin is a 409.
    #[serde(default)]
    #[schema(value_type = Role, required = false)]
    pub role: Patch<Role>,
    /// The id of an existing organization (else 422): the unit an editor writes for or a
    /// reviewer reviews, with the units below it. Null only for an admin, and only null (422
    /// otherwise): a user made an admin loses its unit.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Patch<i64>,
    /// `false` deactivates the account (no more logins), `true` switches it on again; cannot
    /// be null. Deactivating the last active admin is a 409.
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub active: Patch<bool>,
    /// A new password, set by the admin: at least 10 characters mixing two of lower case,
    /// upper case, digits and symbols, not containing the username. Cannot be null.
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
    /// The account's username, in any case (usernames are case-insensitive).
    #[schema(max_length = 100)]
    pub username: String,
    /// The account's password. A wrong one (or an unknown or deactivated username) is a 401.
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
    /// Always `Bearer`: the scheme to put before the token in `Authorization`.
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
    /// The caller's current password; a wrong one is a 422 on this field and counts as a
    /// failed login (429 after too many).
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
        lists: ["role"],
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
