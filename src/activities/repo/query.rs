//! The list SQL of activities (filters, visibility, search), the feed's query and the trash.

use super::*;

pub(super) fn int_binds(ids: &[i32]) -> Vec<Bind> {
    ids.iter().map(|i| Bind::Int(i64::from(*i))).collect()
}

/// Build the list query of `filters` as `viewer` sees them (also what the stats count and the
/// feeds read).
pub fn list_sql(
    filters: &ResolvedFilters,
    viewer: &Viewer,
    sort_by_relevance: bool,
) -> ApiResult<ListSql> {
    list_sql_planned(filters, viewer, sort_by_relevance, Plan::Sets, None)
}

/// A probe of the search index per row costs about this many rows of building the set of
/// hits (measured at 100k: 0.03 ms a probe, 0.0002 ms a hit).
const SEARCH_PROBE_COST: i64 = 100;

/// The same on PostgreSQL, where a hit of the set costs about what a probe does: the GIN
/// index gives heap positions, so each hit is a fetch of its index row and a lookup of its
/// activity by id (measured at 1M: 2–4 µs a hit, 3.5 µs a probe, which reads the row's
/// compressed `tsvector`).
const SEARCH_PROBE_COST_POSTGRES: i64 = 1;

fn search_probe_cost(conn: &Conn) -> i64 {
    match crate::db::dialect::Dialect::of(conn) {
        crate::db::dialect::Dialect::Sqlite => SEARCH_PROBE_COST,
        crate::db::dialect::Dialect::Postgres => SEARCH_PROBE_COST_POSTGRES,
    }
}

/// Testing a row against a set of units (its organizer, then a seek in the partners' key)
/// costs about this many rows of building the set (measured at 100k under load: walking a
/// unit of 2 % was slower than probing its built set).
const UNIT_PROBE_COST: i64 = 8;

/// The same on PostgreSQL, where building the set costs more than walking: each of its rows is
/// a lookup by id in a separate heap (measured at 1M: a walked row with its probe 1.3 µs, a
/// row of the set looked up and sorted 2.3–4.7 µs).
const UNIT_PROBE_COST_POSTGRES: i64 = 1;

/// The plan of a page on `conn`'s engine ([`Plan::for_page`]). PostgreSQL joins a set it is
/// given to probe and sorts it, so there it drives from the set instead (the same reads,
/// without the hash).
fn unit_plan(conn: &Conn, rows_read: i64, all: i64, matching: i64) -> Plan {
    match crate::db::dialect::Dialect::of(conn) {
        crate::db::dialect::Dialect::Sqlite => {
            Plan::for_page(rows_read, all, matching, UNIT_PROBE_COST)
        }
        crate::db::dialect::Dialect::Postgres => {
            match Plan::for_page(rows_read, all, matching, UNIT_PROBE_COST_POSTGRES) {
                Plan::Sets => Plan::Drive,
                plan => plan,
            }
        }
    }
}

static PREFIX_WORDS: crate::db::memo::Memo<Vec<String>> = crate::db::memo::Memo::new();

/// The indexed words that start with `prefix` (at most one more than a search expands): from
/// FTS5's vocabulary on SQLite, from a table of the index's words on PostgreSQL (kept by a
/// trigger, migration `000003_search_vocabulary`), read by the same statement.
pub fn words_starting(conn: &mut Conn, prefix: &str) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Word {
        #[diesel(sql_type = Text)]
        term: String,
    }
    PREFIX_WORDS.get_or_compute(conn, "fts-words", prefix, |conn| {
        let rows: Vec<Word> = crate::db::sql(conn, format!(
            "SELECT term FROM {SEARCH_TABLE}_vocab WHERE term >= ? AND term < ? ORDER BY term LIMIT {}",
            search::MAX_EXPANSION + 1
        ))
        .bind::<Text, _>(prefix)
        .bind::<Text, _>(format!("{prefix}\u{10FFFF}"))
        .load(conn)?;
        Ok(rows.into_iter().map(|w| w.term).collect())
    })
}

