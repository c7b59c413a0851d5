//! The SQL side of every list: a filter builder with bound values, ORDER BY with the id
//! tie-break, keyset (cursor) and OFFSET paging, and exact counts. Resources add their filters;
//! the shape of the query (and so its plan, checked by the query-plan test) is built here once.

use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Binary, Double, Text};
use diesel::{Connection, QueryResult, QueryableByName, RunQueryDsl};
use serde::{Deserialize, Serialize};

/// A value bound into a list query (and carried in cursors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bind {
    Int(i64),
    /// Floats (relevance scores) travel in cursors as `{"f": "<hex of the IEEE 754 bits>"}`:
    /// exact, where a decimal form may not read back as the same double, and a keyset
    /// that moves by one ulp repeats or skips rows.
    Float(#[serde(with = "exact_float")] f64),
    Text(String),
    /// Blobs travel in cursors as `{"b": "<hex>"}`.
    Blob(BlobHex),
    Bool(bool),
    /// A day, as `{"d": "2024-11-20"}` in cursors.
    Date(DateText),
    /// A timestamp, as `{"t": "2024-11-20 08:00:00.123456"}` in cursors; [`NO_TIME`] stands
    /// for none (the key `coalesce(ts, '')` gives a row without one).
    Timestamp(TimestampText),
    /// A search expression (FTS5's query language, the subset the search module writes): as
    /// it is on SQLite, as a `tsquery` on PostgreSQL. Never in a cursor.
    #[serde(skip)]
    Search(String),
}

/// The timestamp that sorts a row without one first (SQLite's `''`, PostgreSQL's
/// `TIMESTAMP '0001-01-01 00:00:00'`): the value of `coalesce(ts, '')` for `NULL`.
pub const NO_TIME: chrono::NaiveDateTime = match chrono::NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => match d.and_hms_opt(0, 0, 0) {
        Some(t) => t,
        None => panic!("midnight"),
    },
    None => panic!("the first day"),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateText {
    #[serde(rename = "d")]
    pub day: chrono::NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampText {
    #[serde(rename = "t", with = "timestamp_text")]
    pub at: chrono::NaiveDateTime,
}

mod timestamp_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::db::ts_text(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono::NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        chrono::NaiveDateTime::parse_from_str(&text, "%F %T%.f")
            .map_err(|_| serde::de::Error::custom("not a timestamp"))
    }
}

