//! The OpenAPI document: info, the shared error responses, and what each operation gets from
//! the API's rules (typed sorts, capped parameters, links); the resources add their own tags,
//! schemas and labels (`crate::resources::ALL`).

use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::{ContentBuilder, OpenApi as Spec, Ref, RefOr};
use utoipa::OpenApi;

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "doan-api",
        description = "Public JSON REST API behind the activity news of a Vietnamese provincial Youth Union \
(Đoàn TNCS Hồ Chí Minh): organizations, activities and emulation clusters.\n\n\
Hoạt động của các tổ chức cơ sở Đoàn — API công khai.\n\n\
Conventions: lists take `page`/`per_page` or `cursor`, `sort`, filters; errors are RFC 9457 \
`application/problem+json`; single resources carry a strong `ETag` (`If-None-Match` → 304, \
`If-Match` → 412 on writes). Timestamps are stored and returned in UTC (RFC 3339); dates and \
times shown to people are in Asia/Ho_Chi_Minh (UTC+7)."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

/// The `bearer` security scheme that Swagger UI's Authorize button uses.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, spec: &mut Spec) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = spec.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token from POST /api/v1/auth/token, sent as `Authorization: Bearer <token>`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Name of the shared problem response component for a status.
fn problem_ref(status: u16) -> RefOr<utoipa::openapi::response::Response> {
    RefOr::Ref(Ref::new(format!("#/components/responses/Problem{status}")))
}

/// Add the errors every endpoint of a kind can give, once, from the contract of API.md.
pub fn add_common_responses(spec: &mut Spec) {
    let shared: [(u16, &str); 10] = [
        (
            400,
            "Malformed or unknown query parameter, or a body that is not JSON",
        ),
        (
            401,
            "No, bad or expired bearer token (`WWW-Authenticate: Bearer`)",
        ),
        (403, "The caller's role may not do this"),
        (404, "No such resource"),
        (405, "Method not allowed on this path (see `Allow`)"),
        (412, "`If-Match` does not match the current ETag"),
        (413, "Body over 1 MiB"),
        (415, "Body not sent as JSON"),
        (422, "Well-formed JSON that breaks the schema or a rule"),
        (500, "Unexpected fault (details are logged, never sent)"),
    ];
    let components = spec.components.get_or_insert_with(Default::default);
    for (status, description) in shared {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        components
            .responses
            .insert(format!("Problem{status}"), RefOr::T(response));
    }
    for item in spec.paths.paths.values_mut() {
        let ops: [(HttpMethod, &mut Option<Operation>); 5] = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let has_query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)))
            });
            let has_path = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter().any(|p| {
                    matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
                })
            });
            let has_body = op.request_body.is_some();
            let mut wanted: Vec<u16> = vec![405, 500];
            if has_query {
                wanted.push(400);
            }
            if has_path {
                wanted.push(404);
            }
            if has_body {
                wanted.extend([400, 413, 415, 422]);
            }
            if matches!(method, HttpMethod::Patch | HttpMethod::Delete) {
                wanted.push(412);
            }
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                wanted.extend([401, 403]);
            }
            let existing = std::mem::replace(&mut op.responses, ResponsesBuilder::new().build());
            let mut responses = existing.responses;
            for status in wanted {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem_ref(status));
            }
            op.responses.responses = responses;
            type_sort_parameter(op);
            cap_query_parameters(op);
        }
    }
    add_links(spec);
    crate::http::resource::describe_codes(
        spec,
        "TotalRelation",
        "Values:",
        &crate::http::resource::docs(crate::http::list::TotalRelation::DOCS),
    );
    for resource in crate::resources::ALL {
        let tags = spec.tags.get_or_insert_with(Vec::new);
        for (name, description) in resource.tags {
            tags.push(
                utoipa::openapi::tag::TagBuilder::new()
                    .name(*name)
                    .description(Some(*description))
                    .build(),
            );
        }
        if let Some(document) = resource.document {
            document(spec);
        }
    }
    pattern_sent_slugs(spec);
    lift_property_descriptions(spec);
    type_fields_parameters(spec);
    document_list_validators(spec);
}

