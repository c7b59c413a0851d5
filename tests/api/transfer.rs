//! Export and import: the demo survives a round trip into an empty database with every API
//! response equal; a second import changes nothing; bad lines are reported and nothing is
//! written; the command line does the same.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) async fn export(app: &TestApp, query: &str) -> String {
    let res = app
        .as_admin(Method::GET, &format!("/api/v1/export{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type").unwrap(),
        "application/x-ndjson; charset=utf-8"
    );
    res.text().await.unwrap()
}

pub(crate) async fn import(app: &TestApp, body: &str, query: &str) -> reqwest::Response {
    app.as_admin(Method::POST, &format!("/api/v1/import{query}"))
        .header("Content-Type", "application/x-ndjson")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// GET `path` as the admin, the app's own address blanked out (links are absolute).
pub(crate) async fn seen(app: &TestApp, path: &str) -> String {
    let res = app.as_admin(Method::GET, path).send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    format!("{status} {}", text.replace(&app.address, "http://api"))
}

/// Every view of a deployment's data a reader or an admin sees: lists, feeds, the sitemap,
/// each unit, cluster (members, ranking), activity and revision.
pub(crate) async fn every_view(demo: &TestApp) -> (Vec<String>, Value) {
    let mut paths = vec![
        "/api/v1/organizations?per_page=100".to_string(),
        "/api/v1/activities?per_page=100&status=draft,pending_review,scheduled,published,archived"
            .to_string(),
        "/api/v1/activities?organization=doan-khoi-cac-co-quan-tinh-lang-son&include_descendants=true&sort=-published_at".to_string(),
        "/api/v1/activities?q=%22vu%20lang%22".to_string(),
        "/api/v1/clusters".to_string(),
        "/api/v1/tags".to_string(),
        "/api/v1/categories".to_string(),
        "/api/v1/stats/activities?group_by=category".to_string(),
        "/api/v1/trash/activities".to_string(),
        "/feeds/activities.json".to_string(),
        "/feeds/activities.rss".to_string(),
        "/sitemap.xml".to_string(),
    ];
    let all = demo.get_json("/api/v1/organizations?per_page=100").await;
    for o in all["data"].as_array().unwrap() {
        paths.push(format!(
            "/api/v1/organizations/{}",
            o["slug"].as_str().unwrap()
        ));
    }
    let clusters = demo.get_json("/api/v1/clusters").await;
    for c in clusters["data"].as_array().unwrap() {
        let slug = c["slug"].as_str().unwrap();
        paths.push(format!("/api/v1/clusters/{slug}"));
        paths.push(format!("/api/v1/clusters/{slug}/members/2023"));
        paths.push(format!("/api/v1/clusters/{slug}/ranking?year=2023"));
    }
    let activities: Value = demo
        .as_admin(
            Method::GET,
            "/api/v1/activities?per_page=100&status=draft,pending_review,scheduled,published,archived",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for a in activities["data"].as_array().unwrap() {
        let id = a["id"].as_i64().unwrap();
        paths.push(format!("/api/v1/activities/{id}"));
        paths.push(format!("/api/v1/activities/{id}/revisions"));
        paths.push(format!("/api/v1/activities/{id}/revisions/1"));
    }
    (paths, activities)
}

#[actix_web::test]
async fn the_demo_survives_an_export_and_an_import_into_an_empty_database() {
    let demo = spawn_demo_app().await;
    // States beyond the demo's: a draft, a scheduled and a trashed activity, revisions.
    let org = demo
        .get_json("/api/v1/organizations/chi-doan-van-phong-ubnd-tinh")
        .await;
    let draft = create_activity(
        &demo,
        json!({"title": "Bản nháp sơ kết", "occurred_on": "2023-10-01", "category": "conference",
            "organizer_id": org["id"], "tags": ["Nháp"]}),
    )
    .await;
    demo.patch_json(
        &format!("/api/v1/activities/{}", draft["id"]),
        &json!({"summary": "Sửa lần hai", "featured": true}),
    )
    .await;
    create_activity(
        &demo,
        json!({"title": "Tin hẹn giờ", "occurred_on": "2023-10-02", "category": "other",
            "organizer_id": org["id"], "status": "published", "published_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    let trashed = create_activity(
        &demo,
        json!({"title": "Tin đã xoá", "occurred_on": "2023-10-03", "category": "other",
            "organizer_id": org["id"], "status": "published"}),
    )
    .await;
    assert_eq!(
        demo.delete(&format!("/api/v1/activities/{}", trashed["id"]))
            .await
            .status(),
        204
    );

    let archive = export(&demo, "?revisions=true").await;
    let lines = archive.lines().count();
    assert!(lines > 20, "{lines} lines");
    let empty = spawn_app().await;
    let res = import(&empty, &archive, "").await;
    let status = res.status();
    let done: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["created"], lines);
    assert_eq!(done["lines"], lines);

    // Every view the same, ids, times, versions and ETags included.
    let (paths, activities) = every_view(&demo).await;
    assert!(paths.len() > 40);
    for path in &paths {
        assert_eq!(seen(&demo, path).await, seen(&empty, path).await, "{path}");
    }
    // The same representation, so the same ETag, when both are reached at the same address
    // (its links and URLs are absolute).
    let path = format!("/api/v1/activities/{}", a_public(&activities));
    let on_one_host = |app: &TestApp| {
        app.request(Method::GET, &path)
            .header("Host", "api.doan.example")
            .send()
    };
    let res = on_one_host(&demo).await.unwrap();
    let etag = header(&res, "etag");
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("http://api.doan.example/api/v1/activities/"));
    let res = on_one_host(&empty).await.unwrap();
    assert_eq!(header(&res, "etag"), etag);

    // A second import of the same file: nothing to do.
    let again: Value = import(&empty, &archive, "").await.json().await.unwrap();
    assert_eq!(again["unchanged"], lines, "{again}");
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 0);
    // And its export is the same file.
    assert_eq!(export(&empty, "?revisions=true").await, archive);
}

fn a_public(list: &Value) -> i64 {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["status"] == "published")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn bad_lines_are_reported_by_number_and_nothing_is_written() {
    let demo = spawn_demo_app().await;
    let archive = export(&demo, "").await;
    let mut lines: Vec<String> = archive.lines().map(str::to_string).collect();
    let n = lines.len();
    lines[1] = "{\"type\": \"organization\", \"name\": ".to_string();
    let last = lines.last().unwrap().clone();
    let mut broken: Value = serde_json::from_str(&last).unwrap();
    broken["organizer"] = json!("khong-co-don-vi-nay");
    broken["occurred_on"] = json!("2023-02-30");
    lines[n - 1] = broken.to_string();
    let mut other: Value = serde_json::from_str(&last).unwrap();
    other["external_id"] = json!("khac");
    other["title"] = json!("");
    other["published_at"] = Value::Null;
    lines.push(other.to_string());
    let mut odd: Value = serde_json::from_str(&last).unwrap();
    odd["external_id"] = json!("la");
    odd["tags"] = json!(["Tháng Thanh niên", "x\u{FFFF}"]);
    odd["version"] = json!(4294967297i64);
    lines.push(odd.to_string());
    let mut stale: Value = serde_json::from_str(&last).unwrap();
    stale["external_id"] = json!("cu");
    stale["slug"] = json!("ban-sao-cu");
    stale["revisions"] = json!([{"version": 9, "state": {"not": "an activity"},
        "changed_at": "2023-09-20T08:00:00Z"}]);
    lines.push(stale.to_string());
    let body = lines.join("\n");
    let empty = spawn_app().await;
    for query in ["?dry_run=true", ""] {
        let problem = assert_problem(import(&empty, &body, query).await, 422).await;
        let fields = error_fields(&problem);
        assert!(fields.contains(&"/lines/2".to_string()), "{problem}");
        assert!(fields.contains(&format!("/lines/{n}")), "{problem}");
        assert!(fields.contains(&format!("/lines/{}", n + 1)), "{problem}");
        let revision_problems = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["field"] == format!("/lines/{}", n + 3))
            .count();
        assert_eq!(revision_problems, 2, "{problem}");
        let odd = format!("/lines/{}", n + 2);
        assert!(fields.contains(&odd), "{problem}");
        assert!(
            problem
                .to_string()
                .contains("tags/1: holds a character XML 1.0 forbids"),
            "{problem}"
        );
        assert!(!fields.iter().any(|f| f == "/lines/1"), "{problem}");
    }
    assert_eq!(
        empty.get_json("/api/v1/organizations").await["meta"]["total"],
        0,
        "nothing written"
    );
    // A good file checked dry: nothing written either.
    let res = import(&empty, &archive, "?dry_run=true").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        empty.get_json("/api/v1/organizations").await["meta"]["total"],
        0
    );
    // Not NDJSON, not an admin.
    let res = empty
        .as_admin(Method::POST, "/api/v1/import")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
    assert_problem(empty.get("/api/v1/export").await, 401).await;
}

