//! Full-text search, one helper for every resource: FTS5 over text folded in Rust
//! (see [`crate::text`]), two columns per index — `exact` (diacritics kept) and `folded`.
//!
//! A query matches when every term is a whole folded word of the row (the last term also as a
//! prefix), and every quoted phrase (`"vu lang"`) its words in that order. The same terms are
//! also offered against `exact`, so that `bm25()` — weighting `exact` above `folded` — ranks
//! hits with the query's own diacritics first.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::list::{Bind, ListSql};
use crate::error::AppError;
use crate::text;

/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms in one `q`.
pub const MAX_TERMS: usize = 12;

/// Store (or replace) the searchable text of one row: every text in the folded column; in the
/// exact column (which only ranks), the first `ranked` texts — the short ones that say what a
/// row is (title, names), not long bodies.
pub fn index(
    conn: &mut crate::db::Conn,
    table: &str,
    rowid: i64,
    texts: &[Option<&str>],
    ranked: usize,
) -> QueryResult<()> {
    unindex(conn, table, rowid)?;
    insert(conn, table, rowid, texts, ranked)
}

/// Add the entry of a row the index does not hold (see [`clear`]).
pub fn insert(
    conn: &mut crate::db::Conn,
    table: &str,
    rowid: i64,
    texts: &[Option<&str>],
    ranked: usize,
) -> QueryResult<()> {
    let (exact, folded) = entry(texts, ranked);
    insert_entry(conn, table, rowid, &exact, &folded)
}

/// Add an index entry of already folded columns ([`entry`]).
pub fn insert_entry(
    conn: &mut crate::db::Conn,
    table: &str,
    rowid: i64,
    exact: &str,
    folded: &str,
) -> QueryResult<()> {
    if let crate::db::Conn::Pg(_) = conn {
        // The words as Rust folded them, the exact ones weighing more in the rank.
        crate::db::sql(
            conn,
            format!(
                "INSERT INTO {table} (rowid, exact, folded) \
                 VALUES (?, CAST(? AS tsvector), CAST(? AS tsvector))"
            ),
        )
        .bind::<BigInt, _>(rowid)
        .bind::<Text, _>(crate::db::dialect::tsvector(exact, Some('A')))
        .bind::<Text, _>(crate::db::dialect::tsvector(folded, None))
        .execute(conn)?;
        return Ok(());
    }
    crate::db::sql(
        conn,
        format!("INSERT INTO {table} (rowid, exact, folded) VALUES (?, ?, ?)"),
    )
    .bind::<BigInt, _>(rowid)
    .bind::<Text, _>(exact)
    .bind::<Text, _>(folded)
    .execute(conn)?;
    Ok(())
}

/// The (exact, folded) column values of an index entry.
pub fn entry(texts: &[Option<&str>], ranked: usize) -> (String, String) {
    let join = |texts: &[Option<&str>]| {
        texts
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" \n ")
    };
    let head = &texts[..ranked.min(texts.len())];
    (text::fold_keep_marks(&join(head)), text::fold(&join(texts)))
}

/// Empty an index at once (before rebuilding every entry).
pub fn clear(conn: &mut crate::db::Conn, table: &str) -> QueryResult<()> {
    if let crate::db::Conn::Pg(_) = conn {
        crate::db::sql(conn, format!("DELETE FROM {table}")).execute(conn)?;
        return Ok(());
    }
    crate::db::sql(
        conn,
        format!("INSERT INTO {table} ({table}) VALUES ('delete-all')"),
    )
    .execute(conn)?;
    Ok(())
}

/// How many bytes of new terms FTS5 keeps in memory before writing a segment (its default is
/// 1 MiB; a rebuild writes fewer, larger segments with more).
pub fn set_pending_bytes(conn: &mut crate::db::Conn, table: &str, bytes: usize) -> QueryResult<()> {
    // (PostgreSQL's GIN index has its own pending list, sized by the server.)
    if let crate::db::Conn::Pg(_) = conn {
        return Ok(());
    }
    crate::db::sql(
        conn,
        format!("INSERT INTO {table} ({table}, rank) VALUES ('hashsize', {bytes})"),
    )
    .execute(conn)?;
    Ok(())
}

