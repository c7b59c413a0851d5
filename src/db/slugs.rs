//! Choosing a slug for a new row, the same way for every resource: an explicit one must be
//! free (409), else one is generated from the name and deduplicated with `-2`, `-3`…

use diesel::sql_types::{Bool, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl, SqliteConnection};

use crate::error::{ApiResult, AppError, FieldError};
use crate::text;

fn taken(conn: &mut SqliteConnection, table: &str, slug: &str) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Found = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE slug = ?) AS found"
    ))
    .bind::<Text, _>(slug)
    .get_result(conn)?;
    Ok(row.found)
}

/// The slug of a new row of `table` (a table with a unique `slug` column).
pub fn choose(
    conn: &mut SqliteConnection,
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
