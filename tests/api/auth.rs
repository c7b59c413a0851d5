//! Auth over HTTP: who may write what (a role × endpoint matrix that must cover every write
//! endpoint of the spec), token checks, revocation, throttling, key and demo-admin files.

use std::collections::BTreeSet;

use base64::Engine;
use doan_api::auth::{Role, TokenKeys};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, on_postgres, spawn_app, spawn_with, TestApp, TEST_PASSWORD};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Editor,
    Admin,
    /// A reviewer of the editor's unit: approves or returns its news, writes nothing else.
    Reviewer,
}

/// One write endpoint: how to prepare a target, and what each caller gets.
struct Row {
    method: Method,
    path: &'static str,
    anonymous: u16,
    editor: u16,
    admin: u16,
    reviewer: u16,
}

/// Statuses for: anonymous, editor, admin, reviewer.
const fn row(method: Method, path: &'static str, statuses: [u16; 4]) -> Row {
    Row {
        method,
        path,
        anonymous: statuses[0],
        editor: statuses[1],
        admin: statuses[2],
        reviewer: statuses[3],
    }
}

/// Every write endpoint (and the admin-only reads) with the status each caller gets.
fn matrix() -> Vec<Row> {
    vec![
        row(Method::POST, "/api/v1/organizations", [401, 403, 201, 403]),
        row(
            Method::PATCH,
            "/api/v1/organizations/{id}",
            [401, 403, 200, 403],
        ),
        row(
            Method::DELETE,
            "/api/v1/organizations/{id}",
            [401, 403, 204, 403],
        ),
        row(Method::POST, "/api/v1/users", [401, 403, 201, 403]),
        row(Method::PATCH, "/api/v1/users/{id}", [401, 403, 200, 403]),
        row(Method::DELETE, "/api/v1/users/{id}", [401, 403, 204, 403]),
        row(Method::GET, "/api/v1/users", [401, 403, 200, 403]),
        row(Method::GET, "/api/v1/users/{id}", [401, 403, 200, 403]),
        row(Method::GET, "/api/v1/auth/me", [401, 200, 200, 200]),
        row(Method::POST, "/api/v1/auth/password", [401, 200, 200, 200]),
        // Public by design: getting a token needs credentials, not a token.
        row(Method::POST, "/api/v1/auth/token", [200, 200, 200, 200]),
        // Activities of the editor's own unit: editors and admins may.
        row(Method::POST, "/api/v1/activities", [401, 201, 201, 403]),
        row(
            Method::PATCH,
            "/api/v1/activities/{id}",
            [401, 200, 200, 403],
        ),
        row(
            Method::DELETE,
            "/api/v1/activities/{id}",
            [401, 204, 204, 403],
        ),
        row(
            Method::POST,
            "/api/v1/activities/{id}/restore",
            [401, 200, 200, 403],
        ),
        row(
            Method::POST,
            "/api/v1/activities/{id}/revisions/{n}/restore",
            [401, 200, 200, 403],
        ),
        row(
            Method::GET,
            "/api/v1/activities/{id}/revisions",
            [401, 200, 200, 200],
        ),
        // Review is for reviewers and admins, never the editor.
        row(
            Method::POST,
            "/api/v1/activities/{id}/review",
            [401, 403, 200, 200],
        ),
        row(Method::GET, "/api/v1/review-queue", [401, 403, 200, 200]),
        row(
            Method::GET,
            "/api/v1/trash/activities",
            [401, 200, 200, 200],
        ),
        // Removing for good is for admins only.
        row(
            Method::DELETE,
            "/api/v1/trash/activities/{id}",
            [401, 403, 204, 403],
        ),
        // The media library: a unit's editors and admins (a reviewer reads what it reviews,
        // writes none of it).
        row(Method::POST, "/api/v1/media", [401, 201, 201, 403]),
        row(Method::PATCH, "/api/v1/media/{id}", [401, 200, 200, 403]),
        row(Method::DELETE, "/api/v1/media/{id}", [401, 204, 204, 403]),
        // Webhooks and the audit log are for admins.
        row(Method::POST, "/api/v1/webhooks", [401, 403, 201, 403]),
        row(Method::PATCH, "/api/v1/webhooks/{id}", [401, 403, 200, 403]),
        row(
            Method::DELETE,
            "/api/v1/webhooks/{id}",
            [401, 403, 204, 403],
        ),
        row(
            Method::POST,
            "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver",
            [401, 403, 202, 403],
        ),
        row(Method::GET, "/api/v1/audit", [401, 403, 200, 403]),
        row(Method::POST, "/api/v1/import", [401, 403, 200, 403]),
        row(Method::GET, "/api/v1/export", [401, 403, 200, 403]),
        // Clusters are for admins.
        row(Method::POST, "/api/v1/clusters", [401, 403, 201, 403]),
        row(Method::PATCH, "/api/v1/clusters/{id}", [401, 403, 200, 403]),
        row(
            Method::DELETE,
            "/api/v1/clusters/{id}",
            [401, 403, 204, 403],
        ),
        row(
            Method::PUT,
            "/api/v1/clusters/{id}/members/{year}",
            [401, 403, 200, 403],
        ),
        row(
            Method::PUT,
            "/api/v1/clusters/{id}/results/{year}",
            [401, 403, 200, 403],
        ),
    ]
}