#[actix_web::test]
async fn the_command_line_exports_checks_and_imports() {
    use std::process::Command;
    let demo = spawn_demo_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tin-cu.ndjson");
    let bin = env!("CARGO_BIN_EXE_doan-api");
    let out = Command::new(bin)
        .args(["export", "--revisions", "--database"])
        .arg(&demo.db_path)
        .arg(&file)
        .output()
        .unwrap();
    assert_success(&out);
    let archive = std::fs::read_to_string(&file).unwrap();
    assert_eq!(archive, export(&demo, "?revisions=true").await);

    // A new database of the same engine (on PostgreSQL an empty migrated one).
    let target = match postgres_server() {
        Some(server) => std::path::PathBuf::from(fresh_postgres_database(&server)),
        None => dir.path().join("moi.db"),
    };
    // A bad line: its number and problem, exit 1, nothing written.
    let bad = dir.path().join("hong.ndjson");
    std::fs::write(&bad, format!("{archive}{{\"type\": \"cluster\"}}\n")).unwrap();
    for dry in [true, false] {
        let mut cmd = Command::new(bin);
        cmd.arg("import").arg("--database").arg(&target);
        if dry {
            cmd.arg("--dry-run");
        }
        let out = cmd.arg(&bad).output().unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let n = archive.lines().count() + 1;
        assert!(
            stderr.contains(&format!("line {n}: not a valid record")),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was imported"), "{stderr}");
    }
    let out = Command::new(bin)
        .args(["import", "--database"])
        .arg(&target)
        .arg(&file)
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("created"), "{stdout}");
    // What it imported exports to the same file.
    let again = dir.path().join("lai.ndjson");
    let out = Command::new(bin)
        .args(["export", "--revisions", "--database"])
        .arg(&target)
        .arg(&again)
        .output()
        .unwrap();
    assert!(out.status.success());
    // The same, but for who made each activity: the new database has no users yet.
    let without_users = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                if let Some(o) = v.as_object_mut() {
                    o.remove("created_by");
                    o.remove("updated_by");
                }
                v
            })
            .collect()
    };
    assert_eq!(
        without_users(&std::fs::read_to_string(&again).unwrap()),
        without_users(&archive)
    );
}

