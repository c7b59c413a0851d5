//! Organization rows and queries.

use crate::db::Conn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use crate::db::list::{Bind, ListSql, Statement};
use crate::db::list::{KeysetRow, PageSpec, Sortable};
use crate::db::schema::organizations;
use crate::db::{search, tree};
use crate::error::{ApiResult, AppError};
use crate::text;

use super::dto::{
    ListOrganizationsQuery, OrgKind, OrgRef, Organization, OrganizationDetail, OrganizationFields,
};

/// The FTS5 index of organizations (see migrations and [`crate::db::search`]).
mod transfer;
mod write;

pub use transfer::*;
pub use write::*;

pub const SEARCH_TABLE: &str = "organizations_fts";

pub const SORTS: Sortable = Sortable {
    fields: &[
        ("name", "o.sort_key"),
        ("created_at", "o.created_at"),
        ("updated_at", "o.updated_at"),
    ],
    default: "name",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct OrganizationRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: String,
    pub parent_id: Option<i32>,
    pub secretary_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub successor_id: Option<i32>,
    pub sort_key: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub requires_review: bool,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = organizations)]
#[diesel(treat_none_as_null = true)]
struct OrganizationChanges<'a> {
    name: &'a str,
    short_name: Option<&'a str>,
    kind: &'a str,
    parent_id: Option<i32>,
    secretary_name: Option<&'a str>,
    address: Option<&'a str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    website: Option<&'a str>,
    established_on: Option<NaiveDate>,
    dissolved_on: Option<NaiveDate>,
    successor_id: Option<i32>,
    sort_key: Vec<u8>,
    updated_at: NaiveDateTime,
    requires_review: bool,
}

impl<'a> OrganizationChanges<'a> {
    fn of(f: &'a OrganizationFields, now: NaiveDateTime) -> Self {
        Self {
            name: &f.name,
            short_name: f.short_name.as_deref(),
            kind: f.kind.as_str(),
            parent_id: f.parent_id.map(|v| v as i32),
            secretary_name: f.secretary_name.as_deref(),
            address: f.address.as_deref(),
            phone: f.phone.as_deref(),
            email: f.email.as_deref(),
            website: f.website.as_deref(),
            established_on: f.established_on,
            dissolved_on: f.dissolved_on,
            successor_id: f.successor_id.map(|v| v as i32),
            sort_key: text::sort_key(&f.name),
            updated_at: now,
            requires_review: f.requires_review,
        }
    }
}

impl KeysetRow for OrganizationRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }

    fn sort_value(&self, sort_name: &str) -> Bind {
        match sort_name {
            "name" => Bind::blob(self.sort_key.clone()),
            "created_at" => Bind::timestamp(self.created_at),
            _ => Bind::timestamp(self.updated_at),
        }
    }
}

impl OrganizationRow {
    pub fn to_dto(&self) -> Organization {
        let kind = OrgKind::parse(&self.kind).unwrap_or(OrgKind::Partner);
        Organization {
            id: i64::from(self.id),
            slug: self.slug.clone(),
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            kind,
            kind_label: kind.label().to_string(),
            parent_id: self.parent_id.map(i64::from),
            secretary_name: self.secretary_name.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            website: self.website.clone(),
            established_on: self.established_on,
            dissolved_on: self.dissolved_on,
            successor_id: self.successor_id.map(i64::from),
            active: self.dissolved_on.is_none(),
            requires_review: self.requires_review,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            version: i64::from(self.version),
            feeds: super::dto::feed_links(&self.slug),
        }
    }

    fn fields(&self) -> OrganizationFields {
        let dto = self.to_dto();
        OrganizationFields {
            name: dto.name,
            short_name: dto.short_name,
            kind: dto.kind,
            parent_id: dto.parent_id,
            secretary_name: dto.secretary_name,
            address: dto.address,
            phone: dto.phone,
            email: dto.email,
            website: dto.website,
            established_on: dto.established_on,
            dissolved_on: dto.dissolved_on,
            successor_id: dto.successor_id,
            requires_review: dto.requires_review,
        }
    }
}

/// Resolve an id-or-slug to an id; `None` when there is no such organization.
pub fn lookup(conn: &mut Conn, key: &str) -> QueryResult<Option<i32>> {
    tree::lookup_organization(conn, key)
}

/// Resolve an id-or-slug of a path, or 404.
pub fn find_id(conn: &mut Conn, key: &str) -> ApiResult<i32> {
    lookup(conn, key)?
        .ok_or_else(|| AppError::not_found(format!("there is no organization '{key}'")))
}

pub(super) fn load_row(conn: &mut Conn, id: i32) -> ApiResult<OrganizationRow> {
    Ok(organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)?)
}

/// `{id, slug, name}` of a unit as an SQL query selects them (`o.id, o.slug, o.name`).
#[derive(QueryableByName)]
pub struct OrgRefRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name: String,
}

impl From<OrgRefRow> for OrgRef {
    fn from(r: OrgRefRow) -> Self {
        OrgRef {
            id: i64::from(r.id),
            slug: r.slug,
            name: r.name,
        }
    }
}