struct World {
    editor_token: String,
    reviewer_token: String,
    editor_org: i64,
    counter: std::cell::Cell<u32>,
}

impl World {
    fn next(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }
}

/// A fresh target for one cell of the matrix: the concrete path and the body to send.
async fn prepare(app: &TestApp, world: &World, row: &Row) -> (String, Option<Value>) {
    let n = world.next();
    match (row.method.as_str(), row.path) {
        ("POST", "/api/v1/organizations") => (
            row.path.into(),
            Some(json!({"name": format!("Chi đoàn thử {n}"), "kind": "branch"})),
        ),
        (_, "/api/v1/organizations/{id}") => {
            let org = app
                .create_org(json!({"name": format!("Đơn vị {n}"), "kind": "branch"}))
                .await;
            (
                format!("/api/v1/organizations/{}", org["id"]),
                Some(json!({"phone": "0205 123 456"})),
            )
        }
        ("POST", "/api/v1/users") => (
            row.path.into(),
            Some(
                json!({"username": format!("moi{n}"), "password": TEST_PASSWORD,
                "role": "editor", "organization_id": world.editor_org}),
            ),
        ),
        (_, "/api/v1/users/{id}") => {
            let id = {
                let mut conn = app.pool.blocking_conn().unwrap();
                crate::helpers::insert_user(
                    &mut conn,
                    &format!("muctieu{n}"),
                    Role::Editor,
                    Some(world.editor_org),
                )
            };
            (
                format!("/api/v1/users/{id}"),
                Some(json!({"display_name": "Tên mới"})),
            )
        }
        ("POST", "/api/v1/auth/password") => (row.path.into(), None),
        ("POST", "/api/v1/activities") => {
            (row.path.into(), Some(activity_body(n, world.editor_org)))
        }
        (_, path) if path.starts_with("/api/v1/media/") => {
            let res = app
                .as_admin(Method::POST, "/api/v1/media")
                .multipart(pdf_form(world.editor_org))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let body = (row.method == Method::PATCH).then(|| json!({"caption": "Chương trình"}));
            (path.replace("{id}", &id.to_string()), body)
        }
        ("POST", "/api/v1/webhooks") => (
            row.path.into(),
            Some(json!({"url": "https://example.vn/hook", "events": ["organization.created"]})),
        ),
        (_, path) if path.starts_with("/api/v1/webhooks/") => {
            let res = app
                .post_json(
                    "/api/v1/webhooks",
                    &json!({"url": "https://example.vn/hook", "events": ["organization.created"]}),
                )
                .await;
            assert_eq!(res.status(), 201);
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            // An event, so that there is a delivery to send again.
            app.create_org(json!({"name": format!("Đối tác {n}"), "kind": "partner"}))
                .await;
            let log: Value = app
                .admin_json(&format!("/api/v1/webhooks/{id}/deliveries"))
                .await;
            let delivery = log["data"][0]["id"].as_i64().unwrap();
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{delivery}", &delivery.to_string());
            let body = (row.method == Method::PATCH).then(|| json!({"description": "Cổng tỉnh"}));
            (concrete, body)
        }
        ("POST", "/api/v1/clusters") => (
            row.path.into(),
            Some(
                json!({"name": format!("Cụm thi đua số {}", 100 + n), "number": 100 + n, "bloc_id": world.editor_org}),
            ),
        ),
        (_, path) if path.starts_with("/api/v1/clusters/") => {
            let res = app
                .post_json("/api/v1/clusters", &json!({"name": format!("Cụm {n}"), "number": 200 + n, "bloc_id": world.editor_org}))
                .await;
            assert_eq!(res.status(), 201);
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let concrete = path
                .replace("{id}", &id.to_string())
                .replace("{year}", "2023");
            let body = if path.ends_with("/members/{year}") {
                Some(json!({"members": []}))
            } else if path.ends_with("/results/{year}") {
                Some(json!({"results": []}))
            } else if row.method == Method::PATCH {
                Some(json!({"description": "Mô tả mới"}))
            } else {
                None
            };
            (concrete, body)
        }
        (_, path)
            if path.starts_with("/api/v1/activities/") || path.starts_with("/api/v1/trash/") =>
        {
            let created = app
                .post_json("/api/v1/activities", &activity_body(n, world.editor_org))
                .await;
            assert_eq!(created.status(), 201);
            let id = created.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap();
            let in_trash = path.ends_with("/restore") && !path.contains("revisions")
                || path.starts_with("/api/v1/trash/");
            if in_trash {
                assert_eq!(
                    app.delete(&format!("/api/v1/activities/{id}"))
                        .await
                        .status(),
                    204
                );
            }
            if path.contains("revisions") {
                let res = app
                    .patch_json(
                        &format!("/api/v1/activities/{id}"),
                        &json!({"summary": "Bản sửa"}),
                    )
                    .await;
                assert_eq!(res.status(), 200);
            }
            if path.ends_with("/review") {
                let res = app
                    .patch_json(
                        &format!("/api/v1/activities/{id}"),
                        &json!({"status": "pending_review"}),
                    )
                    .await;
                assert_eq!(res.status(), 200);
            }
            let concrete = path.replace("{id}", &id.to_string()).replace("{n}", "1");
            let body = if path.ends_with("/review") {
                Some(json!({"decision": "approve", "version": 2}))
            } else {
                (row.method == Method::PATCH).then(|| json!({"summary": "Tóm tắt mới"}))
            };
            (concrete, body)
        }
        ("POST", "/api/v1/auth/token") => (
            row.path.into(),
            Some(json!({"username": "admin", "password": TEST_PASSWORD})),
        ),
        (_, path) => (path.into(), None),
    }
}

