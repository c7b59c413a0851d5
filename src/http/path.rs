//! `{id}` of a resource's path: one type for every resource addressed by a numeric id or a
//! textual key (slug, username), documented per resource through [`Keyed`].

use std::marker::PhantomData;

use serde::Deserialize;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::IntoParams;

/// What a resource's `{id}` may be, for its documentation.
pub trait Keyed {
    /// The textual key besides the numeric id (`slug`, `username`).
    const KEY: &'static str;
    /// An example key, shown in the Swagger UI.
    const EXAMPLE: &'static str;
}

/// Declare a resource's `{id}` path type and its [`Keyed`] marker:
/// `key_path!(ActivityPath, ActivityKey, "an activity", "slug", "dem-hoi-trang-ram");`
#[macro_export]
macro_rules! key_path {
    ($path:ident, $marker:ident, $what:literal, $key:literal, $example:literal) => {
        #[doc = concat!("`{id}` of ", $what, "'s path.")]
        pub type $path = $crate::http::path::KeyPath<$marker>;

        #[doc = concat!("Addresses ", $what, " by its numeric id or its ", $key, ".")]
        #[derive(Debug)]
        pub struct $marker;

        impl $crate::http::path::Keyed for $marker {
            const KEY: &'static str = $key;
            const EXAMPLE: &'static str = $example;
        }
    };
}

/// `{id}` of a path: the numeric id or the resource's textual key (see [`crate::db::Key`]).
#[derive(Debug, Deserialize)]
#[serde(bound = "")]
pub struct KeyPath<R> {
    pub id: String,
    #[serde(skip)]
    of: PhantomData<R>,
}

impl<R: Keyed> IntoParams for KeyPath<R> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(format!("Numeric id or {}.", R::KEY)))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .example(Some(serde_json::Value::from(R::EXAMPLE)))
            .build()]
    }
}
