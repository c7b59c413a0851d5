//! Authentication and authorisation: password hashing, JWT tokens, login throttling and the
//! extractors that make each handler's protection visible in its signature.

pub mod password;
pub mod throttle;
pub mod token;

use crate::db::Conn;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{self, DbPool};
use crate::error::AppError;

pub use token::{Claims, TokenKeys};

crate::string_enum! {
    /// What a user may do.
    pub enum Role {
        /// Everything, including organizations, clusters and users.
        Admin = "admin",
        /// The activities of its own unit and of the units below it.
        Editor = "editor",
        /// Approves or returns the news of its own unit and of the units below it (duyệt tin).
        Reviewer = "reviewer",
    }
}

impl Role {
    /// Editors and reviewers act for a unit (and the units below it).
    pub fn needs_unit(self) -> bool {
        self != Role::Admin
    }
}

/// The caller, authenticated by a valid bearer token of an active user.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub organization_id: Option<i32>,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Who acts, as the request context and the audit log name it.
    pub fn actor(&self) -> crate::context::Actor {
        crate::context::Actor {
            id: self.id,
            username: self.username.clone(),
            role: self.role.as_str(),
        }
    }
}

#[derive(Queryable)]
struct TokenUser {
    id: i32,
    username: String,
    role: String,
    organization_id: Option<i32>,
    active: bool,
    token_version: i32,
    token_key: String,
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Resolve a token to its user: signature, expiry, issuer and audience, then the user must
/// exist, be active, carry the same token key (ids alone could name a later account) and the
/// same token version.
pub fn authenticate(conn: &mut Conn, keys: &TokenKeys, token: &str) -> Result<AuthUser, AppError> {
    let claims = keys.verify(token).ok_or(AppError::Unauthorized)?;
    let id: i32 = claims.sub.parse().map_err(|_| AppError::Unauthorized)?;
    let user: Option<TokenUser> = users::table
        .find(id)
        .select((
            users::id,
            users::username,
            users::role,
            users::organization_id,
            users::active,
            users::token_version,
            users::token_key,
        ))
        .first(conn)
        .optional()?;
    match user {
        Some(u)
            if u.active
                && i64::from(u.token_version) == claims.ver
                && crate::text::constant_time_eq(u.token_key.as_bytes(), claims.key.as_bytes()) =>
        {
            Ok(AuthUser {
                id: u.id,
                username: u.username,
                role: Role::parse(&u.role).ok_or(AppError::Unauthorized)?,
                organization_id: u.organization_id,
            })
        }
        _ => Err(AppError::Unauthorized),
    }
}

/// Who sent a request, resolved once by [`identify`] before any handler runs.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A token of a live account.
    User(AuthUser),
    /// An `Authorization` header that does not authenticate: not a bearer token, a bad
    /// signature, expired, or its account deactivated, deleted or signed out since (401).
    /// `signed`: its signature held (the outer rate limiter let it pass as signed in).
    Refused { signed: bool },
}

impl Caller {
    /// Resolve the request's `Authorization` header: a token whose signature fails never costs
    /// a database connection.
    pub async fn of(req: &HttpRequest) -> Result<Caller, AppError> {
        let Some(token) = bearer(req) else {
            return Ok(if req.headers().contains_key(header::AUTHORIZATION) {
                Caller::Refused { signed: false }
            } else {
                Caller::Anonymous
            });
        };
        let keys = req
            .app_data::<web::Data<TokenKeys>>()
            .ok_or_else(|| AppError::internal("token keys are not configured"))?
            .clone();
        if keys.verify(&token).is_none() {
            return Ok(Caller::Refused { signed: false });
        }
        let pool = req
            .app_data::<web::Data<DbPool>>()
            .ok_or_else(|| AppError::internal("database pool is not configured"))?
            .clone();
        match db::run(&pool, move |conn| authenticate(conn, &keys, &token)).await {
            Ok(user) => Ok(Caller::User(user)),
            Err(AppError::Unauthorized) => Ok(Caller::Refused { signed: true }),
            Err(other) => Err(other),
        }
    }
}

/// Paths whose `Authorization` header is not an account's token: the probes (a load balancer
/// sends none), `/metrics` (its own `--metrics-token`), and the login, where a client whose
/// token expired or was revoked goes for a new one.
pub fn own_authorization(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics" || path == "/api/v1/auth/token"
}

async fn extract(req: &HttpRequest) -> Result<Option<AuthUser>, AppError> {
    // Resolved by `http::limits::identify` (every request of the app); resolved here only where
    // it did not run (a handler mounted without it).
    let caller = req.extensions().get::<Caller>().cloned();
    let caller = match caller {
        Some(caller) => caller,
        None => {
            let caller = Caller::of(req).await?;
            if let Caller::User(user) = &caller {
                crate::context::authenticated(user.actor());
            }
            caller
        }
    };
    match caller {
        Caller::Anonymous => Ok(None),
        Caller::User(user) => Ok(Some(user)),
        Caller::Refused { .. } => Err(AppError::Unauthorized),
    }
}

impl FromRequest for AuthUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            extract(&req)
                .await?
                .ok_or_else(|| AppError::Unauthorized.into())
        })
    }
}

/// The caller if a token was sent (anonymous otherwise); a bad token is still a 401.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequest for MaybeUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(extract(&req).await?)) })
    }
}

/// An authenticated admin; an editor gets 403.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.is_admin() {
                Ok(Admin(user))
            } else {
                Err(AppError::Forbidden("only an admin may do this".into()).into())
            }
        })
    }
}