mod exact_float {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Bits {
        f: String,
    }

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        Bits {
            f: format!("{:016x}", v.to_bits()),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let bits = Bits::deserialize(d)?;
        u64::from_str_radix(&bits.f, 16)
            .ok()
            .filter(|_| bits.f.len() == 16)
            .map(f64::from_bits)
            .filter(|v| !v.is_nan())
            .ok_or_else(|| serde::de::Error::custom("not the bits of a float"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobHex {
    #[serde(rename = "b", with = "hex")]
    pub bytes: Vec<u8>,
}

impl Bind {
    pub fn blob(bytes: Vec<u8>) -> Self {
        Bind::Blob(BlobHex { bytes })
    }

    pub fn date(day: chrono::NaiveDate) -> Self {
        Bind::Date(DateText { day })
    }

    pub fn timestamp(at: chrono::NaiveDateTime) -> Self {
        Bind::Timestamp(TimestampText { at })
    }

    /// The key `coalesce(ts, '')` of a timestamp that may be missing.
    pub fn timestamp_or_none(at: Option<chrono::NaiveDateTime>) -> Self {
        Self::timestamp(at.unwrap_or(NO_TIME))
    }
}

impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Bind::Int(v)
    }
}
impl From<String> for Bind {
    fn from(v: String) -> Self {
        Bind::Text(v)
    }
}
impl From<&str> for Bind {
    fn from(v: &str) -> Self {
        Bind::Text(v.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    fn sql(self) -> &'static str {
        match self {
            Dir::Asc => "ASC",
            Dir::Desc => "DESC",
        }
    }
    fn after(self) -> &'static str {
        match self {
            Dir::Asc => ">",
            Dir::Desc => "<",
        }
    }
}

/// A list's total: exact, or — for a search, whose matches may be most of the collection —
/// a lower bound when there are more matches than it counts (the search's bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub n: i64,
    pub exact: bool,
}

impl From<i64> for Total {
    fn from(n: i64) -> Self {
        Total { n, exact: true }
    }
}

/// Where a page starts.
#[derive(Debug, Clone)]
pub enum Window {
    /// OFFSET paging: rows `offset .. offset + limit`.
    Offset { offset: i64, limit: i64 },
    /// Keyset paging: rows after `after` (the sort values then the id of the last row seen).
    After {
        after: Option<Vec<Bind>>,
        limit: i64,
    },
}

/// The sorts a resource offers: public name → SQL expression, and the default.
#[derive(Debug)]
pub struct Sortable {
    pub fields: &'static [(&'static str, &'static str)],
    pub default: &'static str,
}

impl Sortable {
    /// The public names, for error messages.
    pub fn allowed(&self) -> String {
        self.fields
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One key of a parsed sort.
#[derive(Debug, Clone)]
pub struct SortKey {
    pub name: &'static str,
    pub sql: &'static str,
    pub dir: Dir,
}

/// A row that can say its value for each sort field it offers.
pub trait KeysetRow {
    fn id(&self) -> i64;
    fn sort_value(&self, sort_name: &str) -> Bind;
}

/// The page of a list a repository reads: the order, the size, and where it starts (a page
/// number, or the keyset after which to go on). Made from a request by `http::list`; nothing
/// of HTTP in it.
#[derive(Debug, Clone)]
pub struct PageSpec {
    pub sort: Vec<SortKey>,
    pub per_page: i64,
    /// `Some(n)` in page mode, `None` in cursor mode.
    pub page: Option<i64>,
    /// Keyset position in cursor mode (`None` in page mode).
    pub after: Option<Vec<Bind>>,
}

impl PageSpec {
    /// The ORDER BY (without the id, which [`ListSql::page`] appends).
    pub fn order(&self) -> Vec<(String, Dir)> {
        self.sort
            .iter()
            .map(|k| (k.sql.to_string(), k.dir))
            .collect()
    }

    /// The rows to fetch: one more than a page, to know whether a next page exists.
    /// How many rows of the sorted list a page reads before its last one (the offset and the
    /// page, one more to know whether a next page exists); a keyset page seeks past the rest.
    pub fn rows_read(&self) -> i64 {
        match self.window() {
            Window::Offset { offset, limit } => offset.saturating_add(limit),
            Window::After { limit, .. } => limit,
        }
    }

    pub fn window(&self) -> Window {
        let limit = self.per_page + 1;
        match self.page {
            Some(page) => Window::Offset {
                offset: (page - 1).saturating_mul(self.per_page),
                limit,
            },
            None => Window::After {
                after: self.after.clone(),
                limit,
            },
        }
    }

    /// The page and count statements of `q`: what [`PageSpec::load`] runs, and what the
    /// query-plan test explains.
    pub fn statements(&self, q: &ListSql) -> Vec<Statement> {
        vec![q.page(&self.order(), &self.window()), q.count()]
    }

    /// Run `q` for this page: the rows, the exact total, and the keyset of the next page.
    pub fn load<R>(
        &self,
        conn: &mut crate::db::Conn,
        q: &ListSql,
    ) -> QueryResult<(Vec<R>, i64, Option<Vec<Bind>>)>
    where
        R: QueryableByName<super::Backend> + KeysetRow + 'static,
    {
        self.load_with(conn, q, None)
    }

    /// As [`PageSpec::load`], with the total `known` when the caller has it (read in the
    /// snapshot of the page: the caller's transaction), counted otherwise.
    pub fn load_with<R>(
        &self,
        conn: &mut crate::db::Conn,
        q: &ListSql,
        known: Option<i64>,
    ) -> QueryResult<(Vec<R>, i64, Option<Vec<Bind>>)>
    where
        R: QueryableByName<super::Backend> + KeysetRow + 'static,
    {
        // One snapshot for the page and its total; a counted total is counted once per data
        // version.
        let read = |conn: &mut crate::db::Conn| {
            let deferred = super::dialect::Dialect::of(conn) == super::dialect::Dialect::Postgres;
            let rows: Vec<R> = load(
                conn,
                &q.page_deferred(&self.order(), &self.window(), deferred),
            )?;
            let total = match known {
                Some(total) => total,
                None => remembered_count(conn, &q.count())?,
            };
            QueryResult::Ok((rows, total))
        };
        let (rows, total) = if super::memo::in_transaction(conn) {
            read(conn)?
        } else {
            conn.transaction(read)?
        };
        let (rows, next) = self.split(rows);
        Ok((rows, total, next))
    }

    /// Cut the fetched rows to a page; the keyset of the last row when a next page exists.
    pub fn split<R: KeysetRow>(&self, mut rows: Vec<R>) -> (Vec<R>, Option<Vec<Bind>>) {
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        if rows.len() <= per_page {
            return (rows, None);
        }
        rows.truncate(per_page);
        let next = rows.last().map(|last| {
            let mut keys: Vec<Bind> = self.sort.iter().map(|k| last.sort_value(k.name)).collect();
            keys.push(Bind::Int(last.id()));
            keys
        });
        (rows, next)
    }
}

/// A list query under construction: `SELECT <columns> FROM <from> WHERE <filters>`.
#[derive(Debug, Clone)]
pub struct ListSql {
    columns: String,
    from: String,
    /// Binds of `?` in `from` (a joined subquery), ahead of the filters' binds.
    from_binds: Vec<Bind>,
    id_column: String,
    /// (clause in the page query, clause in the count query).
    filters: Vec<(String, String)>,
    binds: Vec<Bind>,
    /// Pages driven from the filters' sets, then sorted (see [`ListSql::drive_from_sets`]).
    drive: bool,
}

/// A finished statement with its binds, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl ListSql {
    /// `columns` may be `t.*`; `id_column` is the unique tie-break (`t.id`).
    pub fn new(columns: &str, from: &str, id_column: &str) -> Self {
        Self {
            columns: columns.into(),
            from: from.into(),
            from_binds: Vec::new(),
            id_column: id_column.into(),
            filters: Vec::new(),
            binds: Vec::new(),
            drive: false,
        }
    }

    /// Pages driven from the sets of ids of the filters added after this, the few rows found
    /// then sorted — for filters so sparse that walking the sort index would read far more
    /// rows than the sets hold. The caller keeps its other filters off their indexes
    /// ([`ListSql::drives`] tells it to).
    pub fn drive_from_sets(&mut self) {
        self.drive = true;
    }

    pub fn drives(&self) -> bool {
        self.drive
    }

    /// Put `source` (a subquery; its `?` placeholders take `binds`) ahead of `from`, joined
    /// on `on` with `CROSS JOIN`, which SQLite never reorders: `source` drives, each of its
    /// rows looks up the list's rows. Call it before [`ListSql::join`]. (`on` is the first
    /// condition of `WHERE`: PostgreSQL takes no `ON` after `CROSS JOIN`.)
    pub fn lead_with(&mut self, source: &str, on: &str, binds: impl IntoIterator<Item = Bind>) {
        self.from = format!("{source} CROSS JOIN {}", self.from);
        self.filters.insert(0, (on.to_string(), on.to_string()));
        let mut all: Vec<Bind> = binds.into_iter().collect();
        all.append(&mut self.from_binds);
        self.from_binds = all;
    }

    /// Join a subquery (or table) into `from`; its `?` placeholders take `binds`.
    pub fn join(&mut self, join: &str, binds: impl IntoIterator<Item = Bind>) {
        self.from.push(' ');
        self.from.push_str(join);
        self.from_binds.extend(binds);
    }

    /// Add a `WHERE` conjunct; its `?` placeholders take `binds` in order.
    pub fn filter(&mut self, clause: impl Into<String>, binds: impl IntoIterator<Item = Bind>) {
        let clause = clause.into();
        self.filters.push((clause.clone(), clause));
        self.binds.extend(binds);
    }

    /// A conjunct written two ways with the same placeholders: for the page query (where a `+`
    /// keeps SQLite walking the sort index) and for the count (where the set may drive).
    pub fn filter_split(
        &mut self,
        page_clause: impl Into<String>,
        count_clause: impl Into<String>,
        binds: impl IntoIterator<Item = Bind>,
    ) {
        self.filters.push((page_clause.into(), count_clause.into()));
        self.binds.extend(binds);
    }

    /// `+column IN (subquery)` on pages, `column IN (subquery)` for the count.
    pub fn filter_in_set(
        &mut self,
        column: &str,
        subquery: &str,
        binds: impl IntoIterator<Item = Bind>,
    ) {
        let page = if self.drive {
            format!("{column}{}{subquery})", crate::db::dialect::DRIVE_SQLITE)
        } else {
            format!("+{column} IN ({subquery})")
        };
        self.filter_split(page, format!("{column} IN ({subquery})"), binds);
    }

    /// `column IN (?, ?, …)`.
    pub fn filter_in(&mut self, column: &str, values: Vec<Bind>) {
        let marks = marks(values.len());
        self.filter(format!("{column} IN ({marks})"), values);
    }

    fn where_clause(&self, count: bool, extra: Option<&str>) -> String {
        let mut parts: Vec<&str> = self
            .filters
            .iter()
            .map(|(page, count_clause)| {
                if count {
                    count_clause.as_str()
                } else {
                    page.as_str()
                }
            })
            .collect();
        parts.extend(extra);
        if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        }
    }

