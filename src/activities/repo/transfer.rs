//! An activity as export and import see it: every row (the trash too), and a row written
//! exactly as given — original times, status, slug, version and revisions.

use super::*;

/// Every activity, oldest id first, the trash included.
pub fn all_rows(conn: &mut Conn) -> QueryResult<Vec<ActivityRow>> {
    activities::table
        .order(activities::id.asc())
        .select(ActivityRow::as_select())
        .load(conn)
}

/// Every saved state of an activity, oldest first.
pub fn stored_revisions(conn: &mut Conn, id: i32) -> QueryResult<Vec<StoredRevision>> {
    revision_rows(conn, id, None, false)
}

/// An activity written as an import gives it.
pub struct ImportedActivity<'a> {
    pub id: i64,
    pub slug: &'a str,
    pub fields: &'a ActivityFields,
    pub status: Status,
    pub review_comment: Option<&'a str>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub updated_by: Option<i32>,
    pub version: i32,
    /// The saved states to keep (none: one revision of the imported state).
    pub revisions: Option<&'a [StoredRevision]>,
}

/// Write `a` over row `existing`, or as a new row keeping its id when free; returns its id.
/// Without revisions of its own, its one revision is written for a reader of `site`.
pub fn import_row(
    conn: &mut Conn,
    existing: Option<i32>,
    a: &ImportedActivity<'_>,
    site: &Site,
) -> ApiResult<i32> {
    check_references(conn, a.fields)?;
    let f = a.fields;
    let public = matches!(
        a.status,
        Status::Published | Status::Scheduled | Status::Archived
    );
    if public && f.published_at.is_none() {
        return Err(AppError::invalid(
            "/published_at",
            "is required for a published, scheduled or archived activity",
        ));
    }
    let values = (
        ActivityColumns::of(f, a.status, f.published_at.map(|t| t.naive_utc())),
        (
            activities::slug.eq(a.slug),
            activities::review_comment.eq(a.review_comment),
            activities::deleted_at.eq(a.deleted_at),
            activities::created_at.eq(a.created_at),
            activities::updated_at.eq(a.updated_at),
            activities::created_by.eq(a.created_by),
            activities::updated_by.eq(a.updated_by),
            activities::version.eq(a.version),
        ),
    );
    let id = match existing {
        Some(id) => {
            diesel::update(activities::table.find(id))
                .set(values)
                .execute(conn)?;
            id
        }
        None => {
            let wanted = i32::try_from(a.id).ok().filter(|id| *id > 0);
            let free = match wanted {
                Some(id) => !diesel::select(diesel::dsl::exists(activities::table.find(id)))
                    .get_result::<bool>(conn)?,
                None => false,
            };
            match wanted.filter(|_| free) {
                Some(id) => diesel::insert_into(activities::table)
                    .values((values, activities::id.eq(id)))
                    .returning(activities::id)
                    .get_result(conn)?,
                None => diesel::insert_into(activities::table)
                    .values(values)
                    .returning(activities::id)
                    .get_result(conn)?,
            }
        }
    };
    write_body_and_children(conn, id, f)?;
    let row = load_row(conn, id)?;
    let activity = detail(conn, &row)?;
    index(conn, &activity)?;
    diesel::delete(activity_revisions::table.filter(activity_revisions::activity_id.eq(id)))
        .execute(conn)?;
    match a.revisions {
        Some(revisions) => {
            for r in revisions {
                diesel::insert_into(activity_revisions::table)
                    .values((activity_revisions::activity_id.eq(id), r))
                    .execute(conn)?;
            }
        }
        None => record_revision(conn, &activity, site, None, a.updated_at, Some("imported"))?,
    }
    Ok(id)
}
