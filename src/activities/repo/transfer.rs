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

/// A saved state, as stored.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StoredRevision {
    pub version: i32,
    /// The representation at that version (JSON).
    pub state: String,
    pub changed_by: Option<String>,
    pub changed_at: NaiveDateTime,
    pub note: Option<String>,
}

/// Every saved state of an activity, oldest first.
pub fn stored_revisions(conn: &mut Conn, id: i32) -> QueryResult<Vec<StoredRevision>> {
    activity_revisions::table
        .filter(activity_revisions::activity_id.eq(id))
        .order(activity_revisions::version.asc())
        .select((
            activity_revisions::version,
            activity_revisions::state,
            activity_revisions::changed_by,
            activity_revisions::changed_at,
            activity_revisions::note,
        ))
        .load(conn)
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
        (
            activities::slug.eq(a.slug),
            activities::title.eq(&f.title),
            activities::title_sort_key.eq(text::sort_key(&f.title)),
            activities::summary.eq(&f.summary),
            activities::occurred_on.eq(f.occurred_on),
            activities::date_precision.eq(f.date_precision.as_str()),
            activities::period_end.eq(f.period_end()),
            activities::ends_on.eq(f.ends_on),
            activities::part_of_day.eq(f.part_of_day.map(|p| p.as_str())),
            activities::location.eq(&f.location),
            activities::category.eq(f.category.as_str()),
            activities::organizer_id.eq(f.organizer_id as i32),
            activities::cluster_id.eq(f.cluster_id.map(|c| c as i32)),
            activities::participants_count.eq(f.participants_count.map(|n| n as i32)),
            activities::byline.eq(&f.byline),
        ),
        (
            activities::status.eq(a.status.as_str()),
            activities::published_at.eq(f.published_at.map(|t| t.naive_utc())),
            activities::featured.eq(f.featured),
            activities::featured_until.eq(f.featured_until.map(|t| t.naive_utc())),
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
                    .values((
                        activity_revisions::activity_id.eq(id),
                        activity_revisions::version.eq(r.version),
                        activity_revisions::state.eq(&r.state),
                        activity_revisions::changed_by.eq(&r.changed_by),
                        activity_revisions::changed_at.eq(r.changed_at),
                        activity_revisions::note.eq(&r.note),
                    ))
                    .execute(conn)?;
            }
        }
        None => record_revision(conn, &activity, site, None, a.updated_at, Some("imported"))?,
    }
    Ok(id)
}