/// Every list's 200 carries a strong `ETag` and its `Cache-Control`, and a matching
/// `If-None-Match` is a 304 (`http::list::respond`, `http::middleware::caching`).
fn document_list_validators(spec: &mut Spec) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    for item in spec.paths.paths.values_mut() {
        let Some(op) = item.get.as_mut() else {
            continue;
        };
        if !shown_schema(op).is_some_and(|s| s.starts_with("ListResponse_")) {
            continue;
        }
        let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else {
            continue;
        };
        let string = || ObjectBuilder::new().schema_type(Type::String).build();
        ok.headers.entry("ETag".into()).or_insert_with(|| {
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(string()))
                    .description(Some(
                        "Strong validator of this page as sent (its items, total and links; a \
                     gzip-coded response's tag ends in `-gzip`): `If-None-Match` with it is a \
                     304 until the page changes.",
                    ))
                    .build(),
            )
        });
        ok.headers.entry("Cache-Control".into()).or_insert_with(|| {
            RefOr::T(
                HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(
                    "`public, max-age=30, stale-while-revalidate=60` without a token (a CDN may \
                     keep the page that long), `private, no-store` with one.",
                ))
                .build(),
            )
        });
        op.responses
            .responses
            .entry("304".into())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Not modified: `If-None-Match` names this page's ETag")
                        .build(),
                )
            });
    }
}

/// The name of the schema an operation's JSON 200 refers to (`ListResponse_Cluster`,
/// `Activity`).
fn shown_schema(op: &Operation) -> Option<String> {
    let Some(RefOr::T(ok)) = op.responses.responses.get("200") else {
        return None;
    };
    let Some(RefOr::T(content)) = ok.content.get("application/json") else {
        return None;
    };
    match &content.schema {
        Some(RefOr::Ref(r)) => r.ref_location.rsplit('/').next().map(str::to_string),
        _ => None,
    }
}

/// Each `fields` parameter as an array of the names its response's items have (a list's
/// `data` items, or the resource itself): [`crate::http::fields::schema_fields`], the function
/// the server checks `fields` with.
fn type_fields_parameters(spec: &mut Spec) {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let Some(components) = spec.components.clone() else {
        return;
    };
    for item in spec.paths.paths.values_mut() {
        let Some(op) = item.get.as_mut() else {
            continue;
        };
        let Some(shown) = shown_schema(op) else {
            continue;
        };
        let item_schema = shown
            .strip_prefix("ListResponse_")
            .map_or(shown.clone(), str::to_string);
        let names = crate::http::fields::schema_fields(&components, &item_schema);
        for param in op.parameters.iter_mut().flatten() {
            let RefOr::T(param) = param else { continue };
            if param.name != "fields" || names.is_empty() {
                continue;
            }
            let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let mut said = param.description.clone().unwrap_or_default();
            said.push_str(&format!(
                " Names (the members of `{item_schema}`, described there): {}.",
                listed.join(", ")
            ));
            *param = utoipa::openapi::path::ParameterBuilder::from(param.clone())
                .description(Some(said))
                .schema(Some(
                    ArrayBuilder::new()
                        .items(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(names.clone())),
                        )
                        .unique_items(true)
                        .min_items(Some(1))
                        .max_items(Some(crate::http::fields::MAX_FIELDS)),
                ))
                .build();
        }
    }
}

/// The sort fields of each list, from the resources' own `Sortable`s (what the server accepts
/// is what the spec says).
fn sortable(operation_id: &str) -> Option<&'static crate::db::list::Sortable> {
    crate::resources::ALL
        .iter()
        .flat_map(|r| r.sorts)
        .find(|(id, _)| *id == operation_id)
        .map(|(_, sorts)| *sorts)
}

/// A list's `sort`: an array of its fields, each ascending (`name`) or descending (`-name`),
/// each at most once.
fn type_sort_parameter(op: &mut Operation) {
    use utoipa::openapi::path::ParameterStyle;
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let Some(sortable) = op.operation_id.as_deref().and_then(sortable) else {
        return;
    };
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        if param.name != "sort" {
            continue;
        }
        let values: Vec<String> = sortable
            .fields
            .iter()
            .flat_map(|(name, _)| [name.to_string(), format!("-{name}")])
            .collect();
        let mut said = param.description.clone().unwrap_or_default();
        said.push_str(" A field given twice (`name,-name`) is a 400.");
        *param = utoipa::openapi::path::ParameterBuilder::from(param.clone())
            .schema(Some(
                ArrayBuilder::new()
                    .items(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(values)),
                    )
                    .unique_items(true)
                    .min_items(Some(1)),
            ))
            .style(Some(ParameterStyle::Form))
            .explode(Some(false))
            .example(Some(serde_json::json!(sortable
                .default
                .split(',')
                .collect::<Vec<_>>())))
            .description(Some(said))
            .build();
    }
}

