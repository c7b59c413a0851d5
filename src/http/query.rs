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

/// Longest value of a query parameter, in characters (`q` and keys fit: slugs are at most 100).
pub const MAX_PARAM_CHARS: usize = 200;
/// Longest `cursor`: base64url of the sort keys it carries (a 300-character title in any
/// script fits).
pub const MAX_CURSOR_CHARS: usize = 8192;
/// Most parameters in one query string (a list given item by item counts each item).
pub const MAX_PARAMS: usize = 64;
/// Most items in a comma-separated list parameter (an activity has at most 20 tags).
pub const MAX_LIST_ITEMS: usize = 20;
/// Longest item of a list parameter (tag names are at most 60 characters, slugs 100).
pub const MAX_LIST_ITEM_CHARS: usize = 100;
/// A query type as the parser sees it: which of its parameters are comma-separated lists
/// (`tag=a,b`; [`de_list`] checks their items). Such a list may also come as the parameter
/// repeated (`tag=a&tag=b`) or in axios's form (`tag[]=a&tag[]=b`): both are joined into the
/// comma-separated form first, and a list may be longer than a single value. Each query type
/// declares its own (`list_query!` does it for a list's `sort` and its `lists:`).
pub trait Params: DeserializeOwned {
    /// The names of its list parameters.
    const LISTS: &'static [&'static str] = &[];
}

/// Every parameter's value within its length limit: a 400 naming the first that is not.
fn check_lengths(query: &str, lists: &[&str]) -> Result<(), AppError> {
    if form_urlencoded::parse(query.as_bytes()).count() > MAX_PARAMS {
        return Err(AppError::bad_param(
            "query",
            format!("has more than {MAX_PARAMS} parameters"),
        ));
    }
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let limit = match key.as_ref() {
            "cursor" => MAX_CURSOR_CHARS,
            k if lists.contains(&k) => MAX_LIST_ITEMS * (MAX_LIST_ITEM_CHARS + 1),
            _ => MAX_PARAM_CHARS,
        };
        if value.chars().count() > limit {
            return Err(AppError::bad_param(
                &key,
                format!("must be at most {limit} characters"),
            ));
        }
    }
    Ok(())
}

/// Parse a raw query string into `T` (used by [`Qs`] and by tests of the parser).
pub fn parse_query<T: Params>(query: &str) -> Result<T, AppError> {
    check_lengths(query, T::LISTS)?;
    let query = join_repeated_lists(query, T::LISTS);
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        query_error(&path, &message)
    })
}

/// A list parameter given once per item (`tag=a&tag=b`, openapi-fetch's default; also
/// `tag[]=a&tag[]=b`, axios's) becomes the comma-separated form (`tag=a,b`) the spec documents.
/// Any other parameter given twice stays so (a 400 naming it).
fn join_repeated_lists<'q>(query: &'q str, lists: &[&'static str]) -> std::borrow::Cow<'q, str> {
    let list_key = |key: &str| {
        let bare = key.strip_suffix("[]").unwrap_or(key);
        lists.iter().copied().find(|k| *k == bare)
    };
    let mut seen = std::collections::HashSet::new();
    let rewrite = form_urlencoded::parse(query.as_bytes())
        .any(|(key, _)| list_key(&key).is_some_and(|k| key.ends_with("[]") || !seen.insert(k)));
    if !rewrite {
        return std::borrow::Cow::Borrowed(query);
    }
    let mut joined: Vec<(String, String)> = Vec::new();
    let mut at: std::collections::HashMap<&'static str, usize> = std::collections::HashMap::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match list_key(&key) {
            Some(k) => match at.get(k) {
                Some(&i) => {
                    joined[i].1.push(',');
                    joined[i].1.push_str(&value);
                }
                None => {
                    at.insert(k, joined.len());
                    joined.push((k.to_string(), value.into_owned()));
                }
            },
            None => joined.push((key.into_owned(), value.into_owned())),
        }
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.extend_pairs(joined);
    std::borrow::Cow::Owned(out.finish())
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

impl<T: Params> FromRequest for Qs<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Qs).map_err(Into::into))
    }
}

/// A query string split by parameter name between two structs: `A`'s fields go to `A`, every
/// other parameter to `B` (e.g. paging + activity filters, `group_by` + filters). Both keep
/// `deny_unknown_fields`, which serde cannot combine with `flatten` (STACK.md trap 10); a
/// parameter neither knows is a 400 naming it and listing both parts' parameters.
#[derive(Debug)]
pub struct Split<A, B>(pub A, pub B);

