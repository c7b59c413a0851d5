//! Who may see and write which activities ([`Viewer`]).

use super::*;

/// The states only those who may edit or review an activity see, as an SQL list.
pub const PRIVATE_STATES_SQL: &str = "('draft', 'pending_review', 'scheduled')";

/// Who is looking: decides which states are visible.
#[derive(Debug, Clone)]
pub enum Viewer {
    Public,
    /// An editor, with the units whose activities it may edit (its own and those below).
    Editor {
        scope: Vec<i32>,
    },
    /// A reviewer, with the units whose news it reviews (its own and those below): sees their
    /// drafts, pending and scheduled activities, approves or returns them, edits nothing.
    Reviewer {
        scope: Vec<i32>,
    },
    Admin,
}

impl Viewer {
    pub fn of(conn: &mut Conn, user: Option<&AuthUser>) -> QueryResult<Self> {
        Ok(match user {
            None => Viewer::Public,
            Some(u) if u.is_admin() => Viewer::Admin,
            Some(u) => match u.organization_id {
                Some(own) => {
                    let mut scope = tree::descendants(conn, own)?;
                    scope.push(own);
                    if u.role == crate::auth::Role::Reviewer {
                        Viewer::Reviewer { scope }
                    } else {
                        Viewer::Editor { scope }
                    }
                }
                None => Viewer::Public,
            },
        })
    }

    /// The units whose activities that are not public yet this viewer sees (editors and
    /// reviewers; an admin sees every unit's).
    pub fn private_scope(&self) -> Option<&[i32]> {
        match self {
            Viewer::Editor { scope } | Viewer::Reviewer { scope } => Some(scope),
            Viewer::Public | Viewer::Admin => None,
        }
    }

    /// SQL condition (over a tag aliased `t`) for the tags this viewer may know of: anyone,
    /// those of public activities (published or archived); an editor or reviewer, also those
    /// of the activities not public yet that it may see; an admin, every tag. A tag carried
    /// only by drafts or the trash is nobody else's business, not even its name.
    pub fn tag_condition(&self) -> String {
        let public = "a.state IN ('published', 'archived')";
        let seen = match (self, self.private_scope()) {
            (Viewer::Admin, _) => return "TRUE".into(),
            (_, None) => public.to_string(),
            (_, Some(scope)) => {
                // Unit ids come from the database, never from input: inlined as numbers.
                let ids: Vec<String> = scope.iter().map(i32::to_string).collect();
                format!(
                    "({public} OR (a.state IN {PRIVATE_STATES_SQL} AND a.organizer_id IN ({})))",
                    ids.join(", ")
                )
            }
        };
        // `LIMIT 1 OFFSET 0` keeps the test a probe per tag that stops at its first activity
        // seen: PostgreSQL flattens a plain EXISTS into a join and hashes every row of the
        // tag first (8 ms for one tag at 1M, 217 ms for the list of tags; 0.1 ms so). The
        // ORDER BY, the tag index's own order, keeps it reading that index: under a LIMIT 1 it
        // chose a sequential scan of every tag row expecting an early hit, and a tag whose
        // rows lie late in the table cost 33 ms (0.14 ms so).
        format!(
            "EXISTS (SELECT 1 FROM activity_tags at JOIN activities a ON a.id = at.activity_id \
             WHERE at.tag_id = t.id AND {seen} ORDER BY at.tag_id, at.activity_id \
             LIMIT 1 OFFSET 0)"
        )
    }

    pub(super) fn may_edit_organizer(&self, organizer: i32) -> bool {
        match self {
            Viewer::Admin => true,
            Viewer::Editor { scope } => scope.contains(&organizer),
            Viewer::Public | Viewer::Reviewer { .. } => false,
        }
    }

    pub(super) fn may_review_organizer(&self, organizer: i32) -> bool {
        match self {
            Viewer::Admin => true,
            Viewer::Reviewer { scope } => scope.contains(&organizer),
            Viewer::Public | Viewer::Editor { .. } => false,
        }
    }

    /// May this viewer see the row at all (what is not public only for its editors and
    /// reviewers)?
    pub(super) fn may_see(&self, row: &ActivityRow) -> bool {
        let public =
            row.deleted_at.is_none() && Status::parse(&row.status).is_some_and(Status::is_public);
        public
            || matches!(self, Viewer::Admin)
            || self
                .private_scope()
                .is_some_and(|scope| scope.contains(&row.organizer_id))
    }
}

pub(super) fn forbid_unless_may_write_for(viewer: &Viewer, organizer_id: i64) -> ApiResult<()> {
    // An id beyond any row's names no unit: the reference check answers that with a 422.
    let ok = i32::try_from(organizer_id).map_or(true, |id| viewer.may_edit_organizer(id));
    if ok {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "an editor may write only the activities of its own unit and of the units below it"
                .into(),
        ))
    }
}
