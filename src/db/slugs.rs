//! Choosing a slug for a new row, the same way for every resource: an explicit one must be
//! free (409), else one is generated from the name and deduplicated with `-2`, `-3`…; changing
//! one, with the old kept in `slug_history` so that it still resolves (activities and
//! organizations). A slug is free when no row has it now and no row had it before: an old
//! link never comes to lead somewhere else.

use diesel::sql_types::{Bool, Integer, Text, Timestamp};
use diesel::{OptionalExtension, QueryResult, QueryableByName, RunQueryDsl};

use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

fn taken(conn: &mut crate::db::Conn, table: &str, slug: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Found = crate::db::sql(
        conn,
        format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE slug = ?) \
         OR EXISTS (SELECT 1 FROM slug_history WHERE resource = ? AND slug = ?) AS found"
        ),
    )
    .bind::<Text, _>(slug)
    .bind::<Text, _>(table)
    .bind::<Text, _>(slug)
    .get_result(conn)?;
    Ok(row.found)
}

/// The current slug of the row of `table` that had `old` before, if any.
pub fn renamed_to(
    conn: &mut crate::db::Conn,
    table: &str,
    old: &str,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = Text)]
        slug: String,
    }
    let row: Option<Current> = crate::db::sql(
        conn,
        format!(
            "SELECT t.slug FROM slug_history h JOIN {table} t ON t.id = h.target_id \
         WHERE h.resource = ? AND h.slug = ?"
        ),
    )
    .bind::<Text, _>(table)
    .bind::<Text, _>(old)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.slug))
}

/// Give row `id` of `table` the slug `new` (valid, free, or one it had itself before) in place
/// of `old`, which is kept so that it still resolves. Nothing happens when they are equal.
pub fn change(
    conn: &mut crate::db::Conn,
    table: &str,
    id: i32,
    old: &str,
    new: &str,
) -> ApiResult<bool> {
    if old == new {
        return Ok(false);
    }
    if !text::is_valid_slug(new) {
        return Err(AppError::invalid("/slug", text::SLUG_RULE));
    }
    let own_before = renamed_to_id(conn, table, new)? == Some(id);
    if !own_before && taken(conn, table, new)? {
        return Err(AppError::Conflict {
            detail: format!("the slug '{new}' is taken (now or before, by another row)"),
            errors: vec![FieldError::new("/slug", "is already taken")],
        });
    }
    crate::db::sql(
        conn,
        "DELETE FROM slug_history WHERE resource = ? AND slug = ?",
    )
    .bind::<Text, _>(table)
    .bind::<Text, _>(new)
    .execute(conn)?;
    crate::db::sql(conn,
        "INSERT INTO slug_history (resource, slug, target_id, changed_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (resource, slug) DO UPDATE SET target_id = excluded.target_id, changed_at = excluded.changed_at",
    )
    .bind::<Text, _>(table)
    .bind::<Text, _>(old)
    .bind::<Integer, _>(id)
    .bind::<Timestamp, _>(crate::db::now())
    .execute(conn)?;
    crate::db::sql(conn, format!("UPDATE {table} SET slug = ? WHERE id = ?"))
        .bind::<Text, _>(new)
        .bind::<Integer, _>(id)
        .execute(conn)?;
    Ok(true)
}

fn renamed_to_id(conn: &mut crate::db::Conn, table: &str, old: &str) -> QueryResult<Option<i32>> {
    #[derive(QueryableByName)]
    struct Target {
        #[diesel(sql_type = Integer)]
        target_id: i32,
    }
    let row: Option<Target> = crate::db::sql(
        conn,
        "SELECT target_id FROM slug_history WHERE resource = ? AND slug = ?",
    )
    .bind::<Text, _>(table)
    .bind::<Text, _>(old)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.target_id))
}

/// The slug of a new row of `table` (a table with a unique `slug` column).
pub fn choose(
    conn: &mut crate::db::Conn,
    table: &str,
    explicit: Option<String>,
    name: &str,
) -> ApiResult<String> {
    if let Some(slug) = explicit {
        if taken(conn, table, &slug)? {
            return Err(AppError::Conflict {
                detail: format!("the slug '{slug}' is already taken"),
                errors: vec![FieldError::new("/slug", "is already taken")],
            });
        }
        return Ok(slug);
    }
    let mut failed = None;
    let slug = text::unique_slug(&text::slugify(name), |candidate| {
        taken(conn, table, candidate).unwrap_or_else(|e| {
            failed = Some(e);
            false
        })
    });
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(slug),
    }
}

/// The id of the row of `table` whose current slug is `slug`, if any.
pub fn id_of(
    conn: &mut crate::db::Conn,
    table: &str,
    slug: &str,
) -> diesel::QueryResult<Option<i32>> {
    use diesel::{OptionalExtension, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    let row: Option<Id> = crate::db::sql(conn, format!("SELECT id FROM {table} WHERE slug = ?"))
        .bind::<diesel::sql_types::Text, _>(slug)
        .get_result(conn)
        .optional()?;
    Ok(row.map(|r| r.id))
}
