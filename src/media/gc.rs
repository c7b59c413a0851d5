//! `doan-api media gc`: uploads no activity uses, left long enough, go with their files.

use crate::cli::MediaGcArgs;
use crate::db;

use super::repo;

pub fn run(args: &MediaGcArgs) -> anyhow::Result<()> {
    let pool = db::connect(&args.db.database, 1, 0)?;
    let mut conn = pool.blocking_conn()?;
    let store = super::open_store(&args.media_dir(), args.media_store.as_deref())?;
    let before = db::now() - args.older_than;
    let found = repo::collect_garbage(&mut conn, &*store, before, args.dry_run)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for id in &found.media {
        println!("{verb} medium {id}");
    }
    for name in &found.files {
        println!("{verb} stray file {name}");
    }
    println!(
        "{verb} {} unattached media and {} stray files: {:.1} MiB",
        found.media.len(),
        found.files.len(),
        found.bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}
