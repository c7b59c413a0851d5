//! `doan-api export FILE` and `doan-api import FILE [--dry-run]`, with progress on a terminal.

use std::io::{BufWriter, Write};

use crate::cli::{ExportArgs, ImportArgs};
use crate::db;

fn bar(len: u64, what: &str) -> indicatif::ProgressBar {
    // Drawn only on a terminal (indicatif stays silent when stderr is not one).
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} lines ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let pool = db::connect(&args.db.database, 1, 0)?;
    let mut conn = pool.blocking_conn()?;
    let file = std::fs::File::create(&args.file)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.file.display()))?;
    let mut out = BufWriter::new(file);
    let progress = indicatif::ProgressBar::new_spinner();
    let written = super::export(&mut conn, args.revisions, &mut out, &mut |n| {
        progress.inc(n as u64)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    out.flush()?;
    progress.finish_and_clear();
    println!(
        "exported {} organizations, {} clusters, {} activities to {} in {:.1} s",
        written.organizations,
        written.clusters,
        written.activities,
        args.file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let pool = db::connect(&args.db.database, 1, 0)?;
    let mut conn = pool.blocking_conn()?;
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    let progress = bar(
        lines as u64,
        if args.dry_run {
            "checking"
        } else {
            "importing"
        },
    );
    // The bucket, or the media folder beside the database when there is one: the files its
    // media lines name are checked against what it holds.
    let media_dir = crate::cli::media_dir_beside(&args.db.database, None);
    let store = if args.media_store.is_some() || media_dir.is_dir() {
        Some(crate::media::open_store(
            &media_dir,
            args.media_store.as_deref(),
        )?)
    } else {
        None
    };
    let result = super::import(
        &mut conn,
        &text,
        args.dry_run,
        store.as_deref(),
        // No request: revisions it writes keep paths from the root and the default page.
        &crate::context::Site::default(),
        &mut |n| progress.inc(n as u64),
    );
    progress.finish_and_clear();
    match result {
        Ok(done) if args.dry_run => {
            println!("{} lines checked: all valid (nothing written)", done.lines);
            Ok(())
        }
        Ok(done) => {
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "imported {} lines in {seconds:.1} s ({:.0} lines/s): {} created, {} updated, {} unchanged",
                done.lines,
                done.lines as f64 / seconds.max(1e-9),
                done.created,
                done.updated,
                done.unchanged
            );
            Ok(())
        }
        Err(super::ImportError::Lines(problems)) => {
            for p in &problems {
                eprintln!("line {}: {}", p.line, p.problem);
            }
            anyhow::bail!(
                "{} bad line(s) in {}; nothing was imported",
                problems.len(),
                args.file.display()
            )
        }
        Err(super::ImportError::Other(e)) => anyhow::bail!("{e}"),
    }
}
