//! JSON request bodies: media type (415), size (413), syntax (400), schema (422 with a JSON
//! pointer), read-only fields and semantic rules (422 listing every error found).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, Method};
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crate::db::patch::Patch;
use crate::error::{AppError, FieldError};
use crate::text;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A request body type: how it is checked beyond what serde does.
pub trait BodySchema: DeserializeOwned {
    /// Fields a client may read but not write; sending one is a 422 naming it.
    const READ_ONLY: &'static [&'static str] = &[];
    /// Semantic rules; return every broken one.
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

/// A JSON body checked by [`BodySchema`].
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: BodySchema + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_ok = media_type_ok(req);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        // A gzip- or deflate-encoded body is decoded (actix-web's decoder, as its own JSON
        // extractor does); the size limit below applies to the decoded bytes, so a small
        // compressed bomb is still a 413.
        let mut payload = actix_web::dev::Decompress::from_headers(payload.take(), req.headers());
        Box::pin(async move {
            media_ok?;
            if declared_len.is_some_and(|len| len > BODY_LIMIT) {
                return Err(AppError::PayloadTooLarge { limit: BODY_LIMIT }.into());
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| AppError::BadRequest {
                    detail: format!("the body could not be read: {e}"),
                    errors: vec![],
                })?;
                if bytes.len() + chunk.len() > BODY_LIMIT {
                    return Err(AppError::PayloadTooLarge { limit: BODY_LIMIT }.into());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(JsonBody(decode::<T>(&bytes)?))
        })
    }
}

/// Content codings a body may arrive in (what actix-web's decoder handles with our features).
const CODINGS: &[&str] = &["gzip", "x-gzip", "deflate", "identity"];

fn media_type_ok(req: &HttpRequest) -> Result<(), AppError> {
    for value in req.headers().get_all(header::CONTENT_ENCODING) {
        let listed = value.to_str().unwrap_or("(not text)");
        for coding in listed.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if !CODINGS.contains(&coding.to_ascii_lowercase().as_str()) {
                return Err(AppError::UnsupportedMediaType(format!(
                    "the body is encoded as '{coding}'; send it as is, or with gzip or deflate"
                )));
            }
        }
    }
    let mime = req.mime_type().ok().flatten();
    let essence = mime.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
    let allowed: &[&str] = if req.method() == Method::PATCH {
        &["application/json", "application/merge-patch+json"]
    } else {
        &["application/json"]
    };
    match essence {
        Some(e) if allowed.contains(&e.as_str()) => Ok(()),
        other => Err(AppError::UnsupportedMediaType(format!(
            "the body must be sent as {} (got {})",
            allowed.join(" or "),
            other.unwrap_or_else(|| "no Content-Type".into())
        ))),
    }
}

/// Decode and check a body: 400 when it is not JSON, 422 when it breaks the schema or a rule.
pub fn decode<T: BodySchema>(bytes: &[u8]) -> Result<T, AppError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| AppError::BadRequest {
        detail: format!("the body is not valid JSON: {e}"),
        errors: vec![],
    })?;
    let mut value = value;
    let mut bad_text = Vec::new();
    normalise(&mut value, &mut String::new(), &mut bad_text);
    if !bad_text.is_empty() {
        return Err(AppError::Validation(bad_text));
    }
    let Value::Object(map) = &value else {
        return Err(AppError::invalid("", "the body must be a JSON object"));
    };
    let read_only: Vec<FieldError> = T::READ_ONLY
        .iter()
        .filter(|f| map.contains_key(**f))
        .map(|f| FieldError::new(format!("/{f}"), "is read-only"))
        .collect();
    if !read_only.is_empty() {
        return Err(AppError::Validation(read_only));
    }
    let parsed: T = serde_path_to_error::deserialize(value).map_err(|err| {
        let pointer = pointer_of(err.path());
        let message = err.into_inner().to_string();
        schema_error(&pointer, &message)
    })?;
    let errors = parsed.validate();
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Fields whose strings are kept exactly as sent: a password is compared, never shown.
const VERBATIM: &[&str] = &["password", "current_password", "new_password"];
/// Fields only trimmed, never recomposed: addresses are compared byte for byte elsewhere (a
/// file name in decomposed form is another file).
const NOT_RECOMPOSED: &[&str] = &["url", "website", "email"];