/// Remove a row from an index.
pub fn unindex(conn: &mut crate::db::Conn, table: &str, rowid: i64) -> QueryResult<()> {
    crate::db::sql(conn, format!("DELETE FROM {table} WHERE rowid = ?"))
        .bind::<BigInt, _>(rowid)
        .execute(conn)?;
    Ok(())
}

/// A parsed `q`: the FTS5 MATCH expression, or `None` when it has no word to search for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// What ranks (`sort=relevance`): the folded words OR the query's own, so `bm25()` can
    /// weigh matches of its diacritics.
    pub match_expr: String,
    /// What filters: the folded words alone (every exact hit is a folded hit, so the same
    /// set), one branch for FTS5 to read instead of two.
    pub filter_expr: String,
    /// Every folded word of the query, phrases' words included (what highlights look for).
    pub terms: Vec<String>,
    /// The units matched, each a word or a phrase's words joined by spaces: folded, and the
    /// query's own (with marks) when it has any.
    groups: Vec<String>,
    /// The same units with the query's marks, when they differ from `groups` (the `exact`
    /// branch of `match_expr`).
    exact_groups: Option<Vec<String>>,
    /// Whether the last unit is a word matched as a prefix (a phrase never is).
    prefix: bool,
}

/// Words a prefix may stand for before [`SearchQuery::expanded`] gives up.
pub const MAX_EXPANSION: usize = 16;

impl SearchQuery {
    /// The filtering expression ([`SearchQuery::filter_expr`]) with its prefix word replaced
    /// by the indexed words that start with it (`words`, at most [`MAX_EXPANSION`] + 1
    /// asked): FTS5 answers a prefix by merging the lists of all those words, which a probe
    /// per row would redo on every row; expanded, a probe seeks a few lists. `None` when the
    /// prefix stands for too many words, or none.
    pub fn expanded(
        &self,
        words: impl FnMut(&str) -> diesel::QueryResult<Vec<String>>,
    ) -> diesel::QueryResult<Option<String>> {
        if !self.prefix {
            return Ok(Some(self.filter_expr.clone()));
        }
        expand("folded", &self.groups, words)
    }

    /// The ranking expression ([`SearchQuery::match_expr`]) with the prefix word of each
    /// branch expanded the same way (`bm25` reads each word's list once; a prefix merges them
    /// all first); `None` when a prefix stands for too many words, or none.
    pub fn ranking_expanded(
        &self,
        mut words: impl FnMut(&str) -> diesel::QueryResult<Vec<String>>,
    ) -> diesel::QueryResult<Option<String>> {
        if !self.prefix {
            return Ok(Some(self.match_expr.clone()));
        }
        let Some(folded) = expand("folded", &self.groups, &mut words)? else {
            return Ok(None);
        };
        let Some(exact_groups) = &self.exact_groups else {
            return Ok(Some(folded));
        };
        Ok(expand("exact", exact_groups, &mut words)?
            .map(|exact| format!("({folded}) OR ({exact})")))
    }
}

/// `groups` as a conjunction on `column`, the last one (a prefix) spelled out as the indexed
/// words that start with it; `None` when there are too many or none.
fn expand(
    column: &str,
    groups: &[String],
    mut words: impl FnMut(&str) -> diesel::QueryResult<Vec<String>>,
) -> diesel::QueryResult<Option<String>> {
    let Some((last, rest)) = groups.split_last() else {
        return Ok(Some(String::new()));
    };
    let found = words(last)?;
    if found.is_empty() || found.len() > MAX_EXPANSION {
        return Ok(None);
    }
    let alternatives: Vec<String> = found.iter().map(|w| quoted(w)).collect();
    let mut conj: Vec<String> = rest
        .iter()
        .map(|t| format!("{column} : {}", quoted(t)))
        .collect();
    conj.push(format!("{column} : ({})", alternatives.join(" OR ")));
    Ok(Some(conj.join(" AND ")))
}

fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