    /// An aggregate under the same filters (as the count sees them):
    /// `SELECT <select> FROM <from> <joins> WHERE … GROUP BY <group_by> ORDER BY <order_by>`.
    pub fn aggregate(
        &self,
        select: &str,
        joins: &str,
        group_by: &str,
        order_by: &str,
    ) -> Statement {
        Statement {
            sql: format!(
                "SELECT {select} FROM {} {joins}{} GROUP BY {group_by} ORDER BY {order_by}",
                self.from,
                self.where_clause(true, None)
            ),
            binds: self.from_binds.iter().chain(&self.binds).cloned().collect(),
        }
    }

    /// The count query's parts: `FROM` and its binds, `WHERE …` (empty without filters) and
    /// its binds.
    pub fn count_parts(&self) -> ((String, Vec<Bind>), (String, Vec<Bind>)) {
        (
            (self.from.clone(), self.from_binds.clone()),
            (self.where_clause(true, None), self.binds.clone()),
        )
    }

    /// `SELECT count(*)` under the same filters.
    pub fn count(&self) -> Statement {
        Statement {
            sql: format!(
                "SELECT count(*) AS count FROM {}{}",
                self.from,
                self.where_clause(true, None)
            ),
            binds: self.from_binds.iter().chain(&self.binds).cloned().collect(),
        }
    }

