//! Two application nodes on one PostgreSQL database — the test's own server and a second
//! process of the binary — agree: 32 writers spread over both all succeed, the same
//! If-Match sent 16 times across both wins once, slugs taken on one are taken on the other,
//! totals match, and failed logins count for the deployment, not per node.
//!
//! PostgreSQL only (`DOAN_TEST_POSTGRES`): one SQLite file has one writer by design.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// Another node: the binary serving the test app's database, with the same signing key.
pub struct Node {
    child: Child,
    pub base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn second_node(app: &TestApp) -> Node {
    node_with(app, |_| {}).await
}

/// A node of the binary on the test app's database and media folder, with what `adjust` adds
/// to its command (flags, environment); ready when this returns.
pub async fn node_with(app: &TestApp, adjust: impl FnOnce(&mut Command)) -> Node {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cwd = tempfile::tempdir().unwrap().keep();
    let mut command = Command::new(env!("CARGO_BIN_EXE_doan-api"));
    command
        .current_dir(&cwd)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--database")
        .arg(&app.db_path)
        .args(["--jwt-secret", TEST_JWT_SECRET, "--media-dir"])
        .arg(app.media_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    adjust(&mut command);
    let child = command.spawn().unwrap();
    let mut node = Node {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while !reqwest::get(format!("{}/health/ready", node.base))
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            node.child.try_wait().is_ok_and(|s| s.is_none()),
            "the node exited at start"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the second node did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node
}

/// The signing key of test apps (`ServeArgs::for_tests`).
const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// The base URL of node `i` (0: the test app, 1: the second process).
fn base<'a>(app: &'a TestApp, node: &'a Node, i: usize) -> &'a str {
    if i.is_multiple_of(2) {
        &app.address
    } else {
        &node.base
    }
}

/// The statuses of requests sent at once.
async fn statuses(
    requests: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    >,
) -> Vec<u16> {
    futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect()
}

/// GET `url` anonymously and parse its JSON.
async fn json_at(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[actix_web::test]
async fn two_nodes_on_one_database_agree_under_concurrent_writes() {
    if !on_postgres() {
        eprintln!("skipped: two nodes need PostgreSQL (DOAN_TEST_POSTGRES)");
        return;
    }
    let app = spawn_app().await;
    let node = second_node(&app).await;
    let org = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "Chi đoàn hai nút", "kind": "grassroots_branch"}),
        )
        .await;
    assert_eq!(org.status(), 201);
    let org: Value = org.json().await.unwrap();

    // 32 writers at once, alternating between the nodes: every one succeeds.
    let client = reqwest::Client::new();
    let writes = (0..32).map(|i| {
        let url = format!("{}/api/v1/activities", base(&app, &node, i));
        let body = json!({"title": format!("Hoạt động song song {i}"), "occurred_on": "2024-03-26",
            "category": "volunteering", "organizer_id": org["id"], "status": "published",
            "tags": ["Hai nút"]});
        client
            .post(url)
            .bearer_auth(&app.admin_token)
            .json(&body)
            .send()
    });
    let written = statuses(writes).await;
    assert!(written.iter().all(|s| *s == 201), "{written:?}");
    // Both nodes count them all, in the list, its tag and the stats.
    for i in 0..2 {
        let b = base(&app, &node, i);
        let list = json_at(
            &client,
            format!("{b}/api/v1/activities?tag=hai-nut&per_page=1"),
        )
        .await;
        assert_eq!(list["meta"]["total"], 32, "node {i}");
        let stats = json_at(
            &client,
            format!(
                "{b}/api/v1/stats/activities?group_by=category&organization={}",
                org["slug"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(stats["total"], 32, "node {i}: {stats}");
    }

    // The same If-Match 16 times across both nodes: one change wins, the rest are 412.
    let path = format!("/api/v1/organizations/{}", org["id"]);
    let res = app.get(&path).await;
    let etag = header(&res, "etag").unwrap();
    let patches = (0..16).map(|i| {
        client
            .patch(format!("{}{path}", base(&app, &node, i)))
            .bearer_auth(&app.admin_token)
            .header("If-Match", &etag)
            .header("Content-Type", "application/merge-patch+json")
            .body(json!({"short_name": format!("Lần {i}")}).to_string())
            .send()
    });
    let patched = statuses(patches).await;
    assert_eq!(
        patched.iter().filter(|s| **s == 200).count(),
        1,
        "{patched:?}"
    );
    assert_eq!(
        patched.iter().filter(|s| **s == 412).count(),
        15,
        "{patched:?}"
    );
    let after = app.get_json(&path).await;
    assert_eq!(after["version"], org["version"].as_i64().unwrap() + 1);

    // One slug asked for on both nodes at once: one gets it, the other a 409.
    let creates = (0..2).map(|i| {
        client
            .post(format!("{}/api/v1/organizations", base(&app, &node, i)))
            .bearer_auth(&app.admin_token)
            .json(&json!({"name": format!("Đoàn trùng {i}"), "kind": "partner", "slug": "doan-trung"}))
            .send()
    });
    let mut created = statuses(creates).await;
    created.sort();
    assert_eq!(created, vec![201, 409]);
}

#[actix_web::test]
async fn failed_logins_count_for_the_deployment_not_per_node() {
    if !on_postgres() {
        eprintln!("skipped: two nodes need PostgreSQL (DOAN_TEST_POSTGRES)");
        return;
    }
    let app = spawn_app().await;
    let node = second_node(&app).await;
    let client = reqwest::Client::new();
    let login = |i: usize, password: &str| {
        client
            .post(format!("{}/api/v1/auth/token", base(&app, &node, i)))
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    // Five wrong passwords, spread over both nodes: then both refuse, the right one too.
    for i in 0..5 {
        assert_eq!(
            login(i, "wrong-password-1234").await.unwrap().status(),
            401,
            "try {i}"
        );
    }
    for i in 0..2 {
        let res = login(i, "wrong-password-1234").await.unwrap();
        assert_eq!(res.status(), 429, "node {i}");
        assert!(header(&res, "retry-after").is_some());
    }
    // The admin's own requests go on (the token is not a login).
    let me = app
        .request(Method::GET, &format!("{}/api/v1/auth/me", node.base))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

/// The PostgreSQL pool does not ping a connection at checkout (a round trip per request):
/// when the server drops every connection (a restart, a fail-over, a proxy's idle timeout),
/// reads run again on a fresh connection and writes test theirs first, so no client sees the
/// lost connections.
#[actix_web::test]
async fn connections_the_server_dropped_cost_no_request() {
    if !on_postgres() {
        eprintln!("skipped: dropping the server's connections needs PostgreSQL");
        return;
    }
    let app = spawn_demo_app().await;
    let client = reqwest::Client::new();
    let list = format!("{}/api/v1/activities?per_page=5", app.address);
    let warm = statuses((0..16).map(|_| client.get(&list).send())).await;
    assert!(warm.iter().all(|s| *s == 200), "{warm:?}");
    let org = json_at(
        &client,
        format!("{}/api/v1/organizations?per_page=1", app.address),
    )
    .await["data"][0]["id"]
        .clone();
    for round in 0..2 {
        // Every connection of the app's pool, closed by the server.
        let mut admin = doan_api::db::open(&postgres_server().unwrap()).unwrap();
        let name = app
            .db_path
            .to_string_lossy()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let closed: Vec<Terminated> = diesel::RunQueryDsl::load(
            doan_api::db::sql(
                &admin,
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ),
            ),
            &mut admin,
        )
        .unwrap();
        assert!(
            closed.iter().any(|t| t.done),
            "the app held no connection to close"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let reads = statuses((0..16).map(|_| client.get(&list).send())).await;
        assert!(reads.iter().all(|s| *s == 200), "round {round}: {reads:?}");
        let write = app
            .post_json(
                "/api/v1/activities",
                &json!({"title": format!("Sau khi mất kết nối {round}"), "occurred_on": "2024-03-26",
                    "category": "volunteering", "organizer_id": org, "status": "published"}),
            )
            .await;
        assert_eq!(write.status(), 201, "round {round}");
    }
}

#[derive(diesel::QueryableByName)]
struct Terminated {
    #[diesel(sql_type = diesel::sql_types::Bool, column_name = pg_terminate_backend)]
    done: bool,
}
