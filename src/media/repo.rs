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
use crate::error::{ApiResult, AppError, FieldError};
use crate::organizations::repo as orgs;
use crate::text;

use super::dto::*;
use super::process::{Processed, Sniffed};
use super::store::MediaStore;

pub const SORTS: Sortable = Sortable {
    fields: &[("id", "m.id")],
    default: "-id",
};

/// One stored file of a medium, as kept in `renditions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FileEntry {
    /// `original`, `w320`, `w640`, `w1280`, `webp320`, `webp640`, `webp1280` or `thumbnail`.
    #[schema(example = "w640")]
    pub purpose: String,
    /// `{sha256}.{jpg|png|webp|pdf}`: the content's own name, chosen from its sniffed type.
    pub name: String,
    /// Images: width in pixels.
    pub width: Option<u32>,
    /// Images: height in pixels.
    pub height: Option<u32>,
    /// Size in bytes.
    pub bytes: i64,
    /// `image/jpeg`, `image/png`, `image/webp` or `application/pdf`: what the name's extension
    /// stands for.
    #[schema(example = "image/jpeg")]
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

/// Absolute URL of a stored file, on the base URL of the request being served (a path from
/// the root outside a request: the clock, the command line).
pub fn file_url(name: &str) -> String {
    let base = crate::context::base_url().unwrap_or_default();
    format!("{base}/media/{name}")
}

/// A file URL on the current base as a path from the root (`/media/{name}`), for what is kept
/// (revisions); any other URL as it is.
pub fn relative_file_url(url: &str) -> String {
    let base = crate::context::base_url().unwrap_or_default();
    match url
        .strip_prefix(&base)
        .and_then(|p| p.strip_prefix("/media/"))
    {
        Some(name) if super::store::valid_name(name) => format!("/media/{name}"),
        _ => url.to_string(),
    }
}

/// A path from the root (`/media/{name}`) on the current base; any other URL as it is.
pub fn absolute_file_url(url: &str) -> String {
    match url.strip_prefix("/media/") {
        Some(name) if super::store::valid_name(name) => file_url(name),
        _ => url.to_string(),
    }
}

/// A medium's files as representations show them.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// The stored original.
    pub original: String,
    /// 320, 640 and 1280 px wide (those narrower than the photo), narrowest first.
    pub renditions: Vec<Rendition>,
    pub thumbnail: Option<Rendition>,
    /// Each rendition with its width, and the original when no rendition is as wide as 1280.
    pub srcset: Option<String>,
    /// What a page shows by default: the 640 px rendition, or the original when narrower.
    pub src: String,
    /// The WebP renditions with their widths, for `<source type="image/webp" srcset>`.
    pub webp_srcset: Option<String>,
}

/// `w320`, `w640`, `w1280`: a JPEG (or PNG) rendition; `webp320`…: its WebP twin.
fn rendition_width(purpose: &str, prefix: &str) -> Option<u32> {
    purpose.strip_prefix(prefix)?.parse().ok()
}

/// The files a medium's `renditions` lists; one that cannot be read is an error naming the
/// medium (never "no files": what deletes files must not take it for a medium without any).
fn read_files(id: i32, renditions: &str) -> ApiResult<Vec<FileEntry>> {
    serde_json::from_str(renditions)
        .map_err(|e| AppError::internal(format!("the files of medium {id} cannot be read: {e}")))
}

impl MediaRow {
    /// Every file of the medium: those `renditions` lists, and the original whatever it says.
    /// An unreadable list is an error naming the medium.
    pub fn files(&self) -> ApiResult<Vec<FileEntry>> {
        read_files(self.id, &self.renditions)
    }

    /// The names of every file of the medium (the original always among them).
    pub fn file_names(&self) -> ApiResult<std::collections::HashSet<String>> {
        let mut names: std::collections::HashSet<String> =
            self.files()?.into_iter().map(|f| f.name).collect();
        names.insert(self.file.clone());
        Ok(names)
    }

