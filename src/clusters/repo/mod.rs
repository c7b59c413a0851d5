//! Cluster rows and their CRUD here; rosters, the ranking and annual results in their own parts.

use crate::db::Conn;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::list::{self as sql, Bind, ListSql, Statement};
use crate::db::list::{KeysetRow, PageSpec, Sortable};
use crate::db::patch::Patch;
use crate::db::precondition::Precondition;
use crate::db::schema::{cluster_members, cluster_results, clusters};
use crate::db::{self, search, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::text;
use crate::vocab::OrgRef;
use crate::vocab::{Category, ClusterRef};

use super::dto::*;

mod ranking;
mod results;
mod rosters;
mod transfer;

pub use ranking::*;
pub use results::*;
pub use rosters::*;
pub use transfer::*;

pub const SEARCH_TABLE: &str = "clusters_fts";

pub const SORTS: Sortable = Sortable {
    fields: &[("number", "c.number"), ("name", "c.sort_key")],
    default: "number",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = clusters)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct ClusterRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub number: i32,
    pub bloc_id: i32,
    pub description: Option<String>,
    pub active: bool,
    pub sort_key: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl KeysetRow for ClusterRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, sort_name: &str) -> Bind {
        match sort_name {
            "number" => Bind::Int(i64::from(self.number)),
            _ => Bind::blob(self.sort_key.clone()),
        }
    }
}

/// The columns of a cluster's row a create, an update and an import all write.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = clusters)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ClusterColumns<'a> {
    name: &'a str,
    number: i32,
    description: Option<&'a str>,
    active: bool,
    sort_key: Vec<u8>,
}

impl<'a> ClusterColumns<'a> {
    pub(super) fn of(
        name: &'a str,
        number: i32,
        description: Option<&'a str>,
        active: bool,
    ) -> Self {
        Self {
            name,
            number,
            description,
            active,
            sort_key: text::sort_key(name),
        }
    }
}

pub(super) fn cluster_ref(row: &ClusterRow) -> ClusterRef {
    ClusterRef {
        id: i64::from(row.id),
        slug: row.slug.clone(),
        name: row.name.clone(),
    }
}

pub fn to_dto(conn: &mut Conn, row: &ClusterRow) -> QueryResult<Cluster> {
    Ok(dtos(conn, std::slice::from_ref(row))?.remove(0))
}

/// The representations of some clusters, their blocs loaded in one query (no N+1 on lists).
pub(super) fn dtos(conn: &mut Conn, rows: &[ClusterRow]) -> QueryResult<Vec<Cluster>> {
    let blocs = crate::organizations::repo::refs(
        conn,
        &rows.iter().map(|r| r.bloc_id).collect::<Vec<_>>(),
    )?;
    rows.iter()
        .map(|row| {
            Ok(Cluster {
                id: i64::from(row.id),
                slug: row.slug.clone(),
                name: row.name.clone(),
                number: i64::from(row.number),
                bloc_id: i64::from(row.bloc_id),
                bloc: blocs
                    .get(&row.bloc_id)
                    .cloned()
                    .ok_or(diesel::result::Error::NotFound)?,
                description: row.description.clone(),
                active: row.active,
                created_at: row.created_at.and_utc(),
                updated_at: row.updated_at.and_utc(),
                version: i64::from(row.version),
                feeds: feed_links(&row.slug),
            })
        })
        .collect()
}

pub fn find(conn: &mut Conn, key: &str) -> ApiResult<ClusterRow> {
    let q = clusters::table.select(ClusterRow::as_select()).into_boxed();
    let q = match db::Key::parse(key) {
        db::Key::Id(id) => q.filter(clusters::id.eq(id)),
        db::Key::Slug(slug) => q.filter(clusters::slug.eq(slug)),
    };
    q.first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no cluster '{key}'")))
}

pub fn list(
    conn: &mut Conn,
    query: &ListClustersQuery,
    list: &PageSpec,
) -> ApiResult<(Vec<Cluster>, i64, Option<Vec<Bind>>)> {
    let q = list_sql(conn, query)?;
    let (rows, total, next) = list.load::<ClusterRow>(conn, &q)?;
    Ok((dtos(conn, &rows)?, total, next))
}

/// The page and count statements of a list (what the query-plan test explains).
pub fn list_statements(
    conn: &mut Conn,
    query: &ListClustersQuery,
    list: &PageSpec,
) -> ApiResult<Vec<Statement>> {
    let q = list_sql(conn, query)?;
    Ok(list.statements(&q))
}

fn list_sql(conn: &mut Conn, query: &ListClustersQuery) -> ApiResult<ListSql> {
    let mut q = ListSql::new("c.*", "clusters c", "c.id");
    if let Some(bloc) = &query.bloc {
        let id = tree::lookup_organization(conn, bloc)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `bloc`: there is no organization '{bloc}'"
            ))
        })?;
        q.filter("c.bloc_id = ?", [Bind::Int(i64::from(id))]);
    }
    if let Some(year) = query.year {
        q.filter_in_set(
            "c.id",
            "SELECT cluster_id FROM cluster_members WHERE year = ?",
            [Bind::Int(i64::from(year))],
        );
    }
    if let Some(active) = query.active {
        q.filter("c.active = ?", [Bind::Bool(active)]);
    }
    if let Some(s) = query.q.as_deref().map(search::parse).transpose()?.flatten() {
        search::filter(&mut q, "c.id", SEARCH_TABLE, &s);
    }
    Ok(q)
}

