//! `/api/v1/media` (upload, list, read, describe, delete) and `/media/{name}` (the files).

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::auth::AuthUser;
use crate::db::{self, DbPool};
use crate::error::{ApiResult, AppError, Problem};
use crate::http::body::JsonBody;
use crate::http::fields::FieldsQuery;
use crate::http::list::{self, ListRequest, ListResponse};
use crate::http::query::Qs;
use crate::http::{etag, links};
use crate::text;

use super::dto::*;
use super::process::{self, Sniffed};
use super::repo::{self, Description};
use super::{Settings, PROCESSING};

/// What a multipart upload carried.
#[derive(Default)]
struct Upload {
    file: Option<Vec<u8>>,
    file_name: Option<String>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    organization_id: Option<i64>,
    /// The file part's declared type, if any.
    declared: Option<String>,
}

const TEXT_FIELD_LIMIT: usize = 16 * 1024;

async fn read_upload(mut form: Multipart, max_bytes: usize) -> ApiResult<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest {
            detail: format!("the multipart body cannot be read: {e}"),
            errors: vec![],
        })?;
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" {
            max_bytes
        } else {
            TEXT_FIELD_LIMIT
        };
        if name == "file" {
            upload.file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(str::to_string);
            upload.declared = field.content_type().map(|m| m.essence_str().to_string());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest {
                detail: format!("the multipart body cannot be read: {e}"),
                errors: vec![],
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || {
            String::from_utf8(bytes.clone())
                .map_err(|_| AppError::invalid(&format!("/{name}"), "must be UTF-8 text"))
        };
        match name.as_str() {
            "file" => upload.file = Some(bytes),
            "alt" => upload.alt = text::clean_opt(Some(&text()?)),
            "caption" => upload.caption = text::clean_opt(Some(&text()?)),
            "credit" => upload.credit = text::clean_opt(Some(&text()?)),
            "organization_id" => {
                let raw = text()?;
                upload.organization_id = Some(raw.trim().parse().map_err(|_| {
                    AppError::invalid("/organization_id", "must be an organization's id")
                })?);
            }
            other => {
                return Err(AppError::invalid(
                    &format!("/{other}"),
                    "is not a field of an upload (file, alt, caption, credit, organization_id)",
                ))
            }
        }
    }
    Ok(upload)
}

/// The uploaded name without its folders; one holding a path is refused (`../../x.jpg`).
fn clean_file_name(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.contains('/') || raw.contains('\\') || raw.contains("..") || raw.contains('\0') {
        return Err(AppError::invalid(
            "/file",
            "the file name must be a name, not a path",
        ));
    }
    let name: String = text::clean(raw).chars().take(200).collect();
    Ok(Some(name).filter(|n| !n.is_empty()))
}

/// Media are written by those who write the news: admins and editors. A reviewer approves or
/// returns news — it reads the media of its units to do so — and uploads, changes or deletes
/// none (403, whatever the medium).
fn may_write_media(user: &AuthUser) -> ApiResult<()> {
    if user.role == crate::auth::Role::Reviewer {
        return Err(AppError::Forbidden(
            "a reviewer approves or returns news; uploading, describing and deleting media is for its editors and admins"
                .into(),
        ));
    }
    Ok(())
}