fn conjunction(column: &str, terms: &[String], prefix: bool) -> String {
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let star = if prefix && i + 1 == terms.len() {
                " *"
            } else {
                ""
            };
            format!("{column} : {}{star}", quoted(t))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Parse `q`: 400 when too long; `None` when blank (no search).
pub fn parse(q: &str) -> Result<Option<SearchQuery>, AppError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_param(
            "q",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let folded = units(q, text::fold);
    let terms: Vec<String> = folded
        .iter()
        .flat_map(|(unit, _)| unit.split(' '))
        .map(str::to_string)
        .collect();
    if terms.is_empty() {
        return Ok(None);
    }
    if terms.len() > MAX_TERMS {
        return Err(AppError::bad_param(
            "q",
            format!("must have at most {MAX_TERMS} words"),
        ));
    }
    let prefix = folded.last().is_some_and(|(_, phrase)| !phrase);
    let groups: Vec<String> = folded.into_iter().map(|(unit, _)| unit).collect();
    let exact_groups: Vec<String> = units(q, text::fold_keep_marks)
        .into_iter()
        .map(|(unit, _)| unit)
        .collect();
    let folded_part = conjunction("folded", &groups, prefix);
    // Every exact hit is also a folded hit, so the OR does not widen the set; it only lets
    // bm25() see (and weight) matches of the query's own diacritics.
    let with_exact = exact_groups.len() == groups.len() && exact_groups != groups;
    let match_expr = if with_exact {
        format!(
            "({folded_part}) OR ({})",
            conjunction("exact", &exact_groups, prefix)
        )
    } else {
        folded_part.clone()
    };
    Ok(Some(SearchQuery {
        match_expr,
        filter_expr: folded_part,
        terms,
        groups,
        exact_groups: with_exact.then_some(exact_groups),
        prefix,
    }))
}

/// The units of `q` as `fold` turns them into words: each word outside double quotes, and
/// each quoted phrase (its words joined by one space; an unclosed quote runs to the end),
/// with whether it is a phrase.
fn units(q: &str, fold: impl Fn(&str) -> String) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (i, segment) in q.split('"').enumerate() {
        let folded = fold(segment);
        let words = text::words(&folded);
        if i % 2 == 1 {
            if !words.is_empty() {
                out.push((words.join(" "), true));
            }
        } else {
            out.extend(words.into_iter().map(|w| (w.to_string(), false)));
        }
    }
    out
}

/// Restrict a list to the rows of `table` (an FTS index) matching the query.
///
/// The `+` keeps SQLite walking the list's sort index and probing the set of hits, so pages
/// come out in order without sorting every hit (common words match most rows).
pub fn filter(list: &mut ListSql, id_column: &str, table: &str, query: &SearchQuery) {
    list.filter_in_set(
        id_column,
        &format!("SELECT rowid FROM {table} WHERE {table} MATCH ?"),
        [Bind::Search(query.filter_expr.clone())],
    );
}

/// The same restriction for a page that walks the sort index: each row probes the index
/// (`match_expr` should have no prefix word, see [`SearchQuery::expanded`]); the count still
/// drives from the set of hits. Kept a probe on PostgreSQL too, whose planner otherwise reads
/// every hit first when it guesses them few: it multiplies the words' shares as if they were
/// independent (`ngân hàng` at 1M: 485 guessed, 21,446 found; 233 ms instead of 6).
pub fn filter_walk(list: &mut ListSql, id_column: &str, table: &str, match_expr: &str) {
    list.filter_split(
        format!(
            "EXISTS (SELECT 1 FROM {table} WHERE {table}.rowid = {id_column} AND {table} MATCH ?{})",
            crate::db::dialect::PROBE_SQLITE
        ),
        format!("{id_column} IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"),
        [Bind::Search(match_expr.to_string())],
    );
}

/// How many matches a search's `meta.total` counts at most (50 pages of 20): beyond, it says
/// "at least this many" (`meta.total_relation: gte`), as Elasticsearch's `track_total_hits`
/// does — counting every match of a common word is proportional to the matches (595,000 of
/// 1,000,000 for `thanh nien`), not to the page. `count=exact` counts them all.
pub const TOTAL_BOUND: i64 = 1_000;

/// The first hits of a search, counted up to a bound: how many (`n`), and the id of the last
/// one read (`last`) — the hits come in id order (oldest first, or newest first for
/// [`Order::Newest`]), so `n` hits among the ids up to `last` tell how dense the matches are
/// when there are more than the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Hits {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    pub last: Option<i64>,
}

