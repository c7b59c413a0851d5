//! Exact totals without counting the same rows twice: a result computed from the database is
//! remembered with the data version it was read at, and served again until any write moves
//! the version forward.
//!
//! The version is the `data_version` row that triggers on every table a list, count or feed
//! shows bump on each write (migration 000009), so a write from any process counts. The
//! version and the computation are read in one read transaction (one snapshot), so a result
//! is never filed under a version it does not belong to. Keys are SHA-256 digests of the
//! database instance, the version and the statement with its binds, so two databases in one
//! process (the tests) never share an entry; the map is cleared when it reaches
//! [`MAX_ENTRIES`] (results of older versions are never asked for again).

use std::collections::HashMap;
use std::sync::{Arc, Condvar, LazyLock, Mutex};

use diesel::connection::Connection;
use diesel::sql_types::{BigInt, Binary};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};
use sha2::{Digest, Sha256};

/// Entries kept per kind of result before the map is cleared.
pub const MAX_ENTRIES: usize = 50_000;

/// What a remembered result is filed under: the database, its version and the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 16]);

/// The database's identity and data version, as one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub instance: Vec<u8>,
    pub n: i64,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Binary)]
    instance: Vec<u8>,
}

/// The current data version (one primary-key read).
pub fn version(conn: &mut crate::db::Conn) -> QueryResult<Version> {
    let row: VersionRow = crate::db::sql(conn, "SELECT n, instance FROM data_version WHERE id = 1")
        .get_result(conn)?;
    Ok(Version {
        instance: row.instance,
        n: row.n,
    })
}

impl Version {
    /// The key of `question` (any text that names the computation fully) at this version.
    pub fn key(&self, kind: &str, question: &str) -> Key {
        let mut h = Sha256::new();
        h.update(&self.instance);
        h.update(self.n.to_le_bytes());
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(question.as_bytes());
        let digest = h.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Key(key)
    }
}

/// Remembered results of one kind.
pub struct Memo<V> {
    entries: LazyLock<Mutex<HashMap<Key, Slot<V>>>>,
}

/// A result remembered, or being computed by one request that the others asking the same
/// question at the same version wait for (right after a write, the 32 requests of a busy
/// list all ask for its new total: one counts, instead of every reader's connection counting
/// the same rows).
enum Slot<V> {
    Ready(V),
    Computing(Arc<Flight<V>>),
}

/// One computation in flight: its outcome (`None` until done; `Some(None)` when it failed, and
/// each waiter then computes for itself).
struct Flight<V> {
    outcome: Mutex<Option<Option<V>>>,
    done: Condvar,
}

impl<V: Clone> Flight<V> {
    fn finish(&self, value: Option<V>) {
        if let Ok(mut outcome) = self.outcome.lock() {
            *outcome = Some(value);
        }
        self.done.notify_all();
    }

    /// The computed value, or `None` if the computation failed or took too long.
    fn wait(&self) -> Option<V> {
        let outcome = self.outcome.lock().ok()?;
        let (outcome, _) = self
            .done
            .wait_timeout_while(outcome, FLIGHT_WAIT, |o| o.is_none())
            .ok()?;
        outcome.clone().flatten()
    }
}

/// How long a request waits for another's computation before computing for itself.
const FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// What a request finds for a key.
enum Found<V> {
    Ready(V),
    Wait(Arc<Flight<V>>),
    /// Nobody computes it: this request does, and tells the others.
    Compute(Arc<Flight<V>>),
}