/// How a page meets a filter on a set of ids (units, tags, search hits); the count always
/// drives from the sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Build the set of matching ids, then walk the sort index probing it.
    Sets,
    /// Walk the sort index and test each row (organizer in the units, or a partner row; a
    /// probe of the search index): for dense sets (the bloc's subtree holds most rows), where
    /// the page fills after a few rows and building the set would read them all.
    Walk,
    /// Drive from the sets and sort what they hold: for sparse sets, where walking the sort
    /// index would read far more rows than the sets hold (a word matching nothing: none).
    Drive,
}

impl Plan {
    /// The cheaper plan for a page that reads `rows_read` rows of a list of `all` rows of
    /// which `matching` pass the filters, when testing one row costs `probe_cost` rows of
    /// building the set: walking reads about `rows_read · all / matching` rows, building the
    /// set reads `matching`, sorting them costs a few times that.
    pub fn for_page(rows_read: i64, all: i64, matching: i64, probe_cost: i64) -> Plan {
        if matching <= 0 {
            return Plan::Drive;
        }
        let walked = i128::from(rows_read) * i128::from(all) / i128::from(matching);
        let matching = i128::from(matching);
        if walked.saturating_mul(i128::from(probe_cost)) < matching {
            Plan::Walk
        } else if walked > matching.saturating_mul(4) {
            Plan::Drive
        } else {
            Plan::Sets
        }
    }
}

/// The list query with `plan` for its sets of units and tags and, given `walk_search` (a
/// prefix-free MATCH expression), a search probed row by row.
fn list_sql_planned(
    filters: &ResolvedFilters,
    viewer: &Viewer,
    sort_by_relevance: bool,
    plan: Plan,
    walk_search: Option<&str>,
) -> ApiResult<ListSql> {
    let search = filters.search.as_ref();
    let columns = if sort_by_relevance && search.is_some() {
        format!("{ROW_COLUMNS}, f.rank AS rank")
    } else {
        format!("{ROW_COLUMNS}, NULL AS rank")
    };
    let mut q = ListSql::new(&columns, "activities a", "a.id");
    if plan == Plan::Drive {
        q.drive_from_sets();
    }
    if sort_by_relevance {
        match search {
            Some(s) => {
                let (expr, floor) = match &filters.ranking {
                    Some(r) => (r.expr.as_str(), r.floor),
                    None => (s.match_expr.as_str(), None),
                };
                search::join_ranked(&mut q, "a.id", SEARCH_TABLE, "f", expr, floor)
            }
            None => {
                return Err(AppError::bad_param(
                    "sort",
                    "'relevance' needs a search: give `q`",
                ));
            }
        }
    }
    // Visibility: which states, for whom.
    let wanted = &filters.statuses;
    let public: Vec<&str> = wanted
        .iter()
        .filter(|s| s.is_public())
        .map(|s| s.as_str())
        .collect();
    let private: Vec<&str> = wanted
        .iter()
        .filter(|s| !s.is_public())
        .map(|s| s.as_str())
        .collect();
    let state_clause = |states: &[&str]| -> (String, Vec<Bind>) {
        match states {
            [one] => ("a.state = ?".to_string(), vec![Bind::from(*one)]),
            many => (
                format!("a.state IN ({})", placeholders(many.len())),
                many.iter().map(|s| Bind::from(*s)).collect(),
            ),
        }
    };
    match (viewer, viewer.private_scope()) {
        (Viewer::Admin, _) => {
            let all: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
            let (c, b) = state_clause(&all);
            state_filter(&mut q, c, b);
        }
        (_, Some(scope)) if !private.is_empty() => {
            let (c, mut b) = if public.is_empty() {
                ("FALSE".to_string(), vec![])
            } else {
                state_clause(&public)
            };
            let (p, pb) = state_clause(&private);
            b.extend(pb);
            b.extend(int_binds(scope));
            q.filter(
                format!(
                    "({c} OR ({p} AND a.organizer_id IN ({})))",
                    placeholders(scope.len())
                ),
                b,
            );
        }
        _ => {
            if public.is_empty() {
                q.filter("FALSE", []);
            } else {
                let (c, b) = state_clause(&public);
                state_filter(&mut q, c, b);
            }
        }
    }
    for set in &filters.unit_sets {
        organization_filter(&mut q, set, plan);
    }
    match filters.organizers.as_deref() {
        None => {}
        Some([one]) => q.filter("a.organizer_id = ?", [Bind::Int(i64::from(*one))]),
        Some(set) => {
            let marks = placeholders(set.len());
            q.filter_split(
                format!("+a.organizer_id IN ({marks})"),
                format!("a.organizer_id IN ({marks})"),
                int_binds(set),
            );
        }
    }
    if let Some(id) = filters.cluster {
        q.filter("a.cluster_id = ?", [Bind::Int(i64::from(id))]);
    }
    if let Some(categories) = &filters.categories {
        let binds: Vec<Bind> = categories.iter().map(|c| Bind::from(c.as_str())).collect();
        if let [one] = binds.as_slice() {
            q.filter("a.category = ?", [one.clone()]);
        } else {
            q.filter_in("+a.category", binds);
        }
    }
    for id in &filters.tags {
        let set = "SELECT activity_id FROM activity_tags WHERE tag_id = ?";
        let bind = [Bind::Int(i64::from(*id))];
        match plan {
            // A common tag: each row of the sort index probes the tag's key (activity, tag).
            Plan::Walk => q.filter_split(
                "EXISTS (SELECT 1 FROM activity_tags t WHERE t.activity_id = a.id AND t.tag_id = ?)",
                format!("a.id IN ({set})"),
                bind,
            ),
            Plan::Sets | Plan::Drive => q.filter_in_set("a.id", set, bind),
        }
    }
    if let Some(featured) = filters.featured {
        q.filter("a.featured = ?", [Bind::Bool(featured)]);
    }
    // Bounds far outside the stored years select as the day just outside them.
    let day = |d: chrono::NaiveDate| Bind::date(crate::http::dates::clamp_bound(d));
    if let Some(from) = filters.occurred_from {
        q.filter("a.occurred_on >= ?", [day(from)]);
    }
    if let Some(to) = filters.occurred_to {
        let to = day(to);
        q.filter("a.occurred_on <= ? AND a.period_end <= ?", [to.clone(), to]);
    }
    if let Some(floor) = filters.ranking.as_ref().and_then(|r| r.floor) {
        q.filter("a.id >= ?", [Bind::Int(i64::from(floor))]);
    }
    if let Some(s) = search {
        match walk_search {
            _ if sort_by_relevance => {}
            Some(expr) => search::filter_walk(&mut q, "a.id", SEARCH_TABLE, expr),
            None => search::filter(&mut q, "a.id", SEARCH_TABLE, s),
        }
    }
    Ok(q)
}

