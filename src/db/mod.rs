//! The database: SQLite pool with the pragmas we rely on, embedded migrations, and the one way
//! handlers run Diesel code off the async workers ([`run`]).

pub mod dialect;
pub mod file;
pub mod list;
pub mod lock;
pub mod memo;
pub mod patch;
pub mod precondition;
pub mod replicas;
pub mod schema;
pub mod search;
pub mod slugs;
pub mod stats;
pub mod tallies;
pub mod tree;
mod tx;

pub use tx::{after_commit, write, WRITERS_LOCK};

use std::path::Path;
use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool, PooledConnection};
use diesel::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// PostgreSQL's migrations: one baseline equivalent to SQLite's, then the same changes.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

use crate::cli::is_postgres_url;
pub use crate::cli::{is_postgres, local_dir};

/// The connection pool, with gates in front of the blocking threads: a request waits for a
/// connection asynchronously instead of on a blocking thread of its own, so under load the
/// blocking pool keeps as many threads (and their memory) as there are connections, not one
/// per waiting request. Two lanes: reads take one of `pool_size` connections, a request that
/// may write (any method but GET, HEAD, OPTIONS) one of [`WRITE_LANE`] more of its own, so an
/// editor's write never queues behind slow reads holding every connection ([`run`]).
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<Manager>,
    reads: std::sync::Arc<tokio::sync::Semaphore>,
    writes: std::sync::Arc<tokio::sync::Semaphore>,
    /// The database file (SQLite), or its URL (PostgreSQL).
    pub path: std::path::PathBuf,
    /// The engine it runs on.
    pub engine: dialect::Dialect,
    /// Read replicas (PostgreSQL), when configured.
    pub replicas: Option<std::sync::Arc<replicas::Replicas>>,
    /// What the pool and SQLite count, for `/metrics`.
    pub stats: std::sync::Arc<stats::DbStats>,
    /// `{database}.lock`, held shared while the pool lives: `doan-api restore` refuses to
    /// replace a database any process (server or command) has open.
    _lock: Option<std::sync::Arc<std::fs::File>>,
}

/// How long a request waits for a connection before a 503.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections of the writers' own lane, beyond the readers' `pool_size`: SQLite writes one at
/// a time, so one writes while the next prepares (and waits for the lock, not for a reader).
pub const WRITE_LANE: u32 = 2;

/// Which gate a piece of database work passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Read,
    Write,
}
pub type DbConn = PooledConnection<Manager>;

/// The connection every repository works on: the one name outside `db` for the backend's
/// connection (SQLite today), so that a second backend changes this line, not every module.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Open a connection on the engine `url` names: a `postgres://` (or `postgresql://`) URL is
/// PostgreSQL, anything else a SQLite file (or `file:` URI). Chosen here rather than by
/// trying each engine in turn, which would hide why the right one failed.
pub fn open(url: &str) -> diesel::ConnectionResult<Conn> {
    use diesel::Connection;
    if is_postgres_url(url) {
        diesel::PgConnection::establish(url).map(Conn::Pg)
    } else {
        SqliteConnection::establish(url).map(Conn::Sqlite)
    }
}

/// Opens the pool's connections with [`open`].
#[derive(Debug, Clone)]
pub struct Manager {
    pub(crate) url: String,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        open(&self.url).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        diesel::r2d2::R2D2Connection::ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// A raw statement written in SQLite's spelling, rendered for the engine `conn` speaks
/// ([`dialect::Dialect::render`]): the one way to write raw SQL outside `db::list`.
#[allow(clippy::disallowed_methods)]
pub fn sql(conn: &Conn, text: impl AsRef<str>) -> diesel::query_builder::SqlQuery {
    diesel::sql_query(
        dialect::Dialect::of(conn)
            .render(text.as_ref())
            .into_owned(),
    )
}

/// A raw statement the connection prepares once and keeps (Diesel runs every `sql_query`
/// unprepared: parsed and planned on each run). Only for statements whose text is fixed
/// whatever their input (the binds vary, never the SQL), so a connection keeps one prepared
/// statement per call site; and only where any plan suits every input (lookups by key), since
/// PostgreSQL may settle on a generic plan for a prepared statement.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared(query)
}

/// See [`prepared`].
#[derive(Debug, Clone)]
pub struct Prepared<Q>(Q);

