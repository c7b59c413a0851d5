//! `GET /api/v1/admin/backup`: the database as one consistent snapshot, streamed.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use crate::auth::Admin;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};

/// What a PostgreSQL deployment uses instead of a file snapshot.
pub const POSTGRES_BACKUPS: &str = "the database is PostgreSQL: back it up with pg_dump \
     (pg_dump --format=custom) or the server's base backups and WAL archive, and copy the media \
     folder beside it";

/// A backup of the database
///
/// One consistent snapshot of the whole database (SQLite's `VACUUM INTO`, taken while writes
/// go on), as an SQLite file to keep or to give to `doan-api restore`. Uploaded files are not
/// in it: `doan-api backup FILE` copies them beside the file, or copy the media folder (its
/// files never change once written). Admins only.
#[utoipa::path(tag = "transfer", operation_id = "backup_database",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The database file", content_type = "application/vnd.sqlite3", body = crate::http::BinaryFile,
         headers(("Content-Disposition" = String))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A backup is being made already", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = i64))),
        (status = 501, description = "The database is PostgreSQL: back it up with pg_dump or base backups", body = Problem, content_type = "application/problem+json")))]
#[get("/admin/backup")]
pub async fn backup_database(pool: web::Data<DbPool>, _admin: Admin) -> ApiResult<HttpResponse> {
    if pool.engine == db::dialect::Dialect::Postgres {
        return Err(AppError::NotImplemented(POSTGRES_BACKUPS.into()));
    }
    // One at a time: each is a full copy of the database on disk for a moment.
    static ONE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let permit = ONE.try_acquire().map_err(|_| AppError::TooManyRequests {
        retry_after: 30,
        reason: "a backup is already being made",
    })?;
    // Beside the database, removed on every way out: the snapshot is written, opened and
    // unlinked in one go, then read from the open file.
    let spool = crate::http::spool::Spool::beside(&pool.scratch_anchor(), "backup");
    let file = db::run_on_primary(&pool, move |conn| {
        // Held until the download ends (it moves into the stream), even if the client goes
        // away while the snapshot is being written.
        let permit = permit;
        let dest = spool
            .path()
            .to_str()
            .ok_or_else(|| AppError::internal("the temporary path is not UTF-8"))?
            .to_string();
        db::file::copy_into(conn, &dest)?;
        let file = std::fs::File::open(spool.path()).map_err(AppError::internal)?;
        drop(spool);
        let size = file.metadata().map_err(AppError::internal)?.len();
        Ok((file, size, permit))
    })
    .await?;
    let (file, size, permit) = file;
    let name = format!("doan-{}.db", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.sqlite3")
        .insert_header(header::ContentDisposition {
            disposition: header::DispositionType::Attachment,
            parameters: vec![header::DispositionParam::Filename(name)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // The whole file (a Range would stitch two snapshots together).
        .body(crate::http::spool::stream(file, size, permit)))
}
