//! `GET /api/v1/admin/backup`: the database as one consistent snapshot, streamed.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};

/// A backup of the database
///
/// One consistent snapshot of the whole database (SQLite's `VACUUM INTO`, taken while writes
/// go on), as an SQLite file to keep or to give to `doan-api restore`. Uploaded files are not
/// in it: `doan-api backup FILE` copies them beside the file, or copy the media folder (its
/// files never change once written). Admins only.
#[utoipa::path(tag = "transfer", operation_id = "backup_database",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The database file", content_type = "application/vnd.sqlite3", body = Vec<u8>,
         headers(("Content-Disposition" = String))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/backup")]
pub async fn backup_database(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    _admin: Admin,
) -> ApiResult<HttpResponse> {
    let path = std::env::temp_dir().join(format!(
        "doan-backup-{}.db",
        hex::encode(rand::random::<[u8; 12]>())
    ));
    let dest = path.clone();
    db::run(&pool, move |conn| {
        use diesel::prelude::*;
        let dest = dest
            .to_str()
            .ok_or_else(|| AppError::internal("the temporary path is not UTF-8"))?
            .to_string();
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(dest)
            .execute(conn)?;
        Ok(())
    })
    .await?;
    let file = actix_files::NamedFile::open_async(&path)
        .await
        .map_err(AppError::internal);
    // The open file is read to its end; its name goes now (no copy is left behind).
    let _ = std::fs::remove_file(&path);
    let name = format!("doan-{}.db", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
    let mut res = file?
        .use_etag(false)
        .use_last_modified(false)
        .set_content_type(
            "application/vnd.sqlite3"
                .parse()
                .unwrap_or(mime::APPLICATION_OCTET_STREAM),
        )
        .set_content_disposition(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(name)],
        })
        .into_response(&req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}
