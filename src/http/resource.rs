//! What a resource tells the rest of the program about itself, from its own module: its routes,
//! its tags, the sorts of its lists, the links a client follows, what it adds to the spec, and
//! how it refers to an organization. The module `resources` (above every resource) lists each
//! once; the spec (`openapi`), the routes (`startup`) and an organization's deletion read that
//! list, so adding a resource adds one line there and names no other module.

use utoipa::openapi::{OpenApi as Spec, RefOr, Schema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::list::Sortable;
pub use crate::db::tree::Reference;

/// Registers routes (collected into the spec by utoipa-actix-web).
pub type Routes = fn(&mut ServiceConfig);

/// A resource, as the rest of the program sees it. Build one with `..Resource::NONE`.
#[derive(Clone, Copy)]
pub struct Resource {
    /// Its tags in the spec (name, what it is), in the order the spec lists them.
    pub tags: &'static [(&'static str, &'static str)],
    /// Routes below another resource's path (`/organizations/{id}/activities`): registered
    /// before every resource's own scope, which would otherwise answer them with a 404.
    pub within: Option<Routes>,
    /// Its routes under `/api/v1`.
    pub api: Option<Routes>,
    /// Its routes outside `/api/v1` (feeds, health probes, media files).
    pub root: Option<Routes>,
    /// Each of its list operations (by operation id) with the sorts it accepts: the spec
    /// types each `sort` parameter from these, and the query-plan test covers each.
    pub sorts: &'static [(&'static str, &'static Sortable)],
    /// The resource a client follows from creation through reading and changing to deletion
    /// (OpenAPI links).
    pub linked: Option<Linked>,
    /// What it adds to the spec that no route carries (schemas, the labels of its code lists,
    /// limits), run after every route is in the spec.
    pub document: Option<fn(&mut Spec)>,
    /// How its rows refer to an organization (a deletion is a 409 while any remain).
    pub refers_to_organization: &'static [Reference],
}

impl Resource {
    /// Nothing: the starting point of a resource's declaration.
    pub const NONE: Resource = Resource {
        tags: &[],
        within: None,
        api: None,
        root: None,
        sorts: &[],
        linked: None,
        document: None,
        refers_to_organization: &[],
    };
}

/// A resource with the full life cycle at `{collection}` and `{collection}/{id}`: operations
/// `create_{stem}`, `get_{stem}`, `update_{stem}`, `delete_{stem}`.
#[derive(Debug, Clone, Copy)]
pub struct Linked {
    /// Its name in link names (`GetActivity`).
    pub name: &'static str,
    /// The collection's path (`/api/v1/activities`).
    pub collection: &'static str,
    /// The stem of its operation ids (`activity`).
    pub stem: &'static str,
}

/// Add `T`'s schema, and every schema it refers to, to the spec's components.
pub fn add_schema<T: utoipa::ToSchema>(spec: &mut Spec) {
    let mut schemas: Vec<(String, RefOr<Schema>)> = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut schemas);
    let components = spec.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}

/// List a code list's codes in its schema's description, each with what is said of it
/// (`heading` first: "Labels:" or "Values:"). A test fails on an enum of the spec whose values
/// are not all described.
pub fn describe_codes(spec: &mut Spec, schema: &str, heading: &str, codes: &[(String, String)]) {
    let Some(RefOr::T(Schema::Object(object))) = spec
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut(schema))
    else {
        return;
    };
    let said = object.description.get_or_insert_with(String::new);
    said.push_str("\n\n");
    said.push_str(heading);
    for (code, text) in codes {
        said.push_str(&format!("\n- `{code}`: {text}"));
    }
}

/// `(code, what it means)` pairs written as Rust source (`DOCS` constants), their text on
/// one line each.
pub fn docs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(code, doc)| {
            let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
            (code.to_string(), doc)
        })
        .collect()
}

/// A property's schema: itself, or each branch of its `oneOf` (a nullable or patch field).
pub fn branches(schema: &mut Schema) -> Vec<&mut Schema> {
    match schema {
        Schema::OneOf(one) => one
            .items
            .iter_mut()
            .filter_map(|i| match i {
                RefOr::T(s) => Some(s),
                RefOr::Ref(_) => None,
            })
            .collect(),
        other => vec![other],
    }
}
