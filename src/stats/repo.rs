//! The counting query of the stats: the activities list's SQL (filters and visibility, one
//! definition) grouped by one or two dimensions, with the labels people read.

use crate::db::Conn;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::activities::dto::Category;
use crate::activities::repo::{self as activities, ResolvedFilters, Viewer};
use crate::db::list as sql;
use crate::db::list::Statement;
use crate::db::memo::Memo;
use crate::db::tallies::Scope;
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
    if let Some(stats) = tallied(conn, filters, viewer, &dims)? {
        return Ok(stats);
    }
    let list = activities::list_sql(filters, viewer, false)?;
    let (k1, l1, j1) = dims[0].sql(1);
    let (k2, l2, j2) =
        dims.get(1)
            .map(|d| d.sql(2))
            .unwrap_or(("NULL".into(), "NULL".into(), String::new()));
    let stmt = list.aggregate(
        &format!("{k1} AS k1, {l1} AS l1, {k2} AS k2, {l2} AS l2, count(*) AS n"),
        &format!("{j1} {j2}"),
        // Labels are grouped as well as keys (a key has one label; PostgreSQL wants every
        // column grouped), and "none" (NULL) sorts first on both engines.
        "1, 2, 3, 4",
        "1 NULLS FIRST, 3 NULLS FIRST",
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
static TALLIED: Memo<Option<Stats>> = Memo::new();

/// The counts from the tallies, when they answer the filters and the grouping exactly (a
/// grouping by units, clusters or tags needs filters on no scope: the tallies group that
/// scope's rows) and are exact now: a sum over tally rows, the same cost right after a write.
fn tallied(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    viewer: &Viewer,
    dims: &[Dimension],
) -> ApiResult<Option<Stats>> {
    let Some(mut filter) = activities::tally_filter(filters, viewer) else {
        return Ok(None);
    };
    // The total counts each activity once (tags overlap): the filters' own scope.
    let total_filter = filter.clone();
    let parts: Vec<_> = dims
        .iter()
        .enumerate()
        .map(|(i, d)| d.tally_sql(i + 1))
        .collect();
    let scopes: Vec<Scope> = parts.iter().filter_map(|p| p.3).collect();
    let each_id = match scopes.as_slice() {
        [] => false,
        [scope] if filter.scope == Scope::All => {
            filter.scope = *scope;
            true
        }
        _ => return Ok(None),
    };
    let none = || ("NULL".to_string(), "NULL".to_string(), String::new(), None);
    let (k1, l1, j1, _) = parts.first().cloned().unwrap_or_else(none);
    let (k2, l2, j2, _) = parts.get(1).cloned().unwrap_or_else(none);
    let (conditions, binds) = filter.conditions(each_id);
    let stmt = Statement {
        sql: format!(
            "SELECT {k1} AS k1, {l1} AS l1, {k2} AS k2, {l2} AS l2, sum(t.n) AS n \
             FROM activity_tallies t {j1} {j2} WHERE {conditions} GROUP BY 1, 2, 3, 4 ORDER BY 1 NULLS FIRST, 3 NULLS FIRST"
        ),
        binds,
    };
    let question = format!("{}\u{0}{:?}", stmt.sql, stmt.binds);
    // `None` (the tallies not exact at this version) is remembered too: counted instead until
    // the data version moves (a write, or the recount that makes them exact).
    TALLIED.get_or_compute(conn, "stats-tallied", &question, |conn| {
        // Read in one snapshot with the check that the tallies are exact.
        let total = match total_filter.total(conn)? {
            Some(total) => total,
            None => return ApiResult::Ok(None),
        };
        let rows: Vec<GroupRow> = sql::load(conn, &stmt)?;
        ApiResult::Ok(Some(grouped(rows, dims, total)))
    })
}

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
