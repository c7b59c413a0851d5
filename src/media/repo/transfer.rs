//! Media rows as an export writes them and an import brings them back.

use crate::db::Conn;
use diesel::prelude::*;

use crate::db::schema::media;
use crate::error::ApiResult;

use super::*;

/// Every medium, oldest first (for an export).
pub fn all_rows(conn: &mut Conn) -> QueryResult<Vec<MediaRow>> {
    media::table
        .order(media::id.asc())
        .select(MediaRow::as_select())
        .load(conn)
}

fn texts(r: &MediaRecord) -> Texts<'_> {
    Texts::of(r.alt.as_deref(), r.caption.as_deref(), r.credit.as_deref())
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
    r: &MediaRecord,
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
                    texts(r),
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
    let id = NewMedium {
        kind: r.kind,
        organization_id,
        content_type: &r.content_type,
        file: &r.file,
        file_name: r.file_name.as_deref(),
        bytes: r.bytes,
        width: r.width,
        height: r.height,
        blurhash: r.blurhash.as_deref(),
        files: &r.files,
        texts: texts(r),
        created_by: None,
        created_at: r.created_at.naive_utc(),
        updated_at: r.updated_at.naive_utc(),
    }
    .insert(conn)?;
    Ok((
        id,
        Imported {
            existed: false,
            same: false,
        },
    ))
}