impl Hits {
    /// The number of matching rows among `all`, whose ids go up to `max_id`: exact below the
    /// bound; beyond it, estimated from the share of the ids the first hits covered (hits
    /// read oldest first).
    pub fn estimate(&self, bound: i64, all: i64, max_id: i64) -> i64 {
        match self.last {
            Some(last) if self.n >= bound && last > 0 => {
                let est = i128::from(self.n) * i128::from(max_id.max(last)) / i128::from(last);
                i64::try_from(est)
                    .unwrap_or(i64::MAX)
                    .clamp(self.n, all.max(self.n))
            }
            _ => self.n,
        }
    }
}

/// The order [`bounded_hits`] reads hits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest id first: how dense the matches are ([`Hits::estimate`]).
    Oldest,
    /// Newest id first: where the newest `bound` matches begin ([`RANK_BOUND`]).
    Newest,
}

/// How [`bounded_hits`] reads: in which order, up to how many hits, and whether the list keeps
/// nearly every row (no filter but what the viewer may see: nearly every hit is one of its
/// rows).
#[derive(Debug, Clone, Copy)]
pub struct Scan {
    pub order: Order,
    pub bound: i64,
    pub spread: bool,
}

static HITS: crate::db::memo::Memo<Hits> = crate::db::memo::Memo::new();

/// [`Hits`] of `list`'s rows (its filters without the search) that match `match_expr` in
/// `table`, up to `bound`: the hits drive, in the index's own (id) order, and reading stops at
/// `bound` instead of collecting every hit first. Remembered per data version.
pub fn bounded_hits(
    conn: &mut crate::db::Conn,
    list: &ListSql,
    id_column: &str,
    table: &str,
    match_expr: &str,
    how: Scan,
) -> QueryResult<Hits> {
    if crate::db::dialect::Dialect::of(conn) == crate::db::dialect::Dialect::Postgres {
        return bounded_hits_pg(conn, list, id_column, table, match_expr, how);
    }
    let Scan { order, bound, .. } = how;
    let ((from, mut binds), (where_clause, filter_binds)) = list.count_parts();
    let more = where_clause.replacen(" WHERE ", " AND ", 1);
    binds.push(Bind::Search(match_expr.to_string()));
    binds.extend(filter_binds);
    let (last, sort) = match order {
        Order::Oldest => ("max", String::new()),
        Order::Newest => ("min", format!(" ORDER BY {table}.rowid DESC")),
    };
    let stmt = crate::db::list::Statement {
        sql: format!(
            "SELECT count(*) AS n, {last}(id) AS last FROM (SELECT {table}.rowid AS id FROM {table} \
             CROSS JOIN {from} WHERE {table} MATCH ? AND {id_column} = {table}.rowid{more}{sort} \
             LIMIT {bound}) AS hits"
        ),
        binds,
    };
    let question = format!("{}\u{0}{:?}", stmt.sql, stmt.binds);
    HITS.get_or_compute(conn, "hits", &question, |conn| load_hits(conn, &stmt))
}

/// How many rows of the list (newest or oldest by id) PostgreSQL probes to tell a dense
/// search from a sparse one, per hit of the bound: walking the rows in order stops at the
/// bound, which suits a common word; the GIN index reads every hit of every word first
/// (seconds for a prefix of common words at 1M), which suits a rare one.
const SAMPLE_PER_HIT: i64 = 2;

/// The share of the sample probed first: a search whose hits are not dense among these rows
/// will not reach the bound within the sample, so the rest of it is not probed (each probe
/// reads the row's `tsvector` from TOAST: 2,000 of them cost 8 ms at 1M).
const FIRST_SAMPLE_SHARE: i64 = 10;

/// Below this share of hits in the walked sample (1 in 200), the rest is read from the GIN
/// index: walking on to the bound would read more than 200 rows per hit. Above it the walk
/// goes on, which costs less than the GIN index as long as one word is common (at 1M,
/// `đoàn bệnh`, 4 % of the rows: 183 ms walking, 1.3 s from the index, which reads every
/// row of `đoàn` first).
const SPARSE_BELOW: i64 = 200;