impl<Q> diesel::query_builder::QueryFragment<Backend> for Prepared<Q>
where
    Q: diesel::query_builder::QueryFragment<Backend>,
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, Backend>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Backend) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    // Cached by its SQL text, not by a type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> diesel::RunQueryDsl<C> for Prepared<Q> {}

/// The backend of [`Conn`]: what rows of raw SQL are read with.
pub type Backend = <Conn as diesel::Connection>::Backend;

/// The same Diesel code on the engine's own connection, written once: for what a connection
/// over several engines cannot express (upserts: `on_conflict`).
#[macro_export]
macro_rules! on_engine {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Pg($c) => $body,
        }
    };
}

/// A pooled connection taken outside a request (a command, startup, a checkpoint), with the
/// gate's permit it counts under: the connection goes back to the pool before the permit.
pub struct BlockingConn {
    conn: DbConn,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for BlockingConn {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for BlockingConn {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl DbPool {
    /// A connection for blocking code (never on an async worker), through the readers' gate
    /// as [`run`]: waits (polling, counted) up to the connection timeout for a permit.
    pub fn blocking_conn(&self) -> Result<BlockingConn, AppError> {
        self.blocking_conn_in(Lane::Read)
    }

    /// [`Self::blocking_conn`] in the given lane.
    pub fn blocking_conn_in(&self, lane: Lane) -> Result<BlockingConn, AppError> {
        let gate = self.gate(lane);
        let permit = match gate.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.stats.pool_waits.inc();
                let waited = std::time::Instant::now();
                let permit = loop {
                    match gate.clone().try_acquire_owned() {
                        Ok(permit) => break permit,
                        Err(tokio::sync::TryAcquireError::Closed) => {
                            return Err(AppError::internal("the database gate is closed"))
                        }
                        Err(tokio::sync::TryAcquireError::NoPermits)
                            if waited.elapsed() >= CONNECTION_TIMEOUT =>
                        {
                            return Err(self.timed_out());
                        }
                        Err(tokio::sync::TryAcquireError::NoPermits) => {
                            std::thread::sleep(Duration::from_millis(5))
                        }
                    }
                };
                self.stats
                    .pool_wait_seconds
                    .observe(waited.elapsed().as_secs_f64());
                permit
            }
        };
        let conn = self
            .pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("database connection unavailable: {e}")))?;
        Ok(BlockingConn {
            conn,
            _permit: permit,
        })
    }

    /// Serve anonymous reads from these replicas of the (PostgreSQL) primary when they are
    /// within `max_lag` and have replayed what the client last saw written
    /// ([`replicas`]); each write then records its commit's WAL position.
    pub fn with_replicas(
        mut self,
        urls: &[String],
        pool_size: u32,
        max_lag: Duration,
    ) -> anyhow::Result<Self> {
        if urls.is_empty() {
            return Ok(self);
        }
        if self.engine != dialect::Dialect::Postgres {
            anyhow::bail!("read replicas need a PostgreSQL primary (--database postgres://…)");
        }
        let replicas = std::sync::Arc::new(replicas::Replicas::open(urls, pool_size, max_lag)?);
        replicas::Replicas::watch(&replicas, self.pool.clone());
        tx::record_positions();
        self.replicas = Some(replicas);
        Ok(self)
    }

    /// A path whose folder holds scratch files (an export or backup being spooled): the
    /// database's own on SQLite (same disk, renames stay cheap), the system's temporary
    /// folder on PostgreSQL.
    pub fn scratch_anchor(&self) -> std::path::PathBuf {
        match self.engine {
            dialect::Dialect::Sqlite => self.path.clone(),
            dialect::Dialect::Postgres => std::env::temp_dir().join("doan"),
        }
    }

    /// The pool's connections now (open, idle), for `/metrics`.
    pub fn state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    /// The most connections the pool opens.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    fn gate(&self, lane: Lane) -> &std::sync::Arc<tokio::sync::Semaphore> {
        match lane {
            Lane::Read => &self.reads,
            Lane::Write => &self.writes,
        }
    }

    /// No permit came within the connection timeout: counted, a 503.
    fn timed_out(&self) -> AppError {
        self.stats.pool_timeouts.inc();
        AppError::Unavailable("database connection unavailable: timed out".into())
    }
}

