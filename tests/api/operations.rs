//! Operations: `/metrics` (who may read it, what it counts), the limits that protect the box
//! (read timeout, per-address rate limits, parameter lengths, slow clients, connection cap)
//! and the JSON access log.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{assert_problem, header, on_postgres, spawn_with, TestApp};

pub const TOKEN: &str = "scrape-token-for-tests-0123456789";

/// Scrape `/metrics` on the API's address with the token.
pub async fn scrape(app: &TestApp) -> String {
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "content-type").as_deref(),
        Some("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

/// The value of the series `name{labels}` (labels exactly as exposed), if present.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Hold the writers' lock from another connection for `hold`: SQLite's write lock; on
/// PostgreSQL the transaction-scoped advisory lock every write takes first.
fn hold_write_lock(path: &std::path::Path, hold: Duration) -> std::thread::JoinHandle<()> {
    let mut conn = doan_api::db::open(path.to_str().unwrap()).unwrap();
    if on_postgres() {
        conn.batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({})",
            doan_api::db::WRITERS_LOCK
        ))
        .unwrap();
    } else {
        conn.batch_execute("BEGIN IMMEDIATE").unwrap();
    }
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.batch_execute("COMMIT").unwrap();
    })
}

/// Create a unit as admin on a task of its own (while the test holds the write lock); the
/// handle answers its status.
fn create_unit_in_background(
    app: &TestApp,
    name: &str,
) -> actix_web::rt::task::JoinHandle<reqwest::StatusCode> {
    let request = app
        .as_admin(reqwest::Method::POST, "/api/v1/organizations")
        .json(&json!({"name": name, "kind": "branch"}));
    actix_web::rt::spawn(async move { request.send().await.unwrap().status() })
}

#[actix_web::test]
async fn metrics_are_not_served_by_default() {
    let app = spawn_with(|_| {}).await;
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let res = app
            .request(method, "/metrics")
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
    }
}

#[actix_web::test]
async fn metrics_need_the_token_on_the_api_address() {
    let app = spawn_with(|a| a.metrics_token = Some(TOKEN.into())).await;
    let res = app.get("/metrics").await;
    assert_problem(res, 401).await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-token-for-tests-0123456788")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    // An admin's token is no scraper's token.
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    scrape(&app).await;
}

