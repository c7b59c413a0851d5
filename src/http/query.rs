//! Query-string parsing that names the offending parameter in its 400 problem.
//!
//! [`Qs`] replaces `web::Query`: it runs serde_urlencoded through serde_path_to_error, so a bad or
//! unknown parameter becomes `AppError::BadRequest` naming it. The `de_*` helpers give lists
//! (`a,b`) and positive integers their own readable messages.

use std::fmt;
use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::Deserialize;

use crate::error::AppError;

/// A query string deserialised into `T`, with 400 problems that name the parameter.
#[derive(Debug)]
pub struct Qs<T>(pub T);

impl<T> Qs<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Parse a raw query string into `T` (used by [`Qs`] and by tests of the parser).
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        query_error(&path, &message)
    })
}

fn query_error(path: &str, message: &str) -> AppError {
    if let Some(name) = backticked(message, "unknown field `") {
        let allowed = message
            .split_once("expected ")
            .map(|(_, rest)| rest.replace('`', ""))
            .unwrap_or_default();
        return AppError::bad_param(
            &name,
            format!("is not a known parameter; allowed: {allowed}"),
        );
    }
    if let Some(name) = backticked(message, "duplicate field `") {
        return AppError::bad_param(&name, "is given more than once");
    }
    let param = if path.is_empty() || path == "." {
        "query"
    } else {
        path
    };
    AppError::bad_param(param, message.replace('`', "'"))
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(name, _)| name.to_string())
}

impl<T: DeserializeOwned> FromRequest for Qs<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Qs).map_err(Into::into))
    }
}

/// `YYYY-MM-DD`, a calendar day within the documented range (years 1900 to 2100).
pub fn de_day<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    let raw = String::deserialize(d)?;
    let day = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.trim().len() == 10)
        .ok_or_else(|| de::Error::custom(format!("must be a date YYYY-MM-DD, got '{raw}'")))?;
    match crate::http::dates::day_problem(day) {
        Some(why) => Err(de::Error::custom(why)),
        None => Ok(Some(day)),
    }
}

/// `1`, `2`, … — a positive 64-bit integer (rejects `0`, `-1`, `x` with one clear message).
pub fn de_positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let raw = String::deserialize(d)?;
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(de::Error::custom(format!(
            "must be a positive integer, got '{raw}'"
        ))),
    }
}

/// `true` / `false` (also `1`/`0`).
pub fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let raw = String::deserialize(d)?;
    match raw.as_str() {
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(de::Error::custom(format!(
            "must be true or false, got '{raw}'"
        ))),
    }
}

/// A non-empty string (an empty `?parent=` is a mistake, not "no filter").
pub fn de_nonempty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(de::Error::custom("must not be empty"));
    }
    Ok(Some(trimmed.to_string()))
}

/// A comma-separated list (`kind=branch,partner`) of values that deserialise from strings
/// (enums with `rename_all = "snake_case"`, dates…). Empty items are rejected.
pub fn de_list<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    struct ListVisitor<T>(PhantomData<T>);
    impl<T: DeserializeOwned> Visitor<'_> for ListVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a comma-separated list")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<T>, E> {
            s.split(',')
                .map(|item| {
                    let item = item.trim();
                    if item.is_empty() {
                        return Err(E::custom("has an empty item"));
                    }
                    let de: de::value::StrDeserializer<'_, E> = item.into_deserializer();
                    T::deserialize(de).map_err(|e| E::custom(e.to_string().replace('`', "'")))
                })
                .collect()
        }
    }
    d.deserialize_str(ListVisitor(PhantomData)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "snake_case")]
    enum Color {
        Red,
        Green,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[serde(default, deserialize_with = "de_positive")]
        page: Option<i64>,
        #[serde(default, deserialize_with = "de_list")]
        color: Option<Vec<Color>>,
        #[serde(default, deserialize_with = "de_bool")]
        active: Option<bool>,
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn parses_lists_and_numbers() {
        let q: Q = parse_query("page=2&color=red,green&active=false").unwrap();
        assert_eq!(q.page, Some(2));
        assert_eq!(q.color, Some(vec![Color::Red, Color::Green]));
        assert_eq!(q.active, Some(false));
    }

    #[test]
    fn errors_name_the_parameter() {
        assert_eq!(field_of(parse_query::<Q>("page=0").unwrap_err()), "page");
        assert_eq!(field_of(parse_query::<Q>("page=-1").unwrap_err()), "page");
        assert_eq!(
            field_of(parse_query::<Q>("color=red,blue").unwrap_err()),
            "color"
        );
        assert_eq!(
            field_of(parse_query::<Q>("colour=red").unwrap_err()),
            "colour"
        );
        assert_eq!(
            field_of(parse_query::<Q>("page=1&page=2").unwrap_err()),
            "page"
        );
        assert_eq!(
            field_of(parse_query::<Q>("active=yes").unwrap_err()),
            "active"
        );
    }
}
