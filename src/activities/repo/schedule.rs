//! What happens by the clock: a scheduled activity becomes public at its `published_at`, a
//! featured flag ends at its `featured_until`. Each is one transaction (every view — lists,
//! search, feeds, stats, counts, sitemap, tags — changes at its commit, together), a new
//! version and a revision, like any other change.

use super::*;

/// What [`run_due`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Due {
    /// Activities made public (ids).
    pub published: Vec<i32>,
    /// Activities no longer featured (ids).
    pub unfeatured: Vec<i32>,
    /// Activities whose change failed (each in its own savepoint: the others are made).
    pub failed: Vec<(i32, String)>,
}

/// Make public every scheduled activity whose time has come by `now`, and end every featured
/// flag whose end has passed; revisions and subscribers' events show the URLs of `site`.
pub fn run_due(conn: &mut Conn, now: NaiveDateTime, site: &Site) -> ApiResult<Due> {
    crate::db::write(conn, |conn| {
        let published: Vec<i32> = activities::table
            .filter(activities::state.eq(Status::Scheduled.as_str()))
            .filter(activities::published_at.le(now))
            .select(activities::id)
            .load(conn)?;
        let mut failed = Vec::new();
        let mut made = Vec::new();
        for &id in &published {
            let one = conn.transaction(|conn| -> ApiResult<()> {
                diesel::update(activities::table.find(id))
                    .set((
                        activities::status.eq(Status::Published.as_str()),
                        activities::updated_at.eq(now),
                        activities::version.eq(activities::version + 1),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    id,
                    now,
                    site,
                    "publish",
                    "published at its scheduled time",
                )
            });
            match one {
                Ok(()) => made.push(id),
                Err(e) => failed.push((id, e.to_string())),
            }
        }
        let unfeatured: Vec<i32> = activities::table
            .filter(activities::featured.eq(true))
            .filter(activities::featured_until.le(now))
            .select(activities::id)
            .load(conn)?;
        let mut ended = Vec::new();
        for &id in &unfeatured {
            let one = conn.transaction(|conn| -> ApiResult<()> {
                diesel::update(activities::table.find(id))
                    .set((
                        activities::featured.eq(false),
                        activities::featured_until.eq(None::<NaiveDateTime>),
                        activities::updated_at.eq(now),
                        activities::version.eq(activities::version + 1),
                    ))
                    .execute(conn)?;
                record(conn, id, now, site, "unfeature", "featured until then")
            });
            match one {
                Ok(()) => ended.push(id),
                Err(e) => failed.push((id, e.to_string())),
            }
        }
        Ok(Due {
            published: made,
            unfeatured: ended,
            failed,
        })
    })
}

/// The revision and audit entry of a change made by the clock (no user).
fn record(
    conn: &mut Conn,
    id: i32,
    now: NaiveDateTime,
    site: &Site,
    action: &str,
    note: &str,
) -> ApiResult<()> {
    let row = load_row(conn, id)?;
    let activity = detail(conn, &row)?;
    record_revision(conn, &activity, site, None, now, Some(note))?;
    // The moment it becomes public is its publication for subscribers too.
    let event = match action {
        "publish" => Some(webhooks::Event::ActivityPublished),
        _ if is_public(&row) => Some(webhooks::Event::ActivityUpdated),
        _ => None,
    };
    if let Some(event) = event {
        webhooks::enqueue(conn, event, activity.id, &activity.clone().linked(site))?;
    }
    audit::record(
        conn,
        audit::Entry::new(action, "activities", id)
            .versions(Some(activity.version - 1), Some(activity.version)),
    )?;
    Ok(())
}

/// The next moment the clock changes something (a scheduled publication, the end of a
/// featured flag), if any. Two index seeks.
pub fn next_due(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    let scheduled: Option<NaiveDateTime> = activities::table
        .filter(activities::state.eq(Status::Scheduled.as_str()))
        .select(diesel::dsl::min(activities::published_at))
        .first(conn)?;
    let featured: Option<NaiveDateTime> = activities::table
        .filter(activities::featured.eq(true))
        .filter(activities::featured_until.is_not_null())
        .select(diesel::dsl::min(activities::featured_until))
        .first(conn)?;
    Ok(match (scheduled, featured) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}