/// Parse a raw query string into the two parts of a [`Split`].
pub fn parse_split<A: Params, B: Params>(query: &str) -> Result<Split<A, B>, AppError> {
    let lists: Vec<&str> = A::LISTS.iter().chain(B::LISTS).copied().collect();
    check_lengths(query, &lists)?;
    let (a_fields, b_fields) = (field_names::<A>(), field_names::<B>());
    let mut a = form_urlencoded::Serializer::new(String::new());
    let mut b = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        // `tag[]` (axios's list form) is `tag`.
        let key = match key.strip_suffix("[]") {
            Some(bare) if lists.contains(&bare) => std::borrow::Cow::Owned(bare.to_string()),
            _ => key,
        };
        if a_fields.contains(&key.as_ref()) {
            a.append_pair(&key, &value);
        } else if b_fields.contains(&key.as_ref()) {
            b.append_pair(&key, &value);
        } else {
            let allowed: Vec<&str> = a_fields.iter().chain(b_fields).copied().collect();
            return Err(AppError::bad_param(
                &key,
                format!("is not a known parameter; allowed: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(Split(parse_query(&a.finish())?, parse_query(&b.finish())?))
}

impl<A: Params, B: Params> FromRequest for Split<A, B> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_split(req.query_string()).map_err(Into::into))
    }
}

/// The field names a derived `Deserialize` struct declares (what serde hands the deserializer
/// in `deserialize_struct`), so [`Split`] knows which parameters belong to which part.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Fields<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

/// `YYYY-MM-DD`, any calendar day of years 0000 to 9999: a filter bound, not a stored date, so
/// `occurred_to=9999-12-31` or `occurred_from=0000-01-01` says "open-ended". Kept as given (range
/// checks and echoes see it); a query binds it through [`crate::http::dates::clamp_bound`].
pub fn de_day<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    let raw = String::deserialize(d)?;
    let trimmed = raw.trim();
    chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .ok()
        .filter(|_| trimmed.len() == 10 && trimmed.bytes().take(4).all(|b| b.is_ascii_digit()))
        .map(Some)
        .ok_or_else(|| de::Error::custom(format!("must be a date YYYY-MM-DD, got '{raw}'")))
}

/// An RFC 3339 instant (`2023-09-20T08:00:00+07:00`) as a filter bound: any year 0000 to 9999
/// (`9999-12-31T23:59:59Z` leaves it open), taken as the instant just outside the stored range
/// when beyond it (see [`de_day`]).
pub fn de_instant<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    let raw = String::deserialize(d)?;
    let at = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|_| {
            de::Error::custom(format!(
                "must be an RFC 3339 time such as 2023-09-20T08:00:00+07:00, got '{raw}'"
            ))
        })?
        .with_timezone(&chrono::Utc);
    Ok(Some(crate::http::dates::clamp_instant(at)))
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
            if s.split(',').count() > MAX_LIST_ITEMS {
                return Err(E::custom(format!("has more than {MAX_LIST_ITEMS} items")));
            }
            if s.split(',')
                .any(|item| item.trim().chars().count() > MAX_LIST_ITEM_CHARS)
            {
                return Err(E::custom(format!(
                    "has an item longer than {MAX_LIST_ITEM_CHARS} characters"
                )));
            }
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

/// The most names one `fields` may list.
pub const MAX_FIELDS: usize = 64;

