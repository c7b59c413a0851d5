//! Organizations: the Youth Union units (a hierarchy) and the partner bodies they work with.

pub mod dto;
pub mod handlers;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

/// What the layers above organizations hook into its writes (shared app data, set by
/// `startup`): this module never names them.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// After a rename, in the same transaction.
    pub renamed: repo::RenameHook,
}

/// Routes under `/api/v1/organizations`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/organizations")
            .service(handlers::list_organizations)
            .service(handlers::create_organization)
            .service(handlers::get_organization)
            .service(handlers::update_organization)
            .service(handlers::delete_organization),
    );
}
