//! One deployment on both engines: the demo (with drafts, a scheduled item, the trash and
//! revisions) moves from SQLite to PostgreSQL by `export`/`import` and back, and every view of
//! it reads the same, byte for byte — lists, searches, stats, feeds, the sitemap, each unit,
//! cluster, activity and revision — with ids, slugs, dates, versions and ETags kept. Then each
//! engine goes on giving new ids after the imported ones.
//!
//! Needs `DOAN_TEST_POSTGRES` (CI sets it): the SQLite side is forced, the PostgreSQL side is
//! the harness's fresh database.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::transfer::{every_view, export, import, seen};

/// The test app on a SQLite file of `dir`, whatever engine the run uses.
async fn on_sqlite(dir: &tempfile::TempDir, name: &str, demo: bool) -> TestApp {
    let path = dir.path().join(name);
    spawn_with(move |args| {
        args.db.database = path;
        args.demo = demo;
    })
    .await
}

#[actix_web::test]
async fn a_deployment_moves_between_engines_and_every_view_reads_the_same() {
    if !on_postgres() {
        eprintln!("skipped: needs PostgreSQL (DOAN_TEST_POSTGRES) beside SQLite");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = on_sqlite(&dir, "demo.db", true).await;
    let org = sqlite
        .get_json("/api/v1/organizations/chi-doan-van-phong-ubnd-tinh")
        .await;
    let draft = create_activity(
        &sqlite,
        json!({"title": "Bản nháp chuyển máy", "occurred_on": "2023-10-01", "category": "conference",
            "organizer_id": org["id"], "tags": ["Chuyển máy"]}),
    )
    .await;
    sqlite
        .patch_json(
            &format!("/api/v1/activities/{}", draft["id"]),
            &json!({"summary": "Sửa lần hai: “Đoàn viên” ưu tú", "featured": true}),
        )
        .await;
    create_activity(
        &sqlite,
        json!({"title": "Tin hẹn giờ chuyển máy", "occurred_on": "2023-10-02", "category": "other",
            "organizer_id": org["id"], "status": "published", "published_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    let trashed = create_activity(
        &sqlite,
        json!({"title": "Tin đã xoá chuyển máy", "occurred_on": "2023-10-03", "category": "other",
            "organizer_id": org["id"], "status": "published"}),
    )
    .await;
    assert_eq!(
        sqlite
            .delete(&format!("/api/v1/activities/{}", trashed["id"]))
            .await
            .status(),
        204
    );
    let archive = export(&sqlite, "?revisions=true").await;
    let lines = archive.lines().count();

    // SQLite → PostgreSQL.
    let postgres = spawn_app().await;
    assert!(postgres.db_path.to_string_lossy().starts_with("postgres"));
    let res = import(&postgres, &archive, "").await;
    let status = res.status();
    let done: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["created"], lines);

    let (mut paths, _) = every_view(&sqlite).await;
    // Searches (folding, phrases, prefixes, exact diacritics first) and stats of every kind.
    for q in [
        "q=thanh%20nien",
        "q=%22vu%20lang%22",
        "q=chuy",
        "q=%C4%90o%C3%A0n&sort=-occurred_on",
        "q=qwxzvk",
    ] {
        paths.push(format!("/api/v1/activities?{q}"));
    }
    paths.push("/api/v1/organizations?q=van%20phong".into());
    paths.push("/api/v1/clusters?q=cum".into());
    for group in [
        "month",
        "category",
        "organization",
        "cluster",
        "tag",
        "category,month",
    ] {
        paths.push(format!("/api/v1/stats/activities?group_by={group}"));
    }
    paths.push("/feeds/activities.atom".into());
    for path in &paths {
        assert_eq!(
            seen(&sqlite, path).await,
            seen(&postgres, path).await,
            "{path}"
        );
    }
    // Relevance ranks the same hits on both, the query's own diacritics first; the scores
    // (bm25 on SQLite, ts_rank on PostgreSQL) and so the order among the rest may differ.
    for q in ["thanh%20ni%C3%AAn", "doan%20vien", "%C4%90%C3%B2an"] {
        let path = format!("/api/v1/activities?q={q}&sort=relevance&per_page=100");
        let (a, b) = (sqlite.get_json(&path).await, postgres.get_json(&path).await);
        assert_eq!(a["meta"]["total"], b["meta"]["total"], "{path}");
        let ids = |v: &Value| {
            let mut ids: Vec<i64> = v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&a), ids(&b), "{path}");
    }
    // Its export is the same file.
    assert_eq!(export(&postgres, "?revisions=true").await, archive);

    // PostgreSQL → SQLite again: the same file once more.
    let back = on_sqlite(&dir, "back.db", false).await;
    let res = import(&back, &archive, "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(export(&back, "?revisions=true").await, archive);

    // Each engine gives the next id after the imported ones, never one of them.
    let max_id = |list: &Value| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .max()
            .unwrap()
    };
    let all =
        "/api/v1/activities?per_page=100&status=draft,pending_review,scheduled,published,archived";
    for app in [&postgres, &back] {
        let before = max_id(&app.admin_json(all).await)
            .max(i64::from(trashed["id"].as_i64().unwrap() as i32));
        let made = create_activity(
            app,
            json!({"title": "Tin mới sau khi chuyển", "occurred_on": "2024-01-02", "category": "other",
                "organizer_id": org["id"]}),
        )
        .await;
        assert!(made["id"].as_i64().unwrap() > before, "{made}");
        let unit = app
            .as_admin(Method::POST, "/api/v1/organizations")
            .json(&json!({"name": "Chi đoàn mới sau khi chuyển", "kind": "grassroots_branch"}))
            .send()
            .await
            .unwrap();
        assert_eq!(unit.status(), 201);
    }
}
