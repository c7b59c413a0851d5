//! What a write is based on: the strong ETag of a representation (a hash of its exact bytes)
//! and the `If-Match` comparison a repository makes inside its write transaction (a stale
//! one is a 412, nothing written). Values only; reading the headers is `http::etag`'s.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// A strong ETag: a hash of the exact bytes sent.
pub fn of_bytes(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(bytes)[..12]))
}

/// The ETag a value would be sent with.
pub fn of<T: Serialize>(value: &T) -> Result<String, AppError> {
    let body = serde_json::to_vec(value).map_err(AppError::internal)?;
    Ok(of_bytes(&body))
}

/// A write's `If-Match`, with how the caller shows the state it guards (a repository loads
/// the current state inside its transaction; the handler knows the representation the client
/// saw, absolute links included). No header: nothing to compare, nothing computed.
pub struct Precondition<T> {
    if_match: Option<String>,
    shown_etag: ShownEtag<T>,
}

type ShownEtag<T> = Box<dyn Fn(&T) -> Result<String, AppError> + Send>;

impl<T> Precondition<T> {
    pub fn new(
        if_match: Option<String>,
        shown_etag: impl Fn(&T) -> Result<String, AppError> + Send + 'static,
    ) -> Self {
        Self {
            if_match,
            shown_etag: Box::new(shown_etag),
        }
    }

    /// 412 unless `If-Match` is absent, `*`, or lists the ETag `current` is shown with.
    pub fn check(&self, current: &T) -> Result<(), AppError> {
        match &self.if_match {
            None => Ok(()),
            Some(value) => check_if_match(Some(value), &(self.shown_etag)(current)?),
        }
    }
}

pub fn tags(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// The content codings a compressed response's ETag names (`"…-gzip"`, see
/// `http::middleware::caching`).
pub const CODINGS: [&str; 4] = ["gzip", "br", "zstd", "deflate"];

/// `tag` without the content coding the compression middleware adds to it: the tag of the
/// same representation before it was compressed (`"abc-gzip"` → `"abc"`).
pub fn uncoded(tag: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = tag.strip_suffix('"') else {
        return tag.into();
    };
    for coding in CODINGS {
        if let Some(base) = inner.strip_suffix(coding).and_then(|b| b.strip_suffix('-')) {
            return format!("{base}\"").into();
        }
    }
    tag.into()
}

/// 412 unless `If-Match` (strong comparison) is absent, `*`, or lists the current ETag (as
/// sent, or as a compressed response carried it).
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), AppError> {
    match if_match {
        None => Ok(()),
        Some(value) => {
            if tags(value).any(|t| t == "*" || (!t.starts_with("W/") && uncoded(t) == current)) {
                Ok(())
            } else {
                Err(AppError::PreconditionFailed)
            }
        }
    }
}
