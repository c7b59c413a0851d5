//! Organizations: the Youth Union units (a hierarchy) and the partner bodies they work with.

pub mod dto;
pub mod handlers;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::resource::{Linked, Reference, Resource};

/// What the layers above organizations hook into its writes (shared app data, set by
/// `startup`): this module never names them.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// After a rename, in the same transaction.
    pub renamed: repo::RenameHook,
    /// What may refer to a unit (a deletion is a 409 while any remain), from every resource.
    pub references: fn() -> Vec<Reference>,
}

/// Organizations, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[(
        "organizations",
        "Đoàn units (a hierarchy) and partner bodies",
    )],
    api: Some(configure),
    sorts: &[("list_organizations", &repo::SORTS)],
    linked: Some(Linked {
        name: "Organization",
        collection: "/api/v1/organizations",
        stem: "organization",
    }),
    refers_to_organization: &[
        Reference {
            what: "units below it",
            names: "SELECT name FROM organizations WHERE parent_id = ?1 ORDER BY sort_key LIMIT 10",
        },
        Reference {
            what: "units it succeeded",
            names: "SELECT name FROM organizations WHERE successor_id = ?1 LIMIT 10",
        },
    ],
    ..Resource::NONE
};

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
