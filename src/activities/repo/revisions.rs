//! Every saved state of an activity: list, one, restore.

use super::*;

/// A saved state, as stored (what the history lists, an export writes and an import keeps).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = activity_revisions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct StoredRevision {
    pub version: i32,
    /// The representation at that version (JSON).
    pub state: String,
    pub changed_by: Option<String>,
    pub changed_at: NaiveDateTime,
    pub note: Option<String>,
}

impl StoredRevision {
    pub(super) fn info(&self) -> RevisionInfo {
        RevisionInfo {
            version: i64::from(self.version),
            changed_by: self.changed_by.clone(),
            changed_at: utc(self.changed_at),
            note: self.note.clone(),
        }
    }
}

/// The saved states of activity `id` (`version`: only that one), oldest or newest first.
pub(super) fn revision_rows(
    conn: &mut Conn,
    id: i32,
    version: Option<i64>,
    newest_first: bool,
) -> QueryResult<Vec<StoredRevision>> {
    let mut q = activity_revisions::table
        .filter(activity_revisions::activity_id.eq(id))
        .select(StoredRevision::as_select())
        .into_boxed();
    q = if newest_first {
        q.order(activity_revisions::version.desc())
    } else {
        q.order(activity_revisions::version.asc())
    };
    if let Some(v) = version {
        // A number beyond i32 names no version (a cast would wrap 2^32 + 1 to 1).
        let Ok(v) = i32::try_from(v) else {
            return Ok(Vec::new());
        };
        q = q.filter(activity_revisions::version.eq(v));
    }
    q.load(conn)
}

/// A row whose history the viewer may read: its editors', and its reviewers' (they compare
/// what they approve with what was there before).
fn find_history(conn: &mut Conn, key: &str, viewer: &Viewer) -> ApiResult<ActivityRow> {
    let row = find_row(conn, key)?;
    if row.deleted_at.is_some() || !viewer.may_see(&row) {
        return Err(AppError::not_found(format!("there is no activity '{key}'")));
    }
    if !viewer.may_edit_organizer(row.organizer_id)
        && !viewer.may_review_organizer(row.organizer_id)
    {
        return Err(AppError::Forbidden(
            "only editors and reviewers of the organizing unit (or of a unit above it) may read its history"
                .into(),
        ));
    }
    Ok(row)
}

pub fn revisions(conn: &mut Conn, user: &AuthUser, key: &str) -> ApiResult<Vec<RevisionInfo>> {
    let viewer = Viewer::of(conn, Some(user))?;
    let row = find_history(conn, key, &viewer)?;
    Ok(revision_rows(conn, row.id, None, true)?
        .iter()
        .map(StoredRevision::info)
        .collect())
}

pub fn revision(conn: &mut Conn, user: &AuthUser, key: &str, n: i64) -> ApiResult<Revision> {
    let viewer = Viewer::of(conn, Some(user))?;
    let row = find_history(conn, key, &viewer)?;
    let rev = revision_rows(conn, row.id, Some(n), true)?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("activity '{key}' has no version {n}")))?;
    // As kept (file URLs as paths from the root): the edge shows it ([`Revision::linked`]).
    let state: Activity = serde_json::from_str(&rev.state).map_err(AppError::internal)?;
    let state = state.derive();
    Ok(Revision {
        info: rev.info(),
        state,
    })
}

/// Make version `n` the current state again (itself a new revision, written for a reader of
/// `site`).
pub fn restore_revision(
    conn: &mut Conn,
    user: &AuthUser,
    key: &str,
    n: i64,
    expected: Precondition<Activity>,
    site: &Site,
) -> ApiResult<Activity> {
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        // A version that does not exist is a 404 whatever the If-Match says.
        let rev = revision_rows(conn, row.id, Some(n), true)?
            .pop()
            .ok_or_else(|| AppError::not_found(format!("activity '{key}' has no version {n}")))?;
        let current = detail(conn, &row)?;
        expected.check(&current)?;
        // As the writer is shown it: a revision written before only uploaded files were kept
        // as paths may hold a photo given by URL on this server as a path too.
        let state: Activity = serde_json::from_str(&rev.state).map_err(AppError::internal)?;
        let mut state = state;
        state.map_file_urls(&|url| crate::media::dto::absolute_file_url(site.base(), url));
        let mut fields = ActivityFields::from_activity(&state);
        media_as_kept(conn, &state, &mut fields)?;
        forbid_unless_may_write_for(&viewer, fields.organizer_id)?;
        guard_reviewed(
            conn,
            user,
            &row,
            &ActivityFields::from_activity(&current),
            &fields,
            false,
        )?;
        // A unit, partner or cluster of the old state may be gone since: that is a 422.
        store(
            conn,
            Some(&row),
            None,
            &fields,
            user,
            site,
            Some(&format!("restored from version {n}")),
        )
    })
}

/// The media a saved state names, as they are now: a medium is the one whose file the state
/// shows (an imported revision names the ids of another database; the file's name, its
/// content's hash, is the same everywhere). One that is gone leaves a photo its caption (or alt
/// text) and a document its title.
fn media_as_kept(conn: &mut Conn, state: &Activity, fields: &mut ActivityFields) -> ApiResult<()> {
    use crate::db::schema::media;
    let file_of = |url: Option<&str>| -> Option<String> {
        let (_, name) = url?.rsplit_once("/media/")?;
        crate::media::store::valid_name(name).then(|| name.to_string())
    };
    let current =
        |conn: &mut Conn, id: Option<i64>, file: Option<String>| -> QueryResult<Option<i64>> {
            let Some(id) = id else { return Ok(None) };
            let stored: Option<String> = match i32::try_from(id) {
                Ok(id) => media::table
                    .find(id)
                    .select(media::file)
                    .first(conn)
                    .optional()?,
                Err(_) => None,
            };
            let Some(wanted) = file else {
                return Ok(stored.map(|_| id));
            };
            if stored.as_ref() == Some(&wanted) {
                return Ok(Some(id));
            }
            Ok(media::table
                .filter(media::file.eq(wanted))
                .select(media::id)
                .first::<i32>(conn)
                .optional()?
                .map(i64::from))
        };
    for (p, kept) in fields.photos.iter_mut().zip(&state.photos) {
        let found = current(conn, p.media_id, file_of(kept.url.as_deref()))?;
        if p.media_id.is_some() && found.is_none() {
            p.caption = p.caption.take().or(p.alt.clone()).or(Some("Ảnh".into()));
        }
        p.media_id = found;
    }
    for (d, kept) in fields.documents.iter_mut().zip(&state.documents) {
        d.media_id = current(conn, d.media_id, file_of(kept.url.as_deref()))?;
    }
    Ok(())
}