#[actix_web::test]
async fn a_separate_metrics_address_serves_them_without_a_token() {
    let app = spawn_with(|a| a.metrics_bind = Some("127.0.0.1:0".into())).await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    app.get("/api/v1/organizations").await;
    let text = app
        .client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        value(
            &text,
            r#"http_requests_total{method="GET",route="/api/v1/organizations",status="200"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // Not on the API's address (no token set).
    assert_problem(app.get("/metrics").await, 404).await;
}

#[actix_web::test]
async fn requests_are_counted_by_route_template_and_status() {
    let app = spawn_with(|a| a.metrics_token = Some(TOKEN.into())).await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Sở Tư pháp", "kind": "branch"}))
        .await;
    let id = org["id"].as_i64().unwrap();
    for _ in 0..2 {
        assert_eq!(
            app.get(&format!("/api/v1/organizations/{id}"))
                .await
                .status(),
            200
        );
    }
    assert_eq!(app.get("/api/v1/organizations/987654").await.status(), 404);
    assert_eq!(app.get("/no/such/path/xyz").await.status(), 404);
    // A feed read twice: sent, then 304 for the reader's copy.
    let res = app.get("/feeds/activities.rss").await;
    let etag = header(&res, "etag").expect("an ETag");
    let res = app
        .client
        .get(app.url("/feeds/activities.rss"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // Five wrong passwords, then the throttle.
    for attempt in 0..6 {
        let res = app
            .post_anon(
                "/api/v1/auth/token",
                &json!({"username": "admin", "password": "not the password"}),
            )
            .await;
        assert_eq!(res.status(), if attempt < 5 { 401 } else { 429 });
    }
    let text = scrape(&app).await;
    let count = |series: &str| value(&text, series).unwrap_or_else(|| panic!("{series}: {text}"));
    assert_eq!(
        count(
            r#"http_requests_total{method="GET",route="/api/v1/organizations/{id}",status="200"}"#
        ),
        2.0
    );
    assert_eq!(
        count(
            r#"http_requests_total{method="GET",route="/api/v1/organizations/{id}",status="404"}"#
        ),
        1.0
    );
    assert_eq!(
        count(r#"http_requests_total{method="POST",route="/api/v1/organizations",status="201"}"#),
        1.0
    );
    assert_eq!(
        count(r#"http_requests_total{method="GET",route="unmatched",status="404"}"#),
        1.0
    );
    assert!(!text.contains("xyz"), "a path is never a label");
    assert_eq!(
        count(
            r#"http_request_duration_seconds_count{method="GET",route="/api/v1/organizations/{id}"}"#
        ),
        3.0
    );
    assert_eq!(
        count(r#"feed_responses_total{feed="rss",outcome="sent"}"#),
        1.0
    );
    assert_eq!(
        count(r#"feed_responses_total{feed="rss",outcome="not_modified"}"#),
        1.0
    );
    assert_eq!(count("auth_login_failures_total"), 5.0);
    assert_eq!(count("auth_logins_throttled_total"), 1.0);
    // The scrape itself is the one request in flight.
    assert_eq!(count("http_requests_in_flight"), 1.0);
    // The readers' 8 and the writers' own.
    assert_eq!(
        count("db_pool_max_connections"),
        f64::from(8 + doan_api::db::WRITE_LANE)
    );
    assert!(count("db_pool_connections") >= 1.0);
    if !on_postgres() {
        // The sizes of the SQLite file and its WAL (PostgreSQL's are the server's to watch).
        assert!(count("sqlite_database_bytes") > 0.0);
        assert!(count("sqlite_wal_bytes") > 0.0, "writes went to the WAL");
    }
    assert!(count("sqlite_write_lock_wait_seconds_count") >= 1.0);
    assert!(count("process_resident_memory_bytes") > 0.0);
}

#[actix_web::test]
async fn waits_for_the_write_lock_and_for_a_connection_are_counted() {
    let app = spawn_with(|a| {
        a.metrics_token = Some(TOKEN.into());
        a.pool_size = 1;
    })
    .await;
    // Another process holds the write lock for 600 ms: the write waits (retrying), then
    // succeeds; a read meanwhile waits for the one pooled connection.
    let holder = hold_write_lock(&app.db_path, Duration::from_millis(600));
    let write = create_unit_in_background(&app, "Chi đoàn Kho bạc");
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(app.get("/api/v1/organizations").await.status(), 200);
    assert_eq!(write.await.unwrap(), 201);
    holder.join().unwrap();
    let text = scrape(&app).await;
    let count = |series: &str| value(&text, series).unwrap_or_else(|| panic!("{series}: {text}"));
    if !on_postgres() {
        // SQLite's lock is retried here; PostgreSQL waits for its lock itself.
        assert!(count("sqlite_busy_retries_total") >= 1.0);
    }
    assert!(count("sqlite_write_lock_wait_seconds_sum") >= 0.3);
    assert_eq!(count("sqlite_busy_timeouts_total"), 0.0);
    assert!(count("db_pool_waits_total") >= 1.0);
    assert!(count("db_pool_wait_seconds_sum") > 0.1);
}

#[actix_web::test]
async fn a_write_that_cannot_get_the_lock_is_a_503_and_nothing_is_written() {
    let app = spawn_with(|a| a.metrics_token = Some(TOKEN.into())).await;
    let holder = hold_write_lock(&app.db_path, Duration::from_millis(6500));
    let started = Instant::now();
    let res = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "Chi đoàn Bảo hiểm xã hội", "kind": "branch"}),
        )
        .await;
    assert_eq!(header(&res, "retry-after").as_deref(), Some("5"));
    let problem = assert_problem(res, 503).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("busy"),
        "{problem}"
    );
    assert!(started.elapsed() >= Duration::from_millis(4900));
    holder.join().unwrap();
    let list = app.get_json("/api/v1/organizations?q=Bảo hiểm").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "{list}");
    let text = scrape(&app).await;
    // The write, and maybe a background task's (the publication clock, the audit purge).
    assert!(value(&text, "sqlite_busy_timeouts_total").is_some_and(|n| n >= 1.0));
}

#[actix_web::test]
async fn periodic_checkpoints_are_counted() {
    if on_postgres() {
        // Checkpoints of SQLite's WAL: PostgreSQL's checkpointer runs in the server.
        return;
    }
    let app = spawn_with(|a| {
        a.metrics_token = Some(TOKEN.into());
        a.checkpoint_interval = 1;
    })
    .await;
    app.create_org(json!({"name": "Chi đoàn Sở Y tế", "kind": "branch"}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(&app).await;
        let done = value(
            &text,
            r#"sqlite_checkpoints_total{mode="passive",outcome="done"}"#,
        );
        if done.is_some_and(|n| n >= 1.0) {
            let at = value(&text, "sqlite_last_checkpoint_timestamp_seconds").unwrap();
            let now = chrono::Utc::now().timestamp() as f64;
            assert!((now - at).abs() < 30.0, "{at} vs {now}");
            break;
        }
        assert!(Instant::now() < deadline, "no checkpoint counted: {text}");
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    }
}

#[actix_web::test]
async fn a_read_past_the_timeout_is_a_503_with_retry_after() {
    let app = spawn_with(|a| {
        a.request_timeout = 1;
        a.pool_size = 1;
        a.metrics_token = Some(TOKEN.into());
    })
    .await;
    // The readers' one connection is held for 3 s (a slow read): a read waits for it past its
    // 1 s. A write meanwhile waits 3 s for the lock, in its own lane.
    let pool = app.pool.clone();
    let reader = actix_web::rt::task::spawn_blocking(move || {
        let conn = pool.blocking_conn().expect("the reader's connection");
        std::thread::sleep(Duration::from_millis(3000));
        drop(conn);
    });
    let holder = hold_write_lock(&app.db_path, Duration::from_millis(3000));
    let write = create_unit_in_background(&app, "Chi đoàn Cục Thuế");
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    let started = Instant::now();
    let res = app
        .client
        .get(app.url("/api/v1/organizations"))
        .header("X-Request-Id", "slow-read-1")
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(header(&res, "retry-after").as_deref(), Some("5"));
    assert_eq!(header(&res, "x-request-id").as_deref(), Some("slow-read-1"));
    let problem = assert_problem(res, 503).await;
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("longer than 1"));
    assert_eq!(problem["instance"], "/api/v1/organizations");
    // The write is not cut short: it waits for the lock and commits.
    assert_eq!(write.await.unwrap(), 201);
    holder.join().unwrap();
    reader.await.unwrap();
    // Counted under its route, as a timeout.
    let text = scrape(&app).await;
    assert_eq!(
        value(
            &text,
            r#"http_requests_total{method="GET",route="/api/v1/organizations",status="503"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(value(&text, "http_request_timeouts_total"), Some(1.0));
}

#[actix_web::test]
async fn per_address_rate_limits_answer_429_with_retry_after() {
    let app = spawn_with(|a| {
        a.rate_limit_reads = 3;
        a.rate_limit_writes = 2;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/organizations").await.status(), 200);
    }
    let res = app.get("/api/v1/organizations").await;
    let wait: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let problem = assert_problem(res, 429).await;
    assert!(problem["detail"].as_str().unwrap().contains("this address"));
    // Any Authorization header is not a way around it: only a token whose signature holds.
    for header_value in ["x", "Bearer not-a-token"] {
        let res = app
            .client
            .get(app.url("/feeds/activities.rss"))
            .header("Authorization", header_value)
            .send()
            .await
            .unwrap();
        assert_problem(res, 429).await;
    }
    // A signed-in read is not an anonymous one; the probes are never refused.
    let res = app
        .as_admin(reqwest::Method::GET, "/api/v1/organizations")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/health/ready").await.status(), 200);
    // Writes have their own allowance, whoever sends them.
    for n in 0..2 {
        let res = app
            .post_json(
                "/api/v1/organizations",
                &json!({"name": format!("Chi đoàn số {n}"), "kind": "branch"}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let res = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "Chi đoàn số 3", "kind": "branch"}),
        )
        .await;
    assert!(header(&res, "retry-after").is_some());
    assert_problem(res, 429).await;
    let list = app
        .as_admin(reqwest::Method::GET, "/api/v1/organizations")
        .send()
        .await
        .unwrap();
    let list: Value = list.json().await.unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        2,
        "the refused write wrote nothing"
    );
}

#[actix_web::test]
async fn long_parameters_are_refused_by_name() {
    let app = spawn_with(|_| {}).await;
    for (path, param) in [
        (
            format!("/api/v1/activities?organizer={}", "a".repeat(201)),
            "organizer",
        ),
        (format!("/api/v1/organizations?q={}", "đ".repeat(201)), "q"),
        (
            format!("/api/v1/activities?cursor={}", "A".repeat(8193)),
            "cursor",
        ),
        (
            format!("/feeds/activities.rss?tag={}", "a".repeat(101)),
            "tag",
        ),
        (
            format!("/api/v1/activities?tag={}", vec!["a"; 21].join(",")),
            "tag",
        ),
    ] {
        let res = app.get(&path).await;
        let problem = assert_problem(res, 400).await;
        assert_eq!(problem["errors"][0]["field"], param, "{path}: {problem}");
    }
    // At the limits: answered (no such unit, no such tags).
    let res = app
        .get(&format!("/api/v1/activities?organizer={}", "a".repeat(100)))
        .await;
    assert_eq!(res.status(), 404);
    let tags = (0..20)
        .map(|n| format!("tag-{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let res = app.get(&format!("/api/v1/activities?tag={tags}")).await;
    assert_eq!(res.status(), 404);
}

/// Open a connection to `address` (http://host:port).
async fn connect(address: &str) -> tokio::net::TcpStream {
    let host = address.trim_start_matches("http://");
    tokio::net::TcpStream::connect(host).await.unwrap()
}

#[actix_web::test]
async fn slow_clients_do_not_hold_the_worker_and_are_cut_off() {
    let app = spawn_with(|a| {
        a.workers = Some(1);
        a.client_header_timeout = 2;
    })
    .await;
    // 20 clients sending their headers one byte at a time (slowloris) to the one worker.
    let request = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n\r\n";
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = connect(&app.address).await;
        slow.push(actix_web::rt::spawn(async move {
            let started = Instant::now();
            for byte in request.iter() {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                actix_web::rt::time::sleep(Duration::from_millis(400)).await;
                if started.elapsed() > Duration::from_secs(8) {
                    break;
                }
            }
            let mut answer = Vec::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
            (
                started.elapsed(),
                String::from_utf8_lossy(&answer).to_string(),
            )
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    // Meanwhile the worker answers everyone else at once.
    for _ in 0..10 {
        let started = Instant::now();
        let res = app.get("/health/live").await;
        assert_eq!(res.status(), 200);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    for client in slow {
        let (took, answer) = client.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(
            took < Duration::from_secs(6),
            "cut off after the timeout: {took:?}"
        );
    }
}

#[actix_web::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = spawn_with(|a| {
        a.workers = Some(1);
        a.max_connections = 2;
    })
    .await;
    let request = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";
    // Two clients keep their connections open.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&app.address).await;
        stream.write_all(request).await.unwrap();
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // A third is not served while they are…
    let mut third = connect(&app.address).await;
    third.write_all(request).await.unwrap();
    let mut buf = [0u8; 256];
    let early = tokio::time::timeout(Duration::from_millis(800), third.read(&mut buf)).await;
    assert!(early.is_err(), "served past the cap");
    // …and is once one closes.
    drop(held.pop());
    let n = tokio::time::timeout(Duration::from_secs(3), third.read(&mut buf))
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
}

#[actix_web::test]
async fn json_access_log_lines_carry_request_route_status_latency_and_user() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let password = format!("Log-test-{}", rand::random::<u64>());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["serve", "--demo", "--log-format", "json", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database")
        .arg(dir.path().join("doan.db"))
        .env("DOAN_ADMIN_PASSWORD", &password)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while !client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let login: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let me: Value = client
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&token)
        .header("X-Request-Id", "log-test-me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anonymous = client
        .get(format!("{base}/api/v1/organizations/no-such-unit"))
        .header("X-Request-Id", "log-test-anon")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 404);
    // SIGTERM: the server flushes its log and exits.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let mut stderr = String::new();
    std::io::Read::read_to_string(server.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(server.wait().unwrap().success());
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access = |id: &str| -> Value {
        lines
            .iter()
            .find(|l| l["message"] == "request" && l["span"]["request_id"] == id)
            .unwrap_or_else(|| panic!("no access line for {id}: {stderr}"))
            .clone()
    };
    let line = access("log-test-me");
    assert_eq!(line["route"], "/api/v1/auth/me", "{line}");
    assert_eq!(line["status"], 200);
    assert_eq!(line["user_id"], me["id"], "{line}");
    assert_eq!(line["method"], "GET");
    let latency: f64 = line["latency_ms"].as_str().unwrap().parse().unwrap();
    assert!(latency >= 0.0);
    let line = access("log-test-anon");
    assert_eq!(line["route"], "/api/v1/organizations/{id}", "{line}");
    assert_eq!(line["status"], 404);
    assert!(line.get("user_id").is_none(), "{line}");
    // Never a token or a password.
    assert!(!stderr.contains(&token));
    assert!(!stderr.contains(&password));
}

/// Writes have connections of their own: with every reader's connection held (slow reads, a
/// backlog), a write is served at once instead of waiting for a reader to finish (before: a
/// 503 after the 10 s connection timeout), and a background writer's lane is the same.
#[actix_web::test]
async fn a_write_never_waits_behind_reads_holding_every_connection() {
    let app = spawn_with(|a| a.pool_size = 2).await;
    let pool = app.pool.clone();
    let held = actix_web::rt::task::spawn_blocking(move || {
        (0..2)
            .map(|_| pool.blocking_conn().expect("a reader's connection"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    // Every reader's connection is taken: a read now waits for one.
    let read = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        app.get("/api/v1/organizations"),
    )
    .await;
    assert!(
        read.is_err(),
        "a read was served with no reader's connection free"
    );

    let started = std::time::Instant::now();
    let unit = app
        .create_org(serde_json::json!({"name": "Chi đoàn Sở Tư pháp", "kind": "grassroots_branch"}))
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the write waited {:?}",
        started.elapsed()
    );
    assert!(unit["id"].is_i64());
    drop(held);
    // The readers' lane works again once its connections come back.
    let res = app.get("/api/v1/organizations").await;
    assert_eq!(res.status(), 200);
}
