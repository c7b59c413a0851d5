//! The reference portal (`examples/portal/`): the seed page rebuilt on the public API, plain
//! HTML, CSS and JavaScript modules compiled into the binary and served from the same origin
//! when asked for (`serve --portal`; on with `--demo`), at the addresses the API already
//! links to (`--activity-url-template` and `--organization-url-template`'s defaults):
//!
//! - `/`: the bloc's units' activities, newest publication first, with search and filters;
//! - `/to-chuc/{slug}`: one unit's;
//! - `/hoat-dong/{slug}`: one activity;
//! - `/portal/{file}`: the pages' scripts and style, and `widget.js` for other sites.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::error::AppError;

/// One file of the portal.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_str!(concat!("../examples/portal/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

static ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("activity.html", HTML),
    asset!("style.css", CSS),
    asset!("api.js", JS),
    asset!("blurhash.js", JS),
    asset!("render.js", JS),
    asset!("list.js", JS),
    asset!("activity.js", JS),
    asset!("widget.js", JS),
    asset!("favicon.svg", SVG),
];

/// What the pages may load: their own files and the API (same origin), photos from anywhere
/// the API's URLs point (a media host or bucket), BlurHash placeholders drawn as `data:`.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' https: http: data:; \
     style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

fn send(asset: &Asset) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.content_type(asset.content_type)
        // A strong validator of the file: `middleware::caching` answers a matching
        // `If-None-Match` with 304 and sets the public `Cache-Control`.
        .insert_header((
            header::ETAG,
            crate::db::precondition::of_bytes(asset.body.as_bytes()),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if asset.content_type == HTML {
        res.insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
            .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"));
    }
    res.body(asset.body)
}

fn named(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

fn page(name: &str) -> Result<HttpResponse, AppError> {
    named(name)
        .map(send)
        .ok_or_else(|| AppError::not_found(format!("there is no page {name}")))
}

async fn list_page() -> Result<HttpResponse, AppError> {
    page("index.html")
}

async fn activity_page() -> Result<HttpResponse, AppError> {
    page("activity.html")
}

async fn file(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    match named(&name).filter(|a| a.content_type != HTML) {
        Some(asset) => Ok(send(asset)),
        None => Err(AppError::not_found(format!(
            "there is no file {name} in the portal"
        ))),
    }
}

/// The portal's routes (HTML pages, not part of the API's spec).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(list_page))
        .route("/to-chuc/{slug}", web::get().to(list_page))
        .route("/hoat-dong/{slug}", web::get().to(activity_page))
        .route("/portal/{name}", web::get().to(file));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_embedded_with_its_type() {
        for asset in ASSETS {
            assert!(!asset.body.is_empty(), "{}", asset.name);
            let js = asset.name.ends_with(".js");
            assert_eq!(js, asset.content_type == JS, "{}", asset.name);
            let html = asset.name.ends_with(".html");
            assert_eq!(html, asset.content_type == HTML, "{}", asset.name);
        }
        assert!(named("index.html").is_some() && named("widget.js").is_some());
    }
}
