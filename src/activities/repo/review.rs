//! Duyệt tin: a reviewer (or an admin) approves or returns an editor's news, and sees what
//! waits for it.

use super::*;

/// Approve (→ `published`, or `scheduled` when its time is ahead) or return (→ `draft`, the
/// comment kept for its editors) an activity that waits for review; a new version and a
/// revision saying who decided (written, and told to subscribers, for a reader of `site`).
pub fn review(
    conn: &mut Conn,
    user: &AuthUser,
    key: &str,
    decision: &ReviewDecision,
    expected: Precondition<Activity>,
    site: &Site,
) -> ApiResult<Activity> {
    let comment = text::clean_opt(decision.comment.as_deref());
    if decision.decision == Decision::Return && comment.is_none() {
        return Err(AppError::invalid(
            "/comment",
            "is required to return an activity: say what to change",
        ));
    }
    crate::db::write(conn, |conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_row(conn, key)?;
        if row.deleted_at.is_some() || !viewer.may_see(&row) {
            return Err(AppError::not_found(format!("there is no activity '{key}'")));
        }
        if !viewer.may_review_organizer(row.organizer_id) {
            return Err(AppError::Forbidden(
                "only a reviewer of the organizing unit (or of a unit above it), or an admin, may review this activity"
                    .into(),
            ));
        }
        let current = detail(conn, &row)?;
        expected.check(&current)?;
        if decision.version != current.version {
            return Err(AppError::PreconditionFailed);
        }
        if current.status != Status::PendingReview {
            return Err(AppError::conflict(format!(
                "activity '{key}' is not waiting for review (its status is {})",
                current.status.as_str()
            )));
        }
        let now = db::now();
        let (status, published_at, kept_comment, note) = match decision.decision {
            Decision::Approve => {
                let at = row.published_at.unwrap_or(now);
                let status = if at > now {
                    Status::Scheduled
                } else {
                    Status::Published
                };
                let note = match &comment {
                    Some(c) => format!("approved: {c}"),
                    None => "approved".to_string(),
                };
                (status, Some(at), None, note)
            }
            Decision::Return => (
                Status::Draft,
                row.published_at,
                comment.clone(),
                format!("returned: {}", comment.clone().unwrap_or_default()),
            ),
        };
        diesel::update(activities::table.find(row.id))
            .set((
                activities::status.eq(status.as_str()),
                activities::published_at.eq(published_at),
                activities::review_comment.eq(kept_comment),
                activities::updated_at.eq(now),
                activities::updated_by.eq(Some(user.id)),
                activities::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        let updated = load_row(conn, row.id)?;
        let activity = detail(conn, &updated)?;
        record_revision(
            conn,
            &activity,
            site,
            Some(&user.username),
            now,
            Some(&note),
        )?;
        if activity.status == Status::Published {
            webhooks::enqueue(
                conn,
                webhooks::Event::ActivityPublished,
                activity.id,
                &activity.clone().linked(site),
            )?;
        }
        audit::record(
            conn,
            audit::Entry::new(decision.decision.as_str(), "activities", row.id)
                .versions(Some(i64::from(row.version)), Some(activity.version)),
        )?;
        Ok(activity)
    })
}

/// What waits for `user`'s review (an admin: everything that waits), most recently submitted
/// first.
pub fn review_queue(
    conn: &mut Conn,
    user: &AuthUser,
    list: &PageSpec,
) -> ApiResult<(Vec<ActivitySummary>, i64, Option<Vec<Bind>>)> {
    let viewer = Viewer::of(conn, Some(user))?;
    let q = match &viewer {
        Viewer::Admin | Viewer::Reviewer { .. } => queue_sql(&viewer),
        _ => {
            return Err(AppError::Forbidden(
                "the review queue is for reviewers and admins".into(),
            ))
        }
    };
    let (rows, total, next) = list.load::<ListRow>(conn, &q)?;
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    Ok((summaries(conn, &rows, None)?, total, next))
}

fn queue_sql(viewer: &Viewer) -> ListSql {
    let mut q = ListSql::new(
        &format!("{ROW_COLUMNS}, NULL AS rank"),
        "activities a",
        "a.id",
    );
    q.filter("a.state = 'pending_review'", []);
    if let Some(scope) = viewer.private_scope() {
        q.filter(
            format!("a.organizer_id IN ({})", placeholders(scope.len())),
            int_binds(scope),
        );
    }
    q
}

/// The review queue's page and count statements (what the query-plan test explains).
pub fn review_queue_statements(viewer: &Viewer, list: &PageSpec) -> Vec<Statement> {
    list.statements(&queue_sql(viewer))
}

pub const REVIEW_SORTS: Sortable = Sortable {
    fields: &[
        ("updated_at", "a.updated_at"),
        ("published_at", "coalesce(a.published_at, '')"),
    ],
    default: "-updated_at",
};