/// `fields`: comma-separated names, each once (checked against the resource's schema later:
/// `http::fields`), at most [`MAX_FIELDS`] of them.
pub fn de_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let raw = String::deserialize(d)?;
    let names: Vec<String> = raw.split(',').map(|n| n.trim().to_string()).collect();
    let max = MAX_FIELDS;
    if names.len() > max {
        return Err(de::Error::custom(format!("has more than {max} names")));
    }
    if names.iter().any(String::is_empty) {
        return Err(de::Error::custom("has an empty name"));
    }
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
        .map(|(_, n)| n)
    {
        return Err(de::Error::custom(format!("names '{twice}' twice")));
    }
    Ok(Some(names))
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

    impl Params for Q {}

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadRequest { errors, .. } => errors[0].field.clone(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Page {
        #[serde(default, deserialize_with = "de_positive")]
        page: Option<i64>,
    }

    impl Params for Page {}

    #[test]
    fn a_split_query_goes_to_its_two_parts_by_name() {
        assert_eq!(field_names::<Page>(), ["page"]);
        let Split(p, q) = parse_split::<Page, Q>("color=red&page=3&active=1").unwrap();
        assert_eq!(p.page, Some(3));
        assert_eq!(q.color, Some(vec![Color::Red]));
        assert_eq!(q.active, Some(true));
        // Errors still name the parameter, in either part, and an unknown one lists both.
        assert_eq!(
            field_of(parse_split::<Page, Q>("page=0").unwrap_err()),
            "page"
        );
        assert_eq!(
            field_of(parse_split::<Page, Q>("color=blue").unwrap_err()),
            "color"
        );
        match parse_split::<Page, Q>("page=1&colour=red").unwrap_err() {
            AppError::BadRequest { errors, .. } => {
                assert_eq!(errors[0].field, "colour");
                assert!(
                    errors[0].message.contains("page, color, active"),
                    "{errors:?}"
                );
            }
            other => panic!("expected a 400, got {other:?}"),
        }
        assert_eq!(
            field_of(parse_split::<Page, Q>("page=1&page=2").unwrap_err()),
            "page"
        );
        // Percent-encoded values survive the split.
        let Split(_, q) = parse_split::<Page, Q>("color=%72ed").unwrap();
        assert_eq!(q.color, Some(vec![Color::Red]));
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Listed {
        #[serde(default, deserialize_with = "de_list")]
        category: Option<Vec<Color>>,
        #[serde(default)]
        q: Option<String>,
    }

    impl Params for Listed {
        const LISTS: &'static [&'static str] = &["category"];
    }

    #[test]
    fn a_list_parameter_may_be_repeated_a_scalar_may_not() {
        let both = parse_query::<Listed>("category=red&q=x&category=green").unwrap();
        assert_eq!(both.category, Some(vec![Color::Red, Color::Green]));
        assert_eq!(both.q.as_deref(), Some("x"));
        let brackets = parse_query::<Listed>("category[]=red&category[]=green").unwrap();
        assert_eq!(brackets.category, Some(vec![Color::Red, Color::Green]));
        let mixed = parse_query::<Listed>("category=red,green&category=red").unwrap();
        assert_eq!(mixed.category.map(|c| c.len()), Some(3));
        assert_eq!(field_of(parse_query::<Listed>("q=a&q=b").unwrap_err()), "q");
        let flood = vec!["category=red"; MAX_PARAMS + 1].join("&");
        assert_eq!(
            field_of(parse_query::<Listed>(&flood).unwrap_err()),
            "query"
        );
        assert_eq!(
            field_of(parse_query::<Listed>("category=red&category=").unwrap_err()),
            "category"
        );
    }

    #[test]
    fn long_values_and_long_lists_are_refused_by_name() {
        let long = "a".repeat(MAX_PARAM_CHARS + 1);
        let err = parse_query::<Q>(&format!("page={long}")).unwrap_err();
        assert_eq!(field_of(err), "page");
        // Characters, not bytes: 200 Vietnamese letters pass the length check (and then
        // are no number).
        let letters = "ư".repeat(MAX_PARAM_CHARS);
        let err = parse_query::<Q>(&format!("page={letters}")).unwrap_err();
        assert!(!format!("{err:?}").contains("characters"), "{err:?}");
        let many = vec!["red"; MAX_LIST_ITEMS + 1].join(",");
        let err = parse_query::<Q>(&format!("color={many}")).unwrap_err();
        assert!(format!("{err:?}").contains("more than 20 items"), "{err:?}");
        let enough = vec!["red"; MAX_LIST_ITEMS].join(",");
        assert!(parse_query::<Q>(&format!("color={enough}")).is_ok());
        let item = "r".repeat(MAX_LIST_ITEM_CHARS + 1);
        let err = parse_query::<Q>(&format!("color=red,{item}")).unwrap_err();
        assert!(format!("{err:?}").contains("longer than 100"), "{err:?}");
        // A split query checks its values before splitting them.
        let err = parse_split::<Q, Q>(&format!("page={long}")).err().unwrap();
        assert_eq!(field_of(err), "page");
    }
}
