//! Totals kept in the write's own transaction (migration 000021): `activity_tallies` holds how
//! many activities each scope (every activity, a unit, a unit's subtree, an organizer and its
//! subtree, a cluster, a tag) has per state, category, month and end month, so a filtered total
//! is a sum over a few of its rows — the same cost right after a write as an hour later.
//!
//! How they stay exact: triggers record, for each activity a transaction changes, what the
//! tallies hold for it (its image before the first change) in `activity_tally_changes`; the
//! writer, before it commits ([`settle`], called by [`super::write`]), takes each old image out
//! of the tallies and puts the activity as it is now in. A change to the hierarchy (a unit moved
//! or deleted), a bulk load or a database from before the tallies sets `rebuild` instead, and
//! everything is counted again ([`rebuild`], by the clock or at start). Until then — and
//! whenever changes are waiting, as after a write by an older binary — [`FRESH`] is false and
//! readers count rows as before: a tally is used only when it is exact.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{OptionalExtension, QueryResult, QueryableByName, RunQueryDsl};

use super::list::{Bind, Statement};

/// More changes than this at once (a bulk load, an import) are not settled one by one: the
/// tallies are counted again instead.
const MAX_SETTLED: usize = 1_000;

/// Which activities a tally counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    All,
    /// Organized by the unit.
    Organizer(i32),
    /// Organized by the unit or a unit below it.
    OrganizerTree(i32),
    /// The unit organizes it or is a partner.
    Unit(i32),
    /// The unit or a unit below it organizes it or is a partner.
    Tree(i32),
    /// In the cluster (0: in none).
    Cluster(i32),
    Tag(i32),
}

impl Scope {
    /// The stored name and id.
    pub fn key(self) -> (&'static str, i32) {
        match self {
            Scope::All => ("all", 0),
            Scope::Organizer(id) => ("organizer", id),
            Scope::OrganizerTree(id) => ("organizer_tree", id),
            Scope::Unit(id) => ("unit", id),
            Scope::Tree(id) => ("tree", id),
            Scope::Cluster(id) => ("cluster", id),
            Scope::Tag(id) => ("tag", id),
        }
    }
}

/// A question the tallies answer exactly: the activities of one scope in any of `states`, of
/// any of `categories` (all when `None`), that occurred in `from_month` or later and occurred
/// and ended in `to_month` or earlier (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyFilter {
    pub scope: Scope,
    pub states: Vec<String>,
    pub categories: Option<Vec<String>>,
    pub from_month: Option<String>,
    pub to_month: Option<String>,
}

impl TallyFilter {
    /// The conditions on the tally rows `t` with their binds: of this scope (of every id of
    /// its kind when `each_id`, for a grouping by it), states, categories and months.
    pub fn conditions(&self, each_id: bool) -> (String, Vec<Bind>) {
        let (scope, id) = self.scope.key();
        let mut clauses = vec!["t.scope = ?".to_string()];
        let mut binds = vec![Bind::from(scope)];
        if !each_id {
            clauses.push("t.scope_id = ?".into());
            binds.push(Bind::Int(i64::from(id)));
        }
        let marks = crate::db::list::marks;
        clauses.push(format!("t.state IN ({})", marks(self.states.len())));
        binds.extend(self.states.iter().map(|s| Bind::from(s.as_str())));
        if let Some(categories) = &self.categories {
            clauses.push(format!("t.category IN ({})", marks(categories.len())));
            binds.extend(categories.iter().map(|c| Bind::from(c.as_str())));
        }
        if let Some(from) = &self.from_month {
            clauses.push("t.month >= ?".into());
            binds.push(Bind::from(from.as_str()));
        }
        if let Some(to) = &self.to_month {
            clauses.push("t.month <= ? AND t.end_month <= ?".into());
            binds.push(Bind::from(to.as_str()));
            binds.push(Bind::from(to.as_str()));
        }
        (clauses.join(" AND "), binds)
    }

