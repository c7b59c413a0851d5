//! Read replicas of a PostgreSQL primary (streaming standbys, `--database-replica`), with
//! read-your-writes.
//!
//! Who reads where ([`super::run`]): an anonymous read (GET or HEAD without a token) may go to
//! a replica; writes, authenticated requests and background work use the primary. A replica
//! serves a read only when it is up, a standby, not lagging past `--replica-max-lag`, and has
//! replayed the WAL position the client last saw written (its consistency token: every
//! response that wrote carries the commit's position in `Doan-Read-After` and a cookie of the
//! same name, which the client sends back; see `http::middleware`). Otherwise the primary
//! answers: a replica that is down, lagging or behind the client's own write is skipped, never
//! waited for.
//!
//! What each replica has replayed is watched by one thread per pool ([`Replicas::watch`],
//! every [`WATCH_EVERY`]): a read compares the token with the last position seen, which is at
//! most that old, so it errs towards the primary.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::r2d2::Pool;
use diesel::sql_types::{BigInt, Bool, Double};
use diesel::{QueryableByName, RunQueryDsl};
use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

use super::Manager;

/// How often each replica's replay position and lag are read.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// One replica: its pool and what was last seen of it.
pub struct Replica {
    /// The URL without its password (logs, `/health/ready`, metric labels).
    pub name: String,
    pool: Pool<Manager>,
    /// It answered the last check, as a standby.
    up: AtomicBool,
    /// The WAL position (bytes) it had replayed at the last check.
    replayed: AtomicU64,
    /// How far behind the primary it was, in milliseconds (0: caught up).
    lag_ms: AtomicI64,
    /// Why it is not serving, when it is not (`down`, `not a standby`).
    trouble: std::sync::Mutex<Option<String>>,
}

/// The replicas of a pool.
pub struct Replicas {
    list: Vec<Replica>,
    max_lag: Duration,
    /// Round robin among the replicas that may serve.
    next: AtomicUsize,
    /// Reads by where they went (`primary`, `replica`), and each replica's state.
    pub reads: IntCounterVec,
    up_gauge: IntGaugeVec,
    lag_gauge: IntGaugeVec,
}

/// What `/health/ready` shows of a replica.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReplicaState {
    /// The replica's URL, without its password.
    pub name: String,
    /// `serving`, `lagging` (past `--replica-max-lag`), `down` or `not_standby`.
    pub state: &'static str,
    /// How far behind the primary it was at the last check, in seconds.
    pub lag_seconds: f64,
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    lsn: i64,
}

#[derive(QueryableByName)]
struct Standby {
    #[diesel(sql_type = Bool)]
    standby: bool,
    #[diesel(sql_type = BigInt)]
    lsn: i64,
    #[diesel(sql_type = Double)]
    behind: f64,
}

/// The primary's current WAL insert position (bytes), read on `conn`: past the commit record
/// of a write that just committed there, so a replica that has replayed it sees the write.
/// (The insert position, not `pg_current_wal_lsn()`, the position written out: with
/// `synchronous_commit = off` a commit returns before its record is written, and a token
/// short of it would let a replica serve the read without the write.)
pub fn wal_position(conn: &mut super::Conn) -> diesel::QueryResult<u64> {
    let row: Position = super::sql(
        conn,
        "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint AS lsn",
    )
    .get_result(conn)?;
    Ok(row.lsn.max(0) as u64)
}

impl Replicas {
    /// Pools on `urls` (opened lazily: a replica that is down at start is skipped until it
    /// answers).
    pub fn open(urls: &[String], pool_size: u32, max_lag: Duration) -> anyhow::Result<Self> {
        let mut list = Vec::new();
        for url in urls {
            if !super::is_postgres(std::path::Path::new(url)) {
                anyhow::bail!("a replica is a PostgreSQL URL (postgres://…), not {url}");
            }
            // Kept open and idle (reads take one without waiting, see `connection`); opened
            // again in the background after the replica comes back.
            let pool = Pool::builder()
                .max_size(pool_size)
                .min_idle(Some(pool_size))
                .connection_timeout(Duration::from_secs(2))
                .connection_customizer(Box::new(super::Pragmas))
                .build_unchecked(Manager { url: url.clone() });
            list.push(Replica {
                name: super::shown(std::path::Path::new(url)),
                pool,
                up: AtomicBool::new(false),
                replayed: AtomicU64::new(0),
                lag_ms: AtomicI64::new(0),
                trouble: std::sync::Mutex::new(Some("not checked yet".into())),
            });
        }
        let reads = IntCounterVec::new(
            Opts::new(
                "db_reads_total",
                "Anonymous reads by where they were served: primary, replica, or retried (begun on a replica that failed under them, answered by the primary)",
            ),
            &["target"],
        )?;
        let up_gauge = IntGaugeVec::new(
            Opts::new(
                "db_replica_up",
                "1 when the replica answers as a standby within --replica-max-lag",
            ),
            &["replica"],
        )?;
        let lag_gauge = IntGaugeVec::new(
            Opts::new(
                "db_replica_lag_milliseconds",
                "How far the replica was behind the primary at the last check",
            ),
            &["replica"],
        )?;
        Ok(Self {
            list,
            max_lag,
            next: AtomicUsize::new(0),
            reads,
            up_gauge,
            lag_gauge,
        })
    }

