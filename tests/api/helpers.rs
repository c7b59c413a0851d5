//! Test harness: `spawn_app()` starts the real server on an ephemeral port with a fresh
//! temporary database; the helpers send real HTTP requests to it.

use doan_api::auth::{Role, TokenKeys};
use doan_api::cli::ServeArgs;
use doan_api::db::Conn;
use doan_api::db::DbPool;
use doan_api::startup::Application;
use doan_api::users::{dto::CreateUser, repo as users_repo};
use reqwest::{Method, Response};
use serde_json::Value;
use std::collections::HashSet;

pub struct TestApp {
    pub address: String,
    /// A token of the admin every test app starts with (used by the write helpers).
    pub admin_token: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub db_path: std::path::PathBuf,
    /// `http://127.0.0.1:port` of the `--metrics-bind` listener, when set.
    pub metrics_address: Option<String>,
    _dir: tempfile::TempDir,
}

/// Start the app on a fresh database (no demo data).
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Start the app with the demo data loaded.
pub async fn spawn_demo_app() -> TestApp {
    spawn_with(|args| args.demo = true).await
}

/// The PostgreSQL server the tests run against, when `DOAN_TEST_POSTGRES` names one (a URL
/// of a role that may create databases, e.g. `postgres://postgres@127.0.0.1:5439/postgres`):
/// each test app then gets a fresh database of its own, copied from a migrated template.
/// Unset, every test app runs on a fresh SQLite file.
pub fn postgres_server() -> Option<String> {
    std::env::var("DOAN_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether the tests run on PostgreSQL (tests of what only SQLite has — its files, backups,
/// query plans — return early then).
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// The URL of database `name` on the server `server` names.
fn database_url(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let authority_end = base
        .find("://")
        .map(|s| s + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A fresh, migrated PostgreSQL database for one test: a copy of a template migrated once per
/// test process.
pub fn fresh_postgres_database(server: &str) -> String {
    use diesel::connection::SimpleConnection;
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let process = format!("{}_{}", std::process::id(), hex::encode(rand_bytes()));
    let template = TEMPLATE.get_or_init(|| {
        let name = format!("doan_tpl_{process}");
        let mut admin = doan_api::db::open(server).expect("the PostgreSQL test server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("the template database");
        let mut conn = doan_api::db::open(&database_url(server, &name)).expect("the template");
        doan_api::db::migrate(&mut conn).expect("the template migrates");
        name
    });
    let name = format!(
        "doan_t_{process}_{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let mut admin = doan_api::db::open(server).expect("the PostgreSQL test server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .expect("a test database");
    database_url(server, &name)
}

fn rand_bytes() -> [u8; 4] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos.to_le_bytes()
}

/// Start the app with adjusted settings.
pub async fn spawn_with(adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut db_path = dir.path().join("test.db");
    if let Some(server) = postgres_server() {
        db_path = std::path::PathBuf::from(fresh_postgres_database(&server));
    }
    let mut args = ServeArgs::for_tests(db_path.clone());
    // Media beside the database on SQLite; in the test's folder on PostgreSQL (its URL has
    // no folder), the same place either way.
    args.media_dir = Some(dir.path().join("media"));
    adjust(&mut args);
    let db_path = args.db.database.clone();
    let (secret, ttl) = (args.jwt_secret.clone(), args.token_ttl);
    let app = Application::build(args).await.expect("app builds");
    // The same key the app uses (configured, or the file it created beside the database).
    let keys = TokenKeys::load(secret.as_deref(), &db_path, ttl).expect("token keys");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let pool = app.pool();
    actix_web::rt::spawn(app.run_until_stopped());
    let admin_token = {
        let mut conn = pool.blocking_conn().unwrap();
        let existing = users_repo::by_username(&mut conn, "admin").unwrap();
        let row = match existing {
            Some(row) => row,
            None => {
                insert_user(&mut conn, "admin", Role::Admin, None);
                users_repo::by_username(&mut conn, "admin")
                    .unwrap()
                    .unwrap()
            }
        };
        keys.issue(&users_repo::claims_for(&row, 3600)).unwrap()
    };
    TestApp {
        address,
        admin_token,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pool,
        db_path,
        metrics_address,
        _dir: dir,
    }
}

/// A test's PostgreSQL database goes with it (its server's connections cut: the test is over).
impl Drop for TestApp {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        let (Some(server), Some(url)) = (postgres_server(), self.db_path.to_str()) else {
            return;
        };
        let Some(name) = url.strip_prefix(&database_url(&server, "")) else {
            return;
        };
        if let Ok(mut admin) = doan_api::db::open(&server) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

impl TestApp {
    /// The folder of the app's uploaded media.
    pub fn media_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("media")
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.address, path)
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("JSON body")
    }

    /// A request carrying the admin's token.
    pub fn as_admin(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path).bearer_auth(&self.admin_token)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.as_admin(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.as_admin(Method::PATCH, path)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.as_admin(Method::DELETE, path)
            .send()
            .await
            .expect("DELETE")
    }

    /// GET `path` as the admin and parse its JSON body (whatever the status).
    pub async fn admin_json(&self, path: &str) -> Value {
        self.as_admin(Method::GET, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POST `body` to the collection `path` as the admin and return what it made (asserting 201).
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let res = self.post_json(path, &body).await;
        let status = res.status();
        let json: Value = res.json().await.expect("JSON");
        assert_eq!(status, 201, "create {body}: {json}");
        json
    }

    /// Create an organization and return its JSON (asserting 201).
    pub async fn create_org(&self, body: Value) -> Value {
        self.create("/api/v1/organizations", body).await
    }
}

/// Assert a problem+json response with the status; returns its body.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status, "status of {}", res.url());
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct} for status {status}"
    );
    let body: Value = res.json().await.expect("problem JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["type"].is_string() && body["title"].is_string(),
        "{body}"
    );
    body
}

/// A response header as a string, if present.
pub fn header(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header").to_string())
}

/// The `field` of every entry of a problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().expect("field is a string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A password every test user gets.
pub const TEST_PASSWORD: &str = "Mật khẩu thử 2023";

/// Insert a user directly (hashing is slow; tests do it once per user).
pub fn insert_user(
    conn: &mut Conn,
    username: &str,
    role: Role,
    organization_id: Option<i64>,
) -> i64 {
    let input = CreateUser {
        username: username.into(),
        password: TEST_PASSWORD.into(),
        display_name: None,
        role,
        organization_id,
        active: true,
    };
    let hashed = doan_api::auth::password::hash(TEST_PASSWORD).unwrap();
    users_repo::create(conn, &input, hashed).unwrap().id
}

impl TestApp {
    /// Create a user and log it in over HTTP; returns (id, token).
    pub async fn user_with_token(
        &self,
        username: &str,
        role: Role,
        organization_id: Option<i64>,
    ) -> (i64, String) {
        let id = {
            let mut conn = self.pool.blocking_conn().unwrap();
            insert_user(&mut conn, username, role, organization_id)
        };
        (id, self.login(username, TEST_PASSWORD).await)
    }

    /// Log in over HTTP (asserting 200); returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self
            .post_anon(
                "/api/v1/auth/token",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 200, "login of {username}");
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A unit of kind `branch` named `name` (asserting 201) and a token of its editor `username`.
    pub async fn branch_with_editor(&self, name: &str, username: &str) -> (Value, String) {
        let org = self
            .create_org(serde_json::json!({"name": name, "kind": "branch"}))
            .await;
        let (_, editor) = self
            .user_with_token(username, Role::Editor, org["id"].as_i64())
            .await;
        (org, editor)
    }

    pub async fn post_anon(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST")
    }
}

/// POST an activity as admin and return it (asserting 201).
pub async fn create_activity(app: &TestApp, body: Value) -> Value {
    app.create("/api/v1/activities", body).await
}

/// Follow a list from `first` by its cursor, every id seen in order; after each page,
/// `between(step)` may give a body that another client creates in `collection` meanwhile
/// (as admin, asserting 201). The first page is in page mode (its `next` link is page 2):
/// the walk switches to the cursor; from then on `links.next` carries it.
pub async fn walk_cursor(
    app: &TestApp,
    first: &str,
    collection: &str,
    mut between: impl FnMut(usize) -> Option<Value>,
) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut url = app.url(first);
    let mut step = 0;
    loop {
        let page = app.get_json(&url).await;
        seen.extend(
            page["data"]
                .as_array()
                .expect("data array")
                .iter()
                .map(|item| item["id"].as_i64().expect("id")),
        );
        if let Some(body) = between(step) {
            app.create(collection, body).await;
        }
        step += 1;
        match page["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                url = if step == 1 {
                    format!("{}&cursor={cursor}", app.url(first))
                } else {
                    let next = page["links"]["next"].as_str().expect("a next link");
                    assert!(next.contains(&format!("cursor={cursor}")), "{next}");
                    next.to_string()
                };
            }
            None => {
                assert!(
                    page["links"].get("next").is_none(),
                    "no next link on the last page"
                );
                break;
            }
        }
        assert!(step < 100, "the walk ends");
    }
    seen
}

