//! Backups: a consistent copy of the database made while the server serves writes (SQLite's
//! `VACUUM INTO`, which reads one snapshot), with the media folder beside it; and the restore
//! of one (server stopped), checked before it replaces anything.
//!
//! A backup `FILE` is the database; its uploaded files go to `FILE.media/` (content-addressed:
//! copying them while the server runs is safe, they never change once written).

use crate::db::Conn;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::db::lock::{beside, hold_exclusive, hold_shared};
use crate::media::store::{LocalStore, MediaStore};

pub mod cli;
pub mod handlers;

/// Backups, as the rest of the program sees them (`GET /api/v1/admin/backup`, under the transfer
/// tag).
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    api: Some(routes),
    ..crate::http::resource::Resource::NONE
};

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::backup_database);
}

/// The folder a backup's media files go to.
pub fn media_beside(file: &Path) -> PathBuf {
    beside(file, ".media")
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", path.display()))
}

/// A live database, which must exist (a mistyped path is an error, not a new empty database).
fn open(path: &Path) -> anyhow::Result<Conn> {
    if !path.is_file() {
        anyhow::bail!("there is no database at {}", path.display());
    }
    let mut conn = crate::db::open(utf8(path)?)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

/// A file that nothing writes (a backup): read as it is, no lock, no journal beside it.
fn open_unchanging(path: &Path) -> anyhow::Result<Conn> {
    let uri = format!(
        "file:{}?immutable=1",
        utf8(path)?
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    crate::db::open(&uri).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
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
    if !database.is_file() {
        anyhow::bail!("there is no database at {}", database.display());
    }
    // Held like any process that has the database open: no restore moves it meanwhile.
    let lock = hold_shared(database)?;
    let mut conn = open(database)?;
    let expected = crate::db::file::used_bytes(&mut conn)?;
    let dest_str = dest
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", dest.display()))?
        .to_string();
    let copy = std::thread::spawn(move || -> anyhow::Result<()> {
        crate::db::file::copy_into(&mut conn, &dest_str)?;
        Ok(())
    });
    while !copy.is_finished() {
        let written = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        progress(written.min(expected), expected);
        std::thread::sleep(Duration::from_millis(100));
    }
    let done = copy
        .join()
        .map_err(|_| anyhow::anyhow!("the backup thread failed"))
        .and_then(|r| r)
        .and_then(|()| Ok(std::fs::File::open(dest)?.sync_all()?));
    if let Err(e) = done {
        // No half-written backup is left to be taken for a whole one.
        let _ = std::fs::remove_file(dest);
        return Err(e);
    }
    progress(expected, expected);
    drop(lock);
    Ok(())
}

/// Copy every media file of `from` missing in `to`: hard links between two folders where the
/// file system allows, else each file read whole and written whole (a bucket's `PUT`, a
/// folder's temporary name then rename: a reader never sees half a file). Returns (files
/// copied, bytes).
pub fn copy_media(from: &dyn MediaStore, to: &dyn MediaStore) -> anyhow::Result<(usize, u64)> {
    let (mut files, mut bytes) = (0, 0);
    for (name, _, size) in from.list()? {
        if to.size(&name)?.is_some() {
            continue;
        }
        let linked = match (from.local_path(&name), to.local_path(&name)) {
            (Some(source), Some(target)) => {
                let tmp = target.with_file_name(format!(".{name}.restore.tmp"));
                let _ = std::fs::remove_file(&tmp);
                std::fs::hard_link(&source, &tmp).is_ok() && std::fs::rename(&tmp, &target).is_ok()
            }
            _ => false,
        };
        if !linked {
            let part = from
                .read(&name, None)?
                .ok_or_else(|| anyhow::anyhow!("{name} went away while it was copied"))?;
            to.put(&name, &part.bytes)?;
        }
        files += 1;
        bytes += size;
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
    let mut conn = open_unchanging(file)?;
    let verdict = crate::db::file::integrity(&mut conn)?;
    if verdict != ["ok"] {
        anyhow::bail!(
            "{} fails SQLite's integrity check: {}",
            file.display(),
            verdict.join("; ")
        );
    }
    if !crate::db::file::is_ours(&mut conn)? {
        anyhow::bail!("{} is not a doan-api database", file.display());
    }
    let applied = crate::db::file::applied_migrations(&mut conn)?;
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

/// Copy `from` into a new file `to` (mode rw-r--r--, whatever `from`'s), flushed to disk.
fn copy_into_new(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source = std::fs::File::open(from)?;
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    std::io::copy(&mut source, &mut target)?;
    target.sync_all()?;
    Ok(())
}

/// Replace `database` with the backup `file` (no process has the database open: its lock is
/// free). The backup is copied beside the database and checked there first; only then is the
/// old database — its WAL folded in — moved aside as `{database}.before-restore-{time}`, and
/// the copy renamed into place. The backup's media files are added to `media` (a folder or a
/// bucket). Returns where the old database went.
pub fn restore(
    file: &Path,
    database: &Path,
    media: &dyn MediaStore,
) -> anyhow::Result<Option<PathBuf>> {
    check(file)?;
    if database.exists() && same_file(file, database)? {
        anyhow::bail!(
            "{} is the database itself: restore from a backup elsewhere",
            file.display()
        );
    }
    let lock = hold_exclusive(database)?;
    // The new database first, whole and checked, beside the old one.
    let incoming = beside(database, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    let staged = copy_into_new(file, &incoming).and_then(|()| check(&incoming).map(|_| ()));
    if let Err(e) = staged {
        let _ = std::fs::remove_file(&incoming);
        return Err(e);
    }
    // The old one, its WAL folded into it, aside under a name no other restore took.
    let kept = if database.exists() {
        if let Ok(mut old) = open(database) {
            if let Err(e) = old.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);") {
                tracing::warn!(error = %e, "the old database's WAL could not be checkpointed: it is kept beside it");
            }
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        let mut aside = beside(database, &format!(".before-restore-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            n += 1;
            aside = beside(database, &format!(".before-restore-{stamp}-{n}"));
        }
        std::fs::rename(database, &aside)?;
        Some(aside)
    } else {
        None
    };
    // What SQLite keeps beside a database goes with the old one (or, without one, is stale):
    // it must never be replayed into the restored file.
    for suffix in ["-wal", "-shm", "-journal"] {
        let stray = beside(database, suffix);
        if stray.exists() {
            let to = match &kept {
                Some(aside) => beside(aside, suffix),
                None => beside(database, &format!("{suffix}.stale")),
            };
            std::fs::rename(&stray, &to)?;
        }
    }
    std::fs::rename(&incoming, database)?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    drop(lock);
    let backed_up = media_beside(file);
    if backed_up.is_dir() {
        let copied = LocalStore::open(&backed_up)
            .map_err(anyhow::Error::from)
            .and_then(|from| copy_media(&from, media));
        if let Err(e) = copied {
            anyhow::bail!(
                "the database is restored, but the backup's media files could not all be copied from {}: {e}",
                backed_up.display()
            );
        }
    }
    Ok(kept)
}

/// Are `a` and `b` the same file (device and inode)?
fn same_file(a: &Path, b: &Path) -> anyhow::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (std::fs::metadata(a)?, std::fs::metadata(b)?);
    Ok(a.dev() == b.dev() && a.ino() == b.ino())
}
