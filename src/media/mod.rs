//! The media library: photos and documents uploaded by a unit's editors (`/api/v1/media`),
//! recognised by their content, photos processed off the async workers (upright, without
//! metadata, responsive renditions, a thumbnail and a placeholder), stored content-addressed
//! behind [`store::MediaStore`] and served at stable, immutable URLs (`/media/{sha256}.{ext}`).

pub mod dto;
pub mod gc;
pub mod handlers;
pub mod placeholder;
pub mod process;
pub mod repo;
pub mod s3;
pub mod store;

use std::sync::Arc;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::resource::{describe_codes, docs, Linked, Resource};

/// The store `--media-store` names: a bucket (`s3://bucket/prefix`), checked by listing it
/// once; else the folder `dir`.
pub fn open_store(
    dir: &std::path::Path,
    store: Option<&str>,
) -> anyhow::Result<Arc<dyn store::MediaStore>> {
    match store {
        Some(url) if s3::is_bucket_url(url) => {
            let s3 = s3::S3Store::open(url)?;
            s3.check()?;
            Ok(Arc::new(s3))
        }
        Some(other) => anyhow::bail!(
            "--media-store takes an s3://bucket/prefix URL (a folder is --media-dir): {other}"
        ),
        None => Ok(Arc::new(store::LocalStore::open(dir).map_err(|e| {
            anyhow::anyhow!("cannot open the media folder {}: {e}", dir.display())
        })?)),
    }
}

/// How uploads are taken and where files go.
#[derive(Clone)]
pub struct Settings {
    pub store: Arc<dyn store::MediaStore>,
    /// Where the bucket's files are public (a CDN, or the bucket itself), without a trailing
    /// slash: `/media/{name}` redirects there instead of reading the file from the store.
    pub public_url: Option<String>,
    /// Largest upload, in bytes.
    pub max_bytes: usize,
    /// Largest photo, in pixels (width × height).
    pub max_pixels: u64,
    /// What a forced deletion asks of the activities that used the medium (their rows already
    /// changed, in the same transaction): passed in by the server, as `media` sits below
    /// `activities` and never names it.
    pub removed_from_activities: repo::RemovedFrom,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("store", &self.store)
            .field("max_bytes", &self.max_bytes)
            .field("max_pixels", &self.max_pixels)
            .finish_non_exhaustive()
    }
}

/// Photos processed at once: each takes a core for a moment; the others wait their turn,
/// requests keep being served.
static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Media, as the rest of the program sees them.
pub const RESOURCE: Resource = Resource {
    tags: &[(
        "media",
        "Photos and documents of a unit: upload, renditions, files",
    )],
    api: Some(configure),
    root: Some(configure_files),
    sorts: &[("list_media", &repo::SORTS)],
    linked: Some(Linked {
        name: "Media",
        collection: "/api/v1/media",
        stem: "media",
    }),
    document: Some(document),
    ..Resource::NONE
};

/// What each kind of medium is, in the spec.
fn document(spec: &mut utoipa::openapi::OpenApi) {
    describe_codes(spec, "MediaKind", "Values:", &docs(dto::MediaKind::DOCS));
}

/// Routes under `/api/v1`: `/media`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/media")
            .service(handlers::list_media)
            .service(handlers::upload_media)
            .service(handlers::get_media)
            .service(handlers::update_media)
            .service(handlers::delete_media),
    );
}

/// The files themselves, outside `/api/v1`.
pub fn configure_files(cfg: &mut ServiceConfig) {
    cfg.service(handlers::media_file);
}
