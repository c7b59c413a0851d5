//! The cross-cutting HTTP contract of API.md: problem+json for every error, query validation,
//! `HEAD`, request ids, compression, CORS, health probes, the docs and absolute links.

use std::collections::BTreeSet;

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, error_fields, header, spawn_app, spawn_demo_app, spawn_with, vocab_label,
    TestApp,
};

const ORGS: &str = "/api/v1/organizations";
const CORS_ORIGIN: &str = "https://portal.example";

/// A client that neither asks for nor undoes compression, so raw headers and bodies are seen.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .gzip(false)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The methods of an `Allow` header, as a set.
fn allowed_methods(res: &Response) -> BTreeSet<String> {
    header(res, "allow")
        .expect("Allow header")
        .split(',')
        .map(|m| m.trim().to_string())
        .collect()
}

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A safe request id: what the server may generate or echo.
fn is_safe_token(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// POST a raw body with a content type to the organizations collection.
async fn post_raw(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
    app.as_admin(Method::POST, ORGS)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST")
}

async fn spawn_cors_app() -> TestApp {
    spawn_with(|args| args.cors_origins = vec![CORS_ORIGIN.into()]).await
}

// --- errors as problems -------------------------------------------------------------------

#[actix_web::test]
async fn unknown_route_is_a_404_problem_naming_its_path() {
    let app = spawn_app().await;
    let problem = assert_problem(app.get("/api/v1/no-such-thing").await, 404).await;
    assert_eq!(problem["instance"], "/api/v1/no-such-thing");
}

#[actix_web::test]
async fn wrong_methods_are_405_problems_listing_the_allowed_ones() {
    let app = spawn_demo_app().await;
    let cases = [
        (
            Method::PUT,
            ORGS.to_string(),
            set_of(&["GET", "HEAD", "POST"]),
        ),
        (
            Method::POST,
            format!("{ORGS}/1"),
            set_of(&["GET", "HEAD", "PATCH", "DELETE"]),
        ),
    ];
    for (method, path, expected) in cases {
        let res = app
            .request(method.clone(), &path)
            .send()
            .await
            .expect("send");
        assert_eq!(allowed_methods(&res), expected, "{method} {path}");
        let problem = assert_problem(res, 405).await;
        assert_eq!(problem["instance"], path);
    }
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let res = post_raw(&app, "application/json", r#"{"name": "Chi đoàn", "kind": "#).await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(problem["instance"], ORGS);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    let body = json!({"name": "Chi đoàn", "kind": "partner"}).to_string();
    assert_problem(post_raw(&app, "text/plain", body).await, 415).await;
}

#[actix_web::test]
async fn a_body_over_one_mebibyte_is_a_413_problem() {
    let app = spawn_app().await;
    let body = json!({"name": "a".repeat(1024 * 1024), "kind": "partner"}).to_string();
    assert!(body.len() > 1024 * 1024);
    assert_problem(post_raw(&app, "application/json", body).await, 413).await;
}

#[actix_web::test]
async fn merge_patch_media_type_is_accepted_on_patch_but_not_on_post() {
    let app = spawn_app().await;
    let created = app
        .create_org(json!({"name": "Đoàn A", "kind": "partner"}))
        .await;
    let path = format!("{ORGS}/{}", created["id"]);
    let patch = json!({"phone": "0205 3812 345"});
    let res = app.patch_json(&path, &patch).await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.expect("JSON");
    assert_eq!(patched["phone"], "0205 3812 345");

    let body = json!({"name": "Đoàn B", "kind": "partner"}).to_string();
    let res = post_raw(&app, "application/merge-patch+json", body).await;
    assert_problem(res, 415).await;
}

// --- query parameters ---------------------------------------------------------------------

#[actix_web::test]
async fn an_unknown_query_parameter_is_a_400_naming_it() {
    let app = spawn_app().await;
    let problem = assert_problem(app.get(&format!("{ORGS}?colour=red")).await, 400).await;
    assert_eq!(error_fields(&problem)[0], "colour");
}

#[actix_web::test]
async fn invalid_query_values_are_400s_naming_the_parameter() {
    let app = spawn_demo_app().await;
    let first: Value = app.get_json(&format!("{ORGS}?per_page=2")).await;
    let cursor = first["meta"]["next_cursor"].as_str().expect("next_cursor");
    // `page` with `cursor`: either of the two may be the one named.
    let cases: [(String, &[&str]); 8] = [
        ("per_page=0".into(), &["per_page"]),
        ("page=-1".into(), &["page"]),
        ("page=abc".into(), &["page"]),
        ("sort=nope".into(), &["sort"]),
        ("kind=nope".into(), &["kind"]),
        ("active=maybe".into(), &["active"]),
        ("cursor=not-a-cursor".into(), &["cursor"]),
        (
            format!("per_page=2&page=2&cursor={cursor}"),
            &["cursor", "page"],
        ),
    ];
    for (query, params) in cases {
        let res = app.get(&format!("{ORGS}?{query}")).await;
        let problem = assert_problem(res, 400).await;
        let named = error_fields(&problem).first().cloned().unwrap_or_default();
        assert!(
            params.contains(&named.as_str()),
            "?{query} should name {params:?}: {problem}"
        );
    }
}

#[actix_web::test]
async fn a_page_past_the_end_is_an_empty_200() {
    let app = spawn_demo_app().await;
    let page: Value = app.get_json(&format!("{ORGS}?page=99")).await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["meta"]["page"], 99);
    assert_eq!(page["meta"]["total"], 14);
    assert!(page["links"].get("next").is_none(), "{page}");
}

#[actix_web::test]
async fn per_page_above_the_maximum_is_lowered_to_100() {
    let app = spawn_demo_app().await;
    let page: Value = app.get_json(&format!("{ORGS}?per_page=1000")).await;
    assert_eq!(page["meta"]["per_page"], 100);
    assert_eq!(page["data"].as_array().expect("data").len(), 14);
}

// --- HEAD, request ids, compression -------------------------------------------------------

#[actix_web::test]
async fn head_answers_every_get_endpoint_with_its_headers_and_no_body() {
    let app = spawn_demo_app().await;
    let client = raw_client();
    for path in [ORGS.to_string(), format!("{ORGS}/1"), "/health/live".into()] {
        let url = app.url(&path);
        let get = client.get(&url).send().await.expect("GET");
        let head = client.head(&url).send().await.expect("HEAD");
        assert_eq!(get.status(), 200, "GET {path}");
        assert_eq!(head.status(), 200, "HEAD {path}");
        for name in ["content-type", "etag", "link", "x-total-count"] {
            assert_eq!(
                header(&head, name),
                header(&get, name),
                "{name} of HEAD {path}"
            );
        }
        if path.ends_with("/1") {
            assert!(header(&head, "etag").is_some(), "HEAD {path} has an ETag");
        }
        if path == ORGS {
            assert_eq!(header(&head, "x-total-count").as_deref(), Some("14"));
        }
        assert!(
            head.bytes().await.expect("body").is_empty(),
            "HEAD {path} body"
        );
    }
}

#[actix_web::test]
async fn a_safe_client_request_id_is_echoed_even_on_errors() {
    let app = spawn_app().await;
    for path in ["/health/live", "/api/v1/no-such-thing"] {
        let res = app
            .request(Method::GET, path)
            .header("X-Request-Id", "trace-42_a.b")
            .send()
            .await
            .expect("GET");
        assert_eq!(
            header(&res, "x-request-id").as_deref(),
            Some("trace-42_a.b"),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn an_unsafe_request_id_is_replaced_by_a_generated_one() {
    let app = spawn_app().await;
    for sent in ["has space".to_string(), "a".repeat(200), "<script>".into()] {
        let res = app
            .request(Method::GET, "/health/live")
            .header("X-Request-Id", sent.as_str())
            .send()
            .await
            .expect("GET");
        let id = header(&res, "x-request-id").expect("X-Request-Id");
        assert_ne!(id, sent);
        assert!(is_safe_token(&id), "generated id {id:?}");
    }
}

#[actix_web::test]
async fn error_responses_get_a_generated_request_id() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/no-such-thing").await;
    let id = header(&res, "x-request-id").expect("X-Request-Id on a 404");
    assert!(is_safe_token(&id), "{id:?}");
    assert_problem(res, 404).await;
}

#[actix_web::test]
async fn lists_are_gzipped_when_the_client_accepts_it() {
    let app = spawn_demo_app().await;
    let res = raw_client()
        .get(app.url(ORGS))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-encoding").as_deref(), Some("gzip"));
    let body = res.bytes().await.expect("body");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "gzip magic bytes");
}

// --- CORS -----------------------------------------------------------------------------------

#[actix_web::test]
async fn cors_preflight_allows_patch_with_if_match() {
    let app = spawn_cors_app().await;
    let res = app
        .request(Method::OPTIONS, &format!("{ORGS}/1"))
        .header("Origin", CORS_ORIGIN)
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "if-match")
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(CORS_ORIGIN)
    );
    let methods = header(&res, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("PATCH"), "allow-methods: {methods}");
    let headers = header(&res, "access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(headers.contains("if-match"), "allow-headers: {headers}");
}

#[actix_web::test]
async fn cors_exposes_the_paging_caching_and_tracing_headers() {
    let app = spawn_cors_app().await;
    let res = app
        .request(Method::GET, ORGS)
        .header("Origin", CORS_ORIGIN)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(CORS_ORIGIN)
    );
    let exposed: BTreeSet<String> = header(&res, "access-control-expose-headers")
        .expect("access-control-expose-headers")
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for name in ["link", "x-total-count", "etag", "location", "x-request-id"] {
        assert!(exposed.contains(name), "{name} not in {exposed:?}");
    }
}

