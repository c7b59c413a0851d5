//! User administration (admins only) and the `/auth` endpoints: token, me, password.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use crate::auth::throttle::LoginThrottle;
use crate::auth::{password, Admin, AuthUser, TokenKeys};
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;
use crate::http::{etag, links};

use super::dto::{
    ChangePassword, CreateUser, ListUsersQuery, TokenRequest, TokenResponse, UpdateUser, User,
    UserPath,
};
use super::repo;

/// Hash off the async workers (argon2 is deliberately slow).
async fn hash(password: String) -> ApiResult<String> {
    web::block(move || password::hash(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)
}

/// List users
///
/// Admins only. Filters: `role` (one or more), `organization` (the users of exactly that
/// unit, by id or slug; not those of the units below it) and `active`. By `username` unless
/// `sort` says `created_at`.
#[utoipa::path(tag = "users", operation_id = "list_users", params(ListUsersQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of users", body = ListResponse<User>,
        headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 404, description = "`organization` names no unit", body = Problem, content_type = "application/problem+json")))]
#[get("")]
pub async fn list_users(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    query: Qs<ListUsersQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let list = ListRequest::new(&req, &query.paging(), &repo::SORTS)?;
    let page_req = list.clone();
    let (data, total, next) =
        db::run(&pool, move |conn| repo::list(conn, &query, &page_req)).await?;
    list::respond(&req, &list, data, total, next)
}

/// Create a user
///
/// Editors need `organization_id`: the unit whose activities (and those of the units below it)
/// they may write.
#[utoipa::path(tag = "users", operation_id = "create_user", request_body = CreateUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = User,
         headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create_user(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    body: JsonBody<CreateUser>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    let hashed = hash(input.password.clone()).await?;
    let user = db::run(&pool, move |conn| repo::create(conn, &input, hashed)).await?;
    let location = links::absolute(&req, &format!("/api/v1/users/{}", user.id));
    respond(&req, StatusCode::CREATED, &user, |res| {
        res.insert_header((header::LOCATION, location));
    })
}

/// A user with its ETag ([`User::etag`]: a login does not move it).
fn respond(
    req: &HttpRequest,
    status: StatusCode,
    user: &User,
    extra: impl FnOnce(&mut actix_web::HttpResponseBuilder),
) -> ApiResult<HttpResponse> {
    let body = serde_json::to_vec(user).map_err(AppError::internal)?;
    etag::tagged_response(req, status, body, user.etag()?, extra)
}

/// Get a user
///
/// Admins only, by numeric id or username (any case). Its `ETag` answers `If-None-Match`
/// (304) and guards a `PATCH` or `DELETE` (`If-Match`).
#[utoipa::path(tag = "users", operation_id = "get_user", params(UserPath, FieldsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json")))]
#[get("/{id}")]
pub async fn get_user(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<UserPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let user = db::run(&pool, move |conn| repo::get(conn, &key)).await?;
    match query.0.fields.as_deref() {
        None => respond(&req, StatusCode::OK, &user, |_| {}),
        fields => etag::shown_response(&req, user, fields),
    }
}