pub(super) fn index(conn: &mut Conn, row: &ClusterRow) -> QueryResult<()> {
    search::index(
        conn,
        SEARCH_TABLE,
        i64::from(row.id),
        &[Some(&row.name), row.description.as_deref()],
        2,
    )
}

pub(super) fn check(name: &str, number: i64, description: Option<&str>) -> Vec<FieldError> {
    [
        name_problem(name),
        number_problem(number),
        description.and_then(description_problem),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub(super) fn number_taken(
    conn: &mut Conn,
    bloc: i32,
    number: i32,
    except: Option<i32>,
) -> ApiResult<()> {
    let other: Option<String> = clusters::table
        .filter(clusters::bloc_id.eq(bloc))
        .filter(clusters::number.eq(number))
        .filter(clusters::id.ne(except.unwrap_or(0)))
        .select(clusters::name)
        .first(conn)
        .optional()?;
    match other {
        Some(name) => Err(AppError::Conflict {
            detail: format!("the bloc already has cluster number {number}: '{name}'"),
            errors: vec![FieldError::new("/number", "is taken in this bloc")],
        }),
        None => Ok(()),
    }
}

pub fn create(conn: &mut Conn, input: &CreateCluster) -> ApiResult<ClusterRow> {
    let name = text::clean(&input.name);
    let description = text::clean_opt(input.description.as_deref());
    let mut errors = check(&name, input.number, description.as_deref());
    if let Some(s) = &input.slug {
        if !text::is_valid_slug(s) {
            errors.push(FieldError::new("/slug", text::SLUG_RULE));
        }
    }
    crate::db::write(conn, |conn| {
        // A database error is a 500 (propagated), not a "no such organization".
        let bloc = match i32::try_from(input.bloc_id) {
            Ok(id) => tree::lookup_organization(conn, &id.to_string())?.map(|_| id),
            Err(_) => None,
        };
        if bloc.is_none() {
            errors.push(FieldError::new(
                "/bloc_id",
                format!("there is no organization {}", input.bloc_id),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let bloc = bloc.unwrap_or_default();
        number_taken(conn, bloc, input.number as i32, None)?;
        let slug = crate::db::slugs::choose(conn, "clusters", input.slug.clone(), &name)?;
        let now = db::now();
        let id: i32 = diesel::insert_into(clusters::table)
            .values((
                ClusterColumns::of(
                    &name,
                    input.number as i32,
                    description.as_deref(),
                    input.active,
                ),
                clusters::slug.eq(&slug),
                clusters::bloc_id.eq(bloc),
                clusters::created_at.eq(now),
                clusters::updated_at.eq(now),
                clusters::version.eq(1),
            ))
            .returning(clusters::id)
            .get_result(conn)?;
        let row = find(conn, &id.to_string())?;
        index(conn, &row)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("create", "clusters", id).versions(None, Some(1)),
        )?;
        Ok(row)
    })
}

pub fn update(
    conn: &mut Conn,
    key: &str,
    patch: UpdateCluster,
    expected: Precondition<Cluster>,
) -> ApiResult<ClusterRow> {
    crate::db::write(conn, |conn| {
        let row = find(conn, key)?;
        expected.check(&to_dto(conn, &row)?)?;
        let name = match &patch.name {
            Patch::Value(v) => text::clean(v),
            _ => row.name.clone(),
        };
        let number = patch
            .number
            .as_value()
            .copied()
            .unwrap_or(i64::from(row.number));
        let description = match patch.description {
            Patch::Absent => row.description.clone(),
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        let active = patch.active.as_value().copied().unwrap_or(row.active);
        let errors = check(&name, number, description.as_deref());
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let unchanged = name == row.name
            && number == i64::from(row.number)
            && description == row.description
            && active == row.active;
        if unchanged {
            // Nothing to write: no new version, no audit entry, the same ETag.
            return Ok(row);
        }
        number_taken(conn, row.bloc_id, number as i32, Some(row.id))?;
        diesel::update(clusters::table.find(row.id))
            .set((
                ClusterColumns::of(&name, number as i32, description.as_deref(), active),
                clusters::updated_at.eq(db::now()),
                clusters::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "clusters", row.id).versions(
                Some(i64::from(row.version)),
                Some(i64::from(row.version) + 1),
            ),
        )?;
        let row = find(conn, &row.id.to_string())?;
        index(conn, &row)?;
        Ok(row)
    })
}

pub fn delete(conn: &mut Conn, key: &str, expected: Precondition<Cluster>) -> ApiResult<()> {
    crate::db::write(conn, |conn| {
        let row = find(conn, key)?;
        expected.check(&to_dto(conn, &row)?)?;
        let activities: i64 = crate::db::schema::activities::table
            .filter(crate::db::schema::activities::cluster_id.eq(row.id))
            .count()
            .get_result(conn)?;
        if activities > 0 {
            return Err(AppError::conflict(format!(
                "'{}' is referenced by {activities} activities it ran; change their cluster_id first",
                row.name
            )));
        }
        diesel::delete(clusters::table.find(row.id)).execute(conn)?;
        search::unindex(conn, SEARCH_TABLE, i64::from(row.id))?;
        crate::audit::record(
            conn,
            crate::audit::Entry::new("delete", "clusters", row.id)
                .versions(Some(i64::from(row.version)), None),
        )?;
        Ok(())
    })
}