    /// The page query. `order` is the user's sort as SQL expressions; the id is appended with
    /// the direction of the last key, so one index `(key, id)` serves the whole ORDER BY.
    pub fn page(&self, order: &[(String, Dir)], window: &Window) -> Statement {
        self.page_deferred(order, window, false)
    }

    /// The sort's keys with the id appended in the direction of the last key, and their
    /// `ORDER BY` list.
    fn sort_keys(&self, order: &[(String, Dir)]) -> (Vec<(String, Dir)>, String) {
        let tie_dir = order.last().map_or(Dir::Asc, |(_, d)| *d);
        let mut keys: Vec<(String, Dir)> = order.to_vec();
        keys.push((self.id_column.clone(), tie_dir));
        let order_sql = keys
            .iter()
            .map(|(expr, dir)| format!("{expr} {}", dir.sql()))
            .collect::<Vec<_>>()
            .join(", ");
        (keys, order_sql)
    }

    /// [`ListSql::page`]; with `deferred`, a page deep in OFFSET paging over one table finds
    /// its ids first (`id IN (SELECT id … LIMIT n OFFSET m)`, which an index that covers the
    /// filters and the sort skips through without reading the rows it passes) and reads only
    /// the page's rows. PostgreSQL reads each skipped row otherwise (page 250 of the newest at
    /// 1M: 5,000 heap reads); SQLite's plans stay as they are.
    pub fn page_deferred(
        &self,
        order: &[(String, Dir)],
        window: &Window,
        deferred: bool,
    ) -> Statement {
        if let Window::Offset { offset, limit } = window {
            let one_table = self.from_binds.is_empty()
                && !self.from.contains(" JOIN ")
                && !self.from.contains(',');
            if deferred && one_table && *offset >= DEFERRED_FROM {
                let inner = ListSql {
                    columns: self.id_column.clone(),
                    ..self.clone()
                }
                .page(order, window);
                let (_, order_sql) = self.sort_keys(order);
                return Statement {
                    sql: format!(
                        "SELECT {} FROM {} WHERE {} IN ({}) ORDER BY {order_sql} LIMIT {limit}",
                        self.columns, self.from, self.id_column, inner.sql
                    ),
                    binds: inner.binds,
                };
            }
        }
        let (keys, order_sql) = self.sort_keys(order);
        let mut binds: Vec<Bind> = self.from_binds.iter().chain(&self.binds).cloned().collect();
        let (keyset, tail) = match window {
            Window::Offset { offset, limit } => (None, format!(" LIMIT {limit} OFFSET {offset}")),
            Window::After { after, limit } => {
                let keyset = after.as_ref().map(|values| {
                    let (clause, kbinds) = keyset_clause(&keys, values);
                    binds.extend(kbinds);
                    clause
                });
                (keyset, format!(" LIMIT {limit}"))
            }
        };
        Statement {
            sql: format!(
                "SELECT {} FROM {}{} ORDER BY {}{}",
                self.columns,
                self.from,
                self.where_clause(false, keyset.as_deref()),
                order_sql,
                tail
            ),
            binds,
        }
    }
}

/// The OFFSET from which a page finds its ids first ([`ListSql::page_deferred`]).
const DEFERRED_FROM: i64 = 200;

/// Rows strictly after `values` in the order `keys`. One direction: a row-value comparison that
/// SQLite serves from the `(key, id)` index; mixed: the expanded OR form.
fn keyset_clause(keys: &[(String, Dir)], values: &[Bind]) -> (String, Vec<Bind>) {
    let uniform = keys.windows(2).all(|w| w[0].1 == w[1].1);
    if uniform {
        let cols = keys.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>();
        let marks = marks(keys.len());
        return (
            format!("({}) {} ({marks})", cols.join(", "), keys[0].1.after()),
            values.to_vec(),
        );
    }
    let mut ors = Vec::new();
    let mut binds = Vec::new();
    for i in 0..keys.len() {
        let mut ands = Vec::new();
        for (j, (expr, _)) in keys.iter().enumerate().take(i) {
            ands.push(format!("{expr} = ?"));
            binds.push(values[j].clone());
        }
        ands.push(format!("{} {} ?", keys[i].0, keys[i].1.after()));
        binds.push(values[i].clone());
        ors.push(format!("({})", ands.join(" AND ")));
    }
    // The leading bound lets SQLite narrow the range on the first key's index.
    let first = &keys[0];
    let lead = match first.1 {
        Dir::Asc => ">=",
        Dir::Desc => "<=",
    };
    binds.insert(0, values[0].clone());
    (
        format!("{} {lead} ? AND ({})", first.0, ors.join(" OR ")),
        binds,
    )
}

/// `stmt` with its binds, in the spelling of `conn`'s engine.
fn bound(
    conn: &crate::db::Conn,
    stmt: &Statement,
) -> BoxedSqlQuery<'static, super::Backend, diesel::query_builder::SqlQuery> {
    let dialect = super::dialect::Dialect::of(conn);
    let sqlite = dialect == super::dialect::Dialect::Sqlite;
    let sql = dialect.render(&stmt.sql);
    let mut q = diesel::sql_query(sql.into_owned()).into_boxed::<super::Backend>();
    for b in &stmt.binds {
        q = match b.clone() {
            Bind::Int(v) => q.bind::<BigInt, _>(v),
            Bind::Float(v) => q.bind::<Double, _>(v),
            Bind::Text(v) => q.bind::<Text, _>(v),
            Bind::Blob(v) => q.bind::<Binary, _>(v.bytes),
            // SQLite compares these as the text (and 0/1) it stores them as.
            Bind::Bool(v) if sqlite => q.bind::<BigInt, _>(i64::from(v)),
            Bind::Bool(v) => q.bind::<diesel::sql_types::Bool, _>(v),
            Bind::Date(v) if sqlite => q.bind::<Text, _>(v.day.format("%F").to_string()),
            Bind::Date(v) => q.bind::<diesel::sql_types::Date, _>(v.day),
            Bind::Timestamp(v) if sqlite && v.at == NO_TIME => q.bind::<Text, _>(String::new()),
            Bind::Timestamp(v) if sqlite => q.bind::<Text, _>(super::ts_text(v.at)),
            Bind::Timestamp(v) => q.bind::<diesel::sql_types::Timestamp, _>(v.at),
            Bind::Search(v) if sqlite => q.bind::<Text, _>(v),
            Bind::Search(v) => q.bind::<Text, _>(super::dialect::tsquery(&v)),
        };
    }
    q
}