/// The states wanted: on the state index, unless the page drives from a set of ids (then the
/// `+` keeps SQLite from walking the state index instead).
fn state_filter(q: &mut ListSql, clause: String, binds: Vec<Bind>) {
    if q.drives() {
        q.filter_split(format!("+{clause}"), clause, binds);
    } else {
        q.filter(clause, binds);
    }
}

/// As organizer or in any partner role, for a set of units: one set of ids from two index
/// lookups, probed from the sort index on pages and driving the count. (`UNION ALL`: the `IN`
/// set removes duplicates without a sort.)
pub(super) fn organization_filter(q: &mut ListSql, set: &[i32], plan: Plan) {
    let marks = placeholders(set.len());
    let mut binds = int_binds(set);
    binds.extend(int_binds(set));
    let ids = format!(
        "SELECT id FROM activities WHERE organizer_id IN ({marks}) \
         UNION ALL SELECT activity_id FROM activity_partners WHERE organization_id IN ({marks})"
    );
    match plan {
        Plan::Sets | Plan::Drive => q.filter_in_set("a.id", &ids, binds),
        // The same placeholders in the same order, so the count (from the set) is unchanged.
        Plan::Walk => q.filter_split(
            format!(
                "(+a.organizer_id IN ({marks}) OR EXISTS (SELECT 1 FROM activity_partners p \
                 WHERE p.activity_id = a.id AND p.organization_id IN ({marks}){}))",
                crate::db::dialect::PROBE_SQLITE
            ),
            format!("a.id IN ({ids})"),
            binds,
        ),
    }
}

