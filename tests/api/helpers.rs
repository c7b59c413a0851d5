//! Test harness: `spawn_app()` starts the real server on an ephemeral port with a fresh
//! temporary database; the helpers send real HTTP requests to it.

use doan_api::cli::ServeArgs;
use doan_api::db::DbPool;
use doan_api::startup::Application;
use reqwest::{Method, Response};
use serde_json::Value;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub db_path: std::path::PathBuf,
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

/// Start the app with adjusted settings.
pub async fn spawn_with(adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("test.db");
    let mut args = ServeArgs::for_tests(db_path.clone());
    adjust(&mut args);
    let app = Application::build(args).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.pool();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pool,
        db_path,
        _dir: dir,
    }
}

impl TestApp {
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

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path)
            .send()
            .await
            .expect("DELETE")
    }

    /// Create an organization and return its JSON (asserting 201).
    pub async fn create_org(&self, body: Value) -> Value {
        let res = self.post_json("/api/v1/organizations", &body).await;
        let status = res.status();
        let json: Value = res.json().await.expect("JSON");
        assert_eq!(status, 201, "create {body}: {json}");
        json
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
