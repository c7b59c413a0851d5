//! The binary's command line: clear one-line errors, never a panic.

use std::process::{Command, Output};

use crate::helpers::assert_success;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(args)
        .env_remove("DOAN_DATABASE")
        .output()
        .expect("the binary runs")
}

fn one_line_error(out: &Output) -> String {
    assert!(!out.status.success(), "exits non-zero");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    errors[0].to_string()
}

#[test]
fn a_bad_flag_is_a_one_line_error() {
    let line = one_line_error(&run(&["serve", "--no-such-flag"]));
    assert!(line.contains("--no-such-flag"), "{line}");
    let line = one_line_error(&run(&["serve", "--log-format", "xml"]));
    assert!(line.contains("xml"), "{line}");
    let line = one_line_error(&run(&["serve", "--public-url", "not a url"]));
    assert!(line.contains("public-url"), "{line}");
    for size in ["0", "65", "many"] {
        let line = one_line_error(&run(&["serve", "--pool-size", size]));
        assert!(line.contains("pool-size"), "{line}");
    }
}

#[test]
fn an_unusable_database_path_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be.
    let line = one_line_error(&run(&[
        "migrate",
        "--database",
        dir.path().to_str().unwrap(),
    ]));
    assert!(line.contains("database"), "{line}");
    // A file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let line = one_line_error(&run(&["migrate", "--database", junk.to_str().unwrap()]));
    assert!(
        line.contains("database") || line.contains("migrat"),
        "{line}"
    );
    // A directory that cannot be created (below a regular file).
    let below_file = junk.join("sub/doan.db");
    let line = one_line_error(&run(&[
        "migrate",
        "--database",
        below_file.to_str().unwrap(),
    ]));
    assert!(line.contains("directory"), "{line}");
}

#[test]
fn a_postgres_server_that_does_not_answer_is_a_one_line_error_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    for command in ["migrate", "serve"] {
        let out = Command::new(env!("CARGO_BIN_EXE_doan-api"))
            .args([
                command,
                "--database",
                "postgres://doan:s3cret@127.0.0.1:1/doan",
            ])
            .current_dir(dir.path())
            .env_remove("DOAN_DATABASE")
            .env_remove("DOAN_JWT_SECRET")
            .output()
            .expect("the binary runs");
        let line = one_line_error(&out);
        // One line in all (the driver's hint, if any, on it too).
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{command}: {stderr}");
        // The database is named, its password never shown.
        assert!(line.contains("127.0.0.1:1/doan"), "{command}: {line}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!said.contains("s3cret"), "{command}: {said}");
        // Not taken for a file path: no `postgres:` directory, no lock file, no data/ folder.
        let made: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(made.is_empty(), "{command}: {made:?}");
    }
}

#[test]
fn migrate_creates_and_migrates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/doan.db");
    let out = run(&["migrate", "--database", path.to_str().unwrap()]);
    assert_success(&out);
    assert!(path.exists());
    // Twice is fine.
    assert!(run(&["migrate", "--database", path.to_str().unwrap()])
        .status
        .success());
}

/// The synthetic seed (what the benchmarks start from) runs alone on its file: no spare pooled
/// connection opens beside its batch settings (it was "database is locked" when the pool kept
/// one for writes).
#[test]
fn seed_fills_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seeded.db");
    let out = run(&[
        "seed",
        "--synthetic",
        "300",
        "--database",
        path.to_str().unwrap(),
    ]);
    assert_success(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("seeded 300 activities"), "{said}");
}