/// One page of activities, the total (exact; for a search with more than
/// [`search::TOTAL_BOUND`] matches a lower bound, unless `exact_count`) and the keyset of the
/// next page.
pub fn list(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    list: &PageSpec,
    viewer: &Viewer,
    exact_count: bool,
) -> ApiResult<(Vec<ActivitySummary>, Total, Option<Vec<Bind>>)> {
    let relevance = list.sort.iter().any(|k| k.name == "relevance");
    let searched = filters.search.as_ref().filter(|_| !relevance);
    let read = |conn: &mut Conn| {
        let ranked;
        let filters = match &filters.search {
            Some(s) if relevance => {
                ranked = rank_newest(conn, filters, viewer, s)?;
                &ranked
            }
            _ => filters,
        };
        let q = list_sql(filters, viewer, relevance)?;
        // The total from the tallies where they answer it: no count, right after a write too.
        let tallied = tallied_total(conn, filters, viewer)?;
        // Plans differ only for filters on sets of ids: units, tags, search hits.
        if filters.unit_sets.is_empty() && filters.tags.is_empty() && filters.search.is_none() {
            let (rows, n, next) = list.load_with::<ListRow>(conn, &q, tallied)?;
            return ApiResult::Ok((rows, Total::from(n), next));
        }
        // Choose the plan from the counts: tallied, or each counted once per data version; a
        // search's up to its bound.
        let visible = ResolvedFilters {
            statuses: filters.statuses.clone(),
            ..ResolvedFilters::default()
        };
        let all = match tallied_total(conn, &visible, viewer)? {
            Some(n) => n,
            None => crate::db::list::remembered_count(
                conn,
                &list_sql(&visible, viewer, false)?.count(),
            )?,
        };
        // (the total, whether it is exact, the matching rows the plan expects)
        let (total, exact, matching) = match (tallied, &filters.search) {
            (Some(n), _) => (n, true, n),
            (None, Some(s)) if !exact_count => {
                let bound = search::TOTAL_BOUND.max(list.rows_read().saturating_add(1));
                let hits = search_hits(conn, filters, viewer, s, bound, search::Order::Oldest)?;
                let max_id: Option<i32> = activities::table
                    .select(diesel::dsl::max(activities::id))
                    .first(conn)?;
                let estimate = hits.estimate(bound, all, i64::from(max_id.unwrap_or(0)));
                (hits.n, hits.n < bound, estimate)
            }
            _ => {
                let n = crate::db::list::remembered_count(conn, &q.count())?;
                (n, true, n)
            }
        };
        let rows_read = list.rows_read();
        let plan = match searched {
            None => unit_plan(conn, rows_read, all, matching),
            Some(_) => Plan::for_page(rows_read, all, matching, UNIT_PROBE_COST),
        };
        // The plan of the sets of units and tags (a search's is `walk_search`).
        let units = if filters.unit_sets.is_empty() && filters.tags.is_empty() {
            Plan::Sets
        } else {
            plan
        };
        let walk_search = match searched {
            Some(s)
                if Plan::for_page(rows_read, all, matching, search_probe_cost(conn))
                    == Plan::Walk =>
            {
                s.expanded(|prefix| words_starting(conn, prefix))?
            }
            _ => None,
        };
        let q = if plan == Plan::Drive {
            list_sql_planned(filters, viewer, relevance, Plan::Drive, None)?
        } else if units == Plan::Walk || walk_search.is_some() {
            list_sql_planned(filters, viewer, relevance, units, walk_search.as_deref())?
        } else {
            q
        };
        let (rows, n, next) = list.load_with::<ListRow>(conn, &q, Some(total))?;
        ApiResult::Ok((rows, Total { n, exact }, next))
    };
    let (rows, total, next) = conn.transaction(read)?;
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    let terms = filters.search.as_ref().map(|s| s.terms.as_slice());
    let data = summaries(conn, &rows, terms)?;
    Ok((data, total, next))
}

/// The first `bound` hits of `s`, in `order`, among the rows the other filters keep
/// ([`search::bounded_hits`]). The last word's prefix is spelled out as the words it starts:
/// FTS5 reads every hit of a prefix before the first; words it iterates, stopping at the bound.
fn search_hits(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    viewer: &Viewer,
    s: &search::SearchQuery,
    bound: i64,
    order: search::Order,
) -> ApiResult<search::Hits> {
    let others = ResolvedFilters {
        search: None,
        ..filters.clone()
    };
    let expr = s
        .expanded(|prefix| words_starting(conn, prefix))?
        .unwrap_or_else(|| s.filter_expr.clone());
    let list = list_sql(&others, viewer, false)?;
    // No filter but the states: the list keeps nearly every row a hit can be.
    let spread = others.only_states();
    Ok(search::bounded_hits(
        conn,
        &list,
        "a.id",
        SEARCH_TABLE,
        &expr,
        search::Scan {
            order,
            bound,
            spread,
        },
    )?)
}

