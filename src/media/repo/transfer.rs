//! Media rows as an export writes them and an import brings them back.

use crate::db::Conn;
use diesel::prelude::*;

use crate::db::schema::media;
use crate::error::{ApiResult, AppError};

use super::*;

/// Every medium, oldest first (for an export).
pub fn all_rows(conn: &mut Conn) -> QueryResult<Vec<MediaRow>> {
    media::table
        .order(media::id.asc())
        .select(MediaRow::as_select())
        .load(conn)
}

/// What an import did with a media line.
pub struct Imported {
    pub existed: bool,
    pub same: bool,
}

/// A medium as an import gives it: the row imported before from the same line (`existing`),
/// else the row an export of this database wrote it from (`media/{id}` with the same file),
/// is brought up to date; otherwise a row is added (two uploads of the same bytes stay two
/// media, sharing their files).
pub fn import_row(
    conn: &mut Conn,
    existing: Option<i32>,
    organization_id: i32,
    r: &crate::media::dto::MediaRecord,
) -> ApiResult<(i32, Imported)> {
    let own = r
        .external_id
        .strip_prefix("media/")
        .and_then(|id| id.parse::<i32>().ok());
    let candidate = existing.or(own);
    let found: Option<MediaRow> = match candidate {
        Some(id) => media::table
            .find(id)
            .select(MediaRow::as_select())
            .first(conn)
            .optional()?
            .filter(|row| existing.is_some() || row.file == r.file),
        None => None,
    };
    if let Some(row) = found {
        let same = row.alt == r.alt
            && row.caption == r.caption
            && row.credit == r.credit
            && row.organization_id == organization_id;
        if !same {
            diesel::update(media::table.find(row.id))
                .set((
                    media::organization_id.eq(organization_id),
                    media::alt.eq(&r.alt),
                    media::caption.eq(&r.caption),
                    media::credit.eq(&r.credit),
                    media::search_text.eq(search_text(
                        r.alt.as_deref(),
                        r.caption.as_deref(),
                        r.credit.as_deref(),
                    )),
                    media::updated_at.eq(r.updated_at.naive_utc()),
                    media::version.eq(row.version + 1),
                ))
                .execute(conn)?;
        }
        return Ok((
            row.id,
            Imported {
                existed: true,
                same,
            },
        ));
    }
    let id: i32 = diesel::insert_into(media::table)
        .values((
            media::kind.eq(r.kind.as_str()),
            media::organization_id.eq(organization_id),
            media::content_type.eq(&r.content_type),
            media::file.eq(&r.file),
            media::file_name.eq(&r.file_name),
            media::bytes.eq(r.bytes),
            media::width.eq(r.width.and_then(|w| i32::try_from(w).ok())),
            media::height.eq(r.height.and_then(|h| i32::try_from(h).ok())),
            media::blurhash.eq(&r.blurhash),
            media::renditions.eq(serde_json::to_string(&r.files).map_err(AppError::internal)?),
            media::search_text.eq(search_text(
                r.alt.as_deref(),
                r.caption.as_deref(),
                r.credit.as_deref(),
            )),
            media::alt.eq(&r.alt),
            media::caption.eq(&r.caption),
            media::credit.eq(&r.credit),
            media::created_at.eq(r.created_at.naive_utc()),
            media::updated_at.eq(r.updated_at.naive_utc()),
        ))
        .returning(media::id)
        .get_result(conn)?;
    Ok((
        id,
        Imported {
            existed: false,
            same: false,
        },
    ))
}