/// Upload a photo or a document
///
/// `multipart/form-data` with `file` and its description. The kind is decided by the content:
/// JPEG, PNG or WebP is a photo (stored upright and re-encoded: no metadata block, no GPS
/// position survives; renditions 320, 640 and 1280 px wide, a 160 px thumbnail, a blurhash),
/// PDF a document (stored as sent). Anything else is a 415 (HEIC and SVG say why). Photos over
/// the pixel limit are a 422, uploads over the size limit a 413. Editors upload for their own
/// unit and the units below it; reviewers do not upload (403). Example: `curl -F file=@anh.jpg -F 'alt=Toàn cảnh cuộc họp'
/// -H "Authorization: Bearer $TOKEN" …/api/v1/media`.
#[utoipa::path(tag = "media", operation_id = "upload_media",
    request_body(content = UploadMedia, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = Media, headers(("Location" = String), ("ETag" = String))),
        (status = 413, description = "Over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG, PNG, WebP or PDF", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable, too many pixels, no alt text, a path as name", body = Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn upload_media(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<Settings>,
    user: AuthUser,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    may_write_media(&user)?;
    let upload = read_upload(form, settings.max_bytes).await?;
    let bytes = upload
        .file
        .ok_or_else(|| AppError::invalid("/file", "is required"))?;
    let file_name = clean_file_name(upload.file_name.as_deref())?;
    let kind = process::sniff(&bytes)?;
    // The content decides; a declared type that says otherwise is a client's mistake (or a
    // disguise), refused rather than guessed past.
    if let Some(declared) = upload.declared.as_deref() {
        let agrees = match kind {
            Sniffed::Pdf => declared == "application/pdf",
            _ => declared.starts_with("image/") && declared != "image/svg+xml",
        };
        if !agrees && declared != "application/octet-stream" {
            return Err(AppError::UnsupportedMediaType(format!(
                "the file was declared {declared} but its content is {}",
                match kind {
                    Sniffed::Jpeg => "a JPEG image",
                    Sniffed::Png => "a PNG image",
                    Sniffed::WebP => "a WebP image",
                    Sniffed::Pdf => "a PDF document",
                }
            )));
        }
    }
    let texts = text_errors([
        ("alt", upload.alt.as_deref()),
        ("caption", upload.caption.as_deref()),
        ("credit", upload.credit.as_deref()),
    ]);
    if !texts.is_empty() {
        return Err(AppError::Validation(texts));
    }
    if kind != Sniffed::Pdf && upload.alt.is_none() {
        return Err(AppError::invalid(
            "/alt",
            "is required for a photo: say what it shows",
        ));
    }
    // Who may upload for which unit, before any work on the file.
    let named = upload.organization_id;
    let owner_user = user.clone();
    let owner = db::run(&pool, move |conn| repo::owner_for(conn, &owner_user, named)).await?;
    // Decoding and resizing off the async workers, one photo at a time.
    let permit = PROCESSING
        .acquire()
        .await
        .map_err(|e| AppError::internal(format!("media processing closed: {e}")))?;
    let limits = process::Limits {
        max_pixels: settings.max_pixels,
    };
    let store = settings.store.clone();
    let processed = actix_web::rt::task::spawn_blocking(move || -> ApiResult<_> {
        let processed = process::process(&bytes, kind, limits)?;
        for (_, f) in &processed.files {
            store.put(&f.name, &f.bytes).map_err(super::store::failed)?;
        }
        Ok(processed)
    })
    .await
    .map_err(|e| AppError::internal(format!("media processing failed: {e}")))??;
    drop(permit);
    let store = settings.store.clone();
    let media = db::run(&pool, move |conn| {
        let description = Description {
            file_name,
            alt: upload.alt,
            caption: upload.caption,
            credit: upload.credit,
        };
        let row = repo::insert(conn, &user, owner, &processed, description, store.as_ref())?;
        repo::to_dto(conn, &row)
    })
    .await?
    .linked(&links::base(&req));
    let location = links::absolute(&req, &format!("/api/v1/media/{}", media.id));
    etag::json_response(&req, StatusCode::CREATED, &media, |res| {
        res.insert_header((header::LOCATION, location));
    })
}

/// The media library
///
/// The photos and documents of the caller's unit and the units below it (an admin: all),
/// newest first.
#[utoipa::path(tag = "media", operation_id = "list_media", params(ListMediaQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of media", body = ListResponse<Media>,
        headers(("Link" = String), ("X-Total-Count" = i64))),
        (status = 404, description = "`organization` names no unit", body = Problem, content_type = "application/problem+json")))]
#[get("")]
pub async fn list_media(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    query: Qs<ListMediaQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = ListRequest::new(&req, &query.paging(), &repo::SORTS)?;
    let page_req = page.clone();
    let (data, total, next) = db::run(&pool, move |conn| {
        let (rows, total, next) = repo::list(conn, &user, &query, &page_req)?;
        let owners = repo::owners(conn, &rows)?;
        let data: Vec<Media> = rows
            .iter()
            .filter_map(|r| owners.get(&r.organization_id).map(|o| r.to_dto(o.clone())))
            .collect();
        Ok((data, total, next))
    })
    .await?;
    let base = links::base(&req);
    let data = data.into_iter().map(|m| m.linked(&base)).collect();
    list::respond(&req, &page, data, total, next)
}

