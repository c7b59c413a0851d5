//! Webhooks against a local receiver: signed events for each change (none for one that rolled
//! back), retries with backoff, switching off after failures, redelivery, delivery after a
//! restart, the SSRF guard (literal addresses and names that resolve inside), a scheduled
//! publication's event at its time, a slow receiver that holds up no one else, and a stored
//! event list that cannot be read (shown, counted, repaired).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::*;

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    event: String,
    timestamp: String,
    signature: String,
    body: String,
    /// When it arrived.
    at: Instant,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many more requests.
    failing: Arc<AtomicUsize>,
    /// Wait this long before answering (a receiver slower than the webhook timeout).
    delay: Duration,
    url: String,
}

impl Receiver {
    async fn start() -> Receiver {
        Self::start_with_delay(Duration::ZERO).await
    }

    async fn start_with_delay(delay: Duration) -> Receiver {
        let mut receiver = Receiver {
            delay,
            ..Receiver::default()
        };
        let state = receiver.clone();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: String| {
                    let state = state.clone();
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string()
                        };
                        state.got.lock().unwrap().push(Received {
                            id: header("webhook-id"),
                            event: header("webhook-event"),
                            timestamp: header("webhook-timestamp"),
                            signature: header("webhook-signature"),
                            body,
                            at: Instant::now(),
                        });
                        if !state.delay.is_zero() {
                            tokio::time::sleep(state.delay).await;
                        }
                        let fail = state
                            .failing
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        if fail {
                            HttpResponse::InternalServerError().finish()
                        } else {
                            HttpResponse::NoContent().finish()
                        }
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        receiver.url = format!("http://127.0.0.1:{port}/hook");
        receiver
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Wait until `n` requests have arrived (at most 10 s).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} requests arrived: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn verify(secret: &str, r: &Received) {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", r.timestamp, r.body).as_bytes());
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(r.signature, expected, "signature of {}", r.body);
    let ts: i64 = r.timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
}

fn private_ok(args: &mut doan_api::cli::ServeArgs) {
    args.webhook_allow_private = true;
    args.webhook_retry_base_ms = 50;
}

async fn subscribe(app: &TestApp, url: &str, events: Value) -> (i64, String) {
    let res = app
        .post_json("/api/v1/webhooks", &json!({"url": url, "events": events}))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    (created["id"].as_i64().unwrap(), secret)
}

async fn deliveries(app: &TestApp, webhook: i64) -> Vec<Value> {
    let res = app
        .as_admin(
            Method::GET,
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["data"]
        .as_array()
        .unwrap()
        .clone()
}

const ACTIVITY_EVENTS: [&str; 5] = [
    "activity.published",
    "activity.updated",
    "activity.unpublished",
    "activity.deleted",
    "activity.restored",
];

#[actix_web::test]
async fn each_change_sends_one_signed_event_and_a_refused_one_none() {
    let app = spawn_with(private_ok).await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!(ACTIVITY_EVENTS)).await;
    // The secret is shown once.
    let shown = app.admin_json(&format!("/api/v1/webhooks/{webhook}")).await;
    assert!(shown.get("secret").is_none(), "{shown}");
    assert_eq!(shown["active"], true);
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{webhook}"),
            &json!({"description": "đ".repeat(501)}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/description"]);

    let org = app
        .create_org(json!({"name": "Chi đoàn D", "kind": "branch"}))
        .await;
    let draft = create_activity(
        &app,
        json!({"title": "Hiến máu nhân đạo", "occurred_on": "2023-09-20",
            "category": "volunteering", "organizer_id": org["id"]}),
    )
    .await;
    let path = format!("/api/v1/activities/{}", draft["id"]);
    let mut expected = Vec::new();
    // Each change, then the event it must send (a draft's changes send none).
    let steps: Vec<(Method, Value, Option<&str>)> = vec![
        (Method::PATCH, json!({"summary": "Bản nháp"}), None),
        (
            Method::PATCH,
            json!({"status": "published"}),
            Some("activity.published"),
        ),
        (
            Method::PATCH,
            json!({"summary": "Đã sửa"}),
            Some("activity.updated"),
        ),
        (
            Method::PATCH,
            json!({"status": "draft"}),
            Some("activity.unpublished"),
        ),
        (
            Method::PATCH,
            json!({"status": "published"}),
            Some("activity.published"),
        ),
        (Method::DELETE, Value::Null, Some("activity.deleted")),
        (Method::POST, Value::Null, Some("activity.restored")),
    ];
    for (method, body, event) in steps {
        let res = match method {
            Method::PATCH => app.patch_json(&path, &body).await,
            Method::DELETE => app.delete(&path).await,
            _ => app
                .as_admin(Method::POST, &format!("{path}/restore"))
                .send()
                .await
                .unwrap(),
        };
        assert!(
            res.status().is_success(),
            "{method} {body}: {}",
            res.status()
        );
        if let Some(event) = event {
            expected.push(event.to_string());
            let got = receiver.wait_for(expected.len()).await;
            assert_eq!(got.last().unwrap().event, event);
        }
        if method == Method::DELETE {
            continue; // in the trash: no PATCH to refuse
        }
        // Refused changes in between: a stale If-Match (412), a bad value (422).
        let stale = app
            .as_admin(Method::PATCH, &path)
            .header("Content-Type", "application/merge-patch+json")
            .header("If-Match", "\"cu\"")
            .body(json!({"summary": "Không được"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 412);
        let bad = app.patch_json(&path, &json!({"title": ""})).await;
        assert_eq!(bad.status(), 422);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received();
    let events: Vec<String> = got.iter().map(|r| r.event.clone()).collect();
    assert_eq!(events, expected, "nothing more, nothing less");
    let mut ids = Vec::new();
    for r in &got {
        verify(&secret, r);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["event"], r.event);
        assert_eq!(body["id"].to_string(), r.id);
        assert_eq!(body["data"]["id"], draft["id"]);
        ids.push(r.id.clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "one id per event");
    // An unpublication tells what subscribers last saw (the public state), not the draft.
    let unpublished: Value = serde_json::from_str(
        &got.iter()
            .find(|r| r.event == "activity.unpublished")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(unpublished["data"]["status"], "published");
    let first: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(first["data"]["status"], "published");
    assert_eq!(first["data"]["summary"], "Bản nháp");
    // The log: each delivered at the first attempt, with its answer and latency.
    let log = deliveries(&app, webhook).await;
    assert_eq!(log.len(), expected.len());
    for d in &log {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["response_code"], 204);
        assert!(d["latency_ms"].as_i64().unwrap() >= 0);
        assert_eq!(d["next_attempt_at"], Value::Null);
    }

    // A scheduled publication sends its event when its time comes, not before.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let scheduled = create_activity(
        &app,
        json!({"title": "Tin hẹn giờ", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": org["id"], "status": "published", "published_at": soon}),
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        receiver.received().len(),
        expected.len(),
        "sent before its time"
    );
    let got = receiver.wait_for(expected.len() + 1).await;
    let last = got.last().unwrap();
    assert_eq!(last.event, "activity.published");
    let body: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(body["data"]["id"], scheduled["id"]);
    assert_eq!(body["data"]["status"], "published");
    verify(&secret, last);
}

#[actix_web::test]
async fn a_failing_receiver_is_retried_then_switched_off_and_can_be_redelivered() {
    let app = spawn_with(|a| {
        private_ok(a);
        a.webhook_disable_after = 4;
    })
    .await;
    let receiver = Receiver::start().await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!(["organization.created"])).await;
    // Two 500s, then accepted: three attempts of the same signed bytes, backing off.
    receiver.failing.store(2, Ordering::SeqCst);
    app.create_org(json!({"name": "Công đoàn Sở Tài chính", "kind": "partner"}))
        .await;
    let got = receiver.wait_for(3).await;
    assert!(got
        .iter()
        .all(|r| r.body == got[0].body && r.id == got[0].id));
    for r in &got {
        verify(&secret, r);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log = deliveries(&app, webhook).await;
        if log[0]["status"] == "delivered" {
            break log;
        }
        assert!(Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["response_code"], 204);

    // A receiver that keeps failing: switched off after 4 failed attempts in a row.
    receiver.failing.store(1000, Ordering::SeqCst);
    app.create_org(json!({"name": "Xã Mẫu Sơn", "kind": "partner"}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let off = loop {
        let now: Value = app.admin_json(&format!("/api/v1/webhooks/{webhook}")).await;
        if now["active"] == false {
            break now;
        }
        assert!(Instant::now() < deadline, "never switched off: {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(off["failures"], 4);
    assert!(
        off["disabled_reason"].as_str().unwrap().contains("500"),
        "{off}"
    );
    let log = deliveries(&app, webhook).await;
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["response_code"], 500);
    assert_eq!(log[0]["error"], "the receiver answered 500");
    // Switched off: nothing more is sent.
    let sent = receiver.received().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), sent);

    // Fixed and switched on again: the pending delivery goes out; a redelivery sends an
    // already delivered one again (same event id).
    receiver.failing.store(0, Ordering::SeqCst);
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{webhook}"),
            &json!({"active": true}),
        )
        .await;
    let on: Value = res.json().await.unwrap();
    assert_eq!(on["failures"], 0);
    assert_eq!(on["disabled_reason"], Value::Null);
    let got = receiver.wait_for(sent + 1).await;
    assert!(got.last().unwrap().body.contains("Xã Mẫu Sơn"));
    let first_delivery = log.last().unwrap()["id"].as_i64().unwrap();
    let res = app
        .as_admin(
            Method::POST,
            &format!("/api/v1/webhooks/{webhook}/deliveries/{first_delivery}/redeliver"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(sent + 2).await;
    assert_eq!(got.last().unwrap().id, got[0].id);
    let res = app
        .as_admin(
            Method::POST,
            &format!("/api/v1/webhooks/{webhook}/deliveries/999999/redeliver"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
}

#[actix_web::test]
async fn an_event_waits_in_the_outbox_for_a_restart() {
    let app = spawn_with(|a| {
        private_ok(a);
        a.webhook_delivery = false;
    })
    .await;
    let receiver = Receiver::start().await;
    let (webhook, _) = subscribe(&app, &receiver.url, json!(["organization.created"])).await;
    app.create_org(json!({"name": "Đồn Biên phòng Ba Sơn", "kind": "partner"}))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.received().is_empty());
    assert_eq!(deliveries(&app, webhook).await[0]["status"], "pending");
    // The next process (delivery on) sends it.
    start_again(&app, |a| {
        private_ok(a);
        a.webhook_delivery = true;
    })
    .await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event, "organization.created");
    assert!(got[0].body.contains("Đồn Biên phòng Ba Sơn"));
}

#[actix_web::test]
async fn inside_addresses_are_refused_at_subscription_and_at_delivery() {
    let app = spawn_with(|a| a.webhook_delivery = false).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/hook",
        "ftp://example.vn/hook",
        "https://user:pass@example.vn/hook",
        "không phải url",
    ] {
        let res = app
            .post_json(
                "/api/v1/webhooks",
                &json!({"url": url, "events": ["activity.published"]}),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), vec!["/url"], "{url}");
    }
    for body in [
        json!({"url": "https://example.vn/hook", "events": []}),
        json!({"url": "https://example.vn/hook", "events": ["activity.liked"]}),
    ] {
        let res = app.post_json("/api/v1/webhooks", &body).await;
        assert!(res.status() == 422 || res.status() == 400, "{body}");
    }
    let list: Value = app.admin_json("/api/v1/webhooks").await;
    assert_eq!(list["meta"]["total"], 0, "nothing stored");

    // Accepted while allowed, then delivered by a process where it is not: refused there.
    let allowed = spawn_with(|a| {
        private_ok(a);
        a.webhook_delivery = false;
    })
    .await;
    let receiver = Receiver::start().await;
    let (webhook, _) = subscribe(&allowed, &receiver.url, json!(["organization.created"])).await;
    allowed
        .create_org(json!({"name": "Xã Thanh Lòa", "kind": "partner"}))
        .await;
    start_again(&allowed, |a| {
        a.webhook_allow_private = false;
        a.webhook_retry_base_ms = 50;
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = deliveries(&allowed, webhook).await;
        if log[0]["attempts"].as_i64().unwrap() >= 1 {
            assert!(
                log[0]["error"].as_str().unwrap().starts_with("refused"),
                "{log:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "never tried: {log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(receiver.received().is_empty());
}

#[actix_web::test]
async fn a_change_that_rolls_back_after_its_event_was_written_sends_nothing() {
    use diesel::RunQueryDsl;
    let app = spawn_with(private_ok).await;
    let receiver = Receiver::start().await;
    subscribe(&app, &receiver.url, json!(ACTIVITY_EVENTS)).await;
    let org = app
        .create_org(json!({"name": "Chi đoàn R", "kind": "branch"}))
        .await;
    let draft = create_activity(
        &app,
        json!({"title": "Sẽ không đăng", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": org["id"]}),
    )
    .await;
    // The last step of the change (its audit entry, written after its event) fails: the whole
    // transaction rolls back, the event with it.
    let mut conn = app.pool.blocking_conn().unwrap();
    let (create, drop) = if on_postgres() {
        (
            vec![
                "CREATE FUNCTION fail_after_event() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'forced rollback'; END; $$",
                "CREATE TRIGGER fail_after_event BEFORE INSERT ON audit_log FOR EACH ROW \
                 WHEN (NEW.resource = 'activities') EXECUTE FUNCTION fail_after_event()",
            ],
            vec![
                "DROP TRIGGER fail_after_event ON audit_log",
                "DROP FUNCTION fail_after_event()",
            ],
        )
    } else {
        (
            vec![
                "CREATE TRIGGER fail_after_event BEFORE INSERT ON audit_log WHEN new.resource = 'activities' \
                 BEGIN SELECT RAISE(ABORT, 'forced rollback'); END",
            ],
            vec!["DROP TRIGGER fail_after_event"],
        )
    };
    for sql in create {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
    let path = format!("/api/v1/activities/{}", draft["id"]);
    let res = app.patch_json(&path, &json!({"status": "published"})).await;
    assert_eq!(res.status(), 500);
    for sql in drop {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        receiver.received().is_empty(),
        "an event for a change that never was"
    );
    assert_eq!(app.get(&path).await.status(), 404, "still a draft");
    // The same change, committed: one event.
    let res = app.patch_json(&path, &json!({"status": "published"})).await;
    assert_eq!(res.status(), 200);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event, "activity.published");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 1);
}

/// Create `count` partner units named `{prefix} {n}`, `gap_ms` apart, and assert each one's
/// event reaches `fast` within 1.5 s of its creation, whatever the other subscriptions' receivers
/// do. Returns the names with their creation times.
async fn each_reaches_promptly(
    app: &TestApp,
    fast: &Receiver,
    prefix: &str,
    count: usize,
    gap_ms: u64,
) -> Vec<(String, Instant)> {
    let mut made = Vec::new();
    for n in 1..=count {
        let name = format!("{prefix} {n}");
        let at = Instant::now();
        app.create_org(json!({"name": name, "kind": "partner"}))
            .await;
        made.push((name, at));
        tokio::time::sleep(Duration::from_millis(gap_ms)).await;
    }
    let got = fast.wait_for(made.len()).await;
    for (name, at) in &made {
        let r = got
            .iter()
            .find(|r| r.body.contains(name.as_str()))
            .unwrap_or_else(|| panic!("{name} never reached the fast receiver"));
        let late = r.at.duration_since(*at);
        assert!(
            late < Duration::from_millis(1500),
            "{name} reached the fast receiver {late:?} after the change"
        );
    }
    made
}

/// The webhook timeout (seconds) of [`app_and_hanging_receiver`].
const TIMEOUT: u64 = 3;

/// An app whose attempts time out after `TIMEOUT`, and a receiver that answers long after it:
/// each attempt to it hangs for the whole of it.
async fn app_and_hanging_receiver() -> (TestApp, Receiver) {
    let app = spawn_with(|a| {
        private_ok(a);
        a.webhook_timeout = TIMEOUT;
    })
    .await;
    let slow = Receiver::start_with_delay(Duration::from_secs(TIMEOUT + 3)).await;
    (app, slow)
}

#[actix_web::test]
async fn a_receiver_slower_than_the_timeout_holds_up_no_other_subscription() {
    let (app, slow) = app_and_hanging_receiver().await;
    let fast = Receiver::start().await;
    let (slow_id, _) = subscribe(&app, &slow.url, json!(["organization.created"])).await;
    subscribe(&app, &fast.url, json!(["organization.created"])).await;
    // Changes a little apart, while the slow receiver's attempts hang.
    let made = each_reaches_promptly(&app, &fast, "Chi đoàn thôn Bản", 6, 600).await;
    // The slow one is reached (its requests arrive, then hang), never by more than 2 requests
    // at a time, and nothing is delivered to it.
    let reached = slow.received();
    assert!(!reached.is_empty(), "the slow receiver was never tried");
    let window = Duration::from_secs(TIMEOUT) - Duration::from_millis(500);
    for (i, r) in reached.iter().enumerate() {
        let together = reached[i..]
            .iter()
            .filter(|o| o.at.duration_since(r.at) < window)
            .count();
        assert!(
            together <= 2,
            "{together} requests in flight at once to one subscription"
        );
    }
    let log = deliveries(&app, slow_id).await;
    assert_eq!(log.len(), made.len());
    assert!(log.iter().all(|d| d["status"] == "pending"), "{log:?}");
}

#[actix_web::test]
async fn more_hanging_receivers_than_places_still_hold_up_no_healthy_one() {
    let (app, slow) = app_and_hanging_receiver().await;
    // 20 subscriptions whose receiver hangs: with 2 attempts each they would take more than
    // every shared place (32).
    for _ in 0..20 {
        subscribe(&app, &slow.url, json!(["organization.created"])).await;
    }
    let fast = Receiver::start().await;
    subscribe(&app, &fast.url, json!(["organization.created"])).await;
    each_reaches_promptly(&app, &fast, "Chi đoàn bản Khuổi", 5, 400).await;
}

/// Is this address one of the inside ones a webhook must not reach?
fn inside(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
        }
    }
}

/// A host name of /etc/hosts, other than `localhost` (refused by its name already), whose
/// addresses there are all inside ones (Debian's `ip6-localhost`, the machine's own name…).
fn inside_name_from_etc_hosts() -> Option<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").expect("/etc/hosts is readable");
    let mut names: std::collections::BTreeMap<String, Vec<std::net::IpAddr>> = Default::default();
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let Some(ip) = words.next().and_then(|w| w.parse().ok()) else {
            continue;
        };
        for name in words {
            names.entry(name.to_ascii_lowercase()).or_default().push(ip);
        }
    }
    names
        .into_iter()
        .find(|(name, ips)| {
            name != "localhost" && !name.ends_with(".localhost") && ips.iter().all(|ip| inside(*ip))
        })
        .map(|(name, _)| name)
}

#[actix_web::test]
async fn a_name_that_resolves_inside_is_refused_at_subscription_unless_allowed() {
    let name = inside_name_from_etc_hosts()
        .expect("/etc/hosts names no host (but localhost) on a loopback or private address");
    let resolved: Vec<std::net::IpAddr> = tokio::net::lookup_host((name.as_str(), 80))
        .await
        .unwrap_or_else(|e| panic!("{name} does not resolve here: {e}"))
        .map(|a| a.ip())
        .collect();
    assert!(
        !resolved.is_empty() && resolved.iter().all(|ip| inside(*ip)),
        "{name} resolves to {resolved:?}"
    );
    let url = format!("http://{name}:9/hook");
    let app = spawn_with(|a| a.webhook_delivery = false).await;
    let res = app
        .post_json(
            "/api/v1/webhooks",
            &json!({"url": url, "events": ["activity.published"]}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/url"], "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("resolves"), "{message}");
    // Nor may a subscription's URL be changed to it.
    let (id, _) = subscribe(
        &app,
        "http://203.113.131.1/hook",
        json!(["activity.published"]),
    )
    .await;
    let res = app
        .patch_json(&format!("/api/v1/webhooks/{id}"), &json!({"url": url}))
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/url"], "{problem}");
    let shown: Value = app.admin_json(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(shown["url"], "http://203.113.131.1/hook");
    // A name that does not resolve at all (`.invalid` never does) is accepted: each send
    // resolves it again and refuses inside addresses then.
    subscribe(
        &app,
        "https://cong-thong-tin.invalid/hook",
        json!(["activity.published"]),
    )
    .await;

    // Where inside addresses are allowed, the same name is accepted.
    let allowed = spawn_with(|a| {
        private_ok(a);
        a.webhook_delivery = false;
    })
    .await;
    let (id, _) = subscribe(&allowed, &url, json!(["activity.published"])).await;
    let res = allowed
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"url": format!("http://{name}:10/hook")}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

const METRICS_TOKEN: &str = "scrape-token-for-webhook-tests-0123";

/// `webhook_errors_total{kind="…"}` on /metrics, if exposed.
async fn webhook_errors(app: &TestApp, kind: &str) -> Option<f64> {
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("webhook_errors_total{{kind=\"{kind}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str())?.parse().ok())
}

async fn get_webhook(app: &TestApp, id: i64) -> Value {
    let res = app
        .as_admin(Method::GET, &format!("/api/v1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[actix_web::test]
async fn a_stored_event_list_that_cannot_be_read_is_shown_counted_and_repaired() {
    use diesel::RunQueryDsl;
    let app = spawn_with(|a| {
        private_ok(a);
        a.metrics_token = Some(METRICS_TOKEN.into());
    })
    .await;
    let damaged = Receiver::start().await;
    let healthy = Receiver::start().await;
    let (damaged_id, _) = subscribe(&app, &damaged.url, json!(["organization.created"])).await;
    let (healthy_id, _) = subscribe(&app, &healthy.url, json!(["organization.created"])).await;
    // Its stored list damaged behind the API's back (a hand edit, a bad restore).
    let mut conn = app.pool.blocking_conn().unwrap();
    doan_api::db::sql(
        &conn,
        "UPDATE webhooks SET events = '[\"organization.created\"' WHERE id = ?",
    )
    .bind::<diesel::sql_types::BigInt, _>(damaged_id)
    .execute(&mut *conn)
    .unwrap();
    drop(conn);
    let before = webhook_errors(&app, "unreadable_events")
        .await
        .unwrap_or_default();
    app.create_org(json!({"name": "Chi đoàn Bệnh viện tỉnh", "kind": "branch"}))
        .await;
    // The others get theirs; the damaged one gets nothing, and says why.
    let got = healthy.wait_for(1).await;
    assert_eq!(got[0].event, "organization.created");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(damaged.received().is_empty());
    let shown = get_webhook(&app, damaged_id).await;
    assert!(
        shown["problem"]
            .as_str()
            .is_some_and(|p| p.contains("cannot be read") && p.contains("events")),
        "{shown}"
    );
    assert_eq!(shown["events"], json!([]), "{shown}");
    assert_eq!(get_webhook(&app, healthy_id).await["problem"], Value::Null);
    let list: Value = app.admin_json("/api/v1/webhooks").await;
    assert_eq!(list["data"][0]["problem"], shown["problem"], "{list}");
    assert_eq!(
        webhook_errors(&app, "unreadable_events").await,
        Some(before + 1.0),
        "the event it missed is counted"
    );
    // Setting its events again repairs it.
    let res = app
        .patch_json(
            &format!("/api/v1/webhooks/{damaged_id}"),
            &json!({"events": ["organization.created"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let repaired: Value = res.json().await.unwrap();
    assert_eq!(repaired["problem"], Value::Null, "{repaired}");
    assert_eq!(repaired["events"], json!(["organization.created"]));
    app.create_org(json!({"name": "Chi đoàn Trường THPT Chu Văn An", "kind": "branch"}))
        .await;
    let got = damaged.wait_for(1).await;
    assert!(got[0].body.contains("Chu Văn An"));

    // A delivery whose stored event the server does not know is a fault (500, logged), never
    // shown as some other event.
    let mut conn = app.pool.blocking_conn().unwrap();
    diesel::sql_query("UPDATE webhook_events SET event = 'activity.liked'")
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    let res = app
        .as_admin(
            Method::GET,
            &format!("/api/v1/webhooks/{healthy_id}/deliveries"),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 500).await;
    assert!(!problem.to_string().contains("activity.liked"), "{problem}");
}