    /// The files for a representation: an unreadable list is logged and shown as none.
    fn files_for_view(&self) -> Vec<FileEntry> {
        self.files().unwrap_or_else(|e| {
            tracing::error!(medium = self.id, error = %e, "a medium's renditions cannot be read");
            Vec::new()
        })
    }

    pub fn width(&self) -> Option<u32> {
        self.width.and_then(|w| u32::try_from(w).ok())
    }

    pub fn height(&self) -> Option<u32> {
        self.height.and_then(|h| u32::try_from(h).ok())
    }

    /// The files, with URLs on the current request's base.
    pub fn view(&self) -> Files {
        let rendition = |f: &FileEntry| Rendition {
            src: file_url(&f.name),
            width: f.width,
            height: f.height,
            bytes: f.bytes,
            content_type: f.content_type.clone(),
        };
        let files = self.files_for_view();
        let renditions: Vec<Rendition> = files
            .iter()
            .filter(|f| rendition_width(&f.purpose, "w").is_some())
            .map(rendition)
            .collect();
        let webp: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let w = rendition_width(&f.purpose, "webp")?;
                Some(format!("{} {w}w", file_url(&f.name)))
            })
            .collect();
        let original = file_url(&self.file);
        let mut candidates: Vec<(String, u32)> = renditions
            .iter()
            .map(|r| (r.src.clone(), r.width.unwrap_or_default()))
            .collect();
        if self.kind == MediaKind::Image.as_str() && !candidates.iter().any(|(_, w)| *w >= 1280) {
            if let Some(w) = self.width() {
                candidates.push((original.clone(), w));
            }
        }
        let srcset = (!candidates.is_empty()).then(|| {
            candidates
                .iter()
                .map(|(src, w)| format!("{src} {w}w"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let src = renditions
            .iter()
            .find(|r| r.width == Some(640))
            .map_or_else(|| original.clone(), |r| r.src.clone());
        Files {
            original,
            renditions,
            thumbnail: files
                .iter()
                .find(|f| f.purpose == "thumbnail")
                .map(rendition),
            srcset,
            src,
            webp_srcset: (!webp.is_empty()).then(|| webp.join(", ")),
        }
    }

    /// The representation.
    pub fn to_dto(&self, organization: OrgRef) -> Media {
        let files = self.view();
        Media {
            id: i64::from(self.id),
            kind: MediaKind::parse(&self.kind).unwrap_or(MediaKind::Document),
            organization,
            src: files.original,
            srcset: files.srcset,
            webp_srcset: files.webp_srcset,
            content_type: self.content_type.clone(),
            bytes: self.bytes,
            width: self.width(),
            height: self.height(),
            blurhash: self.blurhash.clone(),
            renditions: files.renditions,
            thumbnail: files.thumbnail,
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

/// What the uploader says of a medium.
#[derive(Debug, Clone, Default)]
pub struct Description {
    /// The uploaded file's name, cleaned.
    pub file_name: Option<String>,
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

/// Insert a medium of unit `organization_id` whose files were written to `store`. Under the
/// write lock, each is written again if a deletion removed it since (a no-op otherwise): a row
/// never names a missing file.
pub fn insert(
    conn: &mut SqliteConnection,
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
            store.put(&f.name, &f.bytes).map_err(AppError::internal)?;
        }
        let id: i32 = diesel::insert_into(media::table)
            .values((
                media::kind.eq(kind.as_str()),
                media::organization_id.eq(organization_id),
                media::content_type.eq(main.content_type),
                media::file.eq(&main.name),
                media::file_name.eq(&d.file_name),
                media::bytes.eq(main.bytes.len() as i64),
                media::width.eq(main.width.and_then(|w| i32::try_from(w).ok())),
                media::height.eq(main.height.and_then(|h| i32::try_from(h).ok())),
                media::blurhash.eq(&p.blurhash),
                media::renditions.eq(serde_json::to_string(&files).map_err(AppError::internal)?),
                media::search_text.eq(search_text(
                    d.alt.as_deref(),
                    d.caption.as_deref(),
                    d.credit.as_deref(),
                )),
                media::alt.eq(&d.alt),
                media::caption.eq(&d.caption),
                media::credit.eq(&d.credit),
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
    conn: &mut SqliteConnection,
    user: &AuthUser,
    id: i64,
    patch: UpdateMedia,
    if_match: Option<String>,
) -> ApiResult<MediaRow> {
    crate::db::write(conn, |conn| {
        let row = find(conn, user, id)?;
        let organization = orgs::refs(conn, &[row.organization_id])?
            .remove(&row.organization_id)
            .ok_or_else(|| AppError::internal("owner missing"))?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&row.to_dto(organization))?)?;
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
pub fn uses(conn: &mut SqliteConnection, id: i32) -> QueryResult<Vec<Use>> {
    diesel::sql_query(
        "SELECT a.id, a.slug, a.organizer_id, CASE WHEN a.deleted_at IS NULL THEN a.status ELSE 'trashed' END AS status \
         FROM activities a WHERE a.id IN \
         (SELECT activity_id FROM activity_photos WHERE media_id = ?1 \
          UNION SELECT activity_id FROM activity_documents WHERE media_id = ?1) ORDER BY a.id",
    )
    .bind::<diesel::sql_types::Integer, _>(id)
    .load(conn)
}

/// Delete a medium. One that activities use is a 409 naming them, unless an admin forces it:
/// then each photo keeps its caption (the alt text if it had none) without the picture, each
/// document its title without the file, and each activity gets a new version saying so.
/// The files no other medium shares are removed before the deletion commits (under the write
/// lock, so an upload of the same bytes either sees them gone and writes them again, or comes
/// after and finds its row's files — see [`insert`]).
/// New versions of the activities a medium was taken from (ids), by `user`, with a note.
pub type RemovedFrom = fn(&mut SqliteConnection, &[i32], &AuthUser, &str) -> ApiResult<()>;

pub fn delete(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    id: i64,
    if_match: Option<String>,
    force: bool,
    removed_from: RemovedFrom,
) -> ApiResult<Vec<String>> {
    if force && !user.is_admin() {
        return Err(AppError::Forbidden(
            "only an admin may delete a medium that activities use (force=true)".into(),
        ));
    }
    crate::db::write(conn, |conn| {
        let row = find(conn, user, id)?;
        let organization = orgs::refs(conn, &[row.organization_id])?
            .remove(&row.organization_id)
            .ok_or_else(|| AppError::internal("owner missing"))?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&row.to_dto(organization))?)?;
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
            diesel::sql_query(
                "UPDATE activity_photos SET caption = coalesce(caption, alt, ?2, 'Ảnh'), media_id = NULL WHERE media_id = ?1",
            )
            .bind::<diesel::sql_types::Integer, _>(row.id)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(&row.alt)
            .execute(conn)?;
            diesel::sql_query("UPDATE activity_documents SET media_id = NULL WHERE media_id = ?1")
                .bind::<diesel::sql_types::Integer, _>(row.id)
                .execute(conn)?;
            let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
            removed_from(
                conn,
                &ids,
                user,
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

/// The names of every file some medium but those of `except` lists (its original included). A medium whose list
/// cannot be read is an error naming it: what is not known to be unlisted is never deleted.
fn listed_files(
    conn: &mut SqliteConnection,
    except: &[i32],
) -> ApiResult<std::collections::HashSet<String>> {
    let mut listed = std::collections::HashSet::new();
    for (id, file, renditions) in media::table
        .filter(media::id.ne_all(except))
        .select((media::id, media::file, media::renditions))
        .load::<(i32, String, String)>(conn)?
    {
        listed.extend(read_files(id, &renditions)?.into_iter().map(|f| f.name));
        listed.insert(file);
    }
    Ok(listed)
}

/// Remove those of `names` that no medium lists (any more): run after the deletion that freed
/// them has committed, in a write transaction of its own, so that an upload of the same bytes
/// either committed before (the file is listed again and stays) or comes after (its insert
/// writes the file again under the write lock). A failure leaves a stray file, which
/// `media gc` removes.
pub fn remove_unlisted(
    conn: &mut SqliteConnection,
    names: &[String],
    store: &dyn MediaStore,
) -> ApiResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    crate::db::write(conn, |conn| {
        let listed = listed_files(conn, &[])?;
        for name in names.iter().filter(|n| !listed.contains(*n)) {
            store.delete(name).map_err(AppError::internal)?;
        }
        Ok(())
    })
}

/// What `media gc` found (and, unless a dry run, removed).
#[derive(Debug, Default, Serialize)]
pub struct Collected {
    /// Media no activity uses, uploaded before the cut-off.
    pub media: Vec<i32>,
    /// Files in the store that no medium lists (an upload cut short), older than the cut-off.
    pub files: Vec<String>,
    pub bytes: u64,
}

/// Remove unattached media uploaded before `before`, and stray files older than it. The folder
/// is read before any lock is taken; rows go in one write transaction, files after it.
pub fn collect_garbage(
    conn: &mut SqliteConnection,
    store: &dyn MediaStore,
    before: NaiveDateTime,
    dry_run: bool,
) -> ApiResult<Collected> {
    let cutoff = std::time::SystemTime::UNIX_EPOCH
        + std::time::Duration::from_secs(before.and_utc().timestamp().max(0) as u64);
    let on_disk = store.list().map_err(AppError::internal)?;
    let (collected, freed) = crate::db::write(conn, |conn| -> ApiResult<_> {
        let rows: Vec<MediaRow> = diesel::sql_query(format!(
            "SELECT m.* FROM media m WHERE m.created_at < ? AND {UNATTACHED} ORDER BY m.id"
        ))
        .bind::<diesel::sql_types::Timestamp, _>(before)
        .load(conn)?;
        // Every collected medium's files are read before anything is deleted: one that cannot
        // be read stops the collection.
        let mut freed = std::collections::HashSet::new();
        for row in &rows {
            freed.extend(row.file_names()?);
        }
        let mut out = Collected::default();
        for row in &rows {
            out.media.push(row.id);
            if !dry_run {
                diesel::delete(media::table.find(row.id)).execute(conn)?;
                let mut entry = crate::audit::Entry::new("delete", "media", row.id)
                    .versions(Some(i64::from(row.version)), None);
                entry.detail = Some("media gc: unattached".into());
                crate::audit::record(conn, entry)?;
            }
        }
        // A dry run deleted nothing: the collected media's files count as listed only where
        // another medium lists them.
        let spared: Vec<i32> = if dry_run {
            out.media.clone()
        } else {
            Vec::new()
        };
        let listed = listed_files(conn, &spared)?;
        for (name, modified, bytes) in &on_disk {
            if listed.contains(name) {
                continue;
            }
            out.bytes += bytes;
            // A file of a collected medium goes with it; any other only once old enough (an
            // upload in progress writes its files before its row).
            if !freed.contains(name) {
                if *modified >= cutoff {
                    out.bytes -= bytes;
                    continue;
                }
                out.files.push(name.clone());
            }
        }
        Ok((out, freed))
    })?;
    if !dry_run {
        let mut names: Vec<String> = collected.files.clone();
        names.extend(freed);
        remove_unlisted(conn, &names, store)?;
    }
    Ok(collected)
}

/// SQL of "no activity uses `m`".
pub const UNATTACHED: &str =
    "NOT EXISTS (SELECT 1 FROM activity_photos p WHERE p.media_id = m.id) \
     AND NOT EXISTS (SELECT 1 FROM activity_documents d WHERE d.media_id = m.id)";

/// Every medium, oldest first (for an export).
pub fn all_rows(conn: &mut SqliteConnection) -> QueryResult<Vec<MediaRow>> {
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
    conn: &mut SqliteConnection,
    existing: Option<i32>,
    organization_id: i32,
    r: &super::dto::MediaRecord,
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

/// Media by id (for embedding in activities), one query.
pub fn by_ids(
    conn: &mut SqliteConnection,
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

/// The owner references of rows (one query).
pub fn owners(
    conn: &mut SqliteConnection,
    rows: &[MediaRow],
) -> ApiResult<std::collections::HashMap<i32, OrgRef>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.organization_id).collect();
    Ok(orgs::refs(conn, &ids)?)
}