/// A `slug` a client sends (in any request body) matches `text::SLUG_PATTERN`, as the server
/// checks it: the pattern is written once, there (utoipa takes only a literal in `#[schema]`).
fn pattern_sent_slugs(spec: &mut Spec) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    let mut sent = std::collections::BTreeSet::new();
    for item in spec.paths.paths.values() {
        let ops = [&item.post, &item.put, &item.patch];
        for op in ops.into_iter().flatten() {
            let contents = op.request_body.iter().flat_map(|b| match b {
                RefOr::T(b) => b.content.values().collect::<Vec<_>>(),
                RefOr::Ref(_) => Vec::new(),
            });
            for content in contents {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::Ref(r)) = &content.schema {
                    sent.insert(
                        r.ref_location
                            .trim_start_matches("#/components/schemas/")
                            .to_string(),
                    );
                }
            }
        }
    }
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let is_string = |t: &SchemaType| match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    for name in sent {
        let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(&name) else {
            continue;
        };
        let Some(RefOr::T(slug)) = body.properties.get_mut("slug") else {
            continue;
        };
        for branch in crate::http::resource::branches(slug) {
            if let Schema::Object(text) = branch {
                if is_string(&text.schema_type) {
                    text.pattern = Some(crate::text::SLUG_PATTERN.to_string());
                }
            }
        }
    }
}

/// utoipa puts the description of an optional property whose type is a schema of its own
/// (`oneOf: [null, $ref]`) on the `$ref`, where readers and tools do not look for it: move
/// it to the property.
fn lift_property_descriptions(spec: &mut Spec) {
    use utoipa::openapi::schema::Schema;
    fn walk(schema: &mut Schema) {
        match schema {
            Schema::Object(object) => {
                for (name, property) in object.properties.iter_mut() {
                    let RefOr::T(property) = property else {
                        continue;
                    };
                    // The tag serde adds to each variant of an internally tagged enum.
                    if let Schema::Object(tag) = property {
                        let single = tag.enum_values.as_ref().filter(|v| v.len() == 1);
                        if let (Some(value), None) = (single, &tag.description) {
                            tag.description = Some(format!(
                                "Which kind of {name} this is: always `{}`.",
                                value[0].as_str().unwrap_or_default()
                            ));
                        }
                    }
                    if let Schema::OneOf(one_of) = property {
                        if one_of.description.is_none() {
                            for item in &mut one_of.items {
                                if let RefOr::Ref(r) = item {
                                    if !r.description.is_empty() {
                                        one_of.description =
                                            Some(std::mem::take(&mut r.description));
                                    }
                                }
                            }
                        }
                    }
                    walk(property);
                }
            }
            Schema::Array(array) => {
                if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &mut array.items {
                    if let RefOr::T(item) = item.as_mut() {
                        walk(item);
                    }
                }
            }
            Schema::AllOf(all) => all.items.iter_mut().for_each(|i| {
                if let RefOr::T(i) = i {
                    walk(i)
                }
            }),
            Schema::OneOf(one) => one.items.iter_mut().for_each(|i| {
                if let RefOr::T(i) = i {
                    walk(i)
                }
            }),
            _ => {}
        }
    }
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        if let RefOr::T(schema) = schema {
            walk(schema);
        }
    }
}

