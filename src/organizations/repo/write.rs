//! Creating, changing and deleting units: their rules and references, the search entry, the
//! audit log and the webhook events.

use crate::db::Conn;
use diesel::prelude::*;

use crate::db::precondition::Precondition;
use crate::db::schema::organizations;
use crate::db::{self};
use crate::db::{search, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

use super::*;

/// Check the references and the hierarchy rules of a set of fields (422 listing each).
fn check_references(conn: &mut Conn, id: Option<i32>, f: &OrganizationFields) -> ApiResult<()> {
    let mut errors: Vec<FieldError> = f.validate();
    let exists = |conn: &mut Conn, id: i64| -> QueryResult<bool> {
        let Ok(id) = i32::try_from(id) else {
            return Ok(false);
        };
        diesel::select(diesel::dsl::exists(organizations::table.find(id))).get_result(conn)
    };
    if let Some(parent) = f.parent_id {
        if !exists(conn, parent)? {
            errors.push(FieldError::new(
                "/parent_id",
                format!("there is no organization {parent}"),
            ));
        } else if let Some(me) = id {
            let parent = parent as i32;
            let above = ancestors(conn, parent)?;
            if parent == me || above.iter().any(|a| a.id == i64::from(me)) {
                errors.push(FieldError::new(
                    "/parent_id",
                    "would make a cycle: the unit would be below itself",
                ));
            }
        }
    }
    if let Some(successor) = f.successor_id {
        if Some(successor) == id.map(i64::from) {
            errors.push(FieldError::new(
                "/successor_id",
                "cannot be the unit itself",
            ));
        } else if !exists(conn, successor)? {
            errors.push(FieldError::new(
                "/successor_id",
                format!("there is no organization {successor}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

pub(super) fn index(conn: &mut Conn, id: i32, f: &OrganizationFields) -> QueryResult<()> {
    search::index(
        conn,
        SEARCH_TABLE,
        i64::from(id),
        &[
            Some(f.name.as_str()),
            f.short_name.as_deref(),
            f.secretary_name.as_deref(),
        ],
        3,
    )
}

/// Insert an organization; `slug` is explicit (409 when taken) or generated from the name.
pub fn create(
    conn: &mut Conn,
    slug: Option<String>,
    fields: OrganizationFields,
) -> ApiResult<OrganizationDetail> {
    if let Some(s) = &slug {
        if !text::is_valid_slug(s) {
            let mut errors = fields.validate();
            errors.insert(0, FieldError::new("/slug", text::SLUG_RULE));
            return Err(AppError::Validation(errors));
        }
    }
    crate::db::write(conn, |conn| {
        check_references(conn, None, &fields)?;
        let slug = crate::db::slugs::choose(conn, "organizations", slug, &fields.name)?;
        let now = db::now();
        let id: i32 = diesel::insert_into(organizations::table)
            .values((
                OrganizationChanges::of(&fields, now),
                organizations::slug.eq(&slug),
                organizations::created_at.eq(now),
                organizations::version.eq(1),
            ))
            .returning(organizations::id)
            .get_result(conn)?;
        index(conn, id, &fields)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "organizations", id).versions(None, Some(1)),
        )?;
        let created = detail(conn, id)?;
        crate::webhooks::enqueue(
            conn,
            crate::webhooks::Event::OrganizationCreated,
            i64::from(id),
            &created.organization,
        )?;
        Ok(created)
    })
}

/// Apply a merge patch under `If-Match`.
/// Work a rename triggers above this module (the activities' search text holds the
/// organizer's name): run in the rename's own transaction, with the unit's id.
pub type RenameHook = fn(&mut Conn, i32) -> ApiResult<()>;

pub fn update(
    conn: &mut Conn,
    key: &str,
    patch: crate::organizations::dto::UpdateOrganization,
    expected: Precondition<OrganizationDetail>,
    renamed: RenameHook,
) -> ApiResult<OrganizationDetail> {
    crate::db::write(conn, |conn| {
        let id = find_id(conn, key)?;
        let current = detail(conn, id)?;
        expected.check(&current)?;
        let row = load_row(conn, id)?;
        let new_slug = patch.slug.as_value().cloned();
        let fields = row.fields().patched(patch);
        check_references(conn, Some(id), &fields)?;
        let reslugged = match new_slug {
            Some(slug) => crate::db::slugs::change(conn, "organizations", id, &row.slug, &slug)?,
            None => false,
        };
        if fields == row.fields() && !reslugged {
            return Ok(current);
        }
        diesel::update(organizations::table.find(id))
            .set((
                OrganizationChanges::of(&fields, db::now()),
                organizations::version.eq(organizations::version + 1),
            ))
            .execute(conn)?;
        index(conn, id, &fields)?;
        if fields.name != row.name {
            renamed(conn, id)?;
        }
        let mut entry = crate::audit::Entry::new("update", "organizations", id).versions(
            Some(i64::from(row.version)),
            Some(i64::from(row.version) + 1),
        );
        if reslugged {
            entry = entry.detail(format!("slug changed from {}", row.slug));
        }
        crate::audit::record(conn, entry)?;
        let updated = detail(conn, id)?;
        crate::webhooks::enqueue(
            conn,
            crate::webhooks::Event::OrganizationUpdated,
            i64::from(id),
            &updated.organization,
        )?;
        Ok(updated)
    })
}

/// Delete under `If-Match`; 409 naming what still refers to the unit (`references`: every kind
/// of reference the resources declare).
pub fn delete(
    conn: &mut Conn,
    key: &str,
    expected: Precondition<OrganizationDetail>,
    references: &[tree::Reference],
) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let id = find_id(conn, key)?;
        let current = detail(conn, id)?;
        expected.check(&current)?;
        let refs = tree::references_to_organization(conn, id, references)?;
        if !refs.is_empty() {
            return Err(AppError::conflict(format!(
                "'{}' is still referenced by {}; change or delete those first",
                current.organization.name,
                refs.join("; ")
            )));
        }
        diesel::delete(organizations::table.find(id)).execute(conn)?;
        search::unindex(conn, SEARCH_TABLE, i64::from(id))?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("delete", "organizations", id)
                .versions(Some(current.organization.version), None),
        )?;
        crate::webhooks::enqueue(
            conn,
            crate::webhooks::Event::OrganizationDeleted,
            i64::from(id),
            &current.organization,
        )?;
        Ok(())
    })
}
