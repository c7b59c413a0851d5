//! Import and export of the whole news archive as NDJSON (one JSON object per line): units,
//! clusters with rosters and results, activities with partners, tags, documents, photos and,
//! optionally, revisions — with their original ids (kept where free), slugs, times and
//! statuses. `doan-api export FILE` / `doan-api import FILE [--dry-run]`, and the admin
//! endpoints `GET /api/v1/export` and `POST /api/v1/import`.

pub mod cli;
pub mod export;
pub mod handlers;
pub mod import;
pub mod records;

pub use export::{export, Written};
pub use import::{import, ImportError, Imported, LineProblem};

/// Import and export, as the rest of the program sees them.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[(
        "transfer",
        "Import and export of the whole archive as NDJSON (admins only)",
    )],
    api: Some(configure),
    ..crate::http::resource::Resource::NONE
};

/// Routes under `/api/v1`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::export_archive)
        .service(handlers::import_archive);
}