/// Every string of a body, before any rule looks at it: refused when it holds a character XML
/// 1.0 forbids (any text may end up in a feed), else cleaned ([`text::clean`]: trimmed,
/// NFC, nothing-visible text made empty). One rule for every resource and method, so limits
/// count the same code points on a POST and on a PATCH.
fn normalise(value: &mut Value, pointer: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) => {
            if s.chars().any(text::is_xml_forbidden) {
                errors.push(FieldError::new(
                    pointer.clone(),
                    "must not contain control characters (other than tab and line breaks) or \
                     U+FFFE/U+FFFF",
                ));
            } else {
                let address = pointer
                    .rsplit('/')
                    .next()
                    .is_some_and(|key| NOT_RECOMPOSED.contains(&key));
                let cleaned = if address {
                    s.trim().to_string()
                } else {
                    text::clean(s)
                };
                if cleaned != *s {
                    *s = cleaned;
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                normalise(item, pointer, errors);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if VERBATIM.contains(&key.as_str()) {
                    continue;
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                normalise(item, pointer, errors);
                pointer.truncate(len);
            }
        }
        Value::Number(_) => integral_numbers(value),
        _ => {}
    }
}

/// An integral number written with a fraction or an exponent (`1082.0`, `1e3`) is the integer
/// JSON Schema says it is: made one, here and in everything inside `value`, so that it is read
/// where an integer is expected (a float field reads an integer all the same).
pub fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
                if f.fract() == 0.0 && f.abs() <= EXACT {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape_pointer(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape_pointer(variant))),
            Segment::Unknown => {}
        }
    }
    out
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn schema_error(pointer: &str, message: &str) -> AppError {
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_string())
    };
    // serde_path_to_error's path ends at the unknown key itself, but at the parent of a
    // missing one.
    let at = |name: &str| {
        let escaped = escape_pointer(name);
        if pointer.ends_with(&format!("/{escaped}")) {
            pointer.to_string()
        } else {
            format!("{pointer}/{escaped}")
        }
    };
    if let Some(name) = named("unknown field `") {
        return AppError::invalid(&at(&name), "is not a known field");
    }
    if let Some(name) = named("missing field `") {
        return AppError::invalid(&at(&name), "is required");
    }
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .replace('`', "'");
    AppError::invalid(pointer, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[expect(dead_code, reason = "only parsed")]
        name: String,
        #[serde(default)]
        note: Patch<String>,
        #[serde(default)]
        items: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[expect(dead_code, reason = "only parsed")]
        n: u32,
    }
    impl BodySchema for Body {
        const READ_ONLY: &'static [&'static str] = &["id"];
    }

    fn first_field(err: AppError) -> (String, String) {
        match err {
            AppError::Validation(errors) => (errors[0].field.clone(), errors[0].message.clone()),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn merge_patch_distinguishes_absent_null_and_value() {
        let b: Body = decode(br#"{"name":"a"}"#).unwrap();
        assert!(b.note.is_absent());
        let b: Body = decode(br#"{"name":"a","note":null}"#).unwrap();
        assert_eq!(b.note, Patch::Null);
        let b: Body = decode(br#"{"name":"a","note":"x"}"#).unwrap();
        assert_eq!(b.note, Patch::Value("x".into()));
        assert_eq!(b.items.len(), 0);
    }

    #[test]
    fn errors_carry_json_pointers() {
        assert!(matches!(
            decode::<Body>(b"{not json"),
            Err(AppError::BadRequest { .. })
        ));
        assert_eq!(first_field(decode::<Body>(b"{}").unwrap_err()).0, "/name");
        assert_eq!(
            first_field(decode::<Body>(br#"{"name":"a","x":1}"#).unwrap_err()).0,
            "/x"
        );
        assert_eq!(
            first_field(
                decode::<Body>(br#"{"name":"a","items":[{"n":1},{"n":"z"}]}"#).unwrap_err()
            )
            .0,
            "/items/1/n"
        );
        let (field, message) = first_field(decode::<Body>(br#"{"name":"a","id":3}"#).unwrap_err());
        assert_eq!((field.as_str(), message.as_str()), ("/id", "is read-only"));
        assert_eq!(first_field(decode::<Body>(b"[1]").unwrap_err()).0, "");
    }
}
