//! User rows and queries; logins and password changes.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::{Claims, Role, TokenKeys};
use crate::db::list::{Bind, ListSql, Statement};
use crate::db::list::{KeysetRow, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition as etag;
use crate::db::schema::users;
use crate::db::{self, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

use super::dto::{CreateUser, ListUsersQuery, UpdateUser, User};

pub const SORTS: Sortable = Sortable {
    fields: &[("username", "u.username"), ("created_at", "u.created_at")],
    default: "username",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub organization_id: Option<i32>,
    pub active: bool,
    pub password_hash: String,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    pub version: i32,
    pub token_key: String,
}

impl UserRow {
    pub fn to_dto(&self) -> User {
        User {
            id: i64::from(self.id),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).unwrap_or(Role::Editor),
            organization_id: self.organization_id.map(i64::from),
            active: self.active,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            last_login_at: self.last_login_at.map(|t| t.and_utc()),
            version: i64::from(self.version),
        }
    }
}

impl KeysetRow for UserRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, sort_name: &str) -> Bind {
        match sort_name {
            "username" => Bind::Text(self.username.clone()),
            _ => Bind::timestamp(self.created_at),
        }
    }
}

/// One user's row by id (404 when there is none).
pub fn load(conn: &mut Conn, id: i32) -> ApiResult<UserRow> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?)
}

/// Resolve an id-or-username to an id, or 404.
pub fn find_id(conn: &mut Conn, key: &str) -> ApiResult<i32> {
    let q = users::table.select(users::id).into_boxed();
    let q = match db::Key::parse(key) {
        db::Key::Id(id) => q.filter(users::id.eq(id)),
        db::Key::Slug(name) => q.filter(users::username.eq(name.to_lowercase())),
    };
    q.first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no user '{key}'")))
}

pub fn get(conn: &mut Conn, key: &str) -> ApiResult<User> {
    let id = find_id(conn, key)?;
    Ok(load(conn, id)?.to_dto())
}

pub fn list(
    conn: &mut Conn,
    query: &ListUsersQuery,
    list: &PageSpec,
) -> ApiResult<(Vec<User>, i64, Option<Vec<Bind>>)> {
    let q = list_sql(conn, query)?;
    let (rows, total, next) = list.load::<UserRow>(conn, &q)?;
    Ok((rows.iter().map(UserRow::to_dto).collect(), total, next))
}

/// The page and count statements of a list (what the query-plan test explains).
pub fn list_statements(
    conn: &mut Conn,
    query: &ListUsersQuery,
    list: &PageSpec,
) -> ApiResult<Vec<Statement>> {
    let q = list_sql(conn, query)?;
    Ok(list.statements(&q))
}

fn list_sql(conn: &mut Conn, query: &ListUsersQuery) -> ApiResult<ListSql> {
    let mut q = ListSql::new("u.*", "users u", "u.id");
    if let Some(roles) = &query.role {
        let roles: Vec<Bind> = roles.iter().map(|r| Bind::from(r.as_str())).collect();
        if let [role] = roles.as_slice() {
            q.filter("u.role = ?", [role.clone()]);
        } else {
            q.filter_in("+u.role", roles);
        }
    }
    if let Some(org) = &query.organization {
        let id = tree::lookup_organization(conn, org)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `organization`: there is no organization '{org}'"
            ))
        })?;
        q.filter("u.organization_id = ?", [Bind::Int(i64::from(id))]);
    }
    if let Some(active) = query.active {
        q.filter("u.active = ?", [Bind::Bool(active)]);
    }
    Ok(q)
}

fn check_organization(conn: &mut Conn, org: Option<i64>) -> ApiResult<Option<i32>> {
    let Some(org) = org else { return Ok(None) };
    let id = i32::try_from(org).ok();
    let exists = match id {
        Some(id) => tree::lookup_organization(conn, &id.to_string())?.is_some(),
        None => false,
    };
    if exists {
        Ok(id)
    } else {
        Err(AppError::invalid(
            "/organization_id",
            format!("there is no organization {org}"),
        ))
    }
}

/// Why an admin is given no `organization_id`.
const ADMIN_HAS_NO_UNIT: &str =
    "must be absent or null for an admin (an admin acts for every unit and has none of its own)";

