//! Units as an export writes them and an import brings them back (parents linked after every
//! unit exists).

use crate::db::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::organizations;
use crate::error::ApiResult;

use super::*;

/// Every unit, oldest id first (an export).
pub fn all_rows(conn: &mut Conn) -> QueryResult<Vec<OrganizationRow>> {
    organizations::table
        .order(organizations::id.asc())
        .select(OrganizationRow::as_select())
        .load(conn)
}

/// One unit's row, if it exists.
pub fn row(conn: &mut Conn, id: i32) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}

impl OrganizationRow {
    /// The writable fields of the stored unit (an import compares them).
    pub fn writable(&self) -> OrganizationFields {
        self.fields()
    }
}

/// A unit written as an import gives it: the fields (its parent and successor are set by
/// [`import_links`] once every unit exists), the slug, the original times and version; a new
/// row keeps the given id when it is free.
pub struct ImportedUnit<'a> {
    pub id: i64,
    pub slug: &'a str,
    pub fields: &'a OrganizationFields,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// Write `unit` over row `existing`, or as a new row; returns its id.
pub fn import_row(
    conn: &mut Conn,
    existing: Option<i32>,
    unit: &ImportedUnit<'_>,
) -> ApiResult<i32> {
    let version = i32::try_from(unit.version).unwrap_or(1);
    let id = match existing {
        Some(id) => {
            diesel::update(organizations::table.find(id))
                .set((
                    OrganizationChanges::of(unit.fields, unit.updated_at),
                    organizations::slug.eq(unit.slug),
                    organizations::created_at.eq(unit.created_at),
                    organizations::version.eq(version),
                ))
                .execute(conn)?;
            id
        }
        None => {
            let wanted = i32::try_from(unit.id).ok().filter(|id| *id > 0);
            let free = match wanted {
                Some(id) => !diesel::select(diesel::dsl::exists(organizations::table.find(id)))
                    .get_result::<bool>(conn)?,
                None => false,
            };
            let values = (
                OrganizationChanges::of(unit.fields, unit.updated_at),
                organizations::slug.eq(unit.slug),
                organizations::created_at.eq(unit.created_at),
                organizations::version.eq(version),
            );
            match wanted.filter(|_| free) {
                Some(id) => diesel::insert_into(organizations::table)
                    .values((values, organizations::id.eq(id)))
                    .returning(organizations::id)
                    .get_result(conn)?,
                None => diesel::insert_into(organizations::table)
                    .values(values)
                    .returning(organizations::id)
                    .get_result(conn)?,
            }
        }
    };
    index(conn, id, unit.fields)?;
    Ok(id)
}

/// Set an imported unit's parent and successor (every unit exists by now).
pub fn import_links(
    conn: &mut Conn,
    id: i32,
    parent: Option<i32>,
    successor: Option<i32>,
) -> QueryResult<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::parent_id.eq(parent),
            organizations::successor_id.eq(successor),
        ))
        .execute(conn)?;
    Ok(())
}