async fn call(app: &TestApp, world: &World, row: &Row, caller: Caller) -> StatusCode {
    let (path, mut body) = prepare(app, world, row).await;
    // Changing a password needs one's own current password and a user to change it for.
    let mut token = match caller {
        Caller::Anonymous => None,
        Caller::Editor => Some(world.editor_token.clone()),
        Caller::Admin => Some(app.admin_token.clone()),
        Caller::Reviewer => Some(world.reviewer_token.clone()),
    };
    if row.path == "/api/v1/auth/password" {
        let (_, own) = app
            .user_with_token(
                &format!("doimk{}", world.next()),
                Role::Editor,
                Some(world.editor_org),
            )
            .await;
        if caller != Caller::Anonymous {
            token = Some(own);
        }
        body =
            Some(json!({"current_password": TEST_PASSWORD, "new_password": "Mật khẩu mới 2024"}));
    }
    let mut req = app.request(row.method.clone(), &path);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if row.path == "/api/v1/media" {
        req = req.multipart(pdf_form(world.editor_org));
    } else if row.path == "/api/v1/import" {
        // An archive of no lines: imports nothing, for whoever may.
        req = req.header("Content-Type", "application/x-ndjson").body("");
    } else if let Some(body) = body {
        let ct = if row.method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        req = req.header("Content-Type", ct).body(body.to_string());
    }
    req.send().await.unwrap().status()
}

