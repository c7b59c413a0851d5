//! `GET /api/v1/export` (streamed) and `POST /api/v1/import`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, FieldError, Problem};

use super::{ImportError, Imported};

/// Query of `GET /export`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Include every activity's revisions.
    #[serde(default, deserialize_with = "crate::http::query::de_bool")]
    #[param(value_type = Option<bool>)]
    pub revisions: Option<bool>,
}

impl crate::http::query::Params for ExportQuery {}

/// Query of `POST /import`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only check the lines: nothing is written.
    #[serde(default, deserialize_with = "crate::http::query::de_bool")]
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<bool>,
}

impl crate::http::query::Params for ImportQuery {}

/// The largest archive `POST /import` takes.
const IMPORT_LIMIT: usize = 256 * 1024 * 1024;

/// Export the archive
///
/// Every unit (parents first), cluster (with rosters and results) and activity (the trash
/// too; with `revisions=true`, every saved state) as NDJSON, one `Record` per line, from one
/// consistent snapshot. What `POST /import` and `doan-api import` read. Admins only.
#[utoipa::path(tag = "transfer", operation_id = "export_archive", params(ExportQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "NDJSON, one record per line",
        content_type = "application/x-ndjson", body = super::records::Record)))]
#[get("/export")]
pub async fn export_archive(
    pool: web::Data<DbPool>,
    _admin: Admin,
    query: crate::http::query::Qs<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let revisions = query.into_inner().revisions == Some(true);
    // Written whole from one read transaction to a file beside the database, the connection
    // then released: a client that reads slowly (or stops) holds the file, never the pool.
    let spool = crate::http::spool::Spool::beside(&pool.scratch_anchor(), "export");
    let (file, size) = db::run_on_primary(&pool, move |conn| {
        use std::io::{Seek, Write};
        let mut file = spool.create()?;
        let mut out = std::io::BufWriter::new(&mut file);
        // The same archive whoever asks, from wherever: file URLs as the repositories give
        // them, paths from the root (as `doan-api export` writes them), never on this
        // request's host.
        super::export(conn, revisions, &mut out, &mut |_| {})?;
        out.flush().map_err(AppError::internal)?;
        drop(out);
        let size = file.stream_position().map_err(AppError::internal)?;
        file.rewind().map_err(AppError::internal)?;
        Ok((file, size))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"doan-export.ndjson\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::http::spool::stream(file, size, ())))
}

/// Import an archive
///
/// NDJSON as `GET /export` writes it (`Content-Type: application/x-ndjson`, at most 256 MB).
/// Every line is checked first — a 422 lists each bad line's number and problem, nothing
/// written — then everything is written in one transaction. A line whose `external_id` was
/// imported before updates that row (or leaves it when equal): importing twice changes
/// nothing. Original ids (where free), slugs, times and statuses are kept. Admins only.
#[utoipa::path(tag = "transfer", operation_id = "import_archive", params(ImportQuery),
    request_body(content = String, content_type = "application/x-ndjson",
        description = "One `Record` per line"),
    security(("bearer" = [])),
    responses((status = 200, description = "Imported (or, with dry_run, checked)", body = Imported),
        (status = 422, description = "Bad lines, each with its number; nothing written", body = Problem, content_type = "application/problem+json")))]
#[post("/import")]
pub async fn import_archive(
    req: actix_web::HttpRequest,
    pool: web::Data<DbPool>,
    media: web::Data<crate::media::Settings>,
    _admin: Admin,
    query: crate::http::query::Qs<ImportQuery>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let ndjson = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-ndjson"));
    if !ndjson {
        return Err(AppError::UnsupportedMediaType(
            "send the archive as application/x-ndjson".into(),
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
        let chunk = chunk.map_err(|e| AppError::BadRequest {
            detail: format!("the body could not be read: {e}"),
            errors: vec![],
        })?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(AppError::PayloadTooLarge {
                limit: IMPORT_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| AppError::BadRequest {
        detail: "the body is not UTF-8".into(),
        errors: vec![],
    })?;
    let dry_run = query.into_inner().dry_run == Some(true);
    let store = media.store.clone();
    let site = crate::http::links::site(&req);
    let result = db::run(&pool, move |conn| {
        Ok(super::import(
            conn,
            &text,
            dry_run,
            Some(store.as_ref()),
            &site,
            &mut |_| {},
        ))
    })
    .await?;
    match result {
        Ok(done) => Ok(HttpResponse::Ok().json(done)),
        Err(ImportError::Lines(problems)) => Err(AppError::Validation(
            problems
                .into_iter()
                .map(|p| FieldError::new(format!("/lines/{}", p.line), p.problem))
                .collect(),
        )),
        Err(ImportError::Other(e)) => Err(e),
    }
}
