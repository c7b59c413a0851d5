//! Backups: a consistent copy of the database made while the server serves writes (SQLite's
//! `VACUUM INTO`, which reads one snapshot), with the media folder beside it; and the restore
//! of one (server stopped), checked before it replaces anything.
//!
//! A backup `FILE` is the database; its uploaded files go to `FILE.media/` (content-addressed:
//! copying them while the server runs is safe, they never change once written).

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::SqliteConnection;

use crate::media::store::valid_name;

pub mod cli;
pub mod handlers;

/// The lock file beside a database: a serving process holds it shared, a restore exclusively.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a serving process for its lifetime: a restore refuses to run while it is.
pub fn hold_shared(database: &Path) -> anyhow::Result<std::fs::File> {
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    file.lock_shared()
        .map_err(|e| anyhow::anyhow!("cannot lock {}: {e}", lock_path(database).display()))?;
    Ok(file)
}

/// The folder a backup's media files go to.
pub fn media_beside(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".media");
    PathBuf::from(name)
}

fn open(path: &Path) -> anyhow::Result<SqliteConnection> {
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", path.display()))?;
    let mut conn = SqliteConnection::establish(url)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The bytes the database holds (pages in use × page size): what a backup writes, about.
fn used_bytes(conn: &mut SqliteConnection) -> anyhow::Result<u64> {
    let pages: One = diesel::sql_query(
        "SELECT page_count - freelist_count AS n FROM pragma_page_count, pragma_freelist_count",
    )
    .get_result(conn)?;
    let size: One =
        diesel::sql_query("SELECT page_size AS n FROM pragma_page_size").get_result(conn)?;
    Ok((pages.n.max(0) as u64) * (size.n.max(0) as u64))
}

/// A consistent copy of the database at `dest` (which must not exist): one read snapshot,
/// taken while writers go on (WAL). `progress` hears of (bytes written, bytes expected).
pub fn snapshot(
    database: &Path,
    dest: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<()> {
    if dest.exists() {
        anyhow::bail!("{} exists already: choose a new file", dest.display());
    }
    let mut conn = open(database)?;
    let expected = used_bytes(&mut conn)?;
    let dest_str = dest
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", dest.display()))?
        .to_string();
    let copy = std::thread::spawn(move || -> anyhow::Result<()> {
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(dest_str)
            .execute(&mut conn)?;
        Ok(())
    });
    while !copy.is_finished() {
        let written = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        progress(written.min(expected), expected);
        std::thread::sleep(Duration::from_millis(100));
    }
    copy.join()
        .map_err(|_| anyhow::anyhow!("the backup thread failed"))??;
    progress(expected, expected);
    Ok(())
}

/// Copy every media file of `from` missing in `to` (hard links where the file system allows).
/// Returns (files copied, bytes).
pub fn copy_media(from: &Path, to: &Path) -> anyhow::Result<(usize, u64)> {
    if !from.is_dir() {
        return Ok((0, 0));
    }
    std::fs::create_dir_all(to)?;
    let (mut files, mut bytes) = (0, 0);
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !valid_name(&name) {
            continue;
        }
        let target = to.join(&name);
        if target.exists() {
            continue;
        }
        // Written under a temporary name, then renamed: a reader never sees half a file.
        let tmp = to.join(format!(".{name}.restore.tmp"));
        if std::fs::hard_link(entry.path(), &tmp).is_err() {
            std::fs::copy(entry.path(), &tmp)?;
        }
        std::fs::rename(&tmp, &target)?;
        files += 1;
        bytes += entry.metadata()?.len();
    }
    Ok((files, bytes))
}

/// What a backup file is, checked: whole (`PRAGMA integrity_check`), and of a schema this
/// binary knows (no migration newer than its own). Returns the migrations it lacks (applied
/// on the next start).
pub fn check(file: &Path) -> anyhow::Result<usize> {
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let mut head = [0u8; 16];
    {
        use std::io::Read;
        std::fs::File::open(file)?.read_exact(&mut head).ok();
    }
    if &head != b"SQLite format 3\0" {
        anyhow::bail!("{} is not an SQLite database", file.display());
    }
    let mut conn = open(file)?;
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
    let verdict: Vec<String> = lines.into_iter().map(|l| l.integrity_check).collect();
    if verdict != ["ok"] {
        anyhow::bail!(
            "{} fails SQLite's integrity check: {}",
            file.display(),
            verdict.join("; ")
        );
    }
    let tables: One = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'activities', 'organizations')",
    )
    .get_result(&mut conn)?;
    if tables.n != 3 {
        anyhow::bail!("{} is not a doan-api database", file.display());
    }
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Version>(&mut conn)?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let known: Vec<String> =
        diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &crate::db::MIGRATIONS,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
        anyhow::bail!(
            "{} was written by a newer doan-api (migration {newer} is unknown to this one): restore it with that version",
            file.display()
        );
    }
    Ok(known.len().saturating_sub(applied.len()))
}

/// Replace `database` with the backup `file` (the server stopped: its lock is free). The old
/// database (with its WAL) is kept aside as `{database}.before-restore-{time}`; the backup's
/// media files are added to `media_dir`. Returns where the old database went.
pub fn restore(file: &Path, database: &Path, media_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let behind = check(file)?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    if lock.try_lock().is_err() {
        anyhow::bail!(
            "a doan-api server is using {} (it holds {}): stop it first",
            database.display(),
            lock_path(database).display()
        );
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = if database.exists() {
        let mut aside = database.as_os_str().to_owned();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = PathBuf::from(aside);
        std::fs::rename(database, &aside)?;
        for suffix in ["-wal", "-shm"] {
            let mut from = database.as_os_str().to_owned();
            from.push(suffix);
            let from = PathBuf::from(from);
            if from.exists() {
                let mut to = aside.as_os_str().to_owned();
                to.push(suffix);
                std::fs::rename(&from, PathBuf::from(to))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    let mut tmp = database.as_os_str().to_owned();
    tmp.push(".restoring");
    let tmp = PathBuf::from(tmp);
    std::fs::copy(file, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, database)?;
    copy_media(&media_beside(file), media_dir)?;
    if behind > 0 {
        tracing::info!(
            migrations = behind,
            "the backup is older than this binary: its migrations run on the next start"
        );
    }
    drop(lock);
    Ok(kept)
}
