//! Files no medium lists and media no activity uses: what `media gc` and a deletion remove.

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::media;
use crate::error::ApiResult;

use super::*;

/// The names of every file some medium but those of `except` lists (its original included). A medium whose list
/// cannot be read is an error naming it: what is not known to be unlisted is never deleted.
fn listed_files(conn: &mut Conn, except: &[i32]) -> ApiResult<std::collections::HashSet<String>> {
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
pub fn remove_unlisted(conn: &mut Conn, names: &[String], store: &dyn MediaStore) -> ApiResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    crate::db::write(conn, |conn| {
        let listed = listed_files(conn, &[])?;
        for name in names.iter().filter(|n| !listed.contains(*n)) {
            store.delete(name).map_err(super::super::store::failed)?;
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
    conn: &mut Conn,
    store: &dyn MediaStore,
    before: NaiveDateTime,
    dry_run: bool,
) -> ApiResult<Collected> {
    let cutoff = std::time::SystemTime::UNIX_EPOCH
        + std::time::Duration::from_secs(before.and_utc().timestamp().max(0) as u64);
    let on_disk = store.list().map_err(super::super::store::failed)?;
    let (collected, freed) = crate::db::write(conn, |conn| -> ApiResult<_> {
        let rows: Vec<MediaRow> = crate::db::sql(
            conn,
            format!(
                "SELECT m.* FROM media m WHERE m.created_at < ? AND {UNATTACHED} ORDER BY m.id"
            ),
        )
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
