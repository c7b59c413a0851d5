//! The write transaction ([`write`]): SQLite's write lock taken up front, waited for here (each
//! retry counted by the pool's figures, an observer), and the work queued with
//! [`after_commit`] run once it commits — never when it rolls back.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;

use super::stats::{current, BUSY_TIMEOUT};
use crate::error::is_busy;

/// Whether writes record their commit's WAL position for the request's consistency token
/// (set when the pool has read replicas).
static RECORD_POSITIONS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub(super) fn record_positions() {
    RECORD_POSITIONS.store(true, std::sync::atomic::Ordering::Release);
}

/// Work queued to run once a transaction commits.
type Queued = Vec<Box<dyn FnOnce()>>;

thread_local! {
    /// Work queued by the write transaction open on this thread, if any.
    static AFTER_COMMIT: RefCell<Option<Queued>> = const { RefCell::new(None) };
}

/// Run `work` once the write transaction open on this thread commits (dropped if it rolls
/// back); at once when none is open. What a lower layer offers a higher one that must act on
/// a change only if it happened (the webhook worker's wake-up).
pub fn after_commit(work: impl FnOnce() + 'static) {
    let queued = AFTER_COMMIT.with(|cell| match cell.borrow_mut().as_mut() {
        Some(queue) => {
            queue.push(Box::new(work));
            None
        }
        None => Some(work),
    });
    if let Some(work) = queued {
        work();
    }
}

/// Pause before the n-th retry (from 1): SQLite's own busy handler's steps (1, 2, 5, 10… ms),
/// at most 25 ms.
fn backoff(retry: u32) -> Duration {
    const STEPS: [u64; 6] = [1, 2, 5, 10, 15, 20];
    Duration::from_millis(STEPS.get(retry as usize - 1).copied().unwrap_or(25))
}

/// The transaction manager of [`crate::db::Conn`]: it hands each call to the engine's own.
type Manager = <crate::db::Conn as diesel::Connection>::TransactionManager;

/// Open the write transaction: on SQLite `BEGIN IMMEDIATE`, which takes the database's one
/// write lock now rather than at the first write (a reader turning writer mid-way could not
/// get it without a deadlock). On PostgreSQL `BEGIN` and the writers' transaction-scoped
/// advisory lock: the code that checks then writes (slugs, numbers, versions, the tallies'
/// settling) stays correct with several writers on several nodes, as it is on SQLite, the
/// lock released by the commit or rollback (waited for up to `lock_timeout`, then busy).
fn begin_immediate(conn: &mut crate::db::Conn) -> diesel::QueryResult<()> {
    match conn {
        crate::db::Conn::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        crate::db::Conn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            let locked = c.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITERS_LOCK})"));
            if locked.is_err() {
                AnsiTransactionManager::rollback_transaction(c)?;
            }
            locked
        }
    }
}

/// The advisory lock key of PostgreSQL's writers.
pub const WRITERS_LOCK: i64 = 0x646f_616e_0002;

/// A write transaction (the writers' lock taken up front, [`begin_immediate`]: two writers
/// never deadlock on an upgrade), committed when `f` succeeds and rolled back when it fails — as
/// Diesel's `immediate_transaction`, with the wait for the lock done here instead of in
/// SQLite's busy handler, so each retry is counted (`sqlite_busy_retries_total`) and the wait
/// timed. On PostgreSQL a committed write records its WAL position for the request's
/// consistency token when the pool has read replicas. After [`BUSY_TIMEOUT`] the busy error is returned (a 503 for a request).
///
/// Inside another write (a repository function calling another), `f` runs in a savepoint of
/// the open transaction: its work commits or rolls back with it.
pub fn write<T, E, F>(conn: &mut crate::db::Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut crate::db::Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if AFTER_COMMIT.with(|cell| cell.borrow().is_some()) {
        return conn.transaction(f);
    }
    let stats = current();
    let asked = Instant::now();
    let sqlite = matches!(conn, crate::db::Conn::Sqlite(_));
    // The lock is asked for without SQLite's sleeping; every other statement keeps it.
    if sqlite {
        conn.batch_execute("PRAGMA busy_timeout = 0")?;
    }
    let mut retries = 0;
    let began = loop {
        match begin_immediate(conn) {
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
    let restored = if sqlite {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};",
            BUSY_TIMEOUT.as_millis()
        ))
    } else {
        Ok(())
    };
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
    AFTER_COMMIT.with(|cell| *cell.borrow_mut() = Some(Vec::new()));
    // Taken back on every way out (a panic in `f` too): a later write starts clean.
    struct Queue;
    impl Drop for Queue {
        fn drop(&mut self) {
            AFTER_COMMIT.with(|cell| cell.borrow_mut().take());
        }
    }
    let queue = Queue;
    // The tallies brought up to what `f` changed, in the same transaction (one read when
    // nothing they count changed).
    let outcome = restored
        .map_err(E::from)
        .and_then(|()| f(&mut *conn))
        .and_then(|value| {
            super::tallies::settle(&mut *conn)
                .map(|()| value)
                .map_err(E::from)
        });
    let outcome = match outcome {
        Ok(value) => Manager::commit_transaction(&mut *conn)
            .map(|()| value)
            .map_err(E::from),
        Err(e) => {
            Manager::rollback_transaction(&mut *conn)?;
            Err(e)
        }
    };
    // What the client must see replayed before a replica serves it again.
    if outcome.is_ok() && !sqlite && RECORD_POSITIONS.load(std::sync::atomic::Ordering::Acquire) {
        match super::replicas::wal_position(conn) {
            Ok(position) => crate::context::wrote_at(position),
            Err(e) => tracing::warn!(error = %e, "the write's WAL position could not be read"),
        }
    }
    let queued = AFTER_COMMIT.with(|cell| cell.borrow_mut().take());
    drop(queue);
    if outcome.is_ok() {
        for work in queued.into_iter().flatten() {
            work();
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use diesel::RunQueryDsl;

    use super::*;

    #[test]
    fn work_queued_in_a_write_runs_once_it_commits_and_never_after_a_rollback() {
        let mut conn = crate::db::open(":memory:").unwrap();
        diesel_migrations::MigrationHarness::run_pending_migrations(
            &mut conn,
            crate::db::MIGRATIONS,
        )
        .unwrap();
        diesel::sql_query("CREATE TABLE t (x INTEGER)")
            .execute(&mut conn)
            .unwrap();
        let ran = Rc::new(Cell::new(0));
        let work = || {
            let ran = ran.clone();
            move || ran.set(ran.get() + 1)
        };
        let committed: Result<(), diesel::result::Error> = write(&mut conn, |conn| {
            diesel::sql_query("INSERT INTO t VALUES (1)").execute(conn)?;
            after_commit(work());
            assert_eq!(ran.get(), 0, "not before the commit");
            // A write inside a write is a savepoint of it; its work waits for the outer commit.
            write(conn, |conn| {
                after_commit(work());
                diesel::sql_query("INSERT INTO t VALUES (2)").execute(conn)
            })?;
            Ok(())
        });
        committed.unwrap();
        assert_eq!(ran.get(), 2);
        let rolled_back: Result<(), diesel::result::Error> = write(&mut conn, |conn| {
            diesel::sql_query("INSERT INTO t VALUES (3)").execute(conn)?;
            after_commit(work());
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(rolled_back.is_err());
        assert_eq!(ran.get(), 2, "a rollback runs nothing");
        // Outside a transaction: at once.
        after_commit(work());
        assert_eq!(ran.get(), 3);
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let rows: Vec<N> = diesel::sql_query("SELECT count(*) AS n FROM t")
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows[0].n, 2);
    }
}