/// Every query parameter's documented limits, as `http::query` enforces them: a string at most
/// `MAX_PARAM_CHARS` characters, a `cursor` `MAX_CURSOR_CHARS` of base64url, a list at most
/// `MAX_LIST_ITEMS` items of at most `MAX_LIST_ITEM_CHARS`.
fn cap_query_parameters(op: &mut Operation) {
    use crate::http::query::{
        MAX_CURSOR_CHARS, MAX_LIST_ITEMS, MAX_LIST_ITEM_CHARS, MAX_PARAM_CHARS,
    };
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    let is_string = |t: &SchemaType| match t {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    let cap =
        |max: &mut Option<usize>, limit: usize| *max = Some(max.map_or(limit, |m| m.min(limit)));
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        if !matches!(param.parameter_in, ParameterIn::Query) {
            continue;
        }
        let cursor = param.name == "cursor";
        match param.schema.as_mut() {
            Some(RefOr::T(Schema::Object(object))) if is_string(&object.schema_type) => {
                if cursor {
                    cap(&mut object.max_length, MAX_CURSOR_CHARS);
                    object.min_length = Some(1);
                    object.pattern = Some("^[A-Za-z0-9_-]+$".into());
                } else {
                    cap(&mut object.max_length, MAX_PARAM_CHARS);
                }
            }
            Some(RefOr::T(Schema::Array(array))) => {
                let said = param.description.get_or_insert_with(String::new);
                if !said.is_empty() {
                    said.push_str("\n\n");
                }
                said.push_str(&format!(
                    "Comma-separated (`{0}=a,b`), or the parameter repeated (`{0}=a&{0}=b`, as \
                     openapi-fetch sends it; `{0}[]=a&{0}[]=b` too, as axios does).",
                    param.name
                ));
                cap(&mut array.max_items, MAX_LIST_ITEMS);
                if let ArrayItems::RefOrSchema(item) = &mut array.items {
                    if let RefOr::T(Schema::Object(item)) = item.as_mut() {
                        if is_string(&item.schema_type) && item.enum_values.is_none() {
                            cap(&mut item.max_length, MAX_LIST_ITEM_CHARS);
                            // `tag=a,,b` is a 400: an item is never empty.
                            item.min_length = Some(1);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// OpenAPI links: from a created, read or updated resource to reading, changing and deleting
/// it — the id from the response body, `If-Match` from its `ETag` (a 412 otherwise). They
/// document the workflow and drive schemathesis's stateful phase (create → get → patch →
/// delete, with what the server answered).
fn add_links(spec: &mut Spec) {
    for linked in crate::resources::ALL.iter().filter_map(|r| r.linked) {
        let (name, collection, stem) = (linked.name, linked.collection, linked.stem);
        let item = format!("{collection}/{{id}}");
        let targets: [(&str, HttpMethod, &str, [&str; 3]); 3] = [
            (
                collection,
                HttpMethod::Post,
                "201",
                ["get", "update", "delete"],
            ),
            (&item, HttpMethod::Get, "200", ["update", "delete", ""]),
            (&item, HttpMethod::Patch, "200", ["get", "delete", ""]),
        ];
        for (path, method, status, verbs) in targets {
            let Some(item) = spec.paths.paths.get_mut(path) else {
                continue;
            };
            let op = match method {
                HttpMethod::Post => item.post.as_mut(),
                HttpMethod::Get => item.get.as_mut(),
                _ => item.patch.as_mut(),
            };
            let Some(RefOr::T(response)) = op.and_then(|op| op.responses.responses.get_mut(status))
            else {
                continue;
            };
            let etag = response.headers.contains_key("ETag");
            for verb in verbs.into_iter().filter(|v| !v.is_empty()) {
                let (key, link) = link_to(verb, name, stem, etag);
                response.links.insert(key, link);
            }
        }
    }
}

/// The link named `{Verb}{Name}` to operation `{verb}_{stem}`: the id from the response body;
/// for a change or a deletion, `If-Match` from the response's `ETag` (when it sends one).
fn link_to(
    verb: &str,
    name: &str,
    stem: &str,
    etag: bool,
) -> (String, RefOr<utoipa::openapi::link::Link>) {
    let mut link = utoipa::openapi::link::LinkBuilder::new()
        .operation_id(format!("{verb}_{stem}"))
        .parameter("id", "$response.body#/id");
    let mut title = verb.to_string();
    title[..1].make_ascii_uppercase();
    let description = match verb {
        "get" => format!("Read this {stem}"),
        _ if etag => {
            link = link.parameter("If-Match", "$response.header.ETag");
            format!("{title} this {stem} (If-Match: its ETag)")
        }
        _ => format!("{title} this {stem}"),
    };
    (
        format!("{title}{name}"),
        RefOr::T(link.description(description).build()),
    )
}