/// Update a user
///
/// Merge patch. A new password, role, unit or `active: false` revokes the user's earlier
/// tokens. The last active admin cannot be demoted or deactivated (409).
#[utoipa::path(tag = "users", operation_id = "update_user",
    params(UserPath, ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateUser, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        (status = 409, description = "Would leave no active admin", body = Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn update_user(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<UserPath>,
    body: JsonBody<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let patch = body.0;
    let new_hash = match patch.password.as_value() {
        Some(pw) => {
            // The same rule as every other password: not containing the username.
            let key_for_name = key.clone();
            let username = db::run(&pool, move |conn| repo::get(conn, &key_for_name))
                .await?
                .username;
            if let Some(why) = password::weakness(pw, &username) {
                return Err(AppError::invalid("/password", why));
            }
            Some(hash(pw.clone()).await?)
        }
        None => None,
    };
    let if_match = etag::if_match(&req);
    let user = db::run(&pool, move |conn| {
        repo::update(conn, &key, patch, new_hash, if_match)
    })
    .await?;
    respond(&req, StatusCode::OK, &user, |_| {})
}

/// Delete a user
///
/// Its tokens stop working at once. The last active admin cannot be deleted (409).
#[utoipa::path(tag = "users", operation_id = "delete_user",
    params(UserPath, ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Would leave no active admin", body = Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_user(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
    path: web::Path<UserPath>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner().id;
    let if_match = etag::if_match(&req);
    db::run(&pool, move |conn| repo::delete(conn, &key, if_match)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// On PostgreSQL (several nodes on one database), the failed logins of every node, from the
/// audit log: 429 past the limit, as one node's own throttle answers for its attempts.
async fn deployment_throttle(
    pool: &DbPool,
    throttle: &LoginThrottle,
    username: &str,
    req: &HttpRequest,
) -> ApiResult<()> {
    if pool.engine != db::dialect::Dialect::Postgres {
        return Ok(());
    }
    let username = username.to_string();
    // The address as the audit log records it.
    let address = crate::http::links::client_ip(req).map(|a| a.to_string());
    let wait = db::run_on_primary(pool, move |conn| {
        Ok(repo::deployment_login_wait(
            conn,
            &username,
            address.as_deref().unwrap_or(""),
        )?)
    })
    .await?;
    match wait {
        Some(wait) => {
            throttle.refused();
            Err(AppError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
                reason: "too many failed logins",
            })
        }
        None => Ok(()),
    }
}

fn client_address(req: &HttpRequest) -> String {
    crate::http::links::client_ip(req)
        .map(|a| a.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Get a token
///
/// Exchange a username and password for a bearer token. After 5 failed attempts for one
/// username (or from one address) within 15 minutes: 429 with `Retry-After`.
#[utoipa::path(tag = "auth", operation_id = "create_token", request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Wrong username or password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait")))))]
#[post("/token")]
pub async fn create_token(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    keys: web::Data<TokenKeys>,
    throttle: web::Data<LoginThrottle>,
    body: JsonBody<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    let address = client_address(&req);
    deployment_throttle(&pool, &throttle, &input.username, &req).await?;
    // Counted as a failure from here on, under the same lock as the limit check: concurrent
    // guesses cannot all slip past the limit before any is recorded.
    let attempt =
        throttle
            .begin(&input.username, &address)
            .map_err(|wait| AppError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
                reason: "too many failed logins",
            })?;
    let username = input.username.clone();
    let row = db::run(&pool, move |conn| repo::by_username(conn, &username)).await?;
    // argon2 off the async workers and without holding a pooled connection.
    let stored = row.as_ref().map(|r| r.password_hash.clone());
    let password_given = input.password;
    let matches = web::block(move || match stored {
        Some(hash) => password::verify(&password_given, &hash),
        None => {
            password::verify_dummy(&password_given);
            false
        }
    })
    .await
    .map_err(AppError::internal)?;
    let row = match row {
        Some(row) if matches && row.active => row,
        _ => {
            tracing::info!(username = %input.username, %address, "failed login");
            let tried = input.username.clone();
            db::run(&pool, move |conn| {
                Ok(crate::audit::record_login(
                    conn,
                    "login_failed",
                    &tried,
                    None,
                )?)
            })
            .await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    let keys_for_login = keys.clone();
    let token = db::run(&pool, move |conn| {
        repo::logged_in(conn, &keys_for_login, &row)
    })
    .await?;
    attempt.succeeded();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: keys.ttl_seconds,
        }))
}

/// Who am I
///
/// The account the bearer token belongs to, whatever its role: a client learns from it the
/// caller's role and unit (`organization_id`). 401 without a valid token (expired, revoked
/// by a password or role change, or of a deactivated account).
#[utoipa::path(tag = "auth", operation_id = "get_me", security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = User)))]
#[get("/me")]
pub async fn get_me(pool: web::Data<DbPool>, user: AuthUser) -> ApiResult<HttpResponse> {
    let me = db::run(&pool, move |conn| repo::get(conn, &user.id.to_string())).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Change my password
///
/// Needs the current password. Every earlier token of the caller stops working; the response
/// carries a fresh one.
#[utoipa::path(tag = "auth", operation_id = "change_password", request_body = ChangePassword,
    security(("bearer" = [])),
    responses((status = 200, description = "Changed; a fresh token", body = TokenResponse),
        (status = 429, description = "Too many wrong passwords (they count as failed logins)", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait")))))]
#[post("/password")]
pub async fn change_password(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    keys: web::Data<TokenKeys>,
    throttle: web::Data<LoginThrottle>,
    user: AuthUser,
    body: JsonBody<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    if let Some(why) = password::weakness(&input.new_password, &user.username) {
        return Err(AppError::invalid("/new_password", why));
    }
    // A stolen token must not become a way to guess the current password (and so take the
    // account over): wrong current passwords count as failed logins.
    deployment_throttle(&pool, &throttle, &user.username, &req).await?;
    let attempt = throttle
        .begin(&user.username, &client_address(&req))
        .map_err(|wait| AppError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
            reason: "too many failed logins",
        })?;
    let user_id = user.id;
    let current = db::run(&pool, move |conn| repo::load(conn, user_id)).await?;
    let given = input.current_password;
    let stored = current.password_hash.clone();
    let right = web::block(move || password::verify(&given, &stored))
        .await
        .map_err(AppError::internal)?;
    if !right {
        return Err(AppError::invalid("/current_password", "is wrong"));
    }
    attempt.succeeded();
    let hashed = hash(input.new_password.clone()).await?;
    let keys_for_change = keys.clone();
    let token = db::run(&pool, move |conn| {
        repo::change_password(conn, &keys_for_change, &current, hashed)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: keys.ttl_seconds,
        }))
}
