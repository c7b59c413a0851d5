//! Emulation clusters (cụm thi đua): yearly rosters with roles, the ranking that emulation is
//! about, and the annual results.

pub mod dto;
pub mod handlers;
pub mod render;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::resource::{Linked, Reference, Resource};

/// Emulation clusters, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[(
        "clusters",
        "Emulation clusters (cụm thi đua): rosters, ranking, results",
    )],
    within: Some(within),
    api: Some(configure),
    sorts: &[("list_clusters", &repo::SORTS)],
    linked: Some(Linked {
        name: "Cluster",
        collection: "/api/v1/clusters",
        stem: "cluster",
    }),
    refers_to_organization: &[Reference {
        what: "emulation clusters of its bloc",
        names: "SELECT name FROM clusters WHERE bloc_id = ?1 LIMIT 10",
    }],
    ..Resource::NONE
};

/// `/organizations/{id}/clusters` and `/organizations/{id}/results`.
fn within(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_organization_clusters)
        .service(handlers::list_organization_results);
}

/// Routes under `/api/v1/clusters`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/clusters")
            .service(handlers::list_clusters)
            .service(handlers::create_cluster)
            .service(handlers::get_cluster)
            .service(handlers::update_cluster)
            .service(handlers::delete_cluster)
            .service(handlers::get_members)
            .service(handlers::put_members)
            .service(handlers::get_ranking)
            .service(handlers::put_results)
            .service(handlers::get_results),
    );
}
