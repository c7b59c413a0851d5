//! The counting query of the stats: the activities list's SQL (filters and visibility, one
//! definition) grouped by one or two dimensions, with the labels people read.

use crate::db::Conn;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::activities::dto::Category;
use crate::activities::repo::{self as activities, ResolvedFilters, Viewer};
use crate::db::list as sql;
use crate::db::memo::Memo;
use crate::error::ApiResult;

use super::{Dimension, Stats, StatsKeys, StatsLabels, StatsRow};

#[derive(diesel::QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Nullable<Text>)]
    k1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    l1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k2: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    l2: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn label(dim: Dimension, key: &Option<String>, label: Option<String>) -> Option<String> {
    match dim {
        Dimension::Category => key
            .as_deref()
            .and_then(Category::parse)
            .map(|c| c.label().to_string()),
        Dimension::Month => key.clone(),
        _ => label,
    }
}

/// Counts of the activities `viewer` may see under `filters`, grouped by `dims` (one or two).
pub fn counts(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    viewer: &Viewer,
    dims: Vec<Dimension>,
) -> ApiResult<Stats> {
    let list = activities::list_sql(filters, viewer, false)?;
    let (k1, l1, j1) = dims[0].sql(1);
    let (k2, l2, j2) =
        dims.get(1)
            .map(|d| d.sql(2))
            .unwrap_or(("NULL".into(), "NULL".into(), String::new()));
    let stmt = list.aggregate(
        &format!("{k1} AS k1, {l1} AS l1, {k2} AS k2, {l2} AS l2, count(*) AS n"),
        &format!("{j1} {j2}"),
        "1, 3",
        "1, 3",
    );
    let count = list.count();
    // Computed once per data version: the same filters and dimensions give the same counts
    // until a write.
    let question = format!("{}\u{0}{:?}\u{0}{}", stmt.sql, stmt.binds, count.sql);
    GROUPS.get_or_compute(conn, "stats", &question, |conn| {
        let total = crate::db::list::remembered_count(conn, &count)?;
        let rows: Vec<GroupRow> = sql::load(conn, &stmt)?;
        ApiResult::Ok(grouped(rows, &dims, total))
    })
}

static GROUPS: Memo<Stats> = Memo::new();

fn grouped(rows: Vec<GroupRow>, dims: &[Dimension], total: i64) -> Stats {
    let data = rows
        .into_iter()
        .map(|r| {
            let mut keys = StatsKeys::default();
            let mut labels = StatsLabels::default();
            for (i, (k, l)) in [(r.k1, r.l1), (r.k2, r.l2)].into_iter().enumerate() {
                if let Some(dim) = dims.get(i) {
                    labels.set(*dim, label(*dim, &k, l));
                    keys.set(*dim, k);
                }
            }
            StatsRow {
                keys,
                labels,
                count: r.n,
            }
        })
        .collect();
    Stats {
        group_by: dims.to_vec(),
        total,
        data,
    }
}