/// The first rows of the list a sample probed, and the hits among them.
#[derive(QueryableByName)]
struct Sampled {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    last: Option<i64>,
    #[diesel(sql_type = BigInt)]
    probed: i64,
    /// The id of the last row probed.
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    reach: Option<i64>,
}

/// [`bounded_hits`] on PostgreSQL, in up to two steps. First the first rows of the list (its
/// own filters, planned as a page is) in id order, each probed in the index by its key (a
/// tenth of the sample, then the whole sample if the hits are dense among them): a dense
/// search ends there, and so does a list shorter than the sample (every row probed, the
/// count exact). Then:
///
/// - counting hits (oldest first) of a list that keeps nearly every row: the GIN index's hits
///   in the heap's order, each looked up in the list, stopping at the bound. The index reads
///   each word's list once (a few milliseconds at 1M), and only the first `bound` hits are
///   fetched; their density for [`Hits::estimate`] is the sample's ([`as_read_in_order`]).
///   At 1M, `cục hải` (2 %): 320 ms walking the ids, 12 ms so.
/// - otherwise, for a sparse search, its hits read from the GIN index in id order
///   (`= ANY(ARRAY(…))`, every hit), or, in between, the walk left to the planner (which for a
///   prefix guesses 0.5 % of the rows whatever it is: hence the first step).
fn bounded_hits_pg(
    conn: &mut crate::db::Conn,
    list: &ListSql,
    id_column: &str,
    table: &str,
    match_expr: &str,
    how: Scan,
) -> QueryResult<Hits> {
    let Scan {
        order,
        spread,
        bound,
    } = how;
    let ((from, from_binds), (where_clause, filter_binds)) = list.count_parts();
    let more = where_clause.replacen(" WHERE ", " AND ", 1);
    let search = Bind::Search(match_expr.to_string());
    // Binds in the order of the statements below: the list's, then the search's.
    let filtered: Vec<Bind> = from_binds.iter().chain(&filter_binds).cloned().collect();
    let search_first: Vec<Bind> = from_binds
        .iter()
        .cloned()
        .chain([search.clone()])
        .chain(filter_binds.iter().cloned())
        .collect();
    let (last, dir) = match order {
        Order::Oldest => ("max", "ASC"),
        Order::Newest => ("min", "DESC"),
    };
    // The first `size` rows of the list (its own filters, planned as a page is) in id order,
    // each probed in the index by its key.
    let probe = |conn: &mut crate::db::Conn, size: i64| -> QueryResult<Sampled> {
        let stmt = crate::db::list::Statement {
            sql: format!(
                "WITH s AS MATERIALIZED (SELECT CAST({id_column} AS BIGINT) AS id FROM {from}\
                 {where_clause} ORDER BY {id_column} {dir} LIMIT {size}) \
                 SELECT count(*) AS n, {last}(id) AS last, (SELECT count(*) FROM s) AS probed, \
                 (SELECT {last}(id) FROM s) AS reach \
                 FROM (SELECT s.id FROM s CROSS JOIN {table} WHERE {table}.rowid = s.id AND \
                 {table} MATCH ? ORDER BY s.id {dir} LIMIT {bound}) AS hits"
            ),
            binds: filtered.iter().cloned().chain([search.clone()]).collect(),
        };
        crate::db::list::load::<Sampled>(conn, &stmt)?
            .pop()
            .ok_or(diesel::result::Error::NotFound)
    };
    let sample = bound.saturating_mul(SAMPLE_PER_HIT);
    let first = (sample / FIRST_SAMPLE_SHARE).max(1);
    let mut asked = first;
    let mut sampled = probe(conn, asked)?;
    // Dense (half the rows or more) among the first rows, and more rows to probe: the rest of
    // the sample.
    if sampled.probed == asked && sampled.n.saturating_mul(SAMPLE_PER_HIT) >= sampled.probed {
        asked = sample;
        sampled = probe(conn, asked)?;
    }
    let hits = Hits {
        n: sampled.n,
        last: sampled.last,
    };
    // The bound reached, or every row of the list probed (it has fewer than asked for).
    if hits.n >= bound || sampled.probed < asked {
        return Ok(hits);
    }
    if spread && order == Order::Oldest {
        let binds = [search]
            .into_iter()
            .chain(from_binds.iter().cloned())
            .chain(filter_binds.iter().cloned())
            .collect();
        let found = load_hits(
            conn,
            &crate::db::list::Statement {
                sql: format!(
                    "SELECT count(*) AS n, max(id) AS last FROM (SELECT CAST({id_column} AS \
                     BIGINT) AS id FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? \
                     OFFSET 0) AS h CROSS JOIN {from} WHERE {id_column} = h.rowid{more} \
                     LIMIT {bound}) AS hits"
                ),
                binds,
            },
        )?;
        return Ok(Hits {
            n: found.n,
            last: as_read_in_order(found, hits.n, sampled.reach),
        });
    }
    let sql = if hits.n.saturating_mul(SPARSE_BELOW) < sampled.probed {
        format!(
            "SELECT count(*) AS n, {last}(id) AS last FROM (SELECT CAST({id_column} AS BIGINT) \
             AS id FROM {from} WHERE {id_column} IN (SELECT rowid FROM {table} WHERE {table} \
             MATCH ?){more} ORDER BY {id_column} {dir} LIMIT {bound}) AS hits"
        )
    } else {
        format!(
            "SELECT count(*) AS n, {last}(id) AS last FROM (SELECT {table}.rowid AS id FROM \
             {table} CROSS JOIN {from} WHERE {table} MATCH ? AND {id_column} = {table}.rowid\
             {more} ORDER BY {table}.rowid {dir} LIMIT {bound}) AS hits"
        )
    };
    load_hits(
        conn,
        &crate::db::list::Statement {
            sql,
            binds: search_first,
        },
    )
}