/// Pragmas set on every pooled connection (SQLite keeps most of them per connection).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        if let Conn::Pg(_) = conn {
            // A statement waits for a row lock (or the writers' lock) as long as SQLite
            // waits for its write lock, then fails as busy (a 503); timestamps are UTC.
            return conn
                .batch_execute(&format!(
                    "SET lock_timeout = {busy}; SET TIME ZONE 'UTC';",
                    busy = stats::BUSY_TIMEOUT.as_millis()
                ))
                .map_err(diesel::r2d2::Error::QueryError);
        }
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {busy};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -{CACHE_KIB};",
            busy = stats::BUSY_TIMEOUT.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The soft limit of the memory SQLite allocates in the process, in bytes (a batch job such
/// as the synthetic seed lifts it for its own run).
pub const SQLITE_HEAP_LIMIT: i64 = 64 << 20;

/// The page cache of each pooled connection, in KiB: the hot pages of the indexes lists walk;
/// the OS caches the rest of the file.
pub const CACHE_KIB: i64 = 4000;

/// Open (creating the file and its directory if needed) and migrate the database: `max_size`
/// connections for reads and `write_lane` more for requests that write (a server's
/// [`WRITE_LANE`]; 0 for a command, whose writes share its connections).
pub fn connect(path: &Path, max_size: u32, write_lane: u32) -> anyhow::Result<DbPool> {
    if is_postgres(path) {
        return connect_postgres(path, max_size, write_lane);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the database directory {}: {e}",
                dir.display()
            )
        })?;
    }
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the database path is not valid UTF-8"))?;
    let lock = lock::hold_shared(path)?;
    // One connection first: switch to WAL (persistent in the file) and migrate, before the pool
    // opens others — a journal-mode change competing with a migration would fail with BUSY.
    {
        let mut first = open(url)
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", path.display()))?;
        // 8 KiB pages for a new database (no effect on an existing one): an activity's body
        // is a few kilobytes, which 4 KiB pages store one per page with much of it unused.
        first
            .batch_execute("PRAGMA page_size = 8192;")
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", path.display()))?;
        // SQLite's memory, all connections together: past this, page caches give back pages
        // before taking more. Big sorts and sets (a search's hits, the bloc's subtree) spill
        // to temporary files (the default `temp_store`), which the OS caches outside the
        // process, instead of growing the heap by their size.
        first
            .batch_execute(&format!("PRAGMA soft_heap_limit = {SQLITE_HEAP_LIMIT};"))
            .map_err(|e| {
                anyhow::anyhow!("cannot configure the database {}: {e}", path.display())
            })?;
        Pragmas.on_acquire(&mut first).map_err(|e| {
            anyhow::anyhow!("cannot configure the database {}: {e}", path.display())
        })?;
        migrate(&mut first)?;
    }
    pool_of(path, url, max_size, write_lane, Some(lock))
}

/// The pool over a migrated database.
fn pool_of(
    path: &Path,
    url: &str,
    max_size: u32,
    write_lane: u32,
    lock: Option<std::fs::File>,
) -> anyhow::Result<DbPool> {
    let manager = Manager {
        url: url.to_string(),
    };
    let pool = Pool::builder()
        .max_size(max_size + write_lane)
        .min_idle(Some(1))
        // A ping before every checkout is a round trip per request to a PostgreSQL server (free
        // in SQLite's process): instead a connection that failed is tested after the failure
        // and dropped if dead ([`run_routed`]), and a read it failed under runs again.
        .test_on_check_out(!is_postgres(path))
        .connection_timeout(CONNECTION_TIMEOUT)
        .connection_customizer(Box::new(Pragmas))
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", shown(path)))?;
    let gate = |n: u32| std::sync::Arc::new(tokio::sync::Semaphore::new(n as usize));
    Ok(DbPool {
        pool,
        reads: gate(max_size),
        // A command's pool has no lane of its own for writes: they share its connections
        // (a spare connection would be opened beside a batch job's own settings).
        writes: gate(write_lane.max(1)),
        path: path.to_path_buf(),
        engine: if is_postgres(path) {
            dialect::Dialect::Postgres
        } else {
            dialect::Dialect::Sqlite
        },
        replicas: None,
        stats: Default::default(),
        _lock: lock.map(std::sync::Arc::new),
    })
}

