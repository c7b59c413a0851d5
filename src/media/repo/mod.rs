//! Media rows: who may see and change them (a unit's editors, and those above), the list, the
//! writes.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::context::Site;
use crate::db::list::{Bind, KeysetRow, ListSql, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition::Precondition;
use crate::db::schema::media;
use crate::db::{self, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::organizations::repo as orgs;
use crate::text;

use super::dto::*;
use super::process::{Processed, Sniffed};
use super::store::MediaStore;

mod gc;
mod transfer;
mod view;

pub use gc::*;
pub use transfer::*;
pub use view::*;

pub const SORTS: Sortable = Sortable {
    fields: &[("id", "m.id")],
    default: "-id",
};

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

pub use crate::vocab::OrgRef;

/// The units whose media `user` sees and changes: all (admin, `None`), or its unit and those
/// below it.
pub fn scope(conn: &mut Conn, user: &AuthUser) -> QueryResult<Option<Vec<i32>>> {
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
pub fn owner_for(conn: &mut Conn, user: &AuthUser, named: Option<i64>) -> ApiResult<i32> {
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

/// What the uploader says of a medium.
#[derive(Debug, Clone, Default)]
pub struct Description {
    /// The uploaded file's name, cleaned.
    pub file_name: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// A medium's texts with the search text made of them: what an upload, an import and a new
/// description write.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = media)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct Texts<'a> {
    alt: Option<&'a str>,
    caption: Option<&'a str>,
    credit: Option<&'a str>,
    search_text: String,
}

impl<'a> Texts<'a> {
    fn of(alt: Option<&'a str>, caption: Option<&'a str>, credit: Option<&'a str>) -> Self {
        let search_text = text::fold(
            &[alt, caption, credit]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        );
        Self {
            alt,
            caption,
            credit,
            search_text,
        }
    }
}

/// A new medium's row, as an upload or an import writes it.
struct NewMedium<'a> {
    kind: MediaKind,
    organization_id: i32,
    content_type: &'a str,
    file: &'a str,
    file_name: Option<&'a str>,
    bytes: i64,
    width: Option<u32>,
    height: Option<u32>,
    blurhash: Option<&'a str>,
    files: &'a [FileEntry],
    texts: Texts<'a>,
    created_by: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl NewMedium<'_> {
    /// Insert the row; its id.
    fn insert(self, conn: &mut Conn) -> ApiResult<i32> {
        let pixels = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok());
        Ok(diesel::insert_into(media::table)
            .values((
                media::kind.eq(self.kind.as_str()),
                media::organization_id.eq(self.organization_id),
                media::content_type.eq(self.content_type),
                media::file.eq(self.file),
                media::file_name.eq(self.file_name),
                media::bytes.eq(self.bytes),
                media::width.eq(pixels(self.width)),
                media::height.eq(pixels(self.height)),
                media::blurhash.eq(self.blurhash),
                media::renditions
                    .eq(serde_json::to_string(self.files).map_err(AppError::internal)?),
                self.texts,
                media::created_by.eq(self.created_by),
                media::created_at.eq(self.created_at),
                media::updated_at.eq(self.updated_at),
            ))
            .returning(media::id)
            .get_result(conn)?)
    }
}

/// Insert a medium of unit `organization_id` whose files were written to `store`. Under the
/// write lock, each is written again if a deletion removed it since (a no-op otherwise): a row
/// never names a missing file.
pub fn insert(
    conn: &mut Conn,
    user: &AuthUser,
    organization_id: i32,
    p: &Processed,
    d: Description,
    store: &dyn MediaStore,
) -> ApiResult<MediaRow> {
    let now = db::now();
    let main = p.original();
    let files: Vec<FileEntry> = p
        .files
        .iter()
        .map(|(purpose, f)| FileEntry {
            purpose: purpose.clone(),
            name: f.name.clone(),
            width: f.width,
            height: f.height,
            bytes: f.bytes.len() as i64,
            content_type: f.content_type.to_string(),
        })
        .collect();
    let kind = if p.kind == Sniffed::Pdf {
        MediaKind::Document
    } else {
        MediaKind::Image
    };
    crate::db::write(conn, |conn| {
        for (_, f) in &p.files {
            store.put(&f.name, &f.bytes).map_err(super::store::failed)?;
        }
        let id = NewMedium {
            kind,
            organization_id,
            content_type: main.content_type,
            file: &main.name,
            file_name: d.file_name.as_deref(),
            bytes: main.bytes.len() as i64,
            width: main.width,
            height: main.height,
            blurhash: p.blurhash.as_deref(),
            files: &files,
            texts: Texts::of(d.alt.as_deref(), d.caption.as_deref(), d.credit.as_deref()),
            created_by: Some(user.id),
            created_at: now,
            updated_at: now,
        }
        .insert(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "media", id).versions(None, Some(1)),
        )?;
        load(conn, id)
    })
}

fn load(conn: &mut Conn, id: i32) -> ApiResult<MediaRow> {
    media::table
        .find(id)
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no medium {id}")))
}

/// A medium `user` may see (404 otherwise: another unit's library is not its business).
pub fn find(conn: &mut Conn, user: &AuthUser, id: i64) -> ApiResult<MediaRow> {
    let missing = || AppError::not_found(format!("there is no medium {id}"));
    let id = i32::try_from(id).map_err(|_| missing())?;
    let row = load(conn, id).map_err(|_| missing())?;
    match scope(conn, user)? {
        Some(units) if !units.contains(&row.organization_id) => Err(missing()),
        _ => Ok(row),
    }
}

pub fn list(
    conn: &mut Conn,
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
    let marks = crate::db::list::marks;
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
    match query.unattached {
        Some(true) => q.filter(UNATTACHED, Vec::<Bind>::new()),
        Some(false) => q.filter(format!("NOT ({UNATTACHED})"), Vec::<Bind>::new()),
        None => {}
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
    conn: &mut Conn,
    user: &AuthUser,
    id: i64,
    patch: UpdateMedia,
    expected: Precondition<Media>,
) -> ApiResult<MediaRow> {
    crate::db::write(conn, |conn| {
        let row = find(conn, user, id)?;
        expected.check(&to_dto(conn, &row)?)?;
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
                Texts::of(alt.as_deref(), caption.as_deref(), credit.as_deref()),
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

/// An activity that uses a medium.
#[derive(Debug, Clone, QueryableByName)]
pub struct Use {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub slug: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub organizer_id: i32,
}

/// The activities (trashed ones too) whose photos or documents use medium `id`.
pub fn uses(conn: &mut Conn, id: i32) -> QueryResult<Vec<Use>> {
    crate::db::sql(conn,
        "SELECT a.id, a.slug, a.organizer_id, CASE WHEN a.deleted_at IS NULL THEN a.status ELSE 'trashed' END AS status \
         FROM activities a WHERE a.id IN \
         (SELECT activity_id FROM activity_photos WHERE media_id = ?1 \
          UNION SELECT activity_id FROM activity_documents WHERE media_id = ?1) ORDER BY a.id",
    )
    .bind::<diesel::sql_types::Integer, _>(id)
    .load(conn)
}

/// New versions of the activities a medium was taken from (ids), by `user`, with a note; their
/// revisions and subscribers' events show URLs on `site` (the deleting request's).
pub type RemovedFrom = fn(&mut Conn, &[i32], &AuthUser, &Site, &str) -> ApiResult<()>;

/// Delete a medium. One that activities use is a 409 naming them, unless an admin forces it:
/// then each photo keeps its caption (the alt text if it had none) without the picture, each
/// document its title without the file, and each activity gets a new version saying so.
/// The files no other medium shares are removed before the deletion commits (under the write
/// lock, so an upload of the same bytes either sees them gone and writes them again, or comes
/// after and finds its row's files — see [`insert`]). `site` is the deleting request's, handed
/// to `removed_from`.
pub fn delete(
    conn: &mut Conn,
    user: &AuthUser,
    id: i64,
    expected: Precondition<Media>,
    force: bool,
    removed_from: RemovedFrom,
    site: &Site,
) -> ApiResult<Vec<String>> {
    if force && !user.is_admin() {
        return Err(AppError::Forbidden(
            "only an admin may delete a medium that activities use (force=true)".into(),
        ));
    }
    crate::db::write(conn, |conn| {
        let row = find(conn, user, id)?;
        expected.check(&to_dto(conn, &row)?)?;
        let users = uses(conn, row.id)?;
        if !users.is_empty() && !force {
            // Those the caller may see are named; the others (another unit's drafts, say)
            // only counted.
            let units = scope(conn, user)?;
            let (seen, unseen): (Vec<&Use>, Vec<&Use>) = users.iter().partition(|u| {
                units
                    .as_ref()
                    .is_none_or(|units| units.contains(&u.organizer_id))
            });
            let mut named: Vec<String> = seen
                .iter()
                .map(|u| format!("{} '{}' ({})", u.id, u.slug, u.status))
                .collect();
            if !unseen.is_empty() {
                named.push(format!("{} of other units", unseen.len()));
            }
            return Err(AppError::Conflict {
                detail: format!(
                    "medium {} is used by {} {}: {}; remove it from them first (an admin may force the deletion with force=true)",
                    row.id,
                    users.len(),
                    if users.len() == 1 { "activity" } else { "activities" },
                    named.join(", ")
                ),
                errors: seen
                    .iter()
                    .map(|u| {
                        FieldError::new(
                            format!("/activities/{}", u.id),
                            format!("uses it ({})", u.status),
                        )
                    })
                    .collect(),
            });
        }
        if !users.is_empty() {
            crate::db::sql(conn,
                "UPDATE activity_photos SET caption = coalesce(caption, alt, ?2, 'Ảnh'), media_id = NULL WHERE media_id = ?1",
            )
            .bind::<diesel::sql_types::Integer, _>(row.id)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&row.alt)
            .execute(conn)?;
            crate::db::sql(
                conn,
                "UPDATE activity_documents SET media_id = NULL WHERE media_id = ?1",
            )
            .bind::<diesel::sql_types::Integer, _>(row.id)
            .execute(conn)?;
            let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
            removed_from(
                conn,
                &ids,
                user,
                site,
                &format!("medium {} deleted by an admin", row.id),
            )?;
        }
        diesel::delete(media::table.find(row.id)).execute(conn)?;
        let mut entry = crate::audit::Entry::new("delete", "media", row.id)
            .versions(Some(i64::from(row.version)), None);
        if !users.is_empty() {
            entry.detail = Some(format!(
                "forced: removed from activities {}",
                users
                    .iter()
                    .map(|u| u.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        crate::audit::record(conn, entry)?;
        // Those of its files it can name: with an unreadable list only the original (the others
        // are left as strays for `media gc`, never guessed).
        let freed = row.file_names().unwrap_or_else(|e| {
            tracing::error!(medium = row.id, error = %e, "deleting a medium whose renditions cannot be read");
            std::iter::once(row.file.clone()).collect()
        });
        Ok(freed.into_iter().collect())
    })
}

/// Media by id (for embedding in activities), one query.
pub fn by_ids(
    conn: &mut Conn,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, MediaRow>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// A row's representation, with its owner's reference (one query).
pub fn to_dto(conn: &mut Conn, row: &MediaRow) -> ApiResult<Media> {
    let organization = orgs::refs(conn, &[row.organization_id])?
        .remove(&row.organization_id)
        .ok_or_else(|| AppError::internal("owner missing"))?;
    Ok(row.to_dto(organization))
}

/// The owner references of rows (one query).
pub fn owners(
    conn: &mut Conn,
    rows: &[MediaRow],
) -> ApiResult<std::collections::HashMap<i32, OrgRef>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.organization_id).collect();
    Ok(orgs::refs(conn, &ids)?)
}