/// `last` for hits counted in the heap's order (`found`) as [`Hits::estimate`] reads it, from
/// the sample's density (`in_sample` hits among the ids up to `reach`): the id the `n`-th hit
/// would have in id order. The heap's order is the ids' only until rows are updated (an
/// updated row moves to free space, a new row fills a freed one), so the largest id counted
/// can be the table's largest while `n` is a small share of the hits: estimated from it, a
/// common word would look rare and its page would read every hit. Below the bound every hit
/// was counted, and `n` is the total whatever `last` says.
fn as_read_in_order(found: Hits, in_sample: i64, reach: Option<i64>) -> Option<i64> {
    match reach {
        Some(reach) if in_sample > 0 && reach > 0 => {
            let at = i128::from(reach) * i128::from(found.n) / i128::from(in_sample);
            Some(i64::try_from(at).unwrap_or(i64::MAX))
        }
        _ => found.last,
    }
}

fn load_hits(conn: &mut crate::db::Conn, stmt: &crate::db::list::Statement) -> QueryResult<Hits> {
    crate::db::list::load::<Hits>(conn, stmt)?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// How many matches `sort=relevance` ranks at most: the newest this many (by id) of a search
/// matching more. `bm25` scores every row it ranks, so ranking all 595,000 matches of a common
/// word costs half a second at 1M; the newest 10,000 cost a few milliseconds beyond the
/// query's fixed cost (bm25 reads each word's whole list once for its weight).
pub const RANK_BOUND: i64 = 10_000;

/// Join the hits of `table` with their rank (`bm25`, lower is better; the `exact` column weighs
/// four times the folded one) as `{alias}.rank`, for `sort=relevance`.
pub fn join_ranked(
    list: &mut ListSql,
    id_column: &str,
    table: &str,
    alias: &str,
    ranking: &str,
    floor: Option<i32>,
) {
    // The ranked query twice: for the rank (SQLite's bm25 reads it from the MATCH, PostgreSQL's
    // ts_rank takes it) and for the match.
    let mut binds = vec![
        Bind::Search(ranking.to_string()),
        Bind::Search(ranking.to_string()),
    ];
    let from = match floor {
        Some(floor) => {
            binds.push(Bind::Int(i64::from(floor)));
            " AND rowid >= ?"
        }
        None => "",
    };
    // The hits drive (each row of the list probed by its key): joined the other way, SQLite
    // walks the list and runs the ranked search once per row.
    list.lead_with(
        &format!(
            "(SELECT rowid AS id, coalesce(bm25({table}, 4.0, 1.0), ?) AS rank FROM {table} WHERE {table} MATCH ?{from}) {alias}"
        ),
        &format!("{alias}.id = {id_column}"),
        binds,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_and_the_last_is_a_prefix() {
        let q = parse("Thanh NIÊN").unwrap().unwrap();
        assert_eq!(q.terms, vec!["thanh", "nien"]);
        assert_eq!(
            q.match_expr,
            "(folded : \"thanh\" AND folded : \"nien\" *) OR (exact : \"thanh\" AND exact : \"niên\" *)"
        );
        // Filtering reads the folded branch alone: the same set.
        assert_eq!(q.filter_expr, "folded : \"thanh\" AND folded : \"nien\" *");
        let q = parse("giao thong").unwrap().unwrap();
        assert_eq!(q.match_expr, "folded : \"giao\" AND folded : \"thong\" *");
        assert_eq!(q.filter_expr, q.match_expr);
    }

    #[test]
    fn prefixes_expand_into_the_words_they_stand_for() {
        let words = |p: &str| -> diesel::QueryResult<Vec<String>> {
            Ok(match p {
                "nien" => vec!["nien".into()],
                "niên" => vec!["niên".into(), "niênx".into()],
                "th" => (0..20).map(|i| format!("th{i}")).collect(),
                _ => vec![],
            })
        };
        let q = parse("thanh niên").unwrap().unwrap();
        assert_eq!(
            q.expanded(words).unwrap().as_deref(),
            Some("folded : \"thanh\" AND folded : (\"nien\")")
        );
        // Ranking expands both branches, each with its own words.
        assert_eq!(
            q.ranking_expanded(words).unwrap().as_deref(),
            Some(
                "(folded : \"thanh\" AND folded : (\"nien\")) OR \
                 (exact : \"thanh\" AND exact : (\"niên\" OR \"niênx\"))"
            )
        );
        let plain = parse("thanh nien").unwrap().unwrap();
        assert_eq!(
            plain.ranking_expanded(words).unwrap(),
            plain.expanded(words).unwrap()
        );
        // Too many words, or none: no expansion (the set plan answers).
        assert_eq!(parse("th").unwrap().unwrap().expanded(words).unwrap(), None);
        assert_eq!(
            parse("qwxz").unwrap().unwrap().expanded(words).unwrap(),
            None
        );
    }

    #[test]
    fn quoted_words_are_a_phrase_and_never_a_prefix() {
        let q = parse("\"vu lang\"").unwrap().unwrap();
        assert_eq!(q.match_expr, "folded : \"vu lang\"");
        assert_eq!(q.terms, vec!["vu", "lang"]);
        let q = parse("thanh \"Vũ Lăng\"").unwrap().unwrap();
        assert_eq!(
            q.match_expr,
            "(folded : \"thanh\" AND folded : \"vu lang\") OR (exact : \"thanh\" AND exact : \"vũ lăng\")"
        );
        // Nothing to expand: the expression is prefix-free already.
        let none = |_: &str| -> diesel::QueryResult<Vec<String>> { Ok(vec![]) };
        assert_eq!(q.expanded(none).unwrap(), Some(q.filter_expr.clone()));
        assert_eq!(q.filter_expr, "folded : \"thanh\" AND folded : \"vu lang\"");
        // A word after the phrase is a prefix again; an unclosed quote runs to the end.
        let q = parse("\"vu lang\" xa").unwrap().unwrap();
        assert_eq!(q.match_expr, "folded : \"vu lang\" AND folded : \"xa\" *");
        let q = parse("xa \"vu lang").unwrap().unwrap();
        assert_eq!(q.match_expr, "folded : \"xa\" AND folded : \"vu lang\"");
        assert_eq!(parse("\"\" \"\"").unwrap(), None);
    }

    #[test]
    fn blank_or_punctuation_is_no_search_and_long_is_400() {
        assert_eq!(parse("  ").unwrap(), None);
        assert_eq!(parse("\"*-()").unwrap(), None);
        assert!(parse(&"a ".repeat(150)).is_err());
    }
}