/// How a database is named in messages and logs: a SQLite path as it is; a PostgreSQL URL
/// without its password.
pub fn shown(database: &Path) -> String {
    let text = database.to_string_lossy();
    if !is_postgres(database) {
        return text.into_owned();
    }
    // postgres://user:password@host/db → postgres://user:***@host/db
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &text[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &text[..scheme + 3],
                    &credentials[..colon],
                    &text[at..]
                ),
                None => text.into_owned(),
            }
        }
        _ => text.into_owned(),
    }
}

/// Open and migrate a PostgreSQL database. Several nodes may start at once: the migrations
/// run under a session advisory lock, so one applies them and the others find them applied.
fn connect_postgres(path: &Path, max_size: u32, write_lane: u32) -> anyhow::Result<DbPool> {
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the database URL is not valid UTF-8"))?;
    let mut first =
        open(url).map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", shown(path)))?;
    Pragmas
        .on_acquire(&mut first)
        .map_err(|e| anyhow::anyhow!("cannot configure the database {}: {e}", shown(path)))?;
    first
        .batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(|e| anyhow::anyhow!("cannot lock the database for migrations: {e}"))?;
    let migrated = migrate(&mut first);
    let unlocked = first.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    migrated?;
    unlocked.map_err(|e| anyhow::anyhow!("cannot unlock the database after migrations: {e}"))?;
    drop(first);
    pool_of(path, url, max_size, write_lane, None)
}

/// The advisory lock key the PostgreSQL migrations run under (any fixed number of our own).
const MIGRATION_LOCK: i64 = 0x646f_616e_0001;

/// Apply every pending embedded migration of the connection's engine.
pub fn migrate(conn: &mut Conn) -> anyhow::Result<usize> {
    let migrations = match conn {
        Conn::Sqlite(_) => MIGRATIONS,
        Conn::Pg(_) => PG_MIGRATIONS,
    };
    let applied = conn
        .run_pending_migrations(migrations)
        .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    Ok(applied.len())
}

/// Run blocking Diesel work on actix's blocking thread pool, never on an async worker: in the
/// writers' lane for a request that may write (its context says so), else the readers'. The
/// background writers (the clock, the webhook worker, the audit clean-up) stay in the readers'
/// lane: the writers' few connections are the editors', never held by a periodic task waiting
/// for the lock.
///
/// An anonymous read may go to a read replica; if the replica fails under it (stopped, its
/// connection cut), the read runs again on the primary: that is why `f` is `Clone` (a
/// closure over its query and keys). Work whose closure cannot be cloned (it holds a
/// precondition, a permit, a spool) is a write or an admin's: [`run_on_primary`].
pub async fn run<F, T>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Clone + Send + 'static,
    T: Send + 'static,
{
    run_routed(pool, true, f, |f: &F| Some(f.clone())).await
}

/// [`run`] on the primary whoever asks: readiness checks (the database writes go to), and
/// writes and admin work whose closure holds what cannot be cloned (a precondition, a permit).
pub async fn run_on_primary<F, T>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    run_routed(pool, false, f, |_: &F| None).await
}