    /// The total, read from the tallies: `None` when they are not exact right now ([`FRESH`]).
    /// Read it in the same transaction as what it counts.
    pub fn total(&self, conn: &mut crate::db::Conn) -> QueryResult<Option<i64>> {
        #[derive(QueryableByName)]
        struct Total {
            #[diesel(sql_type = Nullable<diesel::sql_types::BigInt>)]
            count: Option<i64>,
        }
        // The check and the sum in one statement: one round trip to a server instead of two.
        let (conditions, binds) = self.conditions(false);
        let stmt = Statement {
            sql: format!(
                "SELECT CASE WHEN {FRESH} THEN (SELECT coalesce(sum(t.n), 0) FROM \
                 activity_tallies t WHERE {conditions}) END AS count"
            ),
            binds,
        };
        // Prepared: a few shapes (the numbers of states and categories, the months given),
        // each a seek on the tallies' key whatever the binds.
        Ok(super::list::load_prepared::<Total>(conn, &stmt)?
            .pop()
            .and_then(|t| t.count))
    }
}

/// Whether the tallies are exact now (an SQL condition): nothing waits to be settled and no
/// recount is due.
const FRESH: &str = "(SELECT rebuild = 0 FROM activity_tally_state WHERE id = 1) \
                     AND NOT EXISTS (SELECT 1 FROM activity_tally_changes)";

/// An activity as the tallies count it.
#[derive(QueryableByName, Debug)]
struct Image {
    #[diesel(sql_type = Integer)]
    activity_id: i32,
    #[diesel(sql_type = Integer)]
    counted: i32,
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    category: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    end_month: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    organizer_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    cluster_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    partners: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    tags: Option<String>,
}

/// One row of the tallies: a scope and the facet values.
type Key = (Scope, String, String, String, String);

fn ids(list: &Option<String>) -> impl Iterator<Item = i32> + '_ {
    list.iter()
        .flat_map(|l| l.split(','))
        .filter_map(|id| id.trim().parse().ok())
}

/// The unit and every unit above it.
fn ancestors(
    conn: &mut crate::db::Conn,
    cache: &mut HashMap<i32, Vec<i32>>,
    unit: i32,
) -> QueryResult<Vec<i32>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Integer)]
        id: i32,
    }
    if let Some(found) = cache.get(&unit) {
        return Ok(found.clone());
    }
    // `UNION` stops on a cyclic hierarchy instead of looping.
    let rows: Vec<Id> = crate::db::sql(conn,
        "WITH RECURSIVE up(id) AS (SELECT ? UNION \
           SELECT o.parent_id FROM organizations o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL) \
         SELECT id FROM up",
    )
    .bind::<Integer, _>(unit)
    .load(conn)?;
    let found: Vec<i32> = rows.into_iter().map(|r| r.id).collect();
    cache.insert(unit, found.clone());
    Ok(found)
}

/// The rows of the tallies that count `image`, each once.
fn keys(
    conn: &mut crate::db::Conn,
    cache: &mut HashMap<i32, Vec<i32>>,
    image: &Image,
) -> QueryResult<Vec<Key>> {
    let (Some(state), Some(category), Some(month), Some(end_month), Some(organizer)) = (
        &image.state,
        &image.category,
        &image.month,
        &image.end_month,
        image.organizer_id,
    ) else {
        return Ok(Vec::new());
    };
    let mut scopes: BTreeSet<Scope> = BTreeSet::new();
    scopes.insert(Scope::All);
    scopes.insert(Scope::Organizer(organizer));
    scopes.insert(Scope::Cluster(image.cluster_id.unwrap_or(0)));
    for unit in ancestors(conn, cache, organizer)? {
        scopes.insert(Scope::OrganizerTree(unit));
    }
    let units: BTreeSet<i32> = std::iter::once(organizer)
        .chain(ids(&image.partners))
        .collect();
    for unit in units {
        scopes.insert(Scope::Unit(unit));
        for above in ancestors(conn, cache, unit)? {
            scopes.insert(Scope::Tree(above));
        }
    }
    scopes.extend(ids(&image.tags).map(Scope::Tag));
    Ok(scopes
        .into_iter()
        .map(|scope| {
            (
                scope,
                state.clone(),
                category.clone(),
                month.clone(),
                end_month.clone(),
            )
        })
        .collect())
}

