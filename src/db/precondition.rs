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

pub fn tags(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// 412 unless `If-Match` (strong comparison) is absent, `*`, or lists the current ETag.
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), AppError> {
    match if_match {
        None => Ok(()),
        Some(value) => {
            if tags(value).any(|t| t == "*" || (!t.starts_with("W/") && t == current)) {
                Ok(())
            } else {
                Err(AppError::PreconditionFailed)
            }
        }
    }
}
