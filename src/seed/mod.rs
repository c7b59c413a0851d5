//! `doan-api seed --synthetic N`: deterministic, realistic volume for benchmarks — Vietnamese
//! text from the seed page's own sentences, activities spread over units, five years,
//! categories, tags and full cluster rosters. Rows go in large transactions; the one secondary
//! index whose keys arrive in random order is rebuilt at the end (STACK.md trap 16); the
//! search index is written in large segments.

use crate::db::Conn;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::activities::dto::{Category, DatePrecision};
use crate::activities::render;
use crate::db::schema::{
    activities, activity_bodies, activity_partners, activity_tags, organizations, tags,
};
use crate::organizations::dto::{OrgKind, OrganizationFields};
use crate::organizations::repo as orgs;
use crate::{db, demo, text};

mod generate;

use generate::*;

diesel::table! {
    /// The FTS5 index, for bulk inserts (contentless: rowid plus the two folded texts).
    activities_fts (rowid) {
        rowid -> BigInt,
        exact -> Text,
        folded -> Text,
    }
}

/// What a run added, and how fast.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub units: usize,
    pub clusters: usize,
    pub activities: usize,
    pub seconds: f64,
}

impl Report {
    pub fn rows_per_second(&self) -> f64 {
        self.activities as f64 / self.seconds.max(1e-9)
    }
}