/// A unit with its role (in a cluster's roster, among an activity's partners), as an SQL query
/// selects them (`o.id, o.slug, o.name, role`).
#[derive(QueryableByName)]
pub struct OrgWithRole {
    #[diesel(embed)]
    pub organization: OrgRefRow,
    #[diesel(sql_type = Text)]
    pub role: String,
}

/// Every unit above `id`, the top first.
pub fn ancestors(conn: &mut Conn, id: i32) -> QueryResult<Vec<OrgRef>> {
    // The depth bound keeps a corrupted (cyclic) hierarchy from looping forever.
    let rows: Vec<OrgRefRow> = crate::db::sql(
        conn,
        "WITH RECURSIVE up(id, depth) AS (
             SELECT parent_id, 1 FROM organizations WHERE id = ? AND parent_id IS NOT NULL
             UNION ALL
             SELECT o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.id
             WHERE o.parent_id IS NOT NULL AND up.depth < 64)
         SELECT o.id, o.slug, o.name FROM up JOIN organizations o ON o.id = up.id
         ORDER BY up.depth DESC",
    )
    .bind::<Integer, _>(id)
    .load(conn)?;
    Ok(rows.into_iter().map(OrgRef::from).collect())
}

/// `{id, slug, name}` of some organizations by id, in one query (organizers of a page of
/// activities, blocs of a page of clusters).
pub fn refs(conn: &mut Conn, ids: &[i32]) -> QueryResult<std::collections::HashMap<i32, OrgRef>> {
    let rows: Vec<(i32, String, String)> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::slug, organizations::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name)| {
            (
                id,
                OrgRef {
                    id: i64::from(id),
                    slug,
                    name,
                },
            )
        })
        .collect())
}

/// The full representation of one organization.
/// How many organizations there are: the sitemap's entries.
pub fn count_all(conn: &mut Conn) -> QueryResult<i64> {
    organizations::table.count().get_result(conn)
}

/// A window of the organizations, oldest id first: (slug, last change), for the sitemap.
pub fn slugs(
    conn: &mut Conn,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    organizations::table
        .order(organizations::id.asc())
        .select((organizations::slug, organizations::updated_at))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

pub fn detail(conn: &mut Conn, id: i32) -> ApiResult<OrganizationDetail> {
    let row = load_row(conn, id)?;
    let ancestors = ancestors(conn, id)?;
    let children_count: i64 = organizations::table
        .filter(organizations::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    let review_required = tree::review_required(conn, row.id)?;
    Ok(OrganizationDetail {
        review_required,
        parent: ancestors.last().cloned(),
        ancestors,
        children_count,
        organization: row.to_dto(),
    })
}

/// Build the list statement for a query (also used by the query-plan test).
pub fn list_sql(conn: &mut Conn, query: &ListOrganizationsQuery) -> ApiResult<ListSql> {
    let mut q = ListSql::new("o.*", "organizations o", "o.id");
    if let Some(kinds) = &query.kind {
        let kinds: Vec<Bind> = kinds.iter().map(|k| Bind::from(k.as_str())).collect();
        if let [kind] = kinds.as_slice() {
            // One kind: the (kind, sort_key, id) index gives the rows already in order.
            q.filter("o.kind = ?", [kind.clone()]);
        } else {
            // Several: walk the sort index and test the kind, rather than merge-sort the hits.
            q.filter_in("+o.kind", kinds);
        }
    }
    if let Some(parent) = &query.parent {
        let id = lookup(conn, parent)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `parent`: there is no organization '{parent}'"
            ))
        })?;
        if query.include_descendants == Some(true) {
            // `+` keeps SQLite on the sort index (probing the subtree set) instead of fetching
            // the subtree by rowid and sorting it in a temp B-tree.
            q.filter(
                format!("+o.id IN ({})", tree::DESCENDANTS_SQL),
                [Bind::Int(i64::from(id))],
            );
        } else {
            q.filter("o.parent_id = ?", [Bind::Int(i64::from(id))]);
        }
    } else if query.include_descendants.is_some() {
        return Err(AppError::bad_param(
            "include_descendants",
            "needs `parent`: the unit whose subtree to list",
        ));
    }
    if let Some(search) = query.q.as_deref().map(search::parse).transpose()?.flatten() {
        search::filter(&mut q, "o.id", SEARCH_TABLE, &search);
    }
    if let Some(active) = query.active {
        // Written as the expression of the `organizations_active` index, so that index serves it.
        q.filter("(o.dissolved_on IS NULL) = ?", [Bind::Bool(active)]);
    }
    Ok(q)
}

/// One page of organizations, the exact total and the keyset of the next page.
pub fn list(
    conn: &mut Conn,
    query: &ListOrganizationsQuery,
    list: &PageSpec,
) -> ApiResult<(Vec<Organization>, i64, Option<Vec<Bind>>)> {
    let q = list_sql(conn, query)?;
    let (rows, total, next) = list.load::<OrganizationRow>(conn, &q)?;
    Ok((
        rows.iter().map(OrganizationRow::to_dto).collect(),
        total,
        next,
    ))
}

/// The statements a list request runs, for the query-plan test.
pub fn list_statements(
    conn: &mut Conn,
    query: &ListOrganizationsQuery,
    list: &PageSpec,
) -> ApiResult<Vec<Statement>> {
    let q = list_sql(conn, query)?;
    Ok(list.statements(&q))
}
