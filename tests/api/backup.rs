//! Backups taken while the server takes writes, restored and compared row by row; restore's
//! checks (not a database, damaged, from a newer version, the server still running); the
//! admin's streamed snapshot.

use doan_api::db::Conn;
use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use doan_api::cli::ServeArgs;
use doan_api::startup::Application;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn doan(args: &[&str], paths: &[&Path]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_doan-api"));
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn open(path: &Path) -> Conn {
    let mut conn = doan_api::db::open(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA busy_timeout = 10000;").unwrap();
    conn
}

/// Rows of table `t` in `a` that `b` lacks (every column compared).
fn missing(conn: &mut Conn, a: &str, b: &str, t: &str) -> i64 {
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM (SELECT * FROM {a}.\"{t}\" EXCEPT SELECT * FROM {b}.\"{t}\")"
    ))
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

fn count(conn: &mut Conn, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

/// The ordinary tables of the attached database `schema` (not SQLite's own, not the search
/// index's virtual tables and their shadows).
fn tables(conn: &mut Conn, schema: &str) -> Vec<String> {
    diesel::sql_query(format!(
        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%fts%' AND name NOT LIKE '%vocab%' ORDER BY name"
    ))
    .load::<Name>(conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect()
}

#[actix_web::test]
async fn a_backup_taken_under_write_load_restores_every_row() {
    if on_postgres() {
        // A backup is of the SQLite file: PostgreSQL is backed up with pg_dump or base
        // backups, which `backup` and `restore` point to (see the test below).
        return;
    }
    let app = spawn_demo_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Sao lưu", "kind": "branch"}))
        .await;
    // Writers: four at a time, creating activities until told to stop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let written = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let client = app.client.clone();
        let url = app.url("/api/v1/activities");
        let token = app.admin_token.clone();
        let stop = stop.clone();
        let written = written.clone();
        let org_id = org["id"].clone();
        writers.push(actix_web::rt::spawn(async move {
            let mut acknowledged = 0;
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("Tin sao lưu {w}-{i}"), "occurred_on": "2024-03-26",
                        "category": "other", "organizer_id": org_id, "status": "published",
                        "body": "Nội dung ".repeat(200)}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                acknowledged += 1;
                written.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            acknowledged
        }));
    }
    let at_least = |n: usize| {
        let written = written.clone();
        async move {
            while written.load(std::sync::atomic::Ordering::SeqCst) < n {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            written.load(std::sync::atomic::Ordering::SeqCst)
        }
    };
    at_least(8).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sao-luu.db");
    let (db, f) = (app.db_path.clone(), file.clone());
    let out =
        actix_web::rt::task::spawn_blocking(move || doan(&["backup", "--database"], &[&db, &f]))
            .await
            .unwrap();
    assert_success(&out);
    // Writes go on after the snapshot too.
    let after = written.load(std::sync::atomic::Ordering::SeqCst);
    at_least(after + 8).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acknowledged = 0;
    for w in writers {
        acknowledged += w.await.unwrap();
    }
    assert!(acknowledged > 10, "{acknowledged} writes");
    // The demo's photos went along.
    let media = dir.path().join("sao-luu.db.media");
    assert!(std::fs::read_dir(&media).unwrap().count() >= 6);

    // Every row of the backup is in the live database as it is (the writes only added rows),
    // and the live database has more: the backup is a snapshot from the middle of the load.
    let mut conn = open(&app.db_path);
    conn.batch_execute(&format!("ATTACH DATABASE '{}' AS bak", file.display()))
        .unwrap();
    let names = tables(&mut conn, "bak");
    assert!(
        names.contains(&"activities".to_string()) && names.len() > 20,
        "{names:?}"
    );
    // Counters move with every write (the data version, the tallies' counts).
    for t in names
        .iter()
        .filter(|t| !["data_version", "users", "activity_tallies"].contains(&t.as_str()))
    {
        assert_eq!(missing(&mut conn, "bak", "main", t), 0, "rows of {t}");
    }
    let in_backup = count(&mut conn, "SELECT count(*) AS n FROM bak.activities");
    let live = count(&mut conn, "SELECT count(*) AS n FROM main.activities");
    assert!(in_backup > 7 && in_backup < live, "{in_backup} of {live}");
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM bak.pragma_integrity_check WHERE integrity_check = 'ok'"
        ),
        1
    );
    drop(conn);

    // Restored into a new place (the live one is served: refused there), every row the same.
    let out = doan(&["restore", "--database"], &[&app.db_path, &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stop it first"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = tempfile::tempdir().unwrap();
    let restored = target.path().join("doan.db");
    let out = doan(&["restore", "--database"], &[&restored, &file]);
    assert_success(&out);
    let mut conn = open(&restored);
    conn.batch_execute(&format!("ATTACH DATABASE '{}' AS bak", file.display()))
        .unwrap();
    for t in tables(&mut conn, "bak") {
        assert_eq!(missing(&mut conn, "bak", "main", &t), 0, "{t}");
        assert_eq!(missing(&mut conn, "main", "bak", &t), 0, "{t}");
    }
    drop(conn);
    assert!(target.path().join("media").read_dir().unwrap().count() >= 6);
    // It serves: the same activities, the demo photos load.
    let server = Application::build(ServeArgs::for_tests(restored.clone()))
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", server.port());
    actix_web::rt::spawn(server.run_until_stopped());
    let list = fetch_json(&app, &format!("{address}/api/v1/activities?per_page=1")).await;
    assert_eq!(list["meta"]["total"], in_backup, "{list}");
    let demo = fetch_json(
        &app,
        &format!("{address}/api/v1/activities?organization=chi-doan-van-phong-ubnd-tinh"),
    )
    .await;
    let photo = demo["data"][0]["photo"]["src"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.client.get(&photo).send().await.unwrap().status(), 200);
    // The server on it holds its lock: no restore under it.
    let out = doan(&["restore", "--database"], &[&restored, &file]);
    assert_eq!(out.status.code(), Some(1));
}

#[actix_web::test]
async fn restore_checks_the_file_before_replacing_anything() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    if on_postgres() {
        // The checks are of SQLite files: on PostgreSQL both commands refuse, point to
        // pg_dump / pg_restore and write nothing.
        let file = dir.path().join("good.db");
        for command in ["backup", "restore"] {
            let out = doan(&[command, "--database"], &[&app.db_path, &file]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
            assert!(stderr.contains("pg_"), "{command}: {stderr}");
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                0,
                "{command}"
            );
        }
        return;
    }
    let good = dir.path().join("good.db");
    let out = doan(&["backup", "--database"], &[&app.db_path, &good]);
    assert_success(&out);
    // A second backup to the same file is refused (nothing overwritten).
    let out = doan(&["backup", "--database"], &[&app.db_path, &good]);
    assert_eq!(out.status.code(), Some(1));

    let text = dir.path().join("text.db");
    std::fs::write(&text, "không phải cơ sở dữ liệu").unwrap();
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    // Every page but the first (the schema) half overwritten.
    let page = 8192;
    let len = bytes.len();
    for start in (page..len).step_by(page) {
        for b in &mut bytes[start + 8..(start + page / 2).min(len)] {
            *b = 0x5A;
        }
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    open(&newer)
        .batch_execute(
            "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES ('29991231000001', CURRENT_TIMESTAMP)",
        )
        .unwrap();
    let foreign = dir.path().join("foreign.db");
    open(&foreign)
        .batch_execute("CREATE TABLE t (x INTEGER)")
        .unwrap();

    let target = dir.path().join("live").join("doan.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(&good, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    for (file, why) in [
        (&text, "not an SQLite database"),
        (&damaged, "malformed|integrity"),
        (&newer, "newer doan-api"),
        (&foreign, "not a doan-api database"),
        (&dir.path().join("absent.db"), "is not a file"),
    ] {
        let out = doan(&["restore", "--database"], &[&target, file]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
        assert!(
            why.split('|').any(|w| stderr.contains(w)),
            "{}: {stderr}",
            file.display()
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            before,
            "{}",
            file.display()
        );
    }
    // The database itself is no backup of itself.
    let out = doan(&["restore", "--database"], &[&target, &target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the database itself"));
    assert_eq!(std::fs::read(&target).unwrap(), before);
    // A good one replaces it, twice in a row: each old one kept aside under its own name.
    for _ in 0..2 {
        let out = doan(&["restore", "--database"], &[&target, &good]);
        assert_success(&out);
    }
    let kept: Vec<_> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".before-restore-") && !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    // A stale WAL where there is no database is never replayed into the restored one.
    let fresh = dir.path().join("fresh").join("doan.db");
    std::fs::create_dir_all(fresh.parent().unwrap()).unwrap();
    std::fs::write(fresh.with_file_name("doan.db-wal"), vec![7u8; 4096]).unwrap();
    let out = doan(&["restore", "--database"], &[&fresh, &good]);
    assert_success(&out);
    assert!(!fresh.with_file_name("doan.db-wal").exists());
    assert_eq!(
        std::fs::read(&fresh).unwrap(),
        std::fs::read(&good).unwrap()
    );
    // A mistyped database is an error for a backup, not an empty copy.
    let out = doan(
        &["backup", "--database"],
        &[&dir.path().join("nowhere.db"), &dir.path().join("x.db")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("x.db").exists() && !dir.path().join("nowhere.db").exists());
}

#[actix_web::test]
async fn an_admin_downloads_a_consistent_snapshot() {
    let app = spawn_demo_app().await;
    let res = app
        .as_admin(Method::GET, "/api/v1/admin/backup")
        .send()
        .await
        .unwrap();
    if on_postgres() {
        // The snapshot is an SQLite file: PostgreSQL is backed up with pg_dump or base
        // backups, which the 501 names.
        let problem = assert_problem(res, 501).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("pg_dump"),
            "{problem}"
        );
    } else {
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "content-type").as_deref(),
            Some("application/vnd.sqlite3")
        );
        assert!(header(&res, "content-disposition")
            .unwrap()
            .contains("attachment"));
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tai-ve.db");
        std::fs::write(&file, &bytes).unwrap();
        let restored = dir.path().join("restored.db");
        let out = doan(&["restore", "--database"], &[&restored, &file]);
        assert_success(&out);
        let mut conn = open(&restored);
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM activities"), 7);
    }
    let (_, editor) = app.branch_with_editor("Chi đoàn Tải", "bientap_tai").await;
    let res = app
        .request(Method::GET, "/api/v1/admin/backup")
        .bearer_auth(editor)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    assert_problem(app.get("/api/v1/admin/backup").await, 401).await;
}
