//! What the database layer counts for `/metrics`: waits for a pooled connection, waits for
//! SQLite's write lock (each retry of a `BEGIN IMMEDIATE` that found it taken), checkpoints.
//!
//! One [`DbStats`] per pool (so two servers in one process, as in the tests, count apart). The
//! work a request runs on a blocking thread ([`super::run`]) finds its pool's through a
//! thread-local, as it finds the request's audit context: [`write`] needs only the connection.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::SqliteConnection;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// How long a write waits for SQLite's write lock before it gives up (503): as long as the
/// `busy_timeout` every connection has for everything else.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// The pool's and SQLite's figures (Prometheus metrics, registered by the server).
#[derive(Clone)]
pub struct DbStats {
    /// Requests that found every connection in use and waited for one.
    pub pool_waits: IntCounter,
    /// How long those waits lasted.
    pub pool_wait_seconds: Histogram,
    /// Requests that gave up waiting (503).
    pub pool_timeouts: IntCounter,
    /// `BEGIN IMMEDIATE` retried because another connection held the write lock.
    pub busy_retries: IntCounter,
    /// Writes that gave up after [`BUSY_TIMEOUT`] (503).
    pub busy_timeouts: IntCounter,
    /// Time from asking for the write lock to holding it, per write transaction.
    pub write_lock_wait_seconds: Histogram,
    /// Checkpoints run by the server, by mode and outcome.
    pub checkpoints: IntCounterVec,
    /// Unix time of the last checkpoint that completed (0: none yet).
    pub last_checkpoint: IntGauge,
    /// WAL frames after the last checkpoint, and how many of them it moved into the database.
    pub wal_frames: IntGauge,
    pub wal_frames_checkpointed: IntGauge,
}

const WAIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Default for DbStats {
    fn default() -> Self {
        let histogram = |name: &str, help: &str| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(WAIT_BUCKETS.to_vec()))
                .expect("a valid histogram")
        };
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("valid");
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid");
        Self {
            pool_waits: counter(
                "db_pool_waits_total",
                "Requests that found every pooled connection in use and waited for one",
            ),
            pool_wait_seconds: histogram(
                "db_pool_wait_seconds",
                "How long requests waited for a pooled connection (only those that waited)",
            ),
            pool_timeouts: counter(
                "db_pool_timeouts_total",
                "Requests that gave up waiting for a connection (answered 503)",
            ),
            busy_retries: counter(
                "sqlite_busy_retries_total",
                "Retries of BEGIN IMMEDIATE while another connection held the write lock",
            ),
            busy_timeouts: counter(
                "sqlite_busy_timeouts_total",
                "Writes that gave up waiting for the write lock (answered 503)",
            ),
            write_lock_wait_seconds: histogram(
                "sqlite_write_lock_wait_seconds",
                "Time from asking for SQLite's write lock to holding it, per write transaction",
            ),
            checkpoints: IntCounterVec::new(
                Opts::new(
                    "sqlite_checkpoints_total",
                    "WAL checkpoints run by the server, by mode and outcome",
                ),
                &["mode", "outcome"],
            )
            .expect("valid"),
            last_checkpoint: gauge(
                "sqlite_last_checkpoint_timestamp_seconds",
                "Unix time of the last WAL checkpoint the server completed (0: none yet)",
            ),
            wal_frames: gauge(
                "sqlite_wal_frames",
                "Frames in the WAL at the last checkpoint",
            ),
            wal_frames_checkpointed: gauge(
                "sqlite_wal_frames_checkpointed",
                "Frames the last checkpoint moved into the database file",
            ),
        }
    }
}

impl DbStats {
    /// Register every figure in `registry`.
    pub fn register(&self, registry: &Registry) -> prometheus::Result<()> {
        registry.register(Box::new(self.pool_waits.clone()))?;
        registry.register(Box::new(self.pool_wait_seconds.clone()))?;
        registry.register(Box::new(self.pool_timeouts.clone()))?;
        registry.register(Box::new(self.busy_retries.clone()))?;
        registry.register(Box::new(self.busy_timeouts.clone()))?;
        registry.register(Box::new(self.write_lock_wait_seconds.clone()))?;
        registry.register(Box::new(self.checkpoints.clone()))?;
        registry.register(Box::new(self.last_checkpoint.clone()))?;
        registry.register(Box::new(self.wal_frames.clone()))?;
        registry.register(Box::new(self.wal_frames_checkpointed.clone()))?;
        Ok(())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<DbStats>>> = const { RefCell::new(None) };
}

/// Run `f` on this (blocking) thread counting into `stats`.
pub(super) fn with<T>(stats: Arc<DbStats>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<DbStats>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|cell| *cell.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|cell| cell.replace(Some(stats)));
    let _restore = Restore(previous);
    f()
}

fn current() -> Option<Arc<DbStats>> {
    CURRENT.with(|cell| cell.borrow().clone())
}

/// SQLite's "database is locked" (SQLITE_BUSY), as Diesel reports it.
pub fn is_busy(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::Unknown, info)
            if info.message().starts_with("database is locked")
    )
}

/// Pause before the n-th retry (from 1): SQLite's own busy handler's steps (1, 2, 5, 10… ms),
/// at most 25 ms.
fn backoff(retry: u32) -> Duration {
    const STEPS: [u64; 6] = [1, 2, 5, 10, 15, 20];
    Duration::from_millis(STEPS.get(retry as usize - 1).copied().unwrap_or(25))
}

/// A write transaction (`BEGIN IMMEDIATE`: the write lock taken up front, so two writers never
/// deadlock on an upgrade), committed when `f` succeeds and rolled back when it fails — as
/// Diesel's `immediate_transaction`, with the wait for the lock done here instead of in
/// SQLite's busy handler, so each retry is counted (`sqlite_busy_retries_total`) and the wait
/// timed. After [`BUSY_TIMEOUT`] the busy error is returned (a 503 for a request).
pub fn write<T, E, F>(conn: &mut SqliteConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let stats = current();
    let asked = Instant::now();
    // The lock is asked for without SQLite's sleeping; every other statement keeps it.
    conn.batch_execute("PRAGMA busy_timeout = 0")?;
    let mut retries = 0;
    let began = loop {
        match AnsiTransactionManager::begin_transaction_sql(&mut *conn, "BEGIN IMMEDIATE") {
            Err(e) if is_busy(&e) && asked.elapsed() < BUSY_TIMEOUT => {
                retries += 1;
                if let Some(stats) = &stats {
                    stats.busy_retries.inc();
                }
                std::thread::sleep(backoff(retries));
            }
            other => break other,
        }
    };
    let restored = conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {};",
        BUSY_TIMEOUT.as_millis()
    ));
    if let Err(e) = began {
        if let Some(stats) = &stats {
            if is_busy(&e) {
                stats.busy_timeouts.inc();
            }
        }
        return Err(e.into());
    }
    if let Some(stats) = &stats {
        stats
            .write_lock_wait_seconds
            .observe(asked.elapsed().as_secs_f64());
    }
    let outcome = restored.map_err(E::from).and_then(|()| f(&mut *conn));
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(&mut *conn)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(&mut *conn)?;
            Err(e)
        }
    }
}