#[actix_web::test]
async fn clients_that_stop_reading_exports_hold_no_pooled_connection() {
    use crate::operations::{scrape, value, TOKEN};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(|a| {
        a.pool_size = 4;
        a.metrics_token = Some(TOKEN.into());
    })
    .await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Lưu trữ", "kind": "branch"}))
        .await;
    let activity = create_activity(
        &app,
        json!({"title": "Tin nhiều bản", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": org["id"]}),
    )
    .await;
    // About 10 MB of revisions: far more than the socket buffers take.
    {
        use diesel::RunQueryDsl;
        let mut conn = app.pool.blocking_conn().unwrap();
        let state = json!({"title": "Bản cũ", "body": "0".repeat(50_000)}).to_string();
        doan_api::db::sql(
            &conn,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
             INSERT INTO activity_revisions (activity_id, version, state, changed_at) \
             SELECT ?, 1000 + i, ?, CURRENT_TIMESTAMP FROM n",
        )
        .bind::<diesel::sql_types::Integer, _>(activity["id"].as_i64().unwrap() as i32)
        .bind::<diesel::sql_types::Text, _>(state)
        .execute(&mut *conn)
        .unwrap();
    }
    let host = app.address.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(host.parse().unwrap()).await.unwrap();
        stream
            .write_all(
                format!(
                    "GET /api/v1/export?revisions=true HTTP/1.1\r\nHost: {host}\r\n\
                     Authorization: Bearer {}\r\n\r\n",
                    app.admin_token
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        stalled.push(stream);
    }
    // Each export has begun answering (its status line read); then nothing more is read.
    for stream in &mut stalled {
        let mut head = [0u8; 12];
        tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut head))
            .await
            .expect("the export answers")
            .unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
    for path in ["/api/v1/activities", "/api/v1/organizations"] {
        let started = Instant::now();
        let res = tokio::time::timeout(Duration::from_secs(5), app.get(path))
            .await
            .unwrap_or_else(|_| panic!("{path} waited for a connection the exports hold"));
        assert_eq!(res.status(), 200, "{path}");
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
    // None of the pooled connections is in use (the clock's short reads aside: retried).
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let text = scrape(&app).await;
        let open = value(&text, "db_pool_connections").unwrap();
        let idle = value(&text, "db_pool_idle_connections").unwrap();
        if open == idle {
            break;
        }
        assert!(Instant::now() < deadline, "{open} open, {idle} idle");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stalled);
}

#[actix_web::test]
async fn media_lines_whose_types_contradict_their_files_are_refused() {
    use crate::media::{file, upload, PDF};
    use reqwest::multipart::Form;
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Văn thư", "kind": "branch"}))
        .await;
    let (_, editor) = app
        .user_with_token(
            "bientap_vanthu",
            doan_api::auth::Role::Editor,
            org["id"].as_i64(),
        )
        .await;
    let res = upload(
        &app,
        &editor,
        Form::new().part(
            "file",
            file(PDF.to_vec(), "28-CT-DTN.pdf", "application/pdf"),
        ),
    )
    .await;
    assert_eq!(res.status(), 201);
    let archive = export(&app, "").await;
    let lines: Vec<Value> = archive
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = lines.iter().position(|l| l["type"] == "media").unwrap();
    // Into another database (this one has the units already, made by no import).
    let app = spawn_app().await;
    let pdf = &lines[at];
    let refused = |edit: &dyn Fn(&mut Value)| {
        let mut lines = lines.clone();
        let mut line = pdf.clone();
        edit(&mut line);
        line["external_id"] = json!("tu-noi-khac/1");
        lines[at] = line;
        lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    type Edit<'a> = &'a dyn Fn(&mut Value);
    let cases: [(&str, Edit); 4] = [
        ("content_type", &|l| l["content_type"] = json!("text/html")),
        ("kind", &|l| {
            l["kind"] = json!("image");
            l["content_type"] = json!("image/svg+xml");
        }),
        ("files", &|l| {
            l["files"][0]["content_type"] = json!("image/jpeg");
        }),
        ("kind", &|l| l["kind"] = json!("image")),
    ];
    for (field, edit) in cases {
        let body = refused(edit);
        let problem = assert_problem(import(&app, &body, "?dry_run=true").await, 422).await;
        let mut fields = error_fields(&problem);
        fields.dedup();
        assert_eq!(
            fields,
            vec![format!("/lines/{}", at + 1)],
            "{field}: {problem}"
        );
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["message"].as_str().unwrap().starts_with(field)),
            "{field}: {problem}"
        );
        assert_problem(import(&app, &body, "").await, 422).await;
    }
    // Names and types that agree, on a file the media folder holds with other content: the
    // bytes are sniffed and the line refused.
    let hash = "cd".repeat(32);
    let dir = app.media_dir();
    std::fs::write(dir.join(format!("{hash}.jpg")), PDF).unwrap();
    let body = refused(&|l| {
        let name = format!("{hash}.jpg");
        l["kind"] = json!("image");
        l["content_type"] = json!("image/jpeg");
        l["file"] = json!(name);
        l["files"] = json!([{"purpose": "original", "name": name, "width": 10, "height": 10,
            "bytes": PDF.len(), "content_type": "image/jpeg"}]);
    });
    let problem = assert_problem(import(&app, &body, "?dry_run=true").await, 422).await;
    assert_eq!(
        error_fields(&problem),
        vec![format!("/lines/{}", at + 1)],
        "{problem}"
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("holds application/pdf"),
        "{problem}"
    );
    // The export itself imports.
    let res = import(&app, &archive, "").await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn cluster_lines_follow_the_apis_roster_and_result_rules() {
    let demo = spawn_demo_app().await;
    let archive = export(&demo, "").await;
    let empty = spawn_app().await;
    let lines: Vec<Value> = archive
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = lines.iter().position(|l| l["type"] == "cluster").unwrap();
    let member = lines[at]["members"][0]["organization"].clone();
    let unit = |slug: &str, role: &str| json!({"year": 2023, "organization": slug, "role": role});
    let result = |slug: &Value, score: f64| json!({"year": 2023, "organization": slug, "self_score": 900, "agreed_score": score});
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "members/2/role: a cluster has at most one head a year",
            json!([lines[at]["members"][0], unit("chi-doan-so-giao-thong-van-tai", "head"),
                unit("chi-doan-van-phong-tinh-uy", "head")]),
            json!([]),
        ),
        (
            "members/1/organization_id: unit huyen-doan-cao-loc is not a unit below the cluster's bloc",
            json!([lines[at]["members"][0], unit("huyen-doan-cao-loc", "member")]),
            json!([]),
        ),
        (
            "results/0/agreed_score: must be between 0 and 1000",
            lines[at]["members"].clone(),
            json!([result(&member, 1000.5)]),
        ),
        (
            "results/0/organization_id: unit chi-doan-van-phong-tinh-uy is not in the cluster's 2023 roster",
            lines[at]["members"].clone(),
            json!([result(&json!("chi-doan-van-phong-tinh-uy"), 80.0)]),
        ),
    ];
    for (expected, members, results) in cases {
        let mut edited = lines.clone();
        edited[at]["members"] = members;
        edited[at]["results"] = results;
        let body = edited
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        let problem = assert_problem(import(&empty, &body, "?dry_run=true").await, 422).await;
        assert_eq!(
            problem["errors"],
            json!([{"field": format!("/lines/{}", at + 1), "message": expected}]),
            "{problem}"
        );
    }
    // The roster and results as the demo has them import.
    assert_eq!(
        import(&empty, &archive, "?dry_run=true").await.status(),
        200
    );
}
