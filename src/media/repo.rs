//! Media rows: who may see and change them (a unit's editors, and those above), the list, the
//! writes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::SqliteConnection;
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition as etag;
use crate::db::schema::media;
use crate::db::{self, tree};
use crate::error::{ApiResult, AppError};
use crate::organizations::repo as orgs;
use crate::text;

use super::dto::*;

pub const SORTS: Sortable = Sortable {
    fields: &[("id", "m.id")],
    default: "-id",
};

/// One stored file of a medium, as kept in `renditions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// `original`, `w320`, `w640`, `w1280` or `thumbnail`.
    pub purpose: String,
    pub name: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: i64,
    pub content_type: String,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = media)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct MediaRow {
    pub id: i32,
    pub kind: String,
    pub organization_id: i32,
    pub content_type: String,
    pub file: String,
    pub file_name: Option<String>,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub blurhash: Option<String>,
    pub renditions: String,
    pub search_text: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl KeysetRow for MediaRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, _: &str) -> Bind {
        Bind::Int(i64::from(self.id))
    }
}

impl MediaRow {
    pub fn files(&self) -> Vec<FileEntry> {
        serde_json::from_str(&self.renditions).unwrap_or_default()
    }

    /// The representation, with file URLs under `base`.
    pub fn to_dto(&self, base: &str, organization: OrgRef) -> Media {
        let url = |name: &str| format!("{base}/media/{name}");
        let rendition = |f: &FileEntry| Rendition {
            src: url(&f.name),
            width: f.width,
            height: f.height,
            bytes: f.bytes,
            content_type: f.content_type.clone(),
        };
        let files = self.files();
        let renditions: Vec<Rendition> = files
            .iter()
            .filter(|f| f.purpose.starts_with('w'))
            .map(rendition)
            .collect();
        let srcset = (!renditions.is_empty()).then(|| {
            renditions
                .iter()
                .map(|r| format!("{} {}w", r.src, r.width.unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        });
        Media {
            id: i64::from(self.id),
            kind: MediaKind::parse(&self.kind).unwrap_or(MediaKind::Document),
            organization,
            src: url(&self.file),
            srcset,
            content_type: self.content_type.clone(),
            bytes: self.bytes,
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            blurhash: self.blurhash.clone(),
            renditions,
            thumbnail: files
                .iter()
                .find(|f| f.purpose == "thumbnail")
                .map(rendition),
            file_name: self.file_name.clone(),
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            created_by: self.created_by.map(i64::from),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            version: i64::from(self.version),
        }
    }
}

pub use crate::vocab::OrgRef;

/// The units whose media `user` sees and changes: all (admin, `None`), or its unit and those
/// below it.
pub fn scope(conn: &mut SqliteConnection, user: &AuthUser) -> QueryResult<Option<Vec<i32>>> {
    if user.is_admin() {
        return Ok(None);
    }
    let Some(own) = user.organization_id else {
        return Ok(Some(Vec::new()));
    };
    let mut units = tree::descendants(conn, own)?;
    units.push(own);
    Ok(Some(units))
}

/// The unit a user uploads for: the one named (an editor: within its scope), else its own.
pub fn owner_for(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    named: Option<i64>,
) -> ApiResult<i32> {
    let id = match named {
        Some(id) => {
            let id = i32::try_from(id)
                .ok()
                .filter(|id| orgs::row(conn, *id).map(|r| r.is_some()).unwrap_or(false));
            id.ok_or_else(|| {
                AppError::invalid("/organization_id", "there is no such organization")
            })?
        }
        None => user.organization_id.ok_or_else(|| {
            AppError::invalid(
                "/organization_id",
                "is required (an admin has no unit of its own)",
            )
        })?,
    };
    match scope(conn, user)? {
        Some(units) if !units.contains(&id) => Err(AppError::Forbidden(
            "an editor may upload only for its own unit and the units below it".into(),
        )),
        _ => Ok(id),
    }
}

/// A new medium's row.
pub struct NewMedia<'a> {
    pub kind: MediaKind,
    pub organization_id: i32,
    pub content_type: &'a str,
    pub file: &'a str,
    pub file_name: Option<&'a str>,
    pub bytes: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<&'a str>,
    pub files: &'a [FileEntry],
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

fn search_text(alt: Option<&str>, caption: Option<&str>, credit: Option<&str>) -> String {
    text::fold(
        &[alt, caption, credit]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

pub fn insert(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    m: &NewMedia<'_>,
) -> ApiResult<MediaRow> {
    let now = db::now();
    conn.immediate_transaction(|conn| {
        let id: i32 = diesel::insert_into(media::table)
            .values((
                media::kind.eq(m.kind.as_str()),
                media::organization_id.eq(m.organization_id),
                media::content_type.eq(m.content_type),
                media::file.eq(m.file),
                media::file_name.eq(m.file_name),
                media::bytes.eq(m.bytes),
                media::width.eq(m.width.and_then(|w| i32::try_from(w).ok())),
                media::height.eq(m.height.and_then(|h| i32::try_from(h).ok())),
                media::blurhash.eq(m.blurhash),
                media::renditions.eq(serde_json::to_string(m.files).map_err(AppError::internal)?),
                media::search_text.eq(search_text(
                    m.alt.as_deref(),
                    m.caption.as_deref(),
                    m.credit.as_deref(),
                )),
                media::alt.eq(&m.alt),
                media::caption.eq(&m.caption),
                media::credit.eq(&m.credit),
                media::created_by.eq(Some(user.id)),
                media::created_at.eq(now),
                media::updated_at.eq(now),
            ))
            .returning(media::id)
            .get_result(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "media", id).versions(None, Some(1)),
        )?;
        load(conn, id)
    })
}

fn load(conn: &mut SqliteConnection, id: i32) -> ApiResult<MediaRow> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no medium {id}")))
}

/// A medium `user` may see (404 otherwise: another unit's library is not its business).
pub fn find(conn: &mut SqliteConnection, user: &AuthUser, id: i64) -> ApiResult<MediaRow> {
    let missing = || AppError::not_found(format!("there is no medium {id}"));
    let id = i32::try_from(id).map_err(|_| missing())?;
    let row = load(conn, id).map_err(|_| missing())?;
    match scope(conn, user)? {
        Some(units) if !units.contains(&row.organization_id) => Err(missing()),
        _ => Ok(row),
    }
}

pub fn list(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    query: &ListMediaQuery,
    page: &PageSpec,
) -> ApiResult<(Vec<MediaRow>, i64, Option<Vec<Bind>>)> {
    let mut q = ListSql::new("m.*", "media m", "m.id");
    let ints = |ids: &[i32]| {
        ids.iter()
            .map(|i| Bind::Int(i64::from(*i)))
            .collect::<Vec<_>>()
    };
    let marks = |n: usize| vec!["?"; n].join(", ");
    if let Some(units) = scope(conn, user)? {
        q.filter(
            format!("m.organization_id IN ({})", marks(units.len().max(1))),
            {
                let mut b = ints(&units);
                if b.is_empty() {
                    b.push(Bind::Int(0));
                }
                b
            },
        );
    }
    if let Some(key) = &query.organization {
        let id = tree::lookup_organization(conn, key)?.ok_or_else(|| {
            AppError::not_found(format!(
                "query parameter `organization`: there is no organization '{key}'"
            ))
        })?;
        let mut units = vec![id];
        if query.include_descendants == Some(true) {
            units.extend(tree::descendants(conn, id)?);
        }
        q.filter(
            format!("m.organization_id IN ({})", marks(units.len())),
            ints(&units),
        );
    }
    if let Some(kind) = query.kind {
        q.filter("m.kind = ?", [Bind::from(kind.as_str())]);
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(AppError::bad_param("q", "must be at most 200 characters"));
        }
        q.filter(
            "instr(m.search_text, ?) > 0",
            [Bind::Text(text::fold(text))],
        );
    }
    Ok(page.load::<MediaRow>(conn, &q)?)
}

pub fn update(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    id: i64,
    patch: UpdateMedia,
    if_match: Option<String>,
    base: &str,
) -> ApiResult<MediaRow> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, user, id)?;
        let organization = orgs::refs(conn, &[row.organization_id])?
            .remove(&row.organization_id)
            .ok_or_else(|| AppError::internal("owner missing"))?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of(&row.to_dto(base, organization))?,
        )?;
        let apply = |p: Patch<String>, current: Option<String>| match p {
            Patch::Absent => current,
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        let alt = apply(patch.alt, row.alt.clone());
        let caption = apply(patch.caption, row.caption.clone());
        let credit = apply(patch.credit, row.credit.clone());
        if row.kind == MediaKind::Image.as_str() && alt.is_none() {
            return Err(AppError::invalid("/alt", "is required for a photo"));
        }
        if alt == row.alt && caption == row.caption && credit == row.credit {
            return Ok(row);
        }
        diesel::update(media::table.find(row.id))
            .set((
                media::search_text.eq(search_text(
                    alt.as_deref(),
                    caption.as_deref(),
                    credit.as_deref(),
                )),
                media::alt.eq(&alt),
                media::caption.eq(&caption),
                media::credit.eq(&credit),
                media::updated_at.eq(db::now()),
                media::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "media", row.id).versions(
                Some(i64::from(row.version)),
                Some(i64::from(row.version) + 1),
            ),
        )?;
        load(conn, row.id)
    })
}

