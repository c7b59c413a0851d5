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
use std::sync::{LazyLock, Mutex};

use diesel::connection::Connection;
use diesel::sql_types::{BigInt, Binary};
use diesel::{QueryResult, QueryableByName, RunQueryDsl, SqliteConnection};
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
pub fn version(conn: &mut SqliteConnection) -> QueryResult<Version> {
    let row: VersionRow =
        diesel::sql_query("SELECT n, instance FROM data_version WHERE id = 1").get_result(conn)?;
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
    entries: LazyLock<Mutex<HashMap<Key, V>>>,
}

impl<V: Clone> Memo<V> {
    pub const fn new() -> Self {
        Self {
            entries: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    fn get(&self, key: &Key) -> Option<V> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: Key, value: V) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, value);
        }
    }

    /// The result of `compute` for `question`, from memory when the data has not changed
    /// since it was computed. `compute` runs in the same read transaction as the version read.
    pub fn get_or_compute<E>(
        &self,
        conn: &mut SqliteConnection,
        kind: &str,
        question: &str,
        compute: impl FnOnce(&mut SqliteConnection) -> Result<V, E>,
    ) -> Result<V, E>
    where
        E: From<diesel::result::Error>,
    {
        if !enabled() {
            return compute(conn);
        }
        let run = |conn: &mut SqliteConnection| {
            let key = version(conn)?.key(kind, question);
            if let Some(found) = self.get(&key) {
                return Ok(found);
            }
            let value = compute(conn)?;
            self.put(key, value.clone());
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
pub fn in_transaction(conn: &mut SqliteConnection) -> bool {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    AnsiTransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .is_ok_and(|depth| depth.is_some())
}