    pub fn register(&self, registry: &Registry) -> prometheus::Result<()> {
        registry.register(Box::new(self.reads.clone()))?;
        registry.register(Box::new(self.up_gauge.clone()))?;
        registry.register(Box::new(self.lag_gauge.clone()))
    }

    /// A replica that may serve a read whose client saw the WAL position `seen` written.
    pub fn choose(&self, seen: u64) -> Option<&Replica> {
        // (A token past anything replayed, forged or newer than the last check, keeps that
        // client's reads on the primary: what it would read without replicas. Clamping it to
        // the primary's last known position would serve a fresh write's reader too early.)
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.list[(start + i) % n])
            .find(|r| r.serving(self.max_lag) && r.replayed.load(Ordering::Acquire) >= seen)
    }

    /// Each replica's state, for `/health/ready`.
    pub fn states(&self) -> Vec<ReplicaState> {
        self.list
            .iter()
            .map(|r| ReplicaState {
                name: r.name.clone(),
                state: r.state(self.max_lag),
                lag_seconds: r.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0,
            })
            .collect()
    }

    /// Watch the replicas on a thread of their own until the pool is dropped: each check
    /// reads the primary's position, then each replica's replayed position and lag.
    pub fn watch(this: &Arc<Self>, primary: Pool<Manager>) {
        let weak: Weak<Self> = Arc::downgrade(this);
        let spawned = std::thread::Builder::new()
            .name("replica-watch".into())
            .spawn(move || loop {
                let Some(replicas) = weak.upgrade() else {
                    return;
                };
                let started = Instant::now();
                let head = primary
                    .get()
                    .ok()
                    .and_then(|mut conn| wal_position(&mut conn).ok());
                for replica in &replicas.list {
                    replica.check(head);
                    let label = [replica.name.as_str()];
                    replicas
                        .up_gauge
                        .with_label_values(&label)
                        .set(i64::from(replica.serving(replicas.max_lag)));
                    replicas
                        .lag_gauge
                        .with_label_values(&label)
                        .set(replica.lag_ms.load(Ordering::Relaxed));
                }
                drop(replicas);
                std::thread::sleep(WATCH_EVERY.saturating_sub(started.elapsed()));
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start watching the replicas: reads stay on the primary");
        }
    }

    /// An idle connection of `replica`, never waited for: `None` when all are busy or it went
    /// down since the last check (the read goes to the primary; the watcher marks it down).
    pub fn connection(replica: &Replica) -> Option<diesel::r2d2::PooledConnection<Manager>> {
        replica.pool.try_get()
    }
}

/// Whether the read that ended in `err` on a replica's `conn` failed because of the replica:
/// its connection no longer answers (the server stopped or cut it), or the standby cancelled
/// the query to replay the primary's WAL (a recovery conflict, SQLSTATE 40001). Such a read is
/// run again on the primary.
pub fn failed_under(conn: &mut super::Conn, err: &crate::error::AppError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    let crate::error::AppError::Internal(inner) = err else {
        return false;
    };
    let conflict = inner.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<Error>(),
            Some(Error::DatabaseError(
                DatabaseErrorKind::SerializationFailure,
                _
            ))
        )
    });
    conflict || diesel::r2d2::R2D2Connection::ping(conn).is_err()
}

impl Replica {
    fn serving(&self, max_lag: Duration) -> bool {
        self.up.load(Ordering::Acquire)
            && self.lag_ms.load(Ordering::Relaxed) <= max_lag.as_millis() as i64
    }

    fn state(&self, max_lag: Duration) -> &'static str {
        let trouble = self.trouble.lock().ok().and_then(|t| t.clone());
        match trouble.as_deref() {
            Some(t) if t.starts_with("not a standby") => "not_standby",
            Some(_) => "down",
            None if self.serving(max_lag) => "serving",
            None => "lagging",
        }
    }

    pub(crate) fn fail(&self, why: String) {
        let was_up = self.up.swap(false, Ordering::AcqRel);
        if was_up {
            tracing::warn!(replica = %self.name, why = %why, "replica skipped");
        }
        if let Ok(mut trouble) = self.trouble.lock() {
            *trouble = Some(why);
        }
    }

    /// Read the replica's replayed position and lag (`head`: the primary's position, if it
    /// answered).
    fn check(&self, head: Option<u64>) {
        let Ok(mut conn) = self.pool.get() else {
            self.fail("down: no connection".into());
            return;
        };
        let row = super::sql(
            &conn,
            "SELECT pg_is_in_recovery() AS standby, \
             (coalesce(pg_last_wal_replay_lsn(), '0/0') - '0/0')::bigint AS lsn, \
             coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 AS behind",
        )
        .get_result::<Standby>(&mut conn);
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                self.fail(format!("down: {e}"));
                return;
            }
        };
        if !row.standby {
            self.fail("not a standby (pg_is_in_recovery() is false)".into());
            return;
        }
        let replayed = row.lsn.max(0) as u64;
        // Caught up with the primary: no lag, however long ago its last transaction was.
        let lag_ms = match head {
            Some(head) if replayed >= head => 0,
            _ => (row.behind.max(0.0) * 1000.0) as i64,
        };
        self.replayed.store(replayed, Ordering::Release);
        self.lag_ms.store(lag_ms, Ordering::Relaxed);
        if let Ok(mut trouble) = self.trouble.lock() {
            *trouble = None;
        }
        let was_up = self.up.swap(true, Ordering::AcqRel);
        if !was_up {
            tracing::info!(replica = %self.name, "replica serving reads");
        }
    }
}