/// Create (where missing) the bloc's synthetic units, six clusters with rosters for five
/// years, and the campaign tags.
fn ensure_world(conn: &mut Conn) -> anyhow::Result<(usize, usize)> {
    demo::load_organizations(conn)?;
    let bloc = orgs::lookup(conn, &demo::slug_of(demo::BLOC))?
        .ok_or_else(|| anyhow::anyhow!("the bloc is missing"))?;
    let mut units = 0;
    for agency in AGENCIES {
        let name = format!("Chi đoàn {agency}");
        let slug = text::slugify(&name);
        if orgs::lookup(conn, &slug)?.is_some() {
            continue;
        }
        let fields =
            OrganizationFields::named(name, OrgKind::GrassrootsBranch, Some(i64::from(bloc)));
        orgs::create(conn, Some(slug), fields).map_err(|e| anyhow::anyhow!("{e}"))?;
        units += 1;
    }
    let members: Vec<i32> = organizations::table
        .filter(organizations::parent_id.eq(bloc))
        .order(organizations::sort_key)
        .select(organizations::id)
        .load(conn)?;
    let now = db::now();
    let mut clusters = 0;
    for number in 1..=6 {
        let name = format!("Cụm thi đua số {number}");
        let slug = text::slugify(&name);
        let id = match crate::db::tree::lookup_cluster(conn, &slug)? {
            Some(id) => id,
            None => {
                clusters += 1;
                let input = crate::clusters::dto::CreateCluster {
                    slug: Some(slug.clone()),
                    name: name.clone(),
                    number: i64::from(number),
                    bloc_id: i64::from(bloc),
                    description: None,
                    active: true,
                };
                crate::clusters::repo::create(conn, &input)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .id
            }
        };
        // Every sixth unit of the bloc, roles rotating each year.
        let roster: Vec<i32> = members
            .iter()
            .copied()
            .skip(number as usize - 1)
            .step_by(6)
            .collect();
        for year in 2020..=2024 {
            let n = roster.len();
            for (pos, unit) in roster.iter().enumerate() {
                let turn = (pos + n - (year as usize % n.max(1))) % n.max(1);
                let role = match turn {
                    0 => "head",
                    1 => "standing_deputy",
                    2 | 3 => "deputy",
                    _ => "member",
                };
                crate::db::sql(
                    conn,
                    "INSERT INTO cluster_members (cluster_id, year, organization_id, bloc_id, role, position) \
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind::<Integer, _>(id)
                .bind::<Integer, _>(year)
                .bind::<Integer, _>(*unit)
                .bind::<Integer, _>(bloc)
                .bind::<Text, _>(role)
                .bind::<Integer, _>(pos as i32)
                .execute(conn)?;
            }
        }
    }
    for campaign in CAMPAIGNS {
        let slug = text::slugify(campaign);
        crate::on_engine!(&mut *conn, |c| diesel::insert_into(tags::table)
            .values((
                tags::slug.eq(&slug),
                tags::name.eq(*campaign),
                tags::sort_key.eq(text::sort_key(campaign)),
                tags::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok((units, clusters))
}

/// Tables the seed fills.
const SEEDED_TABLES: &str = "'activities', 'activity_tags', 'activity_partners'";

/// Indexes dropped before the load and rebuilt after it: those whose keys arrive in random
/// order. The others stay: the generator gives dates in id order, so every index keyed by
/// (something, state, date, id), by publication time, by update time or by id grows at a few
/// hot spots, which costs less than rebuilding it (one more scan and sort of the table).
const REBUILT_INDEXES: &[&str] = &["activities_title"];

fn drop_indexes(conn: &mut Conn) -> anyhow::Result<Vec<String>> {
    // (PostgreSQL keeps its indexes through the load.)
    if let Conn::Pg(_) = conn {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        sql: String,
    }
    let indexes: Vec<Index> = diesel::sql_query(format!(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ({SEEDED_TABLES})"
    ))
    .load(conn)?;
    let dropped: Vec<Index> = indexes
        .into_iter()
        .filter(|i| REBUILT_INDEXES.contains(&i.name.as_str()))
        .collect();
    for index in &dropped {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name)).execute(conn)?;
    }
    Ok(dropped.into_iter().map(|i| i.sql).collect())
}

/// Write queued search entries, one single-row statement each. FTS5 flushes its in-memory
/// terms to a new on-disk segment whenever a statement opens a savepoint, which every
/// multi-row INSERT does; single-row inserts, written after the transaction's multi-row
/// statements, leave the terms in memory until the hash is full or the transaction commits, so
/// the index is built from a few large segments instead of one per batch.
fn insert_fts(conn: &mut Conn, pending: &mut Vec<(i64, String, String)>) -> anyhow::Result<()> {
    if let Conn::Pg(_) = conn {
        for (rowid, exact, folded) in pending.drain(..) {
            crate::db::search::insert_entry(conn, "activities_fts", rowid, &exact, &folded)?;
        }
        return Ok(());
    }
    for (rowid, exact, folded) in pending.drain(..) {
        diesel::insert_into(activities_fts::table)
            .values((
                activities_fts::rowid.eq(rowid),
                activities_fts::exact.eq(exact),
                activities_fts::folded.eq(folded),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Rows per batch the generator hands over (one multi-row INSERT per table; 1,500 rows stay under
/// SQLite's limit of 32,766 bound values).
const CHUNK: usize = 1500;
/// Rows per transaction. FTS5 writes one segment of the index per transaction; 250,000 rows
/// keep a 1,000,000-row load at four segments. There is no final 'optimize' (one segment): it
/// took 6 s at 1,000,000 rows and searches measured no faster after it (`bench/`); FTS5's own
/// automerge merges segments as later writes come.
const TX_ROWS: usize = 250_000;
/// FTS5 keeps up to this many bytes of new terms in memory before it writes a segment (its
/// default, restored at the end, is 1 MiB); a transaction's terms fit.
const FTS_HASH_BYTES: usize = 512 << 20;

/// The generator's fixed inputs, read from the database once.
fn world(conn: &mut Conn, total: usize) -> anyhow::Result<World> {
    let bloc = orgs::lookup(conn, &demo::slug_of(demo::BLOC))?.unwrap_or_default();
    let units: Vec<(i32, String)> = organizations::table
        .filter(organizations::kind.ne("partner"))
        .filter(organizations::id.ne(bloc))
        .order(organizations::id)
        .select((organizations::id, organizations::name))
        .load(conn)?;
    let partner_ids: Vec<i32> = organizations::table
        .order(organizations::id)
        .select(organizations::id)
        .load(conn)?;
    let tags: Vec<(i32, String)> = tags::table
        .order(tags::id)
        .select((tags::id, tags::name))
        .load(conn)?;
    let cluster_rows: Vec<i32> = crate::db::schema::clusters::table
        .order(crate::db::schema::clusters::id)
        .select(crate::db::schema::clusters::id)
        .load(conn)?;
    let first_id: i32 = activities::table
        .select(diesel::dsl::max(activities::id))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0)
        + 1;
    let start_day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let days = (NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date") - start_day).num_days();
    Ok(World {
        units: units
            .into_iter()
            .map(|(id, name)| Named::new(id, name))
            .collect(),
        partner_ids,
        tags: tags
            .into_iter()
            .map(|(id, name)| Named::new(id, name))
            .collect(),
        places: PLACES.iter().map(|p| Named::new((), *p)).collect(),
        cluster_rows,
        pool: sentences()
            .into_iter()
            .map(|s| Sentence {
                folded: text::fold(&s),
                html: render::paragraphs_html(&s)
                    .trim_start_matches("<p>")
                    .trim_end_matches("</p>\n")
                    .to_string(),
                text: s,
            })
            .collect(),
        start_day,
        days,
        first_id,
        total,
        now: db::ts_text(db::now()),
    })
}

/// Insert `n` synthetic activities (deterministic for a given `seed` and starting state).
///
/// This thread writes to SQLite while a second one makes the rows (text, folding, sort keys,
/// HTML). The load is tuned for one writer and nothing else: no journal (a failed seed leaves a
/// database to throw away), no foreign-key checks (every reference comes from the database
/// itself), a 1 GiB page cache, the secondary index that would grow out of order dropped and
/// rebuilt at the end, and FTS5 writing one large segment per transaction. Memory: about 2 GB
/// at 1,000,000 rows (page cache, one transaction's search entries, FTS5's pending terms).
pub fn synthetic(conn: &mut Conn, n: usize, seed: u64, progress: bool) -> anyhow::Result<Report> {
    let started = Instant::now();
    // Rows already there get the entries the new ones will have.
    crate::activities::repo::reindex_if_stale(conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (units, clusters) = ensure_world(conn)?;
    let world = world(conn, n)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(n as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} activities, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Conn::Pg(_) = conn {
        // Commits need not wait for the disk during the load (a crash loses the load, never
        // what was there before).
        conn.batch_execute("SET synchronous_commit = off")?;
        let loaded = load(conn, &world, &mut rng, n, &bar);
        let restored = conn.batch_execute("RESET synchronous_commit");
        loaded?;
        restored?;
        bar.finish_and_clear();
        return Ok(Report {
            units,
            clusters,
            activities: n,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    conn.batch_execute(&format!(
        "PRAGMA foreign_keys = OFF;
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA soft_heap_limit = 0;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -1048576;
         PRAGMA threads = 2;
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 0);
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('hashsize', {FTS_HASH_BYTES});"
    ))?;
    let loaded = load(conn, &world, &mut rng, n, &bar);
    // Whatever happened, the connection goes back to the settings every other one uses.
    let restored = conn.batch_execute(&format!(
        "INSERT INTO activities_fts (activities_fts, rank) VALUES ('hashsize', 1048576);
         INSERT INTO activities_fts (activities_fts, rank) VALUES ('automerge', 4);
         PRAGMA cache_size = -{};
         PRAGMA temp_store = DEFAULT;
         PRAGMA soft_heap_limit = {};
         PRAGMA synchronous = NORMAL;
         PRAGMA journal_mode = WAL;
         PRAGMA foreign_keys = ON;",
        crate::db::CACHE_KIB,
        crate::db::SQLITE_HEAP_LIMIT
    ));
    loaded?;
    restored?;
    bar.finish_and_clear();
    Ok(Report {
        units,
        clusters,
        activities: n,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The load itself: rows and search entries, then the dropped indexes.
fn load(
    conn: &mut Conn,
    world: &World,
    rng: &mut StdRng,
    n: usize,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let recreate = drop_indexes(conn)?;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // The receiver is dropped as soon as this thread stops reading (even on an error), so
        // that the generator's blocked send returns instead of holding the scope open.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(8);
        scope.spawn(move || {
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                if tx.send(world.generate(rng, start, end)).is_err() {
                    return;
                }
                start = end;
            }
        });
        let mut done = 0usize;
        let mut pending_fts = Vec::with_capacity(TX_ROWS.min(n));
        // The tallies are counted once at the end, not kept row by row.
        crate::db::write(conn, crate::db::tallies::due_for_rebuild)?;
        while done < n {
            let tx_end = (done + TX_ROWS).min(n);
            crate::db::write(conn, |conn| -> anyhow::Result<()> {
                while done < tx_end {
                    let chunk = rx
                        .recv()
                        .map_err(|_| anyhow::anyhow!("the generator stopped"))?;
                    let count = chunk.rows.len();
                    chunk.insert(conn, &mut pending_fts)?;
                    bar.inc(count as u64);
                    done += count;
                }
                insert_fts(conn, &mut pending_fts)
            })?;
        }
        Ok(())
    })?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "rows inserted");
    bar.set_message("rebuilding indexes");
    for sql in recreate {
        diesel::sql_query(sql).execute(conn)?;
    }
    // The rows came with their ids: the next ones given come after them.
    crate::db::ids_follow_rows(conn)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "indexes rebuilt");
    bar.set_message("counting the tallies");
    crate::db::write(conn, crate::db::tallies::rebuild)?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "tallies counted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator composes search entries and HTML from pre-folded, pre-escaped parts; they
    /// must be exactly what the application's own helpers make of the same activity.
    #[test]
    fn composed_entries_match_the_search_and_render_helpers() {
        let mut conn = crate::db::open(":memory:").expect("database");
        db::migrate(&mut conn).expect("migrations");
        ensure_world(&mut conn).expect("world");
        let world = world(&mut conn, 300).expect("world");
        let mut rng = StdRng::seed_from_u64(7);
        let chunk = world.generate(&mut rng, 0, 300);
        let tags: std::collections::HashMap<i32, &str> = world
            .tags
            .iter()
            .map(|t| (t.key, t.name.as_str()))
            .collect();
        let units: std::collections::HashMap<i32, &str> = world
            .units
            .iter()
            .map(|u| (u.key, u.name.as_str()))
            .collect();
        for ((row, body), (rowid, exact, folded)) in
            chunk.rows.iter().zip(&chunk.bodies).zip(&chunk.fts)
        {
            assert_eq!(i64::from(row.id), *rowid);
            let body_text = body.body.as_deref().unwrap_or_default();
            assert_eq!(
                body.body_html.as_deref(),
                Some(render::paragraphs_html(body_text).as_str())
            );
            let tag_text = chunk
                .tag_links
                .iter()
                .filter(|(a, _, _)| *a == row.id)
                .map(|(_, t, _)| tags[t])
                .collect::<Vec<_>>()
                .join(" \n ");
            let expected = crate::db::search::entry(
                &[
                    Some(row.title.as_str()),
                    row.summary.as_deref(),
                    row.location,
                    Some(units[&row.organizer_id]),
                    Some(tag_text.as_str()),
                    Some(body_text),
                ],
                crate::activities::repo::RANKED_TEXTS,
            );
            assert_eq!((exact, folded), (&expected.0, &expected.1), "{}", row.title);
        }
    }
}
