//! The clock's background task: runs [`repo::run_due`] when something falls due (a scheduled
//! publication, the end of a featured flag) and counts the activity tallies again when a
//! change to the hierarchy made that due, on the blocking pool like any database work.
//! Every node of a deployment may run it: each change is conditional on the stored state, so
//! a second node finds nothing left to do.

use std::time::Duration;

use crate::db::{self, DbPool};

use super::repo;

/// The longest the task sleeps before looking again: what another node (or the command line)
/// scheduled is noticed within this.
const POLL: Duration = Duration::from_secs(1);

/// Run forever (until the runtime stops): do what is due, then sleep until the next due
/// moment or [`POLL`], whichever is sooner. What it writes shows the URLs of the context it
/// runs in (the clock's: the configured public URL and page template).
pub async fn run(pool: DbPool) {
    let site = crate::context::Site::current();
    loop {
        let site = site.clone();
        // On the primary: the clock's context is nobody's, which a read replica would take.
        let result = db::run_on_primary(&pool, move |conn| {
            // A read first: the write lock only when something is due.
            if db::tallies::rebuild_due(conn)? {
                let started = std::time::Instant::now();
                let rows = db::write(conn, db::tallies::rebuild_if_due)?;
                if let Some(rows) = rows {
                    tracing::info!(
                        rows,
                        seconds = started.elapsed().as_secs_f64(),
                        "activity tallies counted again"
                    );
                }
            }
            let now = db::now();
            let due = match repo::next_due(conn)? {
                Some(at) if at <= now => repo::run_due(conn, now, &site)?,
                _ => repo::Due::default(),
            };
            let next = repo::next_due(conn)?;
            Ok((due, next))
        })
        .await;
        let wait = match result {
            Ok((due, next)) => {
                if !due.published.is_empty() || !due.unfeatured.is_empty() {
                    tracing::info!(
                        published = ?due.published,
                        unfeatured = ?due.unfeatured,
                        "scheduled changes made"
                    );
                }
                if !due.failed.is_empty() {
                    // Left due: tried again after a pause, not in a tight loop.
                    tracing::warn!(failed = ?due.failed, "scheduled changes failed; trying again");
                    tokio::time::sleep(POLL * 5).await;
                }
                next.map_or(POLL, |at| {
                    (at - db::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .min(POLL)
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "the schedule could not run; trying again");
                POLL * 5
            }
        };
        // At least a millisecond: a due moment that has just passed is done on the next turn.
        tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
    }
}