/// `filters` for `sort=relevance`: on a search matching more than [`search::RANK_BOUND`] of
/// the rows the other filters keep, only the newest that many (by id) are ranked and listed
/// (their total counts them).
fn rank_newest(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    viewer: &Viewer,
    s: &search::SearchQuery,
) -> ApiResult<ResolvedFilters> {
    let hits = search_hits(
        conn,
        filters,
        viewer,
        s,
        search::RANK_BOUND,
        search::Order::Newest,
    )?;
    let floor = hits.last.filter(|_| hits.n >= search::RANK_BOUND);
    let expr = s
        .ranking_expanded(|prefix| words_starting(conn, prefix))?
        .unwrap_or_else(|| s.match_expr.clone());
    Ok(ResolvedFilters {
        ranking: Some(Ranking {
            expr,
            floor: floor.and_then(|id| i32::try_from(id).ok()),
        }),
        ..filters.clone()
    })
}

/// The time of the latest public change: an activity arriving in, changing in or leaving public
/// view, a unit or a cluster changing — a feed's `Last-Modified`, which must move forward when
/// an entry leaves a feed too, and only with what readers can see. Four index seeks in one
/// statement (one round trip to a server).
pub fn last_change(conn: &mut Conn) -> QueryResult<Option<NaiveDateTime>> {
    #[derive(QueryableByName)]
    struct Latest {
        #[diesel(sql_type = Nullable<diesel::sql_types::Timestamp>)]
        units: Option<NaiveDateTime>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Timestamp>)]
        clusters: Option<NaiveDateTime>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Timestamp>)]
        public: Option<NaiveDateTime>,
        #[diesel(sql_type = Nullable<diesel::sql_types::Timestamp>)]
        floor: Option<NaiveDateTime>,
    }
    // Names shown in a feed (its title, each entry's organizer) change with units and
    // clusters too. Of activities, only what the public saw or sees: an entry arriving,
    // changing or leaving (a trigger stamps it); a draft, a scheduled item or a review in
    // progress moves nothing. Rows gone for good (purged, deleted) leave their latest change
    // in the floor: the date never goes back past one a reader saw.
    let query = crate::db::sql(
        conn,
        "SELECT (SELECT max(updated_at) FROM organizations) AS units, \
                (SELECT max(updated_at) FROM clusters) AS clusters, \
                (SELECT max(public_changed_at) FROM activities) AS public, \
                (SELECT at FROM public_change_floor LIMIT 1) AS floor",
    );
    let l: Latest = crate::db::prepared(query).get_result(conn)?;
    Ok(l.units.max(l.clusters).max(l.public).max(l.floor))
}

/// An entry of a feed: the row (for the times), its body and its summary.
pub struct FeedItem {
    pub row: ActivityRow,
    pub body_html: Option<String>,
    pub summary: ActivitySummary,
}

/// The newest published activities under the list's filters, for the feeds: newest
/// publication first, at most `limit`.
pub fn feed(conn: &mut Conn, filters: &ResolvedFilters, limit: i64) -> ApiResult<Vec<FeedItem>> {
    let q = list_sql(filters, &Viewer::Public, false)?;
    let order = [(
        "coalesce(a.published_at, '')".to_string(),
        crate::db::list::Dir::Desc,
    )];
    let stmt = q.page(
        &order,
        &crate::db::list::Window::Offset { offset: 0, limit },
    );
    // Unprepared: its best plan depends on the values (a rare tag or unit is read from its
    // set, a common one by walking the sort index), which a generic plan would not weigh.
    let rows: Vec<ListRow> = sql::load(conn, &stmt)?;
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    let summaries = summaries(conn, &rows, None)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut bodies = bodies_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .zip(summaries)
        .map(|(row, summary)| FeedItem {
            body_html: bodies.remove(&row.id).and_then(|b| b.body_html),
            row,
            summary,
        })
        .collect())
}

