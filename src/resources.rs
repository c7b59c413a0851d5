//! Every resource of the API, once, in the order the spec lists their tags. Each declares
//! itself in its own module (`http::resource::Resource`); the spec, the routes and an
//! organization's deletion read this list. Adding a resource adds its line here.

use crate::http::resource::{Reference, Resource};
use crate::{
    activities, audit, backup, clusters, feeds, health, media, organizations, stats, transfer,
    users, vocab, webhooks,
};

/// The resources, in the order of their tags in the spec.
pub const ALL: &[Resource] = &[
    organizations::RESOURCE,
    activities::RESOURCE,
    clusters::RESOURCE,
    stats::RESOURCE,
    feeds::RESOURCE,
    users::RESOURCE,
    audit::RESOURCE,
    webhooks::RESOURCE,
    media::RESOURCE,
    transfer::RESOURCE,
    backup::RESOURCE,
    vocab::RESOURCE,
    health::RESOURCE,
];

/// Register every resource's routes: those below another resource's path first, then each
/// resource's own, under `/api/v1`; then those outside it.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(|api| {
        for within in ALL.iter().filter_map(|r| r.within) {
            within(api);
        }
        for own in ALL.iter().filter_map(|r| r.api) {
            own(api);
        }
    }));
    for root in ALL.iter().filter_map(|r| r.root) {
        root(cfg);
    }
}

/// Everything that refers to an organization, from every resource.
pub fn references_to_organization() -> Vec<Reference> {
    ALL.iter()
        .flat_map(|r| r.refers_to_organization.iter().copied())
        .collect()
}
