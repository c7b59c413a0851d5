//! Emulation clusters (cụm thi đua): yearly rosters with roles, the ranking that emulation is
//! about, and the annual results.

pub mod dto;
pub mod handlers;
pub mod render;
pub mod repo;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes under `/api/v1/clusters`, plus `/organizations/{id}/clusters` and
/// `/organizations/{id}/results` (registered before the organizations scope).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_organization_clusters)
        .service(handlers::list_organization_results)
        .service(
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
