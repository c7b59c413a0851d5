//! Users (admin only) and the `/auth` endpoints that issue and manage tokens.

pub mod cli;
pub mod dto;
pub mod handlers;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::resource::{describe_codes, docs, Linked, Reference, Resource};

/// Accounts and their tokens, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[
        (
            "auth",
            "Bearer tokens: reading published content needs none; every write does",
        ),
        ("users", "Accounts that may write (admins only)"),
    ],
    api: Some(configure),
    sorts: &[("list_users", &repo::SORTS)],
    linked: Some(Linked {
        name: "User",
        collection: "/api/v1/users",
        stem: "user",
    }),
    document: Some(document),
    refers_to_organization: &[Reference {
        what: "users",
        names: "SELECT username AS name FROM users WHERE organization_id = ?1 ORDER BY username LIMIT 10",
    }],
    ..Resource::NONE
};

/// What each role may do, in the spec.
fn document(spec: &mut utoipa::openapi::OpenApi) {
    describe_codes(spec, "Role", "Values:", &docs(crate::auth::Role::DOCS));
}

/// Routes under `/api/v1/users` and `/api/v1/auth`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/users")
            .service(handlers::list_users)
            .service(handlers::create_user)
            .service(handlers::get_user)
            .service(handlers::update_user)
            .service(handlers::delete_user),
    )
    .service(
        utoipa_actix_web::scope("/auth")
            .service(handlers::create_token)
            .service(handlers::get_me)
            .service(handlers::change_password),
    );
}
