//! The organization hierarchy as SQL, and the id-or-slug resolution of the references that
//! filters name — shared by every resource.

use super::Key;

/// A subquery (one `?`: the root id) yielding the ids of every unit below the root, at any depth.
/// `UNION` (not `UNION ALL`) stops on a cyclic hierarchy instead of looping.
pub const DESCENDANTS_SQL: &str = "SELECT id FROM (WITH RECURSIVE sub(id) AS (\
    SELECT id FROM organizations WHERE parent_id = ? \
    UNION SELECT c.id FROM organizations c JOIN sub ON c.parent_id = sub.id) \
    SELECT id FROM sub)";

/// Resolve an organization id-or-slug (see [`Key`]).
pub fn lookup_organization(
    conn: &mut diesel::SqliteConnection,
    key: &str,
) -> diesel::QueryResult<Option<i32>> {
    Ok(lookup_organization_named(conn, key)?.map(|(id, _)| id))
}

/// Resolve an organization id-or-slug to its id and name (one query).
pub fn lookup_organization_named(
    conn: &mut diesel::SqliteConnection,
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
pub fn lookup_cluster(
    conn: &mut diesel::SqliteConnection,
    key: &str,
) -> diesel::QueryResult<Option<i32>> {
    Ok(lookup_cluster_named(conn, key)?.map(|(id, _)| id))
}

/// Resolve a cluster id-or-slug to its id and name (one query).
pub fn lookup_cluster_named(
    conn: &mut diesel::SqliteConnection,
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

/// What still refers to an organization, in words ("2 users: a, b"), for a 409 on delete.
pub fn references_to_organization(
    conn: &mut diesel::SqliteConnection,
    id: i32,
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
    // One row per kind of reference; each later resource adds its own line here.
    let rows: Vec<Refs> = diesel::sql_query(
        "SELECT 'units below it' AS what, count(*) AS n, group_concat(name, ', ') AS sample
             FROM (SELECT name FROM organizations WHERE parent_id = ?1 ORDER BY sort_key LIMIT 10)
         UNION ALL
         SELECT 'units it succeeded', count(*), group_concat(name, ', ')
             FROM (SELECT name FROM organizations WHERE successor_id = ?1 LIMIT 10)
         UNION ALL
         SELECT 'users', count(*), group_concat(username, ', ')
             FROM (SELECT username FROM users WHERE organization_id = ?1 ORDER BY username LIMIT 10)
         UNION ALL
         SELECT 'activities it organized', count(*), group_concat(title, ', ')
             FROM (SELECT title FROM activities WHERE organizer_id = ?1 LIMIT 5)
         UNION ALL
         SELECT 'activities it took part in', count(*), group_concat(title, ', ')
             FROM (SELECT a.title FROM activity_partners p JOIN activities a ON a.id = p.activity_id
                   WHERE p.organization_id = ?1 LIMIT 5)
         UNION ALL
         SELECT 'emulation clusters of its bloc', count(*), group_concat(name, ', ')
             FROM (SELECT name FROM clusters WHERE bloc_id = ?1 LIMIT 10)",
    )
    .bind::<Integer, _>(id)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.n > 0)
        .map(|r| format!("{} ({})", r.what, r.sample.unwrap_or_default()))
        .collect())
}

/// Every unit below `id`, at any depth.
pub fn descendants(conn: &mut diesel::SqliteConnection, id: i32) -> diesel::QueryResult<Vec<i32>> {
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Integer)]
        id: i32,
    }
    let rows: Vec<Id> = diesel::sql_query(DESCENDANTS_SQL)
        .bind::<Integer, _>(id)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Does the unit `id`, or a unit above it, require review of its news (duyệt tin)?
pub fn review_required(conn: &mut diesel::SqliteConnection, id: i32) -> diesel::QueryResult<bool> {
    use diesel::sql_types::{Bool, Integer};
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        required: bool,
    }
    // UNION (not UNION ALL): a cycle in the parents, were one ever stored, ends the walk.
    let found: Found = diesel::sql_query(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION \
         SELECT o.parent_id FROM organizations o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL) \
         SELECT EXISTS (SELECT 1 FROM organizations o JOIN up ON o.id = up.id WHERE o.requires_review) AS required",
    )
    .bind::<Integer, _>(id)
    .get_result(conn)?;
    Ok(found.required)
}