async fn one(pool: &DbPool, user: AuthUser, id: i64) -> ApiResult<Media> {
    db::run(pool, move |conn| {
        let row = repo::find(conn, &user, id)?;
        repo::to_dto(conn, &row)
    })
    .await
}

/// A medium
///
/// For any signed-in user: admins see every medium, editors and reviewers those of their unit
/// and of the units below it (any other is a 404, as an unknown id would be). With the URLs
/// of its files (`src`, `srcset`, `webp_srcset`, `renditions`, `thumbnail`). Its `ETag`
/// answers `If-None-Match` (304) and guards a `PATCH` or `DELETE` (`If-Match`).
#[utoipa::path(tag = "media", operation_id = "get_media", params(MediaPath, FieldsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The medium", body = Media, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_media(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<MediaPath>,
    query: Qs<FieldsQuery>,
) -> ApiResult<HttpResponse> {
    let media = one(&pool, user, path.into_inner().id)
        .await?
        .linked(&links::base(&req));
    etag::shown_response(&req, media, query.0.fields.as_deref())
}

/// Describe a medium
///
/// Merge patch of `alt`, `caption`, `credit` under `If-Match` (a photo keeps an `alt`).
/// Admins, and editors for their units; not reviewers (403).
#[utoipa::path(tag = "media", operation_id = "update_media",
    params(MediaPath, ("If-Match" = Option<String>, Header, description = "ETag the change is based on")),
    request_body(content = UpdateMedia, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed", body = Media, headers(("ETag" = String)))))]
#[patch("/{id}")]
pub async fn update_media(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    user: AuthUser,
    path: web::Path<MediaPath>,
    body: JsonBody<UpdateMedia>,
) -> ApiResult<HttpResponse> {
    may_write_media(&user)?;
    let id = path.into_inner().id;
    let patch = body.0;
    let base = links::base(&req);
    let shown = base.clone();
    let expected = etag::precondition(&req, move |m: &Media| m.clone().linked(&shown));
    let reader = user.clone();
    db::run_on_primary(&pool, move |conn| {
        repo::update(conn, &user, id, patch, expected)
    })
    .await?;
    let media = one(&pool, reader, id).await?.linked(&base);
    etag::json_response(&req, StatusCode::OK, &media, |_| {})
}

/// Delete a medium
///
/// The row goes, and its files unless another upload of the same bytes still uses them. A
/// medium that activities use is a 409 naming them; an admin may force the deletion
/// (`force=true`): their photos keep the caption without the picture, their documents the
/// title without the file, and each gets a new version. Admins, and editors for their units;
/// not reviewers (403).
#[utoipa::path(tag = "media", operation_id = "delete_media",
    params(MediaPath, DeleteMediaQuery, ("If-Match" = Option<String>, Header, description = "ETag the deletion is based on")),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "A reviewer, or `force` by someone other than an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Activities use it (named in the problem's `errors`)", body = Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_media(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    settings: web::Data<Settings>,
    user: AuthUser,
    path: web::Path<MediaPath>,
    query: Qs<DeleteMediaQuery>,
) -> ApiResult<HttpResponse> {
    may_write_media(&user)?;
    let id = path.into_inner().id;
    let force = query.into_inner().force == Some(true);
    let base = links::base(&req);
    let expected = etag::precondition(&req, move |m: &Media| m.clone().linked(&base));
    let removed_from = settings.removed_from_activities;
    let site = links::site(&req);
    let freed = db::run_on_primary(&pool, move |conn| {
        repo::delete(conn, &user, id, expected, force, removed_from, &site)
    })
    .await?;
    // The files go once the deletion has committed (and if no upload lists them again).
    let store = settings.store.clone();
    if let Err(e) = db::run(&pool, move |conn| {
        repo::remove_unlisted(conn, &freed, store.as_ref())
    })
    .await
    {
        // The row is gone; its files are stray now, and `media gc` removes them.
        tracing::warn!(error = %e, "the files of a deleted medium could not be removed");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A media file
///
/// Stable URL (its name is its content's SHA-256): `Cache-Control: public, max-age=31536000,
/// immutable`, `X-Content-Type-Options: nosniff`, range requests (`Accept-Ranges: bytes`), PDFs
/// as attachments.
#[utoipa::path(tag = "media", operation_id = "get_media_file", params(MediaFilePath),
    responses((status = 200, description = "The file, by its extension: a photo's rendition or original, a WebP rendition, a PDF",
            content((crate::http::BinaryFile = "image/jpeg"), (crate::http::BinaryFile = "image/png"), (crate::http::BinaryFile = "image/webp"), (crate::http::BinaryFile = "application/pdf"))),
        (status = 206, description = "The range asked for"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json")))]
#[get("/media/{name}")]
pub async fn media_file(
    req: HttpRequest,
    settings: web::Data<Settings>,
    path: web::Path<MediaFilePath>,
) -> ApiResult<HttpResponse> {
    let name = path.into_inner().name;
    let missing = || AppError::not_found(format!("there is no media file '{name}'"));
    if !super::store::valid_name(&name) {
        return Err(missing());
    }
    let content_type: mime::Mime = match name.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg") => mime::IMAGE_JPEG,
        Some("png") => mime::IMAGE_PNG,
        Some("webp") => "image/webp"
            .parse()
            .unwrap_or(mime::APPLICATION_OCTET_STREAM),
        _ => mime::APPLICATION_PDF,
    };
    let pdf = content_type == mime::APPLICATION_PDF;
    let disposition = header::ContentDisposition {
        disposition: if pdf {
            header::DispositionType::Attachment
        } else {
            header::DispositionType::Inline
        },
        parameters: vec![header::DispositionParam::Filename(name.clone())],
    };
    let mut res = match settings.store.local_path(&name) {
        Some(file_path) => actix_files::NamedFile::open_async(&file_path)
            .await
            .map_err(|_| missing())?
            .set_content_type(content_type)
            .set_content_disposition(disposition)
            .into_response(&req),
        None => match &settings.public_url {
            // The bucket or a CDN serves the files: the client is sent there.
            Some(public) => HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, format!("{public}/{name}")))
                .finish(),
            None => from_store(&req, &settings, &name, content_type, disposition)
                .await?
                .ok_or_else(missing)?,
        },
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// File `name` read from a store that keeps no local files (a bucket), as a local one is
/// served: a validator (the name is the content's hash, so the strong ETag is the name), one
/// range (`206`; `416` outside the file), `Accept-Ranges: bytes`. `None` when there is no
/// such file; a store that does not answer is a 503.
async fn from_store(
    req: &HttpRequest,
    settings: &Settings,
    name: &str,
    content_type: mime::Mime,
    disposition: header::ContentDisposition,
) -> ApiResult<Option<HttpResponse>> {
    let etag = header::EntityTag::new_strong(name.to_string());
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/").trim_matches('"') == etag.tag())
        });
    let ranged = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let store = settings.store.clone();
    let key = name.to_string();
    let unavailable =
        |e: std::io::Error| AppError::Unavailable(format!("the media store does not answer: {e}"));
    let Some(size) = web::block({
        let (store, key) = (store.clone(), key.clone());
        move || store.size(&key)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.clone()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition));
    if unchanged {
        return Ok(Some(res.finish()));
    }
    let range = match ranged {
        Some(spec) => match actix_files::HttpRange::parse(&spec, size) {
            Ok(ranges) => ranges.first().map(|r| r.start..r.start + r.length),
            Err(_) => {
                return Ok(Some(
                    HttpResponse::RangeNotSatisfiable()
                        .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                        .insert_header((header::ACCEPT_RANGES, "bytes"))
                        .finish(),
                ))
            }
        },
        None => None,
    };
    let ranged = range.is_some();
    let part = web::block(move || store.read(&key, range))
        .await
        .map_err(AppError::internal)?
        .map_err(unavailable)?;
    let Some(part) = part else {
        return Ok(None);
    };
    if ranged && part.total > 0 {
        let end = part.start + part.bytes.len() as u64;
        res.status(actix_web::http::StatusCode::PARTIAL_CONTENT)
            .insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    part.start,
                    end.saturating_sub(1),
                    part.total
                ),
            ));
    }
    Ok(Some(res.body(part.bytes)))
}
