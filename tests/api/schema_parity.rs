//! The two migration sets cannot drift apart: `migrations/sqlite/*` (`db::MIGRATIONS`) and the
//! PostgreSQL baseline (`db::PG_MIGRATIONS`) are applied to fresh databases and their catalogs
//! compared — the same tables and views, the same columns in the same order with the same
//! nullability, type family and primary key, the same unique constraints, and for every plain
//! SQLite index a PostgreSQL index that serves the same purpose (same leading columns, same
//! partial-ness). A migration added to one folder and not (or differently) to the other fails
//! here. Differences by design are allow-listed in `SQLITE_ONLY`, each with its reason (see the
//! baseline's header); the full-text tables are compared by name only (FTS5 virtual tables on
//! SQLite, `(rowid, exact, folded)` tsvector tables and a table of their words on PostgreSQL).
//! The comparison needs `DOAN_TEST_POSTGRES` (CI sets it); without it only the SQLite side is
//! read and checked (allow-list not stale, every column type mapped), then the test returns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use diesel::query_builder::SqlQuery;
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};
use doan_api::db::{sql, Conn};

use crate::helpers::{fresh_postgres_database, postgres_server};

/// Tables only SQLite has, by design, and why.
const SQLITE_ONLY: &[(&str, &str)] = &[(
    "data_version",
    "a row every writer updates would serialise them",
)];

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
    /// A full-text table (on SQLite: a virtual table).
    #[diesel(sql_type = Bool)]
    fts: bool,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    /// NOT NULL, or in the primary key (SQLite's `INTEGER PRIMARY KEY` says notnull 0).
    #[diesel(sql_type = Bool)]
    not_null: bool,
    /// The column's place in the primary key (1-based), 0 when not in it.
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Bool)]
    uniq: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
    #[diesel(sql_type = Bool)]
    primary: bool,
    /// Key columns in order, joined by ',' (`<expr>` for an expression).
    #[diesel(sql_type = Text)]
    cols: String,
}

#[derive(Default)]
struct Schema {
    /// Ordinary tables and their columns, in order.
    tables: BTreeMap<String, Vec<Column>>,
    fts: BTreeSet<String>,
    views: BTreeSet<String>,
    /// Every index and unique constraint of `tables` but the primary keys'.
    indexes: Vec<Index>,
}

fn load<T>(conn: &mut Conn, query: impl AsRef<str>) -> Vec<T>
where
    SqlQuery: LoadQuery<'static, Conn, T>,
{
    let query = sql(conn, query);
    query.load(conn).unwrap()
}

fn read(conn: &mut Conn, tables: &str, columns: &str, indexes: &str, views: &str) -> Schema {
    let mut schema = Schema::default();
    let rows: Vec<NameRow> = load(conn, tables);
    let virtuals: Vec<_> = rows
        .iter()
        .filter(|r| r.fts)
        .map(|r| format!("{}_", r.name))
        .collect();
    for row in rows {
        if row.fts {
            schema.fts.insert(row.name);
        } else if !virtuals.iter().any(|v| row.name.starts_with(v)) {
            // (Not one of FTS5's shadow tables, `{name}_data`, `{name}_idx`, …)
            let query = columns.replace("{table}", &row.name);
            schema.tables.insert(row.name, load(conn, query));
        }
    }
    for table in schema.tables.keys() {
        let all: Vec<Index> = load(conn, indexes.replace("{table}", table));
        let own = |i: &Index| !i.primary && &i.tbl == table;
        schema.indexes.extend(all.into_iter().filter(own));
    }
    let views: Vec<NameRow> = load(conn, views);
    schema.views = views.into_iter().map(|r| r.name).collect();
    schema
}

