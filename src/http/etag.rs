//! Strong ETags from the representation itself, `If-None-Match` → 304 on reads and
//! `If-Match` → 412 on writes.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

pub use crate::db::precondition::{check_if_match, of, of_bytes};
use crate::db::precondition::{tags, Precondition};
use crate::error::AppError;

/// Weak comparison, a compressed response's tag standing for the uncompressed one's.
fn weak_eq(a: &str, b: &str) -> bool {
    crate::db::precondition::uncoded(a.trim_start_matches("W/"))
        == crate::db::precondition::uncoded(b.trim_start_matches("W/"))
}

/// Does `If-None-Match` (weak comparison) match this ETag?
pub fn none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(tags)
        .any(|t| t == "*" || weak_eq(t, etag))
}

/// The raw `If-Match` header, to check inside the write transaction.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    let values: Vec<&str> = req
        .headers()
        .get_all(header::IF_MATCH)
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The request's `If-Match`, to compare inside the write transaction with the ETag of the
/// current state as this request shows it (`show`: e.g. its links made absolute).
pub fn precondition<T, S: Serialize>(
    req: &HttpRequest,
    show: impl Fn(&T) -> S + Send + 'static,
) -> Precondition<T> {
    Precondition::new(if_match(req), move |current: &T| of(&show(current)))
}

/// Send a JSON representation with its ETag, or 304 when the client has it already.
pub fn json_response<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    value: &T,
    extra: impl FnOnce(&mut HttpResponseBuilder),
) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_vec(value).map_err(AppError::internal)?;
    let etag = of_bytes(&body);
    tagged_response(req, status, body, etag, extra)
}

/// Send a single resource as asked (all of it, or the members `fields` keeps: a 400 naming
/// an unknown one) with the ETag of the bytes sent, or 304 when the client has them already.
pub fn shown_response<T: Serialize + utoipa::ToSchema>(
    req: &HttpRequest,
    value: T,
    fields: Option<&[String]>,
) -> Result<HttpResponse, AppError> {
    let shown = crate::http::fields::shown(value, fields)?;
    json_response(req, StatusCode::OK, &shown, |_| {})
}

/// Send a JSON body with an ETag its resource computes itself (over what its writes are
/// based on), or 304 when the client has it already.
pub fn tagged_response(
    req: &HttpRequest,
    status: StatusCode,
    body: Vec<u8>,
    etag: String,
    extra: impl FnOnce(&mut HttpResponseBuilder),
) -> Result<HttpResponse, AppError> {
    if status == StatusCode::OK && none_match_hits(req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let mut res = HttpResponse::build(status);
    res.insert_header((header::ETAG, etag))
        .content_type("application/json");
    extra(&mut res);
    Ok(res.body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_strong() {
        let etag = "\"abc\"";
        assert!(check_if_match(None, etag).is_ok());
        assert!(check_if_match(Some("*"), etag).is_ok());
        assert!(check_if_match(Some("\"x\", \"abc\""), etag).is_ok());
        assert!(check_if_match(Some("W/\"abc\""), etag).is_err());
        assert!(check_if_match(Some("\"x\""), etag).is_err());
        // A compressed response's tag guards the same state.
        assert!(check_if_match(Some("\"abc-gzip\""), etag).is_ok());
        assert!(check_if_match(Some("\"abc-br\""), etag).is_ok());
        assert!(check_if_match(Some("\"abc-x\""), etag).is_err());
    }
}
