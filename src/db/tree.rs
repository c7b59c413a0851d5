//! The organization hierarchy as SQL, and the id-or-slug resolution of the references that
//! filters name — shared by every resource.

use super::Key;

/// A subquery (one `?`: the root id) yielding the ids of every unit below the root, at any depth.
/// `UNION` (not `UNION ALL`) stops on a cyclic hierarchy instead of looping.
pub const DESCENDANTS_SQL: &str = "SELECT id FROM (WITH RECURSIVE sub(id) AS (\
    SELECT id FROM organizations WHERE parent_id = ? \
    UNION SELECT c.id FROM organizations c JOIN sub ON c.parent_id = sub.id) \
    SELECT id FROM sub) AS descendants";

/// Resolve an organization id-or-slug (see [`Key`]).
pub fn lookup_organization(
    conn: &mut crate::db::Conn,
    key: &str,
) -> diesel::QueryResult<Option<i32>> {
    Ok(lookup_organization_named(conn, key)?.map(|(id, _)| id))
}

/// Resolve an organization id-or-slug to its id and name (one query).
pub fn lookup_organization_named(
    conn: &mut crate::db::Conn,
    key: &str,
) -> diesel::QueryResult<Option<(i32, String)>> {
    use crate::db::schema::organizations;
    use diesel::prelude::*;
    let q = organizations::table
        .select((organizations::id, organizations::name))
        .into_boxed();
    let q = match Key::parse(key) {
        Key::Id(id) => q.filter(organizations::id.eq(id)),
        Key::Slug(slug) => q.filter(organizations::slug.eq(slug)),
    };
    if let Some(found) = q.first(conn).optional()? {
        return Ok(Some(found));
    }
    // A slug the unit had before still names it (filters, paths, feeds).
    match Key::parse(key) {
        Key::Slug(old) => match crate::db::slugs::renamed_to(conn, "organizations", old)? {
            Some(current) => organizations::table
                .filter(organizations::slug.eq(current))
                .select((organizations::id, organizations::name))
                .first(conn)
                .optional(),
            None => Ok(None),
        },
        Key::Id(_) => Ok(None),
    }
}

/// Resolve a cluster id-or-slug (see [`Key`]).
pub fn lookup_cluster(conn: &mut crate::db::Conn, key: &str) -> diesel::QueryResult<Option<i32>> {
    Ok(lookup_cluster_named(conn, key)?.map(|(id, _)| id))
}

/// Resolve a cluster id-or-slug to its id and name (one query).
pub fn lookup_cluster_named(
    conn: &mut crate::db::Conn,
    key: &str,
) -> diesel::QueryResult<Option<(i32, String)>> {
    use crate::db::schema::clusters;
    use diesel::prelude::*;
    let q = clusters::table
        .select((clusters::id, clusters::name))
        .into_boxed();
    let q = match Key::parse(key) {
        Key::Id(id) => q.filter(clusters::id.eq(id)),
        Key::Slug(slug) => q.filter(clusters::slug.eq(slug)),
    };
    q.first(conn).optional()
}

/// One kind of thing that may refer to an organization, for the 409 a deletion answers while
/// any remain: each resource declares its own (`http::resource::Resource`), so this module
/// names none of them.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// What they are, in words ("users"); no `'`.
    pub what: &'static str,
    /// A query yielding one column `name`, a few of them (a `LIMIT`), for the unit `?1`.
    pub names: &'static str,
}

/// What still refers to an organization, in words ("2 users: a, b"), for a 409 on delete:
/// one count and sample per kind of reference, in one statement.
pub fn references_to_organization(
    conn: &mut crate::db::Conn,
    id: i32,
    kinds: &[Reference],
) -> diesel::QueryResult<Vec<String>> {
    use diesel::sql_types::{BigInt, Integer, Text};
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Refs {
        #[diesel(sql_type = Text)]
        what: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        sample: Option<String>,
    }
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let sql = kinds
        .iter()
        .map(|kind| {
            assert!(
                !kind.what.contains('\''),
                "a reference's words hold no quote"
            );
            format!(
                "SELECT '{}' AS what, count(*) AS n, group_concat(name, ', ') AS sample FROM ({}) AS named",
                kind.what, kind.names
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows: Vec<Refs> = crate::db::sql(conn, sql)
        .bind::<Integer, _>(id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.n > 0)
        .map(|r| format!("{} ({})", r.what, r.sample.unwrap_or_default()))
        .collect())
}

/// Every unit below `id`, at any depth.
pub fn descendants(conn: &mut crate::db::Conn, id: i32) -> diesel::QueryResult<Vec<i32>> {
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Integer)]
        id: i32,
    }
    let rows: Vec<Id> = crate::db::sql(conn, DESCENDANTS_SQL)
        .bind::<Integer, _>(id)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Does the unit `id`, or a unit above it, require review of its news (duyệt tin)?
pub fn review_required(conn: &mut crate::db::Conn, id: i32) -> diesel::QueryResult<bool> {
    use diesel::sql_types::{Bool, Integer};
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        required: bool,
    }
    // UNION (not UNION ALL): a cycle in the parents, were one ever stored, ends the walk.
    let found: Found = crate::db::sql(conn,
        "WITH RECURSIVE up(id) AS (SELECT ? UNION \
         SELECT o.parent_id FROM organizations o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL) \
         SELECT EXISTS (SELECT 1 FROM organizations o JOIN up ON o.id = up.id WHERE o.requires_review) AS required",
    )
    .bind::<Integer, _>(id)
    .get_result(conn)?;
    Ok(found.required)
}