fn sqlite_schema(conn: &mut Conn) -> Schema {
    read(
        conn,
        "SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%' AS fts FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
           AND name <> '__diesel_schema_migrations' ORDER BY name",
        // table_xinfo, not table_info: the latter hides generated columns (activities.state).
        // `hidden` 1 is a virtual table's hidden column; 2 and 3 are generated columns.
        "SELECT name, type AS ty, \"notnull\" <> 0 OR pk > 0 AS not_null, pk
         FROM pragma_table_xinfo('{table}') WHERE hidden <> 1 ORDER BY cid",
        // UNIQUE constraints are `sqlite_autoindex_*` indexes (origin 'u').
        "SELECT name, '{table}' AS tbl, \"unique\" <> 0 AS uniq, partial <> 0 AS partial,
                origin = 'pk' AS \"primary\",
                (SELECT group_concat(coalesce(c.name, '<expr>'), ',' ORDER BY c.seqno)
                 FROM pragma_index_info(l.name) c) AS cols
         FROM pragma_index_list('{table}') l",
        "SELECT name, false AS fts FROM sqlite_master WHERE type = 'view'",
    )
}

fn postgres_schema(conn: &mut Conn) -> Schema {
    read(
        conn,
        "SELECT table_name::text AS name, (table_name::text LIKE '%\\_fts'
                OR table_name::text LIKE '%\\_fts\\_vocab') AS fts
         FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
        "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS ty,
                a.attnotnull AS not_null,
                coalesce(array_position(c.conkey, a.attnum), 0)::bigint AS pk
         FROM pg_attribute a
         LEFT JOIN pg_constraint c ON c.conrelid = a.attrelid AND c.contype = 'p'
         WHERE a.attrelid = 'public.{table}'::regclass AND a.attnum > 0
           AND NOT a.attisdropped
         ORDER BY a.attnum",
        // UNIQUE constraints have their unique index. Key columns only (not INCLUDE ones);
        // attnum 0 is an expression.
        "SELECT ic.relname::text AS name, t.relname::text AS tbl, i.indisunique AS uniq,
                i.indpred IS NOT NULL AS partial, i.indisprimary AS \"primary\",
                array_to_string(ARRAY(
                    SELECT coalesce(a.attname::text, '<expr>')
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    WHERE k.ord <= i.indnkeyatts ORDER BY k.ord), ',') AS cols
         FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = 'public.{table}'::regclass ORDER BY 1",
        "SELECT table_name::text AS name, false AS fts FROM information_schema.views
         WHERE table_schema = 'public'",
    )
}

/// The PostgreSQL types a SQLite declared type may become; `None`: a type not mapped here.
fn pg_types(sqlite_type: &str) -> Option<&'static [&'static str]> {
    let base = sqlite_type.split('(').next().unwrap_or("");
    Some(match base.trim().to_uppercase().as_str() {
        "BIGINT" => &["bigint"],
        "INTEGER" | "INT" | "SMALLINT" => &["integer", "bigint", "smallint"],
        "TEXT" | "VARCHAR" => &["text", "character varying"],
        "BLOB" => &["bytea"],
        "BOOLEAN" => &["boolean"],
        "DATE" => &["date"],
        "TIMESTAMP" | "DATETIME" => &["timestamp without time zone"],
        "DOUBLE" | "REAL" | "FLOAT" => &["double precision"],
        _ => return None,
    })
}

/// (table, sorted columns, partial) of every unique index or constraint.
fn unique_keys(schema: &Schema) -> BTreeSet<(&str, Vec<&str>, bool)> {
    let mut keys = BTreeSet::new();
    for i in schema.indexes.iter().filter(|i| i.uniq) {
        let mut columns: Vec<&str> = i.cols.split(',').collect();
        columns.sort();
        keys.insert((&*i.tbl, columns, i.partial));
    }
    keys
}

fn primary_key(columns: &[Column]) -> Vec<&str> {
    let mut key: Vec<_> = columns.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    key.into_iter().map(|c| &*c.name).collect()
}

/// Records `what` when the two engines disagree on it.
fn compare<T: PartialEq + Debug>(diffs: &mut Vec<String>, what: &str, lite: T, pg: T) {
    if lite != pg {
        diffs.push(format!("{what}: SQLite {lite:?}, PostgreSQL {pg:?}"));
    }
}