/// Mark the tallies for a recount (readers count rows until [`rebuild`] runs; a bulk load
/// marks them first, so that the triggers record nothing while it writes).
pub fn due_for_rebuild(conn: &mut crate::db::Conn) -> QueryResult<()> {
    crate::db::sql(
        conn,
        "UPDATE activity_tally_state SET rebuild = 1 WHERE id = 1",
    )
    .execute(conn)?;
    crate::db::sql(conn, "DELETE FROM activity_tally_changes").execute(conn)?;
    Ok(())
}

/// Bring the tallies up to the changes the open write transaction made (called by
/// [`super::write`] before it commits): the old image of each changed activity out, the
/// activity as it is now in. Two primary-key reads when nothing changed.
pub fn settle(conn: &mut crate::db::Conn) -> QueryResult<()> {
    if rebuild_due(conn)? {
        // Counted again from the rows anyway: what changed meanwhile needs no settling.
        crate::db::sql(conn, "DELETE FROM activity_tally_changes").execute(conn)?;
        return Ok(());
    }
    let changed: Vec<Image> = crate::db::sql(
        conn,
        format!(
            "SELECT activity_id, counted, state, category, month, end_month, organizer_id, \
                cluster_id, partners, tags \
         FROM activity_tally_changes LIMIT {}",
            MAX_SETTLED + 1
        ),
    )
    .load(conn)?;
    if changed.is_empty() {
        return Ok(());
    }
    if changed.len() > MAX_SETTLED {
        return due_for_rebuild(conn);
    }
    let mut cache = HashMap::new();
    let mut delta: BTreeMap<Key, i64> = BTreeMap::new();
    for old in &changed {
        if old.counted == 1 {
            for key in keys(conn, &mut cache, old)? {
                *delta.entry(key).or_default() -= 1;
            }
        }
        let now: Option<Image> = crate::db::sql(
            conn,
            "SELECT * FROM activity_tally_images WHERE activity_id = ?",
        )
        .bind::<Integer, _>(old.activity_id)
        .get_result(conn)
        .optional()?;
        if let Some(now) = now {
            for key in keys(conn, &mut cache, &now)? {
                *delta.entry(key).or_default() += 1;
            }
        }
    }
    for ((scope, state, category, month, end_month), n) in delta {
        if n == 0 {
            continue;
        }
        let (name, id) = scope.key();
        // `n` is a count made here, written into the statement; the key's values are bound.
        let run = |conn: &mut crate::db::Conn, sql: String| {
            crate::db::sql(conn, sql)
                .bind::<Text, _>(name)
                .bind::<Integer, _>(id)
                .bind::<Text, _>(state.clone())
                .bind::<Text, _>(category.clone())
                .bind::<Text, _>(month.clone())
                .bind::<Text, _>(end_month.clone())
                .execute(conn)
        };
        const KEY: &str = "scope = ? AND scope_id = ? AND state = ? AND category = ? \
                           AND month = ? AND end_month = ?";
        let changed = if n > 0 {
            run(
                conn,
                format!(
                    "INSERT INTO activity_tallies (scope, scope_id, state, category, month, end_month, n) \
                     VALUES (?, ?, ?, ?, ?, ?, {n}) ON CONFLICT (scope, scope_id, state, category, month, end_month) \
                     DO UPDATE SET n = activity_tallies.n + excluded.n"
                ),
            )?
        } else {
            let changed = run(
                conn,
                format!("UPDATE activity_tallies SET n = n + {n} WHERE {KEY} AND n + {n} >= 0"),
            )?;
            run(
                conn,
                format!("DELETE FROM activity_tallies WHERE {KEY} AND n = 0"),
            )?;
            changed
        };
        if changed == 0 {
            // Taking out what the tallies do not hold: they drifted (a change made with the
            // triggers off?). Counted again rather than kept wrong.
            tracing::warn!(
                scope = name,
                scope_id = id,
                "activity tallies out of step; counting them again"
            );
            return due_for_rebuild(conn);
        }
    }
    crate::db::sql(conn, "DELETE FROM activity_tally_changes").execute(conn)?;
    Ok(())
}