/// `again` gives a second copy of `f` for a read that a replica failed under (none: the
/// failure is the answer).
async fn run_routed<F, T, A>(
    pool: &DbPool,
    may_use_replica: bool,
    f: F,
    again: A,
) -> Result<T, AppError>
where
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
    A: FnOnce(&F) -> Option<F> + Send + 'static,
{
    // The request's context (who asks, from where, whether it may write): it chooses the lane
    // and follows the work onto the blocking thread, so what it changes is audited as theirs.
    let meta = crate::context::capture();
    let lane = match &meta {
        Some(m) if m.writes => Lane::Write,
        _ => Lane::Read,
    };
    let gate = pool.gate(lane).clone();
    let permit = match gate.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            // Every connection is in use: wait (asynchronously), counted and timed.
            pool.stats.pool_waits.inc();
            let waited = std::time::Instant::now();
            let permit = tokio::time::timeout(CONNECTION_TIMEOUT, gate.acquire_owned())
                .await
                .map_err(|_| pool.timed_out())?
                .map_err(|e| AppError::internal(format!("the database gate is closed: {e}")))?;
            pool.stats
                .pool_wait_seconds
                .observe(waited.elapsed().as_secs_f64());
            permit
        }
    };
    // An anonymous read may go to a replica that has replayed what the client saw written.
    let replica = match (&meta, &pool.replicas) {
        (Some(m), Some(replicas))
            if may_use_replica && lane == Lane::Read && !m.writes && m.actor.is_none() =>
        {
            Some((replicas.clone(), m.seen.unwrap_or(0)))
        }
        _ => None,
    };
    // A request that writes nothing may run again if its connection was lost under it.
    let rerun_safe = matches!(&meta, Some(m) if !m.writes) && lane == Lane::Read;
    let stats = pool.stats.clone();
    let pool = pool.pool.clone();
    // The request's span (with its id) follows the work onto the blocking thread, so what is
    // logged there says which request it served.
    let span = tracing::Span::current();
    web::block(move || {
        let _permit = permit;
        span.in_scope(|| {
            crate::context::with(meta, || {
                stats::with(stats, || {
                    let from_replica = replica.as_ref().and_then(|(replicas, seen)| {
                        let chosen = replicas
                            .choose(*seen)
                            .and_then(|r| replicas::Replicas::connection(r).map(|conn| (r, conn)));
                        let target = if chosen.is_some() {
                            "replica"
                        } else {
                            "primary"
                        };
                        replicas.reads.with_label_values(&[target]).inc();
                        chosen.map(|(r, conn)| (replicas, r, conn))
                    });
                    let Some((replicas, chosen, mut conn)) = from_replica else {
                        let mut conn = pool.get()?;
                        let second = if rerun_safe { again(&f) } else { None };
                        if second.is_none() && connection_lost(&mut conn, None) {
                            // Work that cannot run twice (a write, background work) tests its
                            // connection first: one round trip, where a read would rather risk
                            // running twice.
                            drop(conn);
                            conn = live_connection(&pool)?;
                        }
                        return match f(&mut conn) {
                            Err(e) if connection_lost(&mut conn, Some(&e)) => match second {
                                // The server closed the connection (a restart, a fail-over, a
                                // proxy's idle timeout): a read runs again on a fresh one.
                                Some(second) => {
                                    drop(conn);
                                    second(&mut *live_connection(&pool)?)
                                }
                                None => Err(AppError::Unavailable(
                                    "the connection to the database was lost; try again".into(),
                                )),
                            },
                            result => result,
                        };
                    };
                    let second = again(&f);
                    match (f(&mut conn), second) {
                        (Err(e), Some(second)) if replicas::failed_under(&mut conn, &e) => {
                            // The replica went away mid-read: skipped from now on (until the
                            // watcher sees it back), and this read answered by the primary.
                            chosen.fail(format!("down: a read failed on it ({e})"));
                            replicas.reads.with_label_values(&["retried"]).inc();
                            drop(conn);
                            let mut conn = pool.get()?;
                            second(&mut conn)
                        }
                        (result, _) => result,
                    }
                })
            })
        })
    })
    .await
    .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// Whether a PostgreSQL connection is one the server no longer answers on (its pool does not
/// ping at checkout): before work (`err` none), or after work failed with `err`. If so the
/// connection is marked broken, so the pool drops it rather than hand it to the next request.
/// Only failures that may be the connection's are tested (a 404 or a 409 is an answer).
fn connection_lost(conn: &mut Conn, err: Option<&AppError>) -> bool {
    use diesel::connection::{TransactionManager, TransactionManagerStatus};
    if !matches!(
        err,
        None | Some(AppError::Internal(_) | AppError::Unavailable(_))
    ) || !matches!(conn, Conn::Pg(_))
        || diesel::r2d2::R2D2Connection::ping(conn).is_ok()
    {
        return false;
    }
    if let Conn::Pg(pg) = conn {
        let status: &mut TransactionManagerStatus =
            diesel::connection::AnsiTransactionManager::transaction_manager_status_mut(pg);
        status.set_in_error();
    }
    true
}

/// A pooled connection that answers: after one was found lost, the others the pool holds
/// were likely lost with it (the server restarted), so each is tested until one answers or the
/// pool opens a new one.
fn live_connection(pool: &Pool<Manager>) -> Result<DbConn, AppError> {
    for _ in 0..pool.max_size() {
        let mut conn = pool.get()?;
        if !connection_lost(&mut conn, None) {
            return Ok(conn);
        }
    }
    Ok(pool.get()?)
}