/// What a cursor walk made while another client inserted must show: no row twice, and every
/// row that existed at the start.
#[track_caller]
pub fn assert_walk_saw_each_row_once(walked: &[i64], before: &HashSet<i64>) {
    let unique: HashSet<i64> = walked.iter().copied().collect();
    assert_eq!(unique.len(), walked.len(), "no row twice: {walked:?}");
    assert!(
        before.is_subset(&unique),
        "every row that existed at the start is seen"
    );
}

/// Assert that a command of the binary succeeded, showing its stderr otherwise.
#[track_caller]
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Start a second server on `app`'s database (settings adjusted), as a restart or an upgrade
/// would; returns its address.
pub async fn start_again(app: &TestApp, adjust: impl FnOnce(&mut ServeArgs)) -> String {
    let mut args = ServeArgs::for_tests(app.db_path.clone());
    adjust(&mut args);
    let server = Application::build(args).await.expect("second start");
    let address = format!("http://127.0.0.1:{}", server.port());
    actix_web::rt::spawn(server.run_until_stopped());
    address
}

/// GET `url` (absolute) and parse its JSON body.
pub async fn fetch_json(app: &TestApp, url: &str) -> Value {
    app.client
        .get(url)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

/// The Vietnamese label of `code` in the list `list` of `GET /api/v1/vocabularies`.
pub fn vocab_label<'a>(vocab: &'a Value, list: &str, code: &str) -> &'a str {
    vocab[list]
        .as_array()
        .unwrap_or_else(|| panic!("no vocabulary {list}"))
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {list}"))["label"]
        .as_str()
        .unwrap()
}

/// Arguments a command of the binary needs besides `--database app.db_path` to work on `app`'s
/// media: none on SQLite (the media folder is beside the file); on PostgreSQL the database has
/// no folder (the default would be data/media under the working folder), so `--media-dir`.
pub fn media_dir_args(app: &TestApp) -> Vec<std::ffi::OsString> {
    if on_postgres() {
        vec!["--media-dir".into(), app.media_dir().into_os_string()]
    } else {
        Vec::new()
    }
}