/// Whether a recount of the tallies is due (one primary-key read).
pub fn rebuild_due(conn: &mut crate::db::Conn) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Due {
        #[diesel(sql_type = Integer)]
        rebuild: i32,
    }
    let row: Option<Due> = crate::db::sql(
        conn,
        "SELECT rebuild FROM activity_tally_state WHERE id = 1",
    )
    .get_result(conn)
    .optional()?;
    Ok(row.is_some_and(|r| r.rebuild != 0))
}

/// The closure of the hierarchy (each unit with itself and every unit above it), for the
/// statements of [`rebuild`].
const CLOSURE: &str = "WITH RECURSIVE closure(d, a) AS (SELECT id, id FROM organizations \
     UNION SELECT c.d, o.parent_id FROM closure c JOIN organizations o ON o.id = c.a \
     WHERE o.parent_id IS NOT NULL)";

/// The facets of `a` as the tallies group them.
const FACETS: &str = "a.state, a.category, strftime('%Y-%m', a.occurred_on), \
     strftime('%Y-%m', a.period_end)";

/// Count every tally again from the rows, in the open write transaction. Returns the rows
/// written.
pub fn rebuild(conn: &mut crate::db::Conn) -> QueryResult<usize> {
    crate::db::sql(conn, "DELETE FROM activity_tallies").execute(conn)?;
    crate::db::sql(conn, "DELETE FROM activity_tally_changes").execute(conn)?;
    let insert =
        "INSERT INTO activity_tallies (scope, scope_id, state, category, month, end_month, n)";
    // (scope, its id, the rows it counts: `a` an activity, once per scope id)
    let scopes = [
        ("all", "0", "activities a".to_string()),
        ("organizer", "a.organizer_id", "activities a".to_string()),
        (
            "cluster",
            "coalesce(a.cluster_id, 0)",
            "activities a".to_string(),
        ),
        (
            "tag",
            "t.tag_id",
            "activity_tags t JOIN activities a ON a.id = t.activity_id".to_string(),
        ),
        (
            "organizer_tree",
            "c.a",
            "activities a JOIN closure c ON c.d = a.organizer_id".to_string(),
        ),
        (
            "unit",
            "i.u",
            "(SELECT id AS aid, organizer_id AS u FROM activities \
              UNION SELECT activity_id, organization_id FROM activity_partners) i \
             JOIN activities a ON a.id = i.aid"
                .to_string(),
        ),
        (
            "tree",
            "i.u",
            "(SELECT DISTINCT x.aid, c.a AS u FROM \
               (SELECT id AS aid, organizer_id AS u FROM activities \
                UNION ALL SELECT activity_id, organization_id FROM activity_partners) x \
               JOIN closure c ON c.d = x.u) i \
             JOIN activities a ON a.id = i.aid"
                .to_string(),
        ),
    ];
    let mut written = 0;
    for (scope, id, from) in scopes {
        written += crate::db::sql(
            conn,
            format!(
                "{CLOSURE} {insert} SELECT '{scope}', {id}, {FACETS}, count(*) FROM {from} \
             GROUP BY 2, 3, 4, 5, 6"
            ),
        )
        .execute(conn)?;
    }
    crate::db::sql(
        conn,
        "UPDATE activity_tally_state SET rebuild = 0 WHERE id = 1",
    )
    .execute(conn)?;
    // What was remembered while they were not exact (counted instead) is asked again.
    // (PostgreSQL remembers nothing by version: it has no such row.)
    if crate::db::dialect::Dialect::of(conn) == crate::db::dialect::Dialect::Sqlite {
        crate::db::sql(conn, "UPDATE data_version SET n = n + 1 WHERE id = 1").execute(conn)?;
    }
    Ok(written)
}

/// Count the tallies again if a recount is due ([`rebuild`]): `Some(rows written)` if it ran.
/// Run it in a write transaction (the clock does, within a second of a unit moving; the
/// server at start).
pub fn rebuild_if_due(conn: &mut crate::db::Conn) -> QueryResult<Option<usize>> {
    if rebuild_due(conn)? {
        rebuild(conn).map(Some)
    } else {
        Ok(None)
    }
}
