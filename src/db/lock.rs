//! The lock file beside a database (`{database}.lock`): every process that opens the database
//! (a server, a command) holds it shared for as long as it does; a restore takes it
//! exclusively, so it never replaces a database in use.

use std::path::{Path, PathBuf};

/// `{database}{suffix}`.
pub fn beside(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The lock file beside a database: a serving process holds it shared, a restore exclusively.
pub fn lock_path(database: &Path) -> PathBuf {
    beside(database, ".lock")
}

/// The lock file, opened (created when missing, its folder too).
fn open_lock(database: &Path) -> anyhow::Result<std::fs::File> {
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?)
}

/// Held by a serving process for its lifetime: a restore refuses to run while it is.
pub fn hold_shared(database: &Path) -> anyhow::Result<std::fs::File> {
    let file = open_lock(database)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is being restored (its lock is held): wait for the restore to finish",
            database.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", lock_path(database).display())
        }
    }
}

/// Held by a restore: refused while any process holds the lock shared.
pub fn hold_exclusive(database: &Path) -> anyhow::Result<std::fs::File> {
    let lock = open_lock(database)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a doan-api process is using {} (it holds {}): stop it first",
            database.display(),
            lock_path(database).display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {}: {e}", lock_path(database).display())
        }
    }
}