/// Insert a user whose password was hashed already.
pub fn create(conn: &mut Conn, input: &CreateUser, password_hash: String) -> ApiResult<User> {
    let username = input.username.to_lowercase();
    if !input.role.needs_unit() && input.organization_id.is_some() {
        return Err(AppError::invalid("/organization_id", ADMIN_HAS_NO_UNIT));
    }
    crate::db::write(conn, |conn| {
        let org = check_organization(conn, input.organization_id)?;
        let taken: bool = diesel::select(diesel::dsl::exists(
            users::table.filter(users::username.eq(&username)),
        ))
        .get_result(conn)?;
        if taken {
            return Err(AppError::Conflict {
                detail: format!("the username '{username}' is already taken"),
                errors: vec![FieldError::new("/username", "is already taken")],
            });
        }
        let now = db::now();
        let id: i32 = diesel::insert_into(users::table)
            .values((
                users::username.eq(&username),
                users::display_name.eq(text::clean_opt(input.display_name.as_deref())),
                users::role.eq(input.role.as_str()),
                users::organization_id.eq(org),
                users::active.eq(input.active),
                users::password_hash.eq(password_hash),
                users::token_version.eq(1),
                users::token_key.eq(hex::encode(rand::random::<[u8; 16]>())),
                users::created_at.eq(now),
                users::updated_at.eq(now),
                users::version.eq(1),
            ))
            .returning(users::id)
            .get_result(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "users", id).versions(None, Some(1)),
        )?;
        Ok(load(conn, id)?.to_dto())
    })
}

/// Number of active admins other than `except`.
fn other_active_admins(conn: &mut Conn, except: i32) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

/// Apply a merge patch (a new password arrives hashed).
pub fn update(
    conn: &mut Conn,
    key: &str,
    patch: UpdateUser,
    new_hash: Option<String>,
    if_match: Option<String>,
) -> ApiResult<User> {
    crate::db::write(conn, |conn| {
        let id = find_id(conn, key)?;
        let row = load(conn, id)?;
        etag::check_if_match(if_match.as_deref(), &row.to_dto().etag()?)?;
        let role = patch
            .role
            .as_value()
            .copied()
            .unwrap_or_else(|| Role::parse(&row.role).unwrap_or(Role::Editor));
        let org = match &patch.organization_id {
            // Made an admin: the unit it acted for goes (an admin acts for every unit).
            Patch::Absent if !role.needs_unit() => None,
            Patch::Absent => row.organization_id,
            Patch::Null => None,
            Patch::Value(_) if !role.needs_unit() => {
                return Err(AppError::invalid("/organization_id", ADMIN_HAS_NO_UNIT));
            }
            Patch::Value(v) => check_organization(conn, Some(*v))?,
        };
        if role.needs_unit() && org.is_none() {
            return Err(AppError::invalid(
                "/organization_id",
                "is required for an editor or a reviewer",
            ));
        }
        let active = patch.active.as_value().copied().unwrap_or(row.active);
        let was_admin = row.role == "admin" && row.active;
        if was_admin && (role != Role::Admin || !active) && other_active_admins(conn, id)? == 0 {
            return Err(AppError::conflict(
                "this is the last active admin; make another user admin first",
            ));
        }
        let display_name = match patch.display_name {
            Patch::Absent => row.display_name.clone(),
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        let revoke = new_hash.is_some()
            || role.as_str() != row.role
            || org != row.organization_id
            || active != row.active;
        let changed = revoke || display_name != row.display_name;
        if !changed {
            return Ok(row.to_dto());
        }
        diesel::update(users::table.find(id))
            .set((
                users::display_name.eq(display_name),
                users::role.eq(role.as_str()),
                users::organization_id.eq(org),
                users::active.eq(active),
                users::password_hash.eq(new_hash.unwrap_or(row.password_hash.clone())),
                users::token_version.eq(row.token_version + i32::from(revoke)),
                users::updated_at.eq(db::now()),
                users::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "users", id).versions(
                Some(i64::from(row.version)),
                Some(i64::from(row.version) + 1),
            ),
        )?;
        Ok(load(conn, id)?.to_dto())
    })
}

/// Delete a user (its tokens die with it); never the last active admin.
pub fn delete(conn: &mut Conn, key: &str, if_match: Option<String>) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let id = find_id(conn, key)?;
        let row = load(conn, id)?;
        etag::check_if_match(if_match.as_deref(), &row.to_dto().etag()?)?;
        if row.role == "admin" && row.active && other_active_admins(conn, id)? == 0 {
            return Err(AppError::conflict(
                "this is the last active admin; make another user admin first",
            ));
        }
        diesel::delete(users::table.find(id)).execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("delete", "users", id)
                .versions(Some(i64::from(row.version)), None),
        )?;
        Ok(())
    })
}