/// Delete a medium; returns the file names no other medium uses (the caller removes them
/// once the row is gone).
pub fn delete(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    id: i64,
    if_match: Option<String>,
    base: &str,
) -> ApiResult<Vec<String>> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, user, id)?;
        let organization = orgs::refs(conn, &[row.organization_id])?
            .remove(&row.organization_id)
            .ok_or_else(|| AppError::internal("owner missing"))?;
        etag::check_if_match(
            if_match.as_deref(),
            &etag::of(&row.to_dto(base, organization))?,
        )?;
        diesel::delete(media::table.find(row.id)).execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("delete", "media", row.id)
                .versions(Some(i64::from(row.version)), None),
        )?;
        // Content-addressed: another upload of the same bytes shares the files.
        let mut orphans = Vec::new();
        for f in row.files() {
            let shared: i64 = media::table
                .filter(media::renditions.like(format!("%{}%", f.name)))
                .count()
                .get_result(conn)?;
            if shared == 0 {
                orphans.push(f.name);
            }
        }
        Ok(orphans)
    })
}

/// The owner references of rows (one query).
pub fn owners(
    conn: &mut SqliteConnection,
    rows: &[MediaRow],
) -> ApiResult<std::collections::HashMap<i32, OrgRef>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.organization_id).collect();
    Ok(orgs::refs(conn, &ids)?)
}
