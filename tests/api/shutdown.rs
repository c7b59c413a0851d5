//! SIGTERM under load: readiness turns 503 while draining, every request the server accepted
//! gets its whole answer, the WAL is checkpointed, the process exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn sigterm_drains_finishes_what_was_accepted_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("doan.db");
    let port = free_port();
    let server = Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["serve", "--demo", "--drain-seconds", "1", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database")
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client.get(format!("{base}/health/ready")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // Readers, each on a fresh connection, until the server is gone. `signalled`: when
    // SIGTERM was sent (ms from `started`; 0 before).
    let signalled = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let url = format!("{base}/api/v1/activities?per_page=50&q=doan");
        let signalled = signalled.clone();
        readers.push(actix_web::rt::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let (mut answered, mut refused) = (0, 0);
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                let sent = started.elapsed().as_millis() as u64;
                match client.get(&url).send().await {
                    Ok(res) => {
                        assert_eq!(res.status(), 200);
                        // The whole body, parsed: nothing cut off.
                        let body: serde_json::Value = res.json().await.expect("a whole answer");
                        assert!(body["data"].is_array());
                        answered += 1;
                    }
                    // Not accepted (the listener is closed): the client may try another node.
                    Err(e) if e.is_connect() => {
                        refused += 1;
                        if refused > 3 {
                            break;
                        }
                        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                    }
                    // Sent after SIGTERM, while the listener closed: the kernel had taken the
                    // connection, the server never had (the drain is for load balancers to
                    // stop sending). One sent before SIGTERM must never fail.
                    Err(e) => {
                        let at = signalled.load(std::sync::atomic::Ordering::SeqCst);
                        assert!(
                            at > 0 && sent >= at,
                            "a request sent before SIGTERM failed: {e:?}"
                        );
                        refused += 1;
                        if refused > 3 {
                            break;
                        }
                    }
                }
            }
            (answered, refused)
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    signalled.store(
        started.elapsed().as_millis() as u64,
        std::sync::atomic::Ordering::SeqCst,
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Draining: still serving, but not ready.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let live = client
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    let mut answered = 0;
    for r in readers {
        let (a, refused) = r.await.unwrap();
        answered += a;
        assert!(refused > 0, "every reader saw the listener close");
    }
    assert!(answered > 8, "{answered} answers");
    let exit = actix_web::rt::task::spawn_blocking(move || server.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&exit.stderr);
    assert_eq!(exit.status.code(), Some(0), "{log}");
    assert!(log.contains("checkpointed"), "{log}");
    let wal = dir.path().join("doan.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the WAL is emptied"
    );
}
