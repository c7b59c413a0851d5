//! Cross-cutting HTTP: query and body extraction, lists, ETags, links and middleware.

pub mod body;
pub mod csv;
pub mod dates;
pub mod etag;
pub mod fields;
pub mod limits;
pub mod links;
pub mod list;
pub mod middleware;
pub mod path;
pub mod query;
pub mod resource;
pub mod spool;

/// Stamp out a list query struct: the shared paging fields plus the resource's own filters,
/// with `deny_unknown_fields` so an unknown parameter is a 400 (STACK.md trap 10: no flatten).
#[macro_export]
macro_rules! list_query {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            sort_doc: $sort_doc:literal,
            default_sort: $default:literal,
            $( lists: [$($list:literal),* $(,)?], )?
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// 1-based page number (page mode). Not with `cursor`.
            #[serde(default, deserialize_with = "crate::http::query::de_positive")]
            #[param(minimum = 1, example = 1)]
            pub page: Option<i64>,
            /// Page size, default 20; above 100 it is lowered to 100 (`meta.per_page` says so).
            #[serde(default, deserialize_with = "crate::http::query::de_positive")]
            #[param(minimum = 1, example = 20)]
            pub per_page: Option<i64>,
            /// Opaque keyset cursor from `meta.next_cursor` (cursor mode). Bound to the sort,
            /// the filters and `q`; not with `page`.
            #[serde(default)]
            pub cursor: Option<String>,
            #[doc = $sort_doc]
            #[serde(default)]
            #[param(example = $default)]
            pub sort: Option<String>,
            /// Only these members of each item (comma-separated top-level names, listed in the
            /// spec): `fields=id,title,url`. An unknown name is a 400 naming it; `meta` and
            /// `links` are always sent.
            #[serde(default, deserialize_with = "crate::http::query::de_fields")]
            #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
            pub fields: Option<Vec<String>>,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::http::query::Params for $name {
            const LISTS: &'static [&'static str] = &["sort", "fields" $($(, $list)*)?];
        }

        impl $name {
            /// The shared paging parameters.
            pub fn paging(&self) -> $crate::http::list::Paging {
                $crate::http::list::Paging {
                    page: self.page,
                    per_page: self.per_page,
                    cursor: self.cursor.clone(),
                    sort: self.sort.clone(),
                    fields: self.fields.clone(),
                }
            }
        }
    };
}

/// A file's bytes as a response body, for the spec: `type: string, format: binary` (what
/// generators read as a Blob), rather than an array of integers.
pub struct BinaryFile;

impl utoipa::PartialSchema for BinaryFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes."))
            .into()
    }
}

impl utoipa::ToSchema for BinaryFile {}
