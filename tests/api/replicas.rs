//! Read replicas on a real streaming standby (PostgreSQL): a client reads its own writes
//! through the API whatever the replica's lag, anonymous reads are served by the replica once
//! it has replayed them, and when the replica stops the primary answers and readiness says so.
//!
//! Needs `DOAN_TEST_POSTGRES` (the primary), `DOAN_TEST_POSTGRES_REPLICA` (a standby of it,
//! `.ci/pg-cluster replica`) and `DOAN_TEST_POSTGRES_REPLICA_DIR` (its folder, to stop and
//! start it); CI sets all three.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;

struct Standby {
    url: String,
    dir: String,
    port: String,
}

fn standby() -> Option<Standby> {
    let url = std::env::var("DOAN_TEST_POSTGRES_REPLICA").ok()?;
    let dir = std::env::var("DOAN_TEST_POSTGRES_REPLICA_DIR").ok()?;
    let port = url.rsplit(':').next()?.split('/').next()?.to_string();
    Some(Standby { url, dir, port })
}

/// `.ci/pg-cluster` with these arguments.
fn cluster(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pg-cluster");
    let out = std::process::Command::new("bash")
        .arg(script)
        .args(args)
        .output()
        .expect("pg-cluster runs");
    assert!(
        out.status.success(),
        "pg-cluster {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same database on the standby.
fn on_standby(primary_db: &str, standby: &Standby) -> String {
    let name = primary_db.rsplit('/').next().unwrap();
    let server = standby.url.rsplit_once('/').unwrap().0;
    format!("{server}/{name}")
}

async fn replica_state(app: &TestApp) -> Value {
    let health = app.get_json("/health/ready").await;
    health["replicas"][0].clone()
}

async fn reads_by(app: &TestApp, target: &str) -> u64 {
    let text = app
        .request(reqwest::Method::GET, "/metrics")
        .bearer_auth("metrics-token-for-the-replica-test-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(&format!("db_reads_total{{target=\"{target}\"}}")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "waited 120 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn reads_follow_the_clients_writes_and_fall_back_to_the_primary() {
    let (Some(_), Some(standby)) = (postgres_server(), standby()) else {
        eprintln!(
            "skipped: needs DOAN_TEST_POSTGRES and a standby (DOAN_TEST_POSTGRES_REPLICA, _DIR)"
        );
        return;
    };
    let app = spawn_with(|args| {
        let replica = on_standby(&args.db.database.to_string_lossy(), &standby);
        args.database_replicas = vec![replica];
        // The whole suite writes to the same cluster meanwhile (a database per test, each
        // replayed by the standby): a generous bound, so "serving" means up and replaying.
        args.replica_max_lag = 120;
        args.metrics_token = Some("metrics-token-for-the-replica-test-0123456789".into());
    })
    .await;
    wait_for("the replica to serve", async || {
        replica_state(&app).await["state"] == "serving"
    })
    .await;

    // Each write hands the client a token; a read carrying it sees the write at once, from the
    // replica once it has replayed it, else from the primary.
    let mut token = String::new();
    for i in 0..20 {
        let res = app
            .post_json(
                "/api/v1/organizations",
                &json!({"name": format!("Chi đoàn thử {i}"), "kind": "grassroots_branch"}),
            )
            .await;
        assert_eq!(res.status(), 201);
        token = header(&res, "doan-read-after").expect("a write carries a consistency token");
        let cookie = header(&res, "set-cookie").expect("and a cookie");
        assert!(
            cookie.starts_with(&format!("doan_read_after={token};")),
            "{cookie}"
        );
        let created: Value = res.json().await.unwrap();
        let path = format!(
            "/api/v1/organizations/{}",
            created["slug"].as_str().unwrap()
        );
        let read = app
            .request(reqwest::Method::GET, &path)
            .header("doan-read-after", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200, "write {i} read back at once");
        let read = app
            .request(reqwest::Method::GET, &path)
            .header("cookie", format!("doan_read_after={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200, "write {i} read back with the cookie");
    }
    // Anonymous reads are the replica's once it has replayed the last write.
    let before = reads_by(&app, "replica").await;
    wait_for("anonymous reads served by the replica", async || {
        let res = app
            .request(reqwest::Method::GET, "/api/v1/organizations?per_page=50")
            .header("doan-read-after", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["meta"]["total"], 20, "every write visible");
        reads_by(&app, "replica").await > before
    })
    .await;
    // An authenticated read is the primary's.
    assert_eq!(
        app.admin_json("/api/v1/organizations?per_page=1").await["meta"]["total"],
        20
    );

    // The replica's sessions are cut under reads in flight (as when it stops or restarts):
    // each such read is answered again by the primary, never a 5xx.
    let standby_db = on_standby(&app.db_path.to_string_lossy(), &standby);
    let retried_before = reads_by(&app, "retried").await;
    let until = Instant::now() + Duration::from_secs(3);
    let cutter = std::thread::spawn(move || {
        use diesel::RunQueryDsl;
        let mut conn = doan_api::db::open(&standby_db).expect("the standby answers");
        while Instant::now() < until {
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND backend_type = 'client backend'",
            )
            .execute(&mut conn)
            .expect("terminating the standby's sessions");
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let mut readers = Vec::new();
    for i in 0..8 {
        let (client, address) = (app.client.clone(), app.address.clone());
        readers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while Instant::now() < until {
                let path = if i % 2 == 0 {
                    "/api/v1/organizations?per_page=50"
                } else {
                    "/api/v1/organizations?per_page=7"
                };
                let res = client.get(format!("{address}{path}")).send().await.unwrap();
                statuses.push(res.status().as_u16());
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for r in readers {
        statuses.extend(r.await.unwrap());
    }
    cutter.join().unwrap();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "reads while the replica's sessions were cut: {:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );
    assert!(
        reads_by(&app, "retried").await > retried_before,
        "some read was in flight on the replica when its session was cut ({} reads)",
        statuses.len()
    );
    wait_for("the replica to serve again", async || {
        replica_state(&app).await["state"] == "serving"
    })
    .await;

    // The replica stops: reads go on from the primary, readiness stays 200 and says so.
    cluster(&["stop", &standby.dir]);
    let restarted = scopeguard(|| cluster(&["start-replica", &standby.dir, &standby.port]));
    for _ in 0..10 {
        let res = app.get("/api/v1/organizations?per_page=5").await;
        assert_eq!(res.status(), 200, "a read while the replica is down");
    }
    wait_for("readiness to show the replica down", async || {
        replica_state(&app).await["state"] == "down"
    })
    .await;
    let primary_before = reads_by(&app, "primary").await;
    let res = app.get("/api/v1/organizations?per_page=50").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["meta"]["total"], 20);
    assert!(reads_by(&app, "primary").await > primary_before);
    drop(restarted);
    wait_for("the replica to serve again", async || {
        replica_state(&app).await["state"] == "serving"
    })
    .await;

    // The clock publishes what falls due while the replica serves: its context is nobody's,
    // and its writes still go to the primary.
    let unit = app
        .create_org(json!({"name": "Chi đoàn hẹn giờ", "kind": "grassroots_branch"}))
        .await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let created = app
        .create(
            "/api/v1/activities",
            json!({"title": "Tin hẹn giờ khi có bản sao", "occurred_on": "2024-03-26",
                   "category": "conference", "organizer_id": unit["id"],
                   "status": "published", "published_at": at}),
        )
        .await;
    assert_eq!(created["status"], "scheduled", "{created}");
    let path = format!("/api/v1/activities/{}", created["id"]);
    wait_for("the scheduled activity to be published", async || {
        app.admin_json(&path).await["status"] == "published"
    })
    .await;
}

/// Runs `f` when dropped (the standby is started again even if an assertion fails).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
