//! Sparse fieldsets: `fields=id,title,url` keeps only those members of each item of a list (or
//! of a single resource), as PostgREST's `select`, Directus's `fields` and JSON:API's
//! `fields[type]` do. The names a resource accepts are the top-level properties of its schema
//! in the OpenAPI document, so what the server accepts is what the spec lists (the spec's
//! `fields` parameter is typed from the same function, [`schema_fields`]). An unknown name is a
//! 400 naming it; the members keep the schema's order; a member the full representation leaves
//! out (an absent optional) stays out.

use std::collections::BTreeMap;
use std::sync::{LazyLock, OnceLock};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Components, RefOr};

use crate::error::AppError;

pub use crate::http::query::MAX_FIELDS;

/// The top-level property names of the schema `name` in `components`, in the schema's order:
/// an object's properties, an `allOf`'s parts in turn (a flattened struct and its own
/// members), a `$ref` followed.
pub fn schema_fields(components: &Components, name: &str) -> Vec<String> {
    fn walk(components: &Components, schema: &RefOr<Schema>, depth: u8, out: &mut Vec<String>) {
        if depth > 8 {
            return;
        }
        match schema {
            RefOr::Ref(r) => {
                let target = r.ref_location.rsplit('/').next().unwrap_or_default();
                if let Some(s) = components.schemas.get(target) {
                    walk(components, s, depth + 1, out);
                }
            }
            RefOr::T(Schema::Object(o)) => {
                for key in o.properties.keys() {
                    if !out.contains(key) {
                        out.push(key.clone());
                    }
                }
            }
            RefOr::T(Schema::AllOf(all)) => {
                for item in &all.items {
                    walk(components, item, depth + 1, out);
                }
            }
            RefOr::T(_) => {}
        }
    }
    let mut out = Vec::new();
    if let Some(schema) = components.schemas.get(name) {
        walk(components, schema, 0, &mut out);
    }
    out
}

/// What generates the OpenAPI document (the routes' layer sets it when it builds the app:
/// [`install`]).
static SPEC: OnceLock<fn() -> utoipa::openapi::OpenApi> = OnceLock::new();

/// Read the schemas' fields from the document `spec` generates (the first call wins).
pub fn install(spec: fn() -> utoipa::openapi::OpenApi) {
    let _ = SPEC.set(spec);
}

/// Every schema's fields, read once from the generated document.
static FIELDS: LazyLock<BTreeMap<String, Vec<String>>> = LazyLock::new(|| {
    let Some(spec) = SPEC.get() else {
        return BTreeMap::new();
    };
    let spec = spec();
    let Some(components) = spec.components.as_ref() else {
        return BTreeMap::new();
    };
    components
        .schemas
        .keys()
        .map(|name| (name.clone(), schema_fields(components, name)))
        .collect()
});

/// The fields of the schema `T` is documented as.
pub fn of<T: utoipa::ToSchema>() -> &'static [String] {
    FIELDS.get(T::name().as_ref()).map_or(&[], Vec::as_slice)
}

/// The members a request keeps, checked against its resource's schema, in the schema's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSet {
    names: Vec<&'static str>,
}

impl FieldSet {
    /// `asked` (the parsed `fields`) checked against `T`'s schema: `None` when the request
    /// asked for every field; a 400 naming `fields` and each unknown name otherwise.
    pub fn of<T: utoipa::ToSchema>(asked: Option<&[String]>) -> Result<Option<Self>, AppError> {
        let Some(asked) = asked else {
            return Ok(None);
        };
        let allowed = of::<T>();
        let unknown: Vec<String> = asked
            .iter()
            .filter(|name| !allowed.contains(name))
            .map(|name| format!("'{name}'"))
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::bad_param(
                "fields",
                format!(
                    "names no field {}: allowed are {}",
                    unknown.join(", "),
                    allowed.join(", ")
                ),
            ));
        }
        Ok(Some(Self {
            names: allowed
                .iter()
                .filter(|name| asked.contains(name))
                .map(String::as_str)
                .collect(),
        }))
    }

    /// `value` as `set` keeps it: all of it without one.
    pub fn show<T: Serialize>(set: Option<&Self>, value: T) -> Result<Shown<T>, AppError> {
        Ok(match set {
            None => Shown::Whole(value),
            Some(set) => Shown::Sparse(set.project(&value)?),
        })
    }

    /// `item` with only these members (in the schema's order).
    fn project<T: Serialize>(&self, item: &T) -> Result<Sparse, AppError> {
        let value = serde_json::to_value(item).map_err(AppError::internal)?;
        let serde_json::Value::Object(mut map) = value else {
            return Err(AppError::internal("a sparse fieldset of a non-object"));
        };
        Ok(Sparse(
            self.names
                .iter()
                .filter_map(|name| map.remove(*name).map(|v| (*name, v)))
                .collect(),
        ))
    }
}

/// An item with some of its members, serialised as an object in the order kept.
#[derive(Debug, Clone)]
pub struct Sparse(Vec<(&'static str, serde_json::Value)>);

impl Serialize for Sparse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// `fields` of a single resource's `GET`.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    /// Only these members of the resource (comma-separated top-level names, listed in the
    /// spec); an unknown name is a 400 naming it. The `ETag` is that of the response as sent.
    #[serde(default, deserialize_with = "crate::http::query::de_fields")]
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    pub fields: Option<Vec<String>>,
}

impl crate::http::query::Params for FieldsQuery {
    const LISTS: &'static [&'static str] = &["fields"];
}

/// A single resource as asked: all of it, or the members `fields` keeps.
pub fn shown<T: Serialize + utoipa::ToSchema>(
    value: T,
    fields: Option<&[String]>,
) -> Result<Shown<T>, AppError> {
    FieldSet::show(FieldSet::of::<T>(fields)?.as_ref(), value)
}

/// A resource as sent.
#[derive(Debug, Clone)]
pub enum Shown<T> {
    Whole(T),
    Sparse(Sparse),
}

impl<T: Serialize> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Whole(v) => v.serialize(s),
            Shown::Sparse(v) => v.serialize(s),
        }
    }
}