/// How many activities are published: the sitemap's entries.
pub fn published_count(conn: &mut Conn) -> QueryResult<i64> {
    activities::table
        .filter(activities::state.eq("published"))
        .count()
        .get_result(conn)
}

/// A window of the published activities, oldest id first: (slug, last change), for the
/// sitemap.
pub fn published_slugs(
    conn: &mut Conn,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    activities::table
        .filter(activities::state.eq("published"))
        .order(activities::id.asc())
        .select((activities::slug, activities::updated_at))
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// The statements a list request may run (page and count, each plan), for the query-plan test.
pub fn list_statements(
    filters: &ResolvedFilters,
    list: &PageSpec,
    viewer: &Viewer,
) -> ApiResult<Vec<Statement>> {
    let relevance = list.sort.iter().any(|k| k.name == "relevance");
    let q = list_sql(filters, viewer, relevance)?;
    let mut statements = list.statements(&q);
    if !filters.unit_sets.is_empty() || !filters.tags.is_empty() {
        // Both plans a page may take (the count is the same).
        let walk = list_sql_planned(filters, viewer, relevance, Plan::Walk, None)?;
        statements.extend(list.statements(&walk));
    }
    Ok(statements)
}

/// The trash the caller may edit, newest deletion first.
pub fn list_trash(
    conn: &mut Conn,
    user: &AuthUser,
    list: &PageSpec,
) -> ApiResult<(Vec<ActivitySummary>, i64, Option<Vec<Bind>>)> {
    let viewer = Viewer::of(conn, Some(user))?;
    let q = trash_sql(&viewer);
    let (rows, total, next) = list.load::<ListRow>(conn, &q)?;
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    Ok((summaries(conn, &rows, None)?, total, next))
}

fn trash_sql(viewer: &Viewer) -> ListSql {
    let mut q = ListSql::new(
        &format!("{ROW_COLUMNS}, NULL AS rank"),
        "activities a",
        "a.id",
    );
    q.filter("a.state = 'trash'", []);
    if matches!(viewer, Viewer::Reviewer { .. }) {
        // The trash is its editors' (they restore from it); a reviewer has nothing there.
        q.filter("FALSE", []);
    } else if let Some(scope) = viewer.private_scope() {
        q.filter(
            format!("a.organizer_id IN ({})", placeholders(scope.len())),
            int_binds(scope),
        );
    }
    q
}

/// The trash's page and count statements for a viewer (what the query-plan test explains).
pub fn trash_statements(viewer: &Viewer, list: &PageSpec) -> Vec<Statement> {
    let q = trash_sql(viewer);
    list.statements(&q)
}

pub const TRASH_SORTS: Sortable = Sortable {
    fields: &[
        ("deleted_at", "a.deleted_at"),
        ("updated_at", "a.updated_at"),
    ],
    default: "-deleted_at",
};

#[cfg(test)]
mod tests {
    use super::Plan;

    #[test]
    fn a_dense_set_is_walked_and_a_sparse_one_built() {
        // The bloc's subtree: 95 % of 100,000 rows; page 1 and page 50 both walk.
        assert_eq!(Plan::for_page(21, 100_000, 95_000, 1), Plan::Walk);
        assert_eq!(Plan::for_page(1_001, 100_000, 95_000, 1), Plan::Walk);
        // One unit of 50 (2.6 %): page 1 walks ~800 rows (< 2,600), page 50 would walk 38,000.
        assert_eq!(Plan::for_page(21, 100_000, 2_600, 1), Plan::Walk);
        assert_eq!(Plan::for_page(1_001, 100_000, 2_600, 1), Plan::Drive);
        // A common word (63 %), probed at 100 times the cost of collecting a hit: page 1 walks,
        // page 50 builds the set.
        assert_eq!(Plan::for_page(21, 100_000, 63_000, 100), Plan::Walk);
        assert_eq!(Plan::for_page(1_001, 100_000, 63_000, 100), Plan::Sets);
        // A rare word, a unit with nothing: drive from the (empty) set.
        assert_eq!(Plan::for_page(21, 100_000, 300, 100), Plan::Drive);
        assert_eq!(Plan::for_page(21, 100_000, 0, 1), Plan::Drive);
        assert_eq!(Plan::for_page(i64::MAX, i64::MAX, 1, i64::MAX), Plan::Drive);
    }
}
