//! The search text of an activity and its index entry (also re-built when a unit is renamed).

use super::*;

/// What an activity is found by. The first [`RANKED_TEXTS`] (title, summary, place,
/// organizer) also rank by exact diacritics; tags, the body, the byline, photo captions and
/// document titles only match folded.
pub(super) struct Searchable<'a> {
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub location: Option<&'a str>,
    pub organizer: &'a str,
    pub tags: Vec<&'a str>,
    pub body: Option<&'a str>,
    pub byline: Option<&'a str>,
    pub captions: Vec<&'a str>,
    pub documents: Vec<&'a str>,
}

impl Searchable<'_> {
    /// The texts of the index entry, in order (absent ones leave no trace, so an activity
    /// without byline, photos or documents has the entry it had before they were searchable).
    pub fn texts(&self) -> Vec<String> {
        let mut texts = vec![
            self.title.to_string(),
            self.summary.unwrap_or_default().to_string(),
            self.location.unwrap_or_default().to_string(),
            self.organizer.to_string(),
        ];
        texts.extend(self.tags.iter().map(|t| t.to_string()));
        texts.extend(self.body.map(str::to_string));
        texts.extend(self.byline.map(str::to_string));
        texts.extend(self.captions.iter().map(|c| c.to_string()));
        texts.extend(self.documents.iter().map(|d| d.to_string()));
        texts
    }
}

/// The searchable text of an activity.
pub fn search_texts(a: &Activity) -> Vec<String> {
    Searchable {
        title: &a.title,
        summary: a.summary.as_deref(),
        location: a.location.as_deref(),
        organizer: &a.organizer.name,
        tags: a.tags.iter().map(|t| t.name.as_str()).collect(),
        body: a.body.as_deref(),
        byline: a.byline.as_deref(),
        captions: a
            .photos
            .iter()
            .filter_map(|p| p.caption.as_deref())
            .collect(),
        documents: a.documents.iter().map(|d| d.raw.as_str()).collect(),
    }
    .texts()
}

/// How many of [`search_texts`] go into the exact (ranking) column.
pub const RANKED_TEXTS: usize = 4;

/// What the index entries hold: bump it when [`Searchable::texts`] changes, and every entry
/// is rebuilt once, at the next start ([`reindex_if_stale`]). 2: bylines, captions, documents.
const INDEX_VERSION: i32 = 2;

/// Re-index the activities a unit organized (its name is part of their searchable text), 500
/// at a time.
pub fn reindex_organizer(conn: &mut Conn, organizer_id: i32) -> ApiResult<()> {
    reindex_where(conn, Some(organizer_id))
}

/// FTS5's pending terms while every entry is rebuilt: a few large segments instead of one per
/// MiB of terms (measured at 100k: 66 s entry by entry into the old index, see the note).
const REBUILD_PENDING_BYTES: usize = 128 << 20;

/// Rebuild every activity's index entry when they were made by an older [`Searchable`]
/// (recorded in `index_versions`); returns how many were rebuilt.
pub fn reindex_if_stale(conn: &mut Conn) -> ApiResult<Option<usize>> {
    use crate::db::schema::index_versions;
    let current = |conn: &mut Conn| -> QueryResult<bool> {
        let stored: Option<i32> = index_versions::table
            .find(SEARCH_TABLE)
            .select(index_versions::version)
            .first(conn)
            .optional()?;
        Ok(stored.is_some_and(|v| v >= INDEX_VERSION))
    };
    if current(conn)? {
        return Ok(None);
    }
    crate::db::write(conn, |conn| {
        // Another process may have rebuilt it while this one waited for the write lock.
        if current(conn)? {
            return Ok(None);
        }
        let count: i64 = activities::table.count().get_result(conn)?;
        search::clear(conn, SEARCH_TABLE)?;
        search::set_pending_bytes(conn, SEARCH_TABLE, REBUILD_PENDING_BYTES)?;
        reindex_where(conn, None)?;
        search::set_pending_bytes(conn, SEARCH_TABLE, 1 << 20)?;
        crate::on_engine!(&mut *conn, |c| diesel::insert_into(index_versions::table)
            .values((
                index_versions::name.eq(SEARCH_TABLE),
                index_versions::version.eq(INDEX_VERSION),
            ))
            .on_conflict(index_versions::name)
            .do_update()
            .set(index_versions::version.eq(INDEX_VERSION))
            .execute(c))?;
        Ok(Some(usize::try_from(count).unwrap_or(0)))
    })
}

/// Re-index every activity (of one organizer, or all), 500 at a time: a few queries a page,
/// whatever its size (not a detail per activity).
fn reindex_where(conn: &mut Conn, organizer: Option<i32>) -> ApiResult<()> {
    let mut after = 0;
    loop {
        let mut page = activities::table
            .filter(activities::id.gt(after))
            .order(activities::id)
            .limit(500)
            .select(ActivityRow::as_select())
            .into_boxed();
        if let Some(id) = organizer {
            page = page.filter(activities::organizer_id.eq(id));
        }
        let rows: Vec<ActivityRow> = page.load(conn)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        let organizer_ids: Vec<i32> = rows.iter().map(|r| r.organizer_id).collect();
        let names = orgs::refs(conn, &organizer_ids)?;
        let tags = tags_of(conn, &ids)?;
        let bodies = bodies_of(conn, &ids)?;
        let photos = photos_of(conn, &ids, false)?;
        let documents = document_titles_of(conn, &ids)?;
        for r in &rows {
            let texts = Searchable {
                title: &r.title,
                summary: r.summary.as_deref(),
                location: r.location.as_deref(),
                organizer: names.get(&r.organizer_id).map_or("", |o| o.name.as_str()),
                tags: tags
                    .get(&r.id)
                    .into_iter()
                    .flatten()
                    .map(|t| t.name.as_str())
                    .collect(),
                body: bodies.get(&r.id).and_then(|b| b.body.as_deref()),
                byline: r.byline.as_deref(),
                captions: photos
                    .get(&r.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.caption.as_deref())
                    .collect(),
                documents: documents
                    .get(&r.id)
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect(),
            }
            .texts();
            let refs: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
            if organizer.is_some() {
                search::index(conn, SEARCH_TABLE, r.id.into(), &refs, RANKED_TEXTS)?;
            } else {
                // The whole index was cleared: nothing to remove first.
                search::insert(conn, SEARCH_TABLE, r.id.into(), &refs, RANKED_TEXTS)?;
            }
        }
    }
}

pub(super) fn index(conn: &mut Conn, a: &Activity) -> QueryResult<()> {
    index_texts(conn, a.id, &search_texts(a))
}

pub(super) fn index_texts(
    conn: &mut Conn,
    id: impl Into<i64>,
    texts: &[String],
) -> QueryResult<()> {
    let refs: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
    search::index(conn, SEARCH_TABLE, id.into(), &refs, RANKED_TEXTS)
}
