//! The database as a file (SQLite): what backups and restores ask of it — a consistent copy,
//! its size, its integrity, the migrations it has. The one place their SQL is written.

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Write a consistent copy of the database to `dest` (a new file): one read snapshot, taken
/// while writers go on (WAL).
pub fn copy_into(conn: &mut crate::db::Conn, dest: &str) -> QueryResult<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(dest)
        .execute(conn)
        .map(drop)
}

/// The bytes the database holds (pages in use × page size): what a copy writes, about.
pub fn used_bytes(conn: &mut crate::db::Conn) -> QueryResult<u64> {
    let pages: One = diesel::sql_query(
        "SELECT page_count - freelist_count AS n FROM pragma_page_count, pragma_freelist_count",
    )
    .get_result(conn)?;
    let size: One =
        diesel::sql_query("SELECT page_size AS n FROM pragma_page_size").get_result(conn)?;
    Ok((pages.n.max(0) as u64) * (size.n.max(0) as u64))
}

/// What SQLite's integrity check says: `["ok"]` for a whole file, else each fault.
pub fn integrity(conn: &mut crate::db::Conn) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    Ok(lines.into_iter().map(|l| l.integrity_check).collect())
}

/// Does the file hold this API's tables (the migrations' own, activities, organizations)?
pub fn is_ours(conn: &mut crate::db::Conn) -> QueryResult<bool> {
    let tables: One = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'activities', 'organizations')",
    )
    .get_result(conn)?;
    Ok(tables.n == 3)
}

/// The versions of the migrations applied to it.
pub fn applied_migrations(conn: &mut crate::db::Conn) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    Ok(
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Version>(conn)?
            .into_iter()
            .map(|v| v.version)
            .collect(),
    )
}