#[actix_web::test]
async fn every_role_gets_exactly_what_it_may_on_every_write_endpoint() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn của biên tập viên", "kind": "branch"}))
        .await;
    let editor_org = org["id"].as_i64().unwrap();
    let (_, editor_token) = app
        .user_with_token("bientap", Role::Editor, Some(editor_org))
        .await;
    let (_, reviewer_token) = app
        .user_with_token("duyettin", Role::Reviewer, Some(editor_org))
        .await;
    let world = World {
        editor_token,
        reviewer_token,
        editor_org,
        counter: Default::default(),
    };
    let mut cells = 0;
    let mut wrong = Vec::new();
    for row in matrix() {
        for (caller, expected) in [
            (Caller::Anonymous, row.anonymous),
            (Caller::Editor, row.editor),
            (Caller::Admin, row.admin),
            (Caller::Reviewer, row.reviewer),
        ] {
            let got = call(&app, &world, &row, caller).await;
            cells += 1;
            if got.as_u16() != expected {
                wrong.push(format!(
                    "{} {} as {caller:?}: {got}, expected {expected}",
                    row.method, row.path
                ));
            }
        }
    }
    println!("auth matrix: {cells} cells");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_matrix_covers_every_write_endpoint_of_the_spec() {
    let spec: Value = serde_json::from_str(&doan_api::startup::openapi_json()).unwrap();
    let mut writes = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if method != "get" {
                writes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let covered: BTreeSet<String> = matrix()
        .iter()
        .filter(|r| r.method != Method::GET)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes, covered,
        "a write endpoint is missing from (or stale in) the auth matrix"
    );
}

/// An upload of a small PDF for a unit.
fn pdf_form(unit: i64) -> reqwest::multipart::Form {
    let pdf = b"%PDF-1.4\ntrailer << >>\n%%EOF\n".to_vec();
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name("a.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
        .text("organization_id", unit.to_string())
}

fn activity_body(n: u32, organizer: i64) -> Value {
    json!({"title": format!("Hoạt động thử {n}"), "occurred_on": "2023-09-20",
        "category": "volunteering", "organizer_id": organizer, "status": "published"})
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims(sub: &str, key: &str, exp_in: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": "admin", "iat": now, "exp": now + exp_in,
        "iss": "doan-api", "aud": "doan-api", "key": key, "ver": 1})
}

fn sign(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn write_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/organizations")
        .bearer_auth(token)
        .json(&json!({"name": "Không được tạo", "kind": "branch"}))
        .send()
        .await
        .unwrap()
}

async fn assert_401(app: &TestApp, token: &str, why: &str) {
    let res = write_with(app, token).await;
    assert_eq!(res.status(), 401, "{why}");
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{why}: {challenge}");
    assert_problem(res, 401).await;
}

