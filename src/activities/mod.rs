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

use crate::http::resource::{add_schema, describe_codes, docs, Linked, Reference, Resource};

/// Activities, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[(
        "activities",
        "What the units did: the news, with trash, revisions, categories and tags",
    )],
    within: Some(within),
    api: Some(configure),
    sorts: &[
        ("list_activities", &repo::SORTS),
        ("list_organization_activities", &repo::SORTS),
        ("list_trash", &repo::TRASH_SORTS),
        ("review_queue", &repo::REVIEW_SORTS),
    ],
    linked: Some(Linked {
        name: "Activity",
        collection: "/api/v1/activities",
        stem: "activity",
    }),
    document: Some(document),
    refers_to_organization: &[
        Reference {
            what: "activities it organized",
            names: "SELECT title AS name FROM activities WHERE organizer_id = ?1 LIMIT 5",
        },
        Reference {
            what: "activities it took part in",
            names: "SELECT a.title AS name FROM activity_partners p \
                    JOIN activities a ON a.id = p.activity_id WHERE p.organization_id = ?1 LIMIT 5",
        },
    ],
    ..Resource::NONE
};

/// `/organizations/{id}/activities`.
fn within(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_organization_activities);
}

/// Routes under `/api/v1`: `/activities`, `/trash/activities`, `/categories`, `/tags`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_categories)
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

/// What activities add to the spec: the tag sorts' and count modes' schemas, what review
/// decisions, tag sorts and count modes mean, and the limits of an activity's lists.
fn document(spec: &mut utoipa::openapi::OpenApi) {
    add_schema::<dto::TagSort>(spec);
    add_schema::<dto::CountMode>(spec);
    describe_codes(spec, "CountMode", "Values:", &docs(dto::CountMode::DOCS));
    describe_codes(spec, "Decision", "Values:", &docs(dto::Decision::DOCS));
    describe_codes(spec, "TagSort", "Values:", &docs(dto::TagSort::DOCS));
    limit_lists(spec);
}

/// The limits of an activity's lists and counts, as the server checks them (a 422 beyond).
fn limit_lists(spec: &mut utoipa::openapi::OpenApi) {
    use self::fields::{
        MAX_DOCUMENTS, MAX_PARTICIPANTS, MAX_PARTNERS, MAX_PHOTOS, MAX_TAGS, MAX_TAG_CHARS,
    };
    use crate::http::resource::branches;
    use utoipa::openapi::schema::{ArrayItems, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    for name in ["CreateActivity", "UpdateActivity"] {
        let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(name) else {
            continue;
        };
        for (field, max) in [
            ("tags", MAX_TAGS),
            ("documents", MAX_DOCUMENTS),
            ("photos", MAX_PHOTOS),
            ("partners", MAX_PARTNERS),
        ] {
            let Some(RefOr::T(property)) = body.properties.get_mut(field) else {
                continue;
            };
            for branch in branches(property) {
                let Schema::Array(array) = branch else {
                    continue;
                };
                array.max_items = Some(max);
                if field == "tags" {
                    if let ArrayItems::RefOrSchema(item) = &mut array.items {
                        if let RefOr::T(Schema::Object(item)) = item.as_mut() {
                            item.min_length = Some(1);
                            item.max_length = Some(MAX_TAG_CHARS);
                        }
                    }
                }
            }
        }
        if let Some(RefOr::T(property)) = body.properties.get_mut("participants_count") {
            for branch in branches(property) {
                if let Schema::Object(number) = branch {
                    number.maximum = Some(utoipa::Number::Int(MAX_PARTICIPANTS as isize));
                }
            }
        }
    }
}