/// Run a statement and load its rows.
pub fn load<R>(conn: &mut crate::db::Conn, stmt: &Statement) -> QueryResult<Vec<R>>
where
    R: QueryableByName<super::Backend> + 'static,
{
    bound(conn, stmt).load::<R>(conn)
}

/// [`load`] of a statement kept prepared on the connection ([`crate::db::prepared`]): for
/// statements whose text takes a few shapes only and whose plan suits any binds (lookups by
/// key, the tallies' sums).
pub fn load_prepared<R>(conn: &mut crate::db::Conn, stmt: &Statement) -> QueryResult<Vec<R>>
where
    R: QueryableByName<super::Backend> + 'static,
{
    crate::db::prepared(bound(conn, stmt)).load::<R>(conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// `n` placeholders for an `IN (…)` list: `?, ?, …`, and `NULL` for none (an empty `IN ()`
/// is an error on PostgreSQL; `x IN (NULL)` holds for no row on both engines).
pub fn marks(n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    vec!["?"; n].join(", ")
}

/// Run a `count` statement.
pub fn count(conn: &mut crate::db::Conn, stmt: &Statement) -> QueryResult<i64> {
    Ok(bound(conn, stmt).get_result::<Count>(conn)?.count)
}

/// `EXPLAIN QUERY PLAN` of a statement: the `detail` column of each step.
pub fn explain(conn: &mut crate::db::Conn, stmt: &Statement) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let plan = Statement {
        sql: format!("EXPLAIN QUERY PLAN {}", stmt.sql),
        binds: stmt.binds.clone(),
    };
    Ok(bound(conn, &plan)
        .load::<Step>(conn)?
        .into_iter()
        .map(|s| s.detail)
        .collect())
}

static COUNTS: super::memo::Memo<i64> = super::memo::Memo::new();

/// The exact result of a `count` statement, counted once per data version (remembered by
/// [`super::memo`]).
pub fn remembered_count(conn: &mut crate::db::Conn, stmt: &Statement) -> QueryResult<i64> {
    let question = format!("{}\u{0}{:?}", stmt.sql, stmt.binds);
    COUNTS.get_or_compute(conn, "count", &question, |conn| count(conn, stmt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bind_round_trips_exactly_through_a_cursors_json() {
        // serde_json's default float parsing gives this back one ulp off (as it does for about
        // one bm25 score in ten): a relevance keyset written as a decimal repeated or skipped
        // rows.
        let tricky = -3.6775473426172316e-6_f64;
        let decimal: f64 = serde_json::from_str(&serde_json::to_string(&tricky).unwrap()).unwrap();
        assert_ne!(
            decimal.to_bits(),
            tricky.to_bits(),
            "the decimal form is lossy"
        );
        let binds = vec![
            Bind::Float(tricky),
            Bind::Float(-0.0),
            Bind::Float(f64::MAX),
            Bind::Int(i64::MIN),
            Bind::Text("Đoàn".into()),
            Bind::blob(vec![0, 255, 7]),
        ];
        let json = serde_json::to_string(&binds).unwrap();
        let back: Vec<Bind> = serde_json::from_str(&json).unwrap();
        for (a, b) in binds.iter().zip(&back) {
            match (a, b) {
                (Bind::Float(x), Bind::Float(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                _ => assert_eq!(a, b),
            }
        }
        assert!(serde_json::from_str::<Bind>(r#"{"f": "zz"}"#).is_err());
    }

    #[test]
    fn a_deep_page_finds_its_ids_first_when_asked() {
        let mut q = ListSql::new("t.id, t.k", "t", "t.id");
        q.filter("t.kind = ?", [Bind::from("x")]);
        let order = [("t.k".to_string(), Dir::Desc)];
        let deep = Window::Offset {
            offset: 400,
            limit: 21,
        };
        assert_eq!(
            q.page_deferred(&order, &deep, true).sql,
            "SELECT t.id, t.k FROM t WHERE t.id IN (SELECT t.id FROM t WHERE t.kind = ? \
             ORDER BY t.k DESC, t.id DESC LIMIT 21 OFFSET 400) ORDER BY t.k DESC, t.id DESC LIMIT 21"
        );
        // Not asked, near the start, or over a join: the plain page.
        assert_eq!(
            q.page_deferred(&order, &deep, false).sql,
            q.page(&order, &deep).sql
        );
        let near = Window::Offset {
            offset: 20,
            limit: 21,
        };
        assert_eq!(
            q.page_deferred(&order, &near, true).sql,
            q.page(&order, &near).sql
        );
        let joined = ListSql::new("t.id", "t JOIN u ON u.id = t.u", "t.id");
        assert_eq!(
            joined.page_deferred(&order, &deep, true).sql,
            joined.page(&order, &deep).sql
        );
    }

    #[test]
    fn uniform_keyset_uses_a_row_value() {
        let mut q = ListSql::new("*", "t", "t.id");
        q.filter("t.kind = ?", [Bind::from("x")]);
        let stmt = q.page(
            &[("t.k".into(), Dir::Desc)],
            &Window::After {
                after: Some(vec![Bind::Int(5), Bind::Int(9)]),
                limit: 3,
            },
        );
        assert_eq!(
            stmt.sql,
            "SELECT * FROM t WHERE t.kind = ? AND (t.k, t.id) < (?, ?) ORDER BY t.k DESC, t.id DESC LIMIT 3"
        );
        assert_eq!(stmt.binds.len(), 3);
    }

    #[test]
    fn mixed_keyset_expands() {
        let q = ListSql::new("*", "t", "t.id");
        let stmt = q.page(
            &[("a".into(), Dir::Desc), ("b".into(), Dir::Asc)],
            &Window::After {
                after: Some(vec![Bind::Int(1), Bind::Int(2), Bind::Int(3)]),
                limit: 3,
            },
        );
        assert_eq!(
            stmt.sql,
            "SELECT * FROM t WHERE a <= ? AND ((a < ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND t.id > ?)) ORDER BY a DESC, b ASC, t.id ASC LIMIT 3"
        );
        assert_eq!(stmt.binds.len(), 7);
    }

    #[test]
    fn cursor_values_round_trip_through_json() {
        let v = vec![Bind::blob(vec![1, 2, 255]), Bind::Int(7), Bind::from("x")];
        let s = serde_json::to_string(&v).unwrap();
        let back: Vec<Bind> = serde_json::from_str(&s).unwrap();
        assert_eq!(v, back);
    }
}