#[actix_web::test]
async fn bad_tokens_are_401() {
    let app = spawn_app().await;
    let secret = doan_api::cli::ServeArgs::for_tests("x".into())
        .jwt_secret
        .unwrap();
    let secret = secret.as_bytes();
    let admin_id = "1";
    // The harness admin's real token works, so every failure below is the token's fault.
    assert_eq!(write_with(&app, &app.admin_token).await.status(), 201);

    let good = app.admin_token.clone();
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&parts[1])
            .unwrap(),
    )
    .unwrap();
    let key = payload["key"]
        .as_str()
        .expect("tokens carry the account key")
        .to_string();
    let claims = |sub: &str, exp_in: i64| claims(sub, &key, exp_in);
    payload["role"] = json!("admin");
    payload["sub"] = json!("2");
    parts[1] = b64(payload.to_string().as_bytes());
    assert_401(&app, &parts.join("."), "tampered payload").await;

    assert_401(
        &app,
        &sign(&[9u8; 40], &claims(admin_id, 600)),
        "another key",
    )
    .await;
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(admin_id, 600).to_string().as_bytes())
    );
    assert_401(&app, &none, "alg none").await;
    assert_401(&app, &sign(secret, &claims(admin_id, -120)), "expired").await;
    let mut aud = claims(admin_id, 600);
    aud["aud"] = json!("someone-else");
    assert_401(&app, &sign(secret, &aud), "wrong aud").await;
    let mut iss = claims(admin_id, 600);
    iss["iss"] = json!("evil");
    assert_401(&app, &sign(secret, &iss), "wrong iss").await;
    let mut ver = claims(admin_id, 600);
    ver["ver"] = json!(7);
    assert_401(&app, &sign(secret, &ver), "stale token version").await;
    let mut other_key = claims(admin_id, 600);
    other_key["key"] = json!("0123456789abcdef0123456789abcdef");
    assert_401(&app, &sign(secret, &other_key), "another account's key").await;
    let mut no_key = claims(admin_id, 600);
    no_key.as_object_mut().unwrap().remove("key");
    assert_401(&app, &sign(secret, &no_key), "no account key").await;
    assert_401(&app, "not-a-jwt", "garbage").await;
    // A correctly signed token of the right shape does work (the checks above are not vacuous).
    assert_eq!(
        write_with(&app, &sign(secret, &claims(admin_id, 600)))
            .await
            .status(),
        201
    );
    // A non-Bearer scheme is a 401 too.
    let res = app
        .request(Method::DELETE, "/api/v1/organizations/1")
        .header("Authorization", "Basic YWRtaW46eA==")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn deactivation_deletion_and_password_changes_revoke_earlier_tokens() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn A", "kind": "branch"}))
        .await;
    let org_id = org["id"].as_i64();
    for how in ["deactivate", "delete", "password", "admin-reset"] {
        let name = format!("thu-{how}");
        let (id, token) = app.user_with_token(&name, Role::Editor, org_id).await;
        let me = |t: String| {
            let app = &app;
            async move {
                app.request(Method::GET, "/api/v1/auth/me")
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(me(token.clone()).await, 200, "{how}: works before");
        let fresh = match how {
            "deactivate" => {
                let res = app
                    .patch_json(&format!("/api/v1/users/{id}"), &json!({"active": false}))
                    .await;
                assert_eq!(res.status(), 200);
                None
            }
            "delete" => {
                assert_eq!(
                    app.delete(&format!("/api/v1/users/{id}")).await.status(),
                    204
                );
                None
            }
            "password" => {
                let res = app
                    .request(Method::POST, "/api/v1/auth/password")
                    .bearer_auth(&token)
                    .json(&json!({"current_password": TEST_PASSWORD, "new_password": "Đổi mật khẩu 99"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                let body: Value = res.json().await.unwrap();
                Some(body["access_token"].as_str().unwrap().to_string())
            }
            _ => {
                let res = app
                    .patch_json(
                        &format!("/api/v1/users/{id}"),
                        &json!({"password": "Admin đặt lại 77"}),
                    )
                    .await;
                assert_eq!(res.status(), 200);
                None
            }
        };
        assert_eq!(me(token).await, 401, "{how}: the old token stops at once");
        if let Some(fresh) = fresh {
            assert_eq!(me(fresh).await, 200, "{how}: the new token works");
        }
    }
    // The old password no longer logs in; the new one does.
    let res = app
        .post_anon(
            "/api/v1/auth/token",
            &json!({"username": "thu-password", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 401);
    app.login("thu-password", "Đổi mật khẩu 99").await;
}

#[actix_web::test]
async fn login_answers_the_same_for_unknown_users_and_wrong_passwords() {
    let app = spawn_app().await;
    let unknown = app
        .post_anon(
            "/api/v1/auth/token",
            &json!({"username": "khong-co", "password": "Sai mật khẩu 1"}),
        )
        .await;
    let wrong = app
        .post_anon(
            "/api/v1/auth/token",
            &json!({"username": "admin", "password": "Sai mật khẩu 1"}),
        )
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    let a: Value = unknown.json().await.unwrap();
    let b: Value = wrong.json().await.unwrap();
    assert_eq!(a, b, "one body for both");
    // Usernames are case-insensitive; the token answers /auth/me.
    let token = app.login("ADMIN", TEST_PASSWORD).await;
    let me: Value = app
        .request(Method::GET, "/api/v1/auth/me")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["role"], "admin");
    assert!(me["last_login_at"].is_string());
    assert!(me.get("password_hash").is_none() && me.get("password").is_none());
}

#[actix_web::test]
async fn five_failed_logins_throttle_until_the_window_passes() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let res = app
            .post_anon(
                "/api/v1/auth/token",
                &json!({"username": "admin", "password": "Sai rồi 12345"}),
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    for password in ["Sai rồi 12345", TEST_PASSWORD] {
        let res = app
            .post_anon(
                "/api/v1/auth/token",
                &json!({"username": "Admin", "password": password}),
            )
            .await;
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .expect("Retry-After")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 14 * 60 && retry <= 15 * 60, "{retry}");
        assert_problem(res, 429).await;
    }
}

#[actix_web::test]
async fn weak_passwords_and_bad_users_are_rejected_with_422() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn B", "kind": "branch"}))
        .await;
    for (body, field) in [
        (
            json!({"username": "ab", "password": TEST_PASSWORD, "role": "admin"}),
            "/username",
        ),
        (
            json!({"username": "nguoi.dung", "password": "short", "role": "admin"}),
            "/password",
        ),
        (
            json!({"username": "nguoi.dung", "password": "khongcochuhoavaso", "role": "admin"}),
            "/password",
        ),
        (
            json!({"username": "nguoi.dung", "password": TEST_PASSWORD, "role": "editor"}),
            "/organization_id",
        ),
        (
            json!({"username": "nguoi.dung", "password": TEST_PASSWORD, "role": "editor", "organization_id": 999}),
            "/organization_id",
        ),
        (
            json!({"username": "nguoi.dung", "password": TEST_PASSWORD, "role": "root"}),
            "/role",
        ),
    ] {
        let res = app.post_json("/api/v1/users", &body).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let ok = json!({"username": "Nguoi.Dung", "password": TEST_PASSWORD, "role": "editor", "organization_id": org["id"]});
    let res = app.post_json("/api/v1/users", &ok).await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["username"], "nguoi.dung");
    let res = app.post_json("/api/v1/users", &ok).await;
    assert_problem(res, 409).await;
    // The last active admin cannot be demoted, deactivated or deleted.
    let res = app
        .patch_json("/api/v1/users/admin", &json!({"active": false}))
        .await;
    assert_problem(res, 409).await;
    let res = app.delete("/api/v1/users/admin").await;
    assert_problem(res, 409).await;
    // A unit with users cannot be deleted; the 409 names them.
    let res = app
        .delete(&format!("/api/v1/organizations/{}", org["id"]))
        .await;
    let problem = assert_problem(res, 409).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("nguoi.dung"),
        "{problem}"
    );
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[actix_web::test]
async fn the_key_file_is_private_and_reused_after_a_restart() {
    let app = spawn_with(|a| a.jwt_secret = None).await;
    // Beside the SQLite file; data/ under the working folder on PostgreSQL.
    let key_file = doan_api::db::local_dir(&app.db_path).join("jwt-secret");
    assert_eq!(mode(&key_file), 0o600);
    let token = app.login("admin", TEST_PASSWORD).await;
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(key.trim().len() >= 32);
    // A second server on the same database reads the same key: the token still works there.
    let mut args = doan_api::cli::ServeArgs::for_tests(app.db_path.clone());
    args.jwt_secret = None;
    let second = doan_api::startup::Application::build(args).await.unwrap();
    let url = format!("http://127.0.0.1:{}/api/v1/auth/me", second.port());
    actix_web::rt::spawn(second.run_until_stopped());
    let res = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
    // A configured key shorter than 32 bytes refuses to start.
    let mut args = doan_api::cli::ServeArgs::for_tests(app.db_path.clone());
    args.jwt_secret = Some("too-short".into());
    let err = doan_api::startup::Application::build(args)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("32 bytes"), "{err}");
    let _ = TokenKeys::new(b"unused", 1);
}

#[cfg(unix)]
#[actix_web::test]
async fn the_demo_admin_password_is_written_to_a_private_file() {
    // On PostgreSQL the file is data/admin-password under the working folder, which every demo
    // app of this test process rewrites: only the configured password is checked there.
    if !on_postgres() {
        let app = spawn_with(|a| a.demo = true).await;
        let file = app.db_path.parent().unwrap().join("admin-password");
        assert_eq!(mode(&file), 0o600);
        let password = std::fs::read_to_string(&file).unwrap();
        app.login("admin", password.trim()).await;
    }
    // With a configured password, that one works.
    let app = spawn_with(|a| {
        a.demo = true;
        a.admin_password = Some("Cấu hình 2023!".into());
    })
    .await;
    app.login("admin", "Cấu hình 2023!").await;
}

#[actix_web::test]
async fn an_admin_has_no_unit_of_its_own() {
    let app = spawn_app().await;
    let unit = app
        .create_org(json!({"name": "Chi đoàn thử", "kind": "branch"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let res = app
        .post_json(
            "/api/v1/users",
            &json!({"username": "quantri2", "password": TEST_PASSWORD, "role": "admin",
                "organization_id": unit}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "/organization_id");
    // An editor made an admin loses its unit; giving an admin one is refused.
    let (id, _) = app
        .user_with_token("bientap", Role::Editor, Some(unit))
        .await;
    let path = format!("/api/v1/users/{id}");
    let res = app.patch_json(&path, &json!({"role": "admin"})).await;
    assert_eq!(res.status(), 200);
    let promoted: Value = res.json().await.unwrap();
    assert_eq!(promoted["role"], "admin");
    assert_eq!(promoted["organization_id"], Value::Null);
    let res = app
        .patch_json(&path, &json!({"organization_id": unit}))
        .await;
    assert_problem(res, 422).await;
}

#[actix_web::test]
async fn a_login_changes_neither_the_version_nor_the_etag_of_the_account() {
    let app = spawn_app().await;
    let unit = app
        .create_org(json!({"name": "Chi đoàn thử", "kind": "branch"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (id, _) = app
        .user_with_token("bientap", Role::Editor, Some(unit))
        .await;
    let path = format!("/api/v1/users/{id}");
    let read = |app: &TestApp| {
        let req = app.as_admin(Method::GET, &path);
        async move {
            let res = req.send().await.unwrap();
            let etag = res.headers()["etag"].to_str().unwrap().to_string();
            (etag, res.json::<Value>().await.unwrap())
        }
    };
    let (etag, before) = read(&app).await;
    app.login("bientap", TEST_PASSWORD).await;
    let (etag_after, after) = read(&app).await;
    assert_ne!(after["last_login_at"], before["last_login_at"]);
    assert_eq!(after["version"], before["version"]);
    assert_eq!(etag_after, etag, "a login is not a change of the account");
    // So an admin's change based on the earlier read still applies.
    let res = app
        .as_admin(Method::PATCH, &path)
        .header("If-Match", &etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"display_name": "Biên tập viên"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(
        res.headers()["etag"].to_str().unwrap(),
        etag,
        "a change moves it"
    );
}
