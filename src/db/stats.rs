//! What the database layer counts for `/metrics`: waits for a pooled connection, waits for
//! SQLite's write lock (each retry of a `BEGIN IMMEDIATE` that found it taken), checkpoints.
//!
//! One [`DbStats`] per pool (so two servers in one process, as in the tests, count apart). The
//! work a request runs on a blocking thread ([`super::run`]) finds its pool's through a
//! thread-local, as it finds the request's context: [`super::write`] needs only the connection.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

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

pub(super) fn current() -> Option<Arc<DbStats>> {
    CURRENT.with(|cell| cell.borrow().clone())
}