impl<V: Clone> Memo<V> {
    pub const fn new() -> Self {
        Self {
            entries: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    fn find(&self, key: Key) -> Option<Found<V>> {
        let mut map = self.entries.lock().ok()?;
        Some(match map.get(&key) {
            Some(Slot::Ready(v)) => Found::Ready(v.clone()),
            Some(Slot::Computing(flight)) => Found::Wait(flight.clone()),
            None => {
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                let flight = Arc::new(Flight {
                    outcome: Mutex::new(None),
                    done: Condvar::new(),
                });
                map.insert(key, Slot::Computing(flight.clone()));
                Found::Compute(flight)
            }
        })
    }

    /// The computation of `key` ended: remember its value (or forget the flight on failure)
    /// and wake who waits.
    fn settle(&self, key: Key, flight: &Arc<Flight<V>>, value: Option<V>) {
        if let Ok(mut map) = self.entries.lock() {
            let ours = matches!(map.get(&key), Some(Slot::Computing(f)) if Arc::ptr_eq(f, flight));
            match (&value, ours) {
                (Some(v), _) => {
                    map.insert(key, Slot::Ready(v.clone()));
                }
                (None, true) => {
                    map.remove(&key);
                }
                (None, false) => {}
            }
        }
        flight.finish(value);
    }

    /// The result of `compute` for `question`, from memory when the data has not changed
    /// since it was computed. `compute` runs in the same read transaction as the version read.
    pub fn get_or_compute<E>(
        &self,
        conn: &mut crate::db::Conn,
        kind: &str,
        question: &str,
        compute: impl FnOnce(&mut crate::db::Conn) -> Result<V, E>,
    ) -> Result<V, E>
    where
        E: From<diesel::result::Error>,
    {
        // PostgreSQL keeps no data version (one row every writer updates would serialise
        // them, and several nodes could not share this memory): it computes each time, from
        // the tallies and bounded counts.
        if !enabled() || super::dialect::Dialect::of(conn) == super::dialect::Dialect::Postgres {
            return compute(conn);
        }
        let run = |conn: &mut crate::db::Conn| {
            let key = version(conn)?.key(kind, question);
            let flight = match self.find(key) {
                None => return compute(conn),
                Some(Found::Ready(value)) => return Ok(value),
                Some(Found::Wait(flight)) => match flight.wait() {
                    Some(value) => return Ok(value),
                    // It failed (or is stuck): compute for ourselves, remembering nothing.
                    None => return compute(conn),
                },
                Some(Found::Compute(flight)) => flight,
            };
            // Settled on every way out: a failed or panicking computation wakes its waiters.
            struct Settle<'a, V: Clone> {
                memo: &'a Memo<V>,
                key: Key,
                flight: Arc<Flight<V>>,
                value: Option<V>,
            }
            impl<V: Clone> Drop for Settle<'_, V> {
                fn drop(&mut self) {
                    self.memo.settle(self.key, &self.flight, self.value.take());
                }
            }
            let mut settle = Settle {
                memo: self,
                key,
                flight,
                value: None,
            };
            let value = compute(conn)?;
            settle.value = Some(value.clone());
            Ok(value)
        };
        // Inside a caller's transaction the snapshot is already one: no savepoint needed.
        if in_transaction(conn) {
            run(conn)
        } else {
            conn.transaction(run)
        }
    }
}

impl<V: Clone> Default for Memo<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// `DOAN_MEMO=off` turns remembering off (every total and stats counted on each request):
/// for measuring what the memo buys, not for production.
fn enabled() -> bool {
    static ENABLED: LazyLock<bool> =
        LazyLock::new(|| std::env::var("DOAN_MEMO").map_or(true, |v| v != "off"));
    *ENABLED
}

/// Is a transaction open on this connection?
pub fn in_transaction(conn: &mut crate::db::Conn) -> bool {
    use diesel::connection::TransactionManager;
    <crate::db::Conn as diesel::Connection>::TransactionManager::transaction_manager_status_mut(
        conn,
    )
    .transaction_depth()
    .is_ok_and(|depth| depth.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn database() -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.db").to_string_lossy().to_string();
        let mut conn = crate::db::open(&path).unwrap();
        conn.batch_execute(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE data_version (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, instance BLOB NOT NULL);
             INSERT INTO data_version VALUES (1, 0, randomblob(8));",
        )
        .unwrap();
        (dir, path)
    }

    /// Many readers asking one question at one version: one computes, the others wait for its
    /// answer (and a failed computation leaves the next asker to compute again).
    #[test]
    fn one_question_asked_at_once_is_computed_once() {
        static MEMO: Memo<i64> = Memo::new();
        static COMPUTED: AtomicUsize = AtomicUsize::new(0);
        let (_dir, path) = database();
        let start = Arc::new(std::sync::Barrier::new(6));
        let askers: Vec<_> = (0..6)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    let mut conn = crate::db::open(&path).unwrap();
                    conn.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
                    start.wait();
                    MEMO.get_or_compute(&mut conn, "test", "total", |_| {
                        COMPUTED.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        Ok::<_, diesel::result::Error>(42)
                    })
                    .unwrap()
                })
            })
            .collect();
        for asker in askers {
            assert_eq!(asker.join().unwrap(), 42);
        }
        assert_eq!(COMPUTED.load(Ordering::SeqCst), 1);

        // A failure is not remembered: the next asker computes.
        let mut conn = crate::db::open(&path).unwrap();
        let failed = MEMO.get_or_compute(&mut conn, "test", "other", |_| {
            Err::<i64, _>(diesel::result::Error::NotFound)
        });
        assert!(failed.is_err());
        let again = MEMO.get_or_compute(&mut conn, "test", "other", |_| {
            Ok::<_, diesel::result::Error>(7)
        });
        assert_eq!(again.unwrap(), 7);
    }
}