/// The row a login is checked against.
pub fn by_username(conn: &mut Conn, username: &str) -> ApiResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username.to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Claims for a fresh token of this user.
pub fn claims_for(row: &UserRow, ttl: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: row.id.to_string(),
        role: row.role.clone(),
        org: row.organization_id.map(i64::from),
        iat: now,
        exp: now + ttl,
        iss: crate::auth::token::ISSUER.into(),
        aud: crate::auth::token::AUDIENCE.into(),
        key: row.token_key.clone(),
        ver: i64::from(row.token_version),
    }
}

/// After a successful password check: stamp `last_login_at` and issue a token.
pub fn logged_in(conn: &mut Conn, keys: &TokenKeys, row: &UserRow) -> ApiResult<String> {
    crate::db::write(conn, |conn| {
        diesel::update(users::table.find(row.id))
            .set(users::last_login_at.eq(db::now()))
            .execute(conn)?;
        let role = Role::parse(&row.role).map_or("", Role::as_str);
        crate::audit::record_login(conn, "login", &row.username, Some((row.id, role)))?;
        Ok(keys.issue(&claims_for(row, keys.ttl_seconds))?)
    })
}

/// Change one's own password, checked against `checked` (the row the current password was
/// verified on); revokes earlier tokens and returns a fresh one. If the row changed since the
/// check (another password change, a deactivation), nothing is written: 409.
pub fn change_password(
    conn: &mut Conn,
    keys: &TokenKeys,
    checked: &UserRow,
    new_hash: String,
) -> ApiResult<String> {
    crate::db::write(conn, |conn| {
        let row = load(conn, checked.id)?;
        if row.version != checked.version || row.token_version != checked.token_version {
            return Err(AppError::conflict(
                "the account changed while the password was being checked; try again",
            ));
        }
        diesel::update(users::table.find(row.id))
            .set((
                users::password_hash.eq(new_hash),
                users::token_version.eq(row.token_version + 1),
                users::updated_at.eq(db::now()),
                users::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("password_change", "users", row.id).versions(
                Some(i64::from(row.version)),
                Some(i64::from(row.version) + 1),
            ),
        )?;
        let row = load(conn, row.id)?;
        Ok(keys.issue(&claims_for(&row, keys.ttl_seconds))?)
    })
}

/// How many users exist (the demo admin is made only into an empty table).
pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// How long `username` (or `address`) must wait before another login, counted from the
/// failed logins every node of a deployment records in the audit log: the in-memory throttle
/// ([`crate::auth::throttle`]) counts one node's attempts, so on PostgreSQL, where several
/// nodes serve one database, a guesser would otherwise get its attempts once per node. A
/// username's count starts afresh at its last successful login; an address's does not.
pub fn deployment_login_wait(
    conn: &mut Conn,
    username: &str,
    address: &str,
) -> QueryResult<Option<std::time::Duration>> {
    use crate::auth::throttle::{MAX_FAILURES, WINDOW};
    use diesel::sql_types::{Text, Timestamp};
    #[derive(QueryableByName)]
    struct At {
        #[diesel(sql_type = Timestamp)]
        at: NaiveDateTime,
    }
    let now = db::now();
    let window = chrono::Duration::from_std(WINDOW).unwrap_or_default();
    let since = now - window;
    let name: String = username.trim().to_lowercase().chars().take(100).collect();
    let limit = MAX_FAILURES;
    let by_user: Vec<At> = db::sql(
        conn,
        format!(
            "SELECT at FROM audit_log WHERE action = 'login_failed' AND actor = ?1 AND at > ?2 \
             AND at > coalesce((SELECT max(at) FROM audit_log WHERE action = 'login' AND actor = ?1), ?2) \
             ORDER BY at DESC LIMIT {limit}"
        ),
    )
    .bind::<Text, _>(&name)
    .bind::<Timestamp, _>(since)
    .load(conn)?;
    let by_address: Vec<At> = db::sql(
        conn,
        format!(
            "SELECT at FROM audit_log WHERE action = 'login_failed' AND client_addr = ? AND at > ? \
             ORDER BY at DESC LIMIT {limit}"
        ),
    )
    .bind::<Text, _>(address)
    .bind::<Timestamp, _>(since)
    .load(conn)?;
    // Over the limit: until the oldest of the last `MAX_FAILURES` leaves the window.
    let wait = [by_user, by_address]
        .iter()
        .filter(|failures| failures.len() >= MAX_FAILURES)
        .filter_map(|failures| failures.last())
        .map(|oldest| oldest.at + window - now)
        .filter_map(|left| left.to_std().ok())
        .max();
    Ok(wait)
}
