//! Activities: what the units did — the news the portal publishes — with their trash,
//! revisions, and the category and tag vocabularies.

pub mod dto;
pub mod fields;
pub mod handlers;
pub mod params;
pub mod render;
pub mod repo;
pub mod schedule;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes under `/api/v1`: `/activities`, `/trash/activities`, `/categories`, `/tags` and
/// `/organizations/{id}/activities` (registered before the organizations scope, which would
/// otherwise take the path).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_organization_activities)
        .service(handlers::list_categories)
        .service(handlers::list_tags)
        .service(handlers::review_queue)
        .service(
            utoipa_actix_web::scope("/activities")
                .service(handlers::list_activities)
                .service(handlers::create_activity)
                .service(handlers::get_activity)
                .service(handlers::update_activity)
                .service(handlers::delete_activity)
                .service(handlers::restore_activity)
                .service(handlers::review_activity)
                .service(handlers::list_revisions)
                .service(handlers::get_revision)
                .service(handlers::restore_revision),
        )
        .service(
            utoipa_actix_web::scope("/trash")
                .service(handlers::list_trash)
                .service(handlers::purge_activity),
        );
}