#[test]
fn the_two_engines_have_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut lite = doan_api::db::open(dir.path().join("parity.db").to_str().unwrap()).unwrap();
    doan_api::db::migrate(&mut lite).unwrap();
    let lite = sqlite_schema(&mut lite);
    let mut diffs = Vec::new();

    // What SQLite alone tells: the allow-list is not stale, every column type is mapped.
    for (table, _) in SQLITE_ONLY {
        if !lite.tables.contains_key(*table) && !lite.fts.contains(*table) {
            diffs.push(format!(
                "{table} is gone from SQLite: drop it from SQLITE_ONLY"
            ));
        }
    }
    for (table, columns) in &lite.tables {
        for c in columns.iter().filter(|c| pg_types(&c.ty).is_none()) {
            diffs.push(format!("{table}.{}: type {:?} not mapped", c.name, c.ty));
        }
    }
    let Some(server) = postgres_server() else {
        assert!(diffs.is_empty(), "SQLite schema:\n{}", diffs.join("\n"));
        eprintln!(
            "the_two_engines_have_the_same_schema: SQLite side only; comparing it with \
             PostgreSQL needs DOAN_TEST_POSTGRES (a server URL, as in CI)"
        );
        return;
    };
    let mut pg = doan_api::db::open(&fresh_postgres_database(&server)).unwrap();
    let pg = postgres_schema(&mut pg);
    let by_design = |t: &&String| SQLITE_ONLY.iter().any(|(name, _)| *name == t.as_str());

    // 1. Tables (full-text ones by name only) and views.
    let lite_tables: BTreeSet<_> = lite.tables.keys().filter(|t| !by_design(t)).collect();
    let pg_tables: BTreeSet<_> = pg.tables.keys().collect();
    for t in lite_tables.symmetric_difference(&pg_tables) {
        let only = ["PostgreSQL", "SQLite"][usize::from(lite_tables.contains(t))];
        diffs.push(format!("table {t}: only on {only}"));
    }
    let lite_fts: BTreeSet<_> = lite.fts.iter().filter(|t| !by_design(t)).collect();
    let pg_fts: BTreeSet<_> = pg.fts.iter().collect();
    compare(&mut diffs, "full-text tables", lite_fts, pg_fts);
    compare(&mut diffs, "views", &lite.views, &pg.views);

    // 2. Columns: names in order, nullability, type family; primary keys.
    for (table, lcols) in &lite.tables {
        let Some(pcols) = pg.tables.get(table) else {
            continue;
        };
        let names = |cols: &'_ [Column]| cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let what = format!("{table} columns");
        compare(&mut diffs, &what, names(lcols), names(pcols));
        for l in lcols {
            let Some(p) = pcols.iter().find(|p| p.name == l.name) else {
                continue;
            };
            let what = format!("{table}.{} NOT NULL", l.name);
            compare(&mut diffs, &what, l.not_null, p.not_null);
            if pg_types(&l.ty).is_some_and(|ok| !ok.contains(&p.ty.as_str())) {
                let what = format!("{table}.{} type", l.name);
                compare(&mut diffs, &what, &l.ty, &p.ty);
            }
        }
        let what = format!("{table} primary key");
        compare(&mut diffs, &what, primary_key(lcols), primary_key(pcols));
    }

    // 3. Unique constraints and indexes: (table, sorted columns, partial).
    let (lu, pu) = (unique_keys(&lite), unique_keys(&pg));
    for key in lu.symmetric_difference(&pu) {
        let only = ["PostgreSQL", "SQLite"][usize::from(lu.contains(key))];
        diffs.push(format!(
            "unique (table, columns, partial) {key:?}: only on {only}"
        ));
    }

    // 4. Every plain SQLite index has a PostgreSQL index for the same purpose: on the same
    // table, partial alike, its leading columns the SQLite index's columns.
    for l in lite
        .indexes
        .iter()
        .filter(|i| !i.uniq && pg.tables.contains_key(&i.tbl))
    {
        let leading: Vec<&str> = l.cols.split(',').collect();
        let served = pg.indexes.iter().any(|p| {
            let columns: Vec<&str> = p.cols.split(',').collect();
            p.tbl == l.tbl && p.partial == l.partial && columns.starts_with(&leading)
        });
        if !served {
            diffs.push(format!(
                "index {} on {} {leading:?} (partial: {}): no PostgreSQL index leads with these",
                l.name, l.tbl, l.partial
            ));
        }
    }
    let report = diffs.join("\n");
    assert!(
        diffs.is_empty(),
        "{} schema differences:\n{report}",
        diffs.len()
    );
}