// --- health and docs ------------------------------------------------------------------------

#[actix_web::test]
async fn health_probes_report_ok() {
    let app = spawn_app().await;
    for path in ["/health/live", "/health/ready"] {
        assert_eq!(app.get_json(path).await, json!({"status": "ok"}), "{path}");
    }
}

#[actix_web::test]
async fn swagger_ui_redirects_to_its_trailing_slash_and_serves_html() {
    let app = spawn_app().await;
    let res = app.get("/swagger-ui").await;
    assert_eq!(res.status(), 301);
    let location = header(&res, "location").expect("Location");
    assert!(location.ends_with("/swagger-ui/"), "{location}");

    let res = app.get("/swagger-ui/").await;
    assert_eq!(res.status(), 200);
    let content_type = header(&res, "content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = res.text().await.expect("HTML");
    assert!(html.to_ascii_lowercase().contains("<html"), "{html}");
}

#[actix_web::test]
async fn the_spec_is_served_as_openapi_3_1_json() {
    let app = spawn_app().await;
    let res = app.get("/api-docs/openapi.json").await;
    assert_eq!(res.status(), 200);
    let content_type = header(&res, "content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let spec: Value = res.json().await.expect("JSON");
    let version = spec["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "{version}");
    assert!(
        spec["paths"][ORGS].is_object(),
        "organizations are documented"
    );
}

// --- links ----------------------------------------------------------------------------------

#[actix_web::test]
async fn list_links_are_absolute_and_keep_the_other_parameters_in_order() {
    let app = spawn_demo_app().await;
    let query = "kind=grassroots_branch&sort=name&per_page=3";
    let res = app.get(&format!("{ORGS}?{query}&page=2")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-total-count").as_deref(), Some("8"));
    let link = header(&res, "link").expect("Link header");
    for rel in ["first", "prev", "next", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{rel} in {link}");
    }
    let page: Value = res.json().await.expect("JSON");

    let page_url = |n: u32| format!("{}{ORGS}?{query}&page={n}", app.address);
    assert_eq!(page["links"]["next"], page_url(3));
    assert_eq!(page["links"]["prev"], page_url(1));
    assert_eq!(page["links"]["first"], page_url(1));
    assert_eq!(page["links"]["last"], page_url(3));
    assert!(
        link.contains(&format!("<{}>; rel=\"next\"", page_url(3))),
        "{link}"
    );

    let meta = &page["meta"];
    assert_eq!(
        (
            &meta["page"],
            &meta["per_page"],
            &meta["total"],
            &meta["total_pages"]
        ),
        (&json!(2), &json!(3), &json!(8), &json!(3))
    );
    // The bloc's branches in Vietnamese order: Ban, Cục, Đài | Sở GT, Sở NN, Trung tâm | VP…
    let names: Vec<&str> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "Chi đoàn Sở Giao thông vận tải",
            "Chi đoàn Sở Nông nghiệp và Phát triển nông thôn",
            "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh",
        ]
    );
}

#[actix_web::test]
async fn links_and_location_use_the_configured_public_url() {
    let app = spawn_with(|args| args.public_url = Some("https://api.example.vn".into())).await;
    let res = app
        .post_json(ORGS, &json!({"name": "Đoàn A", "kind": "partner"}))
        .await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location").expect("Location");
    assert!(
        location.starts_with("https://api.example.vn/api/v1/organizations/"),
        "{location}"
    );

    let page: Value = app.get_json(&format!("{ORGS}?per_page=5")).await;
    assert_eq!(
        page["links"]["self"],
        "https://api.example.vn/api/v1/organizations?per_page=5"
    );
    assert_eq!(
        page["links"]["first"],
        "https://api.example.vn/api/v1/organizations?per_page=5&page=1"
    );
}

#[actix_web::test]
async fn vocabularies_label_every_code_the_spec_lists() {
    let app = crate::helpers::spawn_app().await;
    let res = app.get("/api/v1/vocabularies").await;
    assert_eq!(res.status(), 200);
    let etag = crate::helpers::header(&res, "etag").expect("an ETag");
    let vocab: serde_json::Value = res.json().await.unwrap();
    let spec: serde_json::Value = app
        .get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (list, schema) in [
        ("organization_kinds", "OrgKind"),
        ("partner_roles", "PartnerRole"),
        ("categories", "Category"),
        ("statuses", "Status"),
        ("date_precisions", "DatePrecision"),
        ("parts_of_day", "PartOfDay"),
        ("member_roles", "MemberRole"),
        ("grades", "Grade"),
        ("awards", "Award"),
    ] {
        let codes: Vec<&str> = vocab[list]
            .as_array()
            .unwrap_or_else(|| panic!("{list}: {vocab}"))
            .iter()
            .map(|t| {
                assert!(!t["label"].as_str().unwrap().is_empty(), "{t}");
                assert!(!t["label_en"].as_str().unwrap().is_empty(), "{t}");
                t["code"].as_str().unwrap()
            })
            .collect();
        let documented: Vec<&str> = spec["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum {schema}"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(codes, documented, "{list}");
    }
    let label = |list: &str, code: &str| vocab_label(&vocab, list, code);
    assert_eq!(label("partner_roles", "co_organizer"), "Phối hợp");
    assert_eq!(label("partner_roles", "chair"), "Chủ trì");
    assert_eq!(label("partner_roles", "host"), "Đơn vị đăng cai");
    assert_eq!(
        label("member_roles", "standing_deputy"),
        "Cụm phó thường trực"
    );
    assert_eq!(label("parts_of_day", "afternoon"), "Chiều");
    assert_eq!(
        label("organization_kinds", "grassroots_union"),
        "Đoàn cơ sở"
    );
    assert_eq!(
        label("categories", "conference"),
        "Hội nghị, sơ kết, tổng kết"
    );
    // Cacheable: the same ETag answers 304.
    let res = app
        .client
        .get(app.url("/api/v1/vocabularies"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
}

#[actix_web::test]
async fn options_on_the_docs_answers_allow_like_every_other_route() {
    let app = spawn_app().await;
    for path in [
        "/swagger-ui/",
        "/swagger-ui/index.css",
        "/api-docs/openapi.json",
        "/api/v1/organizations",
    ] {
        let res = app.request(Method::OPTIONS, path).send().await.unwrap();
        let allow = header(&res, "allow").unwrap_or_default();
        assert!(allow.contains("GET"), "{path}: Allow {allow}");
        assert_problem(res, 405).await;
    }
}
