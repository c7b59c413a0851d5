//! The `backup` and `restore` commands.

use std::io::IsTerminal;

use crate::cli::BackupArgs;

pub fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    if crate::cli::is_postgres(&args.db.database) {
        anyhow::bail!("{}", super::handlers::POSTGRES_BACKUPS);
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let started = std::time::Instant::now();
    super::snapshot(&args.db.database, &args.file, &mut |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let size = std::fs::metadata(&args.file)?.len();
    let media = crate::media::open_store(&args.media_dir(), args.media_store.as_deref())?;
    let beside = crate::media::store::LocalStore::open(&super::media_beside(&args.file))?;
    let (files, bytes) = super::copy_media(&*media, &beside)?;
    println!(
        "backed up {} ({:.1} MiB) to {} in {:.1} s; {files} media files ({:.1} MiB) to {}",
        args.db.database.display(),
        size as f64 / 1048576.0,
        args.file.display(),
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1048576.0,
        super::media_beside(&args.file).display()
    );
    Ok(())
}

pub fn restore(args: &BackupArgs) -> anyhow::Result<()> {
    if crate::cli::is_postgres(&args.db.database) {
        anyhow::bail!("the database is PostgreSQL: restore it with pg_restore (or from the server's base backups), and copy the media folder back");
    }
    let media = crate::media::open_store(&args.media_dir(), args.media_store.as_deref())?;
    let kept = super::restore(&args.file, &args.db.database, &*media)?;
    println!(
        "restored {} from {}{}",
        args.db.database.display(),
        args.file.display(),
        kept.map(|k| format!("; the database it replaced is kept as {}", k.display()))
            .unwrap_or_default()
    );
    Ok(())
}
