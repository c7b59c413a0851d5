//! Users (admin only) and the `/auth` endpoints that issue and manage tokens.

pub mod cli;
pub mod dto;
pub mod handlers;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

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