/// How a path segment or filter value names a row: digits only is an id, anything else a
/// slug (or username). One rule for every resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    Id(i32),
    Slug(&'a str),
}

impl<'a> Key<'a> {
    pub fn parse(key: &'a str) -> Self {
        match key.parse::<i32>() {
            Ok(id) if key.bytes().all(|b| b.is_ascii_digit()) => Key::Id(id),
            _ => Key::Slug(key),
        }
    }
}

/// The tables whose ids the database gives (an identity on PostgreSQL, `AUTOINCREMENT` on
/// SQLite).
const ID_TABLES: &[&str] = &[
    "organizations",
    "users",
    "clusters",
    "tags",
    "activities",
    "activity_documents",
    "activity_photos",
    "activity_revisions",
    "audit_log",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
    "media",
];

/// After rows were written with ids of their own (an import keeps ids): the ids given next
/// come after every id stored. SQLite's `AUTOINCREMENT` follows by itself; a PostgreSQL
/// identity does not, so each is moved past the largest id (never back: an id once given is
/// never given again).
pub fn ids_follow_rows(conn: &mut Conn) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    if let Conn::Sqlite(_) = conn {
        return Ok(());
    }
    for table in ID_TABLES {
        sql(
            conn,
            format!(
                "SELECT setval(s.seq, GREATEST(coalesce((SELECT max(id) FROM {table}), 0) + 1, \
                 nextval(s.seq)), false) FROM (SELECT pg_get_serial_sequence('{table}', 'id') AS seq) AS s"
            ),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// `now` as stored in timestamp columns (UTC, microseconds).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A timestamp as Diesel stores it in SQLite (`%F %T%.f`), for binding keyset values.
pub fn ts_text(ts: chrono::NaiveDateTime) -> String {
    ts.format("%F %T%.f").to_string()
}

/// How a checkpoint runs: `Passive` never waits for readers or writers (the periodic one);
/// `Truncate` waits for them and empties the WAL (at shutdown: the file alone is then the
/// whole database).
#[derive(Debug, Clone, Copy)]
pub enum Checkpoint {
    Passive,
    Truncate,
}

#[derive(diesel::QueryableByName)]
struct CheckpointRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// Move the WAL's pages into the database file, counted in the pool's figures.
pub fn checkpoint(pool: &DbPool, mode: Checkpoint) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    let (sql, label) = match mode {
        Checkpoint::Passive => ("PRAGMA wal_checkpoint(PASSIVE)", "passive"),
        Checkpoint::Truncate => ("PRAGMA wal_checkpoint(TRUNCATE)", "truncate"),
    };
    let mut conn = pool.blocking_conn()?;
    let row = match diesel::sql_query(sql).get_result::<CheckpointRow>(&mut *conn) {
        Ok(row) => row,
        Err(e) => {
            pool.stats
                .checkpoints
                .with_label_values(&[label, "error"])
                .inc();
            return Err(e.into());
        }
    };
    // `busy`: it could not finish (a reader or writer in the way); `log` is -1 when the
    // database is not in WAL mode.
    let outcome = if row.busy != 0 { "busy" } else { "done" };
    pool.stats
        .checkpoints
        .with_label_values(&[label, outcome])
        .inc();
    pool.stats.wal_frames.set(i64::from(row.log.max(0)));
    pool.stats
        .wal_frames_checkpointed
        .set(i64::from(row.checkpointed.max(0)));
    if row.busy == 0 {
        pool.stats
            .last_checkpoint
            .set(chrono::Utc::now().timestamp());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn digits_only_name_an_id_anything_else_a_slug() {
        assert_eq!(Key::parse("42"), Key::Id(42));
        assert_eq!(
            Key::parse("cum-thi-dua-so-4"),
            Key::Slug("cum-thi-dua-so-4")
        );
        assert_eq!(Key::parse("+4"), Key::Slug("+4"));
        assert_eq!(Key::parse("-4"), Key::Slug("-4"));
        // Too large for an id: no row can match it as a slug either (slugs are never all digits).
        assert_eq!(Key::parse("99999999999"), Key::Slug("99999999999"));
    }
}
