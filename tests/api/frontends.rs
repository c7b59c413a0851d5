//! What a frontend page needs from the API: sparse fieldsets (`fields`) on every list and
//! detail, and cacheable anonymous reads — a strong `ETag` per representation (a compressed
//! one has its own), 304 on `If-None-Match` until the content changes, `Cache-Control` a CDN
//! can honour for anonymous reads and `private, no-store` for authenticated ones, `Vary`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, create_activity, header, spawn_demo_app, TestApp};

const ACTIVITIES: &str = "/api/v1/activities";

/// The members of `item`, sorted (serde_json's map does not keep the order sent; the order is
/// checked on the text itself, see [`in_order`]).
fn keys(item: &Value) -> Vec<&str> {
    item.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn sorted<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names
}

/// Whether `names` appear as members in this order in the text of the first object of `text`
/// that holds them all.
fn in_order(text: &str, names: &[&str]) -> bool {
    let at: Vec<usize> = names
        .iter()
        .map(|n| text.find(&format!("\"{n}\":")).expect(n))
        .collect();
    at.windows(2).all(|w| w[0] < w[1])
}

fn data(page: &Value) -> &Vec<Value> {
    page["data"].as_array().expect("data")
}

#[actix_web::test]
async fn fields_keep_only_the_members_asked_in_the_schemas_order() {
    let app = spawn_demo_app().await;
    let full = app.get_json(ACTIVITIES).await;
    let res = app
        .get(&format!("{ACTIVITIES}?fields=title,id,url,photo"))
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(in_order(&text, &["id", "url", "title", "photo"]), "{text}");
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data(&page).len(), data(&full).len());
    for (item, whole) in data(&page).iter().zip(data(&full)) {
        // The schema's order (id, url, title, …), whatever the request's; values unchanged.
        let expected: Vec<&str> = ["id", "url", "title", "photo"]
            .into_iter()
            .filter(|k| whole.get(*k).is_some())
            .collect();
        assert_eq!(keys(item), sorted(expected.clone()), "{item}");
        for k in expected {
            assert_eq!(item[k], whole[k]);
        }
    }
    // The envelope is whole.
    assert_eq!(page["meta"], full["meta"]);
    assert!(page["links"]["self"]
        .as_str()
        .unwrap()
        .contains("fields=title,id,url,photo"));
    // Repeated, as generated clients send a list.
    let repeated = app
        .get_json(&format!(
            "{ACTIVITIES}?fields=title&fields=id&fields=url&fields=photo"
        ))
        .await;
    assert_eq!(repeated["data"], page["data"]);

    // A detail: its own members (a summary has no `body`; an activity has).
    let id = data(&full)[0]["id"].as_i64().unwrap();
    let detail = app
        .get_json(&format!("{ACTIVITIES}/{id}?fields=body,title,partners,id"))
        .await;
    assert_eq!(keys(&detail), sorted(["id", "title", "body", "partners"]));
    let summary = app.get(&format!("{ACTIVITIES}?fields=body")).await;
    let problem = assert_problem(summary, 400).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("'body'"),
        "{problem}"
    );

    // Every public list and detail.
    let unit = data(&full)[0]["organizer"]["id"].as_i64().unwrap();
    for (list, expected) in [
        (
            "/api/v1/organizations?fields=name,slug".to_string(),
            vec!["slug", "name"],
        ),
        (
            "/api/v1/clusters?fields=name,id".to_string(),
            vec!["id", "name"],
        ),
        (
            format!("/api/v1/organizations/{unit}/activities?fields=id"),
            vec!["id"],
        ),
    ] {
        let list = list.as_str();
        let page = app.get_json(list).await;
        assert!(!data(&page).is_empty(), "{list}");
        for item in data(&page) {
            assert_eq!(keys(item), sorted(expected.clone()), "{list}");
        }
    }
    let org = app
        .get_json("/api/v1/organizations/1?fields=ancestors,name")
        .await;
    assert_eq!(keys(&org), ["ancestors", "name"]);
    let cluster_id = app.get_json("/api/v1/clusters?fields=id").await["data"][0]["id"].clone();
    let cluster = app
        .get_json(&format!("/api/v1/clusters/{cluster_id}?fields=name"))
        .await;
    assert_eq!(keys(&cluster), ["name"]);
    // Admins' lists too.
    let res = app
        .as_admin(Method::GET, "/api/v1/users?fields=username")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    let users: Value = res.json().await.unwrap();
    assert_eq!(keys(&data(&users)[0]), ["username"]);
}

#[actix_web::test]
async fn an_unknown_empty_or_repeated_field_is_a_400_naming_it() {
    let app = spawn_demo_app().await;
    for query in [
        "fields=id,bogus,title",
        "fields=id,id",
        "fields=",
        "fields=id,,title",
    ] {
        for path in [
            format!("{ACTIVITIES}?{query}"),
            format!("{ACTIVITIES}/1?{query}"),
            format!("/api/v1/organizations?{query}"),
        ] {
            let problem = assert_problem(app.get(&path).await, 400).await;
            assert_eq!(problem["errors"][0]["field"], "fields", "{path}: {problem}");
            if query.contains("bogus") {
                let detail = problem["detail"].as_str().unwrap_or_default().to_string()
                    + problem["errors"][0]["message"].as_str().unwrap_or_default();
                assert!(detail.contains("'bogus'"), "{path}: {problem}");
                assert!(
                    detail.contains("title"),
                    "the allowed names are listed: {problem}"
                );
            }
        }
    }
    // Any other parameter of a detail is unknown too.
    let problem = assert_problem(app.get(&format!("{ACTIVITIES}/1?x=1")).await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "x");
}

#[actix_web::test]
async fn a_cursor_walk_may_change_its_fields_and_the_spec_lists_them() {
    let app = spawn_demo_app().await;
    let first = app
        .get_json(&format!("{ACTIVITIES}?per_page=3&fields=id"))
        .await;
    let cursor = first["meta"]["next_cursor"].as_str().expect("a next page");
    let next = app
        .get_json(&format!(
            "{ACTIVITIES}?per_page=3&cursor={cursor}&fields=id,title"
        ))
        .await;
    assert_eq!(keys(&data(&next)[0]), ["id", "title"]);

    let spec = app.get_json("/api-docs/openapi.json").await;
    let names = |path: &str| -> Vec<String> {
        let params = spec["paths"][path]["get"]["parameters"].as_array().unwrap();
        let fields = params.iter().find(|p| p["name"] == "fields").expect(path);
        fields["schema"]["items"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let list = names(ACTIVITIES);
    let detail = names("/api/v1/activities/{id}");
    assert!(list.contains(&"photo".to_string()) && !list.contains(&"body".to_string()));
    assert!(detail.contains(&"body".to_string()) && detail.contains(&"photos".to_string()));
    assert!(names("/api/v1/organizations/{id}").contains(&"ancestors".to_string()));
    // Every list documents its validator, its caching and the 304.
    for path in [
        ACTIVITIES,
        "/api/v1/organizations",
        "/api/v1/clusters",
        "/api/v1/users",
    ] {
        let responses = &spec["paths"][path]["get"]["responses"];
        assert!(responses["304"].is_object(), "{path}");
        let headers = &responses["200"]["headers"];
        assert!(
            headers["ETag"].is_object() && headers["Cache-Control"].is_object(),
            "{path}"
        );
    }
}

/// GET `path` anonymously with `If-None-Match: etag` (when given).
async fn revalidate(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.request(Method::GET, path);
    if let Some(etag) = etag {
        req = req.header("If-None-Match", etag);
    }
    req.send().await.expect("GET")
}

#[actix_web::test]
async fn an_anonymous_list_revalidates_to_304_until_its_content_changes() {
    let app = spawn_demo_app().await;
    let path = format!("{ACTIVITIES}?per_page=5&fields=id,title,updated_at");
    let res = revalidate(&app, &path, None).await;
    assert_eq!(res.status(), 200);
    let etag = header(&res, "etag").expect("a list has an ETag");
    assert!(etag.starts_with('"'), "strong: {etag}");
    assert_eq!(
        header(&res, "cache-control").as_deref(),
        Some("public, max-age=30, stale-while-revalidate=60")
    );
    let vary = header(&res, "vary")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        vary.contains("authorization") && vary.contains("accept-encoding"),
        "{vary}"
    );
    let first: Value = res.json().await.unwrap();

    let res = revalidate(&app, &path, Some(&etag)).await;
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, "etag").as_deref(), Some(etag.as_str()));
    assert!(header(&res, "cache-control").is_some() && header(&res, "vary").is_some());
    assert!(res.bytes().await.unwrap().is_empty());

    // A write the page does not show (a draft): still 304.
    let organizer = data(&first)[0]["id"].as_i64().unwrap();
    let detail = app.get_json(&format!("{ACTIVITIES}/{organizer}")).await;
    let unit = detail["organizer"]["id"].as_i64().unwrap();
    let draft = create_activity(
        &app,
        json!({"title": "Bản nháp chưa đăng", "occurred_on": "2099-01-01", "category": "other",
               "organizer_id": unit}),
    )
    .await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(revalidate(&app, &path, Some(&etag)).await.status(), 304);

    // One it shows (a newer published activity comes first): 200, another ETag.
    create_activity(
        &app,
        json!({"title": "Tin mới nhất", "occurred_on": "2099-01-02", "category": "other",
               "organizer_id": unit, "status": "published"}),
    )
    .await;
    let res = revalidate(&app, &path, Some(&etag)).await;
    assert_eq!(res.status(), 200);
    let changed = header(&res, "etag").unwrap();
    assert_ne!(changed, etag);
    let page: Value = res.json().await.unwrap();
    assert_eq!(data(&page)[0]["title"], "Tin mới nhất");
    // A detail and a feed revalidate the same way.
    for path in [
        format!("{ACTIVITIES}/{organizer}"),
        "/feeds/activities.json".to_string(),
    ] {
        let res = revalidate(&app, &path, None).await;
        let etag = header(&res, "etag").expect(&path);
        assert_eq!(
            revalidate(&app, &path, Some(&etag)).await.status(),
            304,
            "{path}"
        );
    }
}

#[actix_web::test]
async fn authenticated_reads_are_private_and_never_stored() {
    let app = spawn_demo_app().await;
    for path in [ACTIVITIES, "/api/v1/activities/1", "/api/v1/organizations"] {
        let res = app.as_admin(Method::GET, path).send().await.expect("GET");
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            header(&res, "cache-control").as_deref(),
            Some("private, no-store"),
            "{path}"
        );
        let vary = header(&res, "vary")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(vary.contains("authorization"), "{path}: {vary}");
    }
    // An anonymous error is not stored either.
    let res = app.get("/api/v1/activities/999999").await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        header(&res, "cache-control").as_deref(),
        Some("private, no-store")
    );
}

#[actix_web::test]
async fn a_compressed_representation_has_its_own_strong_etag() {
    let app = spawn_demo_app().await;
    // A client that does not decode: the bytes and headers as sent.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let path = app.url(&format!("{ACTIVITIES}?per_page=20"));
    let get = |encoding: &'static str, etag: Option<String>| {
        let mut req = raw.get(&path).header("Accept-Encoding", encoding);
        if let Some(etag) = etag {
            req = req.header("If-None-Match", etag);
        }
        req.send()
    };
    let plain = get("identity", None).await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), None);
    let plain_tag = header(&plain, "etag").unwrap();
    let gzip = get("gzip", None).await.unwrap();
    assert_eq!(header(&gzip, "content-encoding").as_deref(), Some("gzip"));
    let gzip_tag = header(&gzip, "etag").unwrap();
    assert_eq!(
        gzip_tag,
        format!("{}-gzip\"", plain_tag.trim_end_matches('"')),
        "the coding is part of the tag"
    );
    // Each revalidates to 304 naming the tag its client holds.
    let res = get("gzip", Some(gzip_tag.clone())).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, "etag"), Some(gzip_tag.clone()));
    let res = get("identity", Some(plain_tag.clone())).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, "etag"), Some(plain_tag));

    // A write guarded by the compressed tag of what it read: the same state, accepted.
    let detail_path = app.url("/api/v1/organizations/1");
    let read = raw
        .get(&detail_path)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    let tag = header(&read, "etag").unwrap();
    assert!(tag.ends_with("-gzip\""), "{tag}");
    let patch = |phone: &'static str| {
        raw.patch(&detail_path)
            .bearer_auth(&app.admin_token)
            .header("If-Match", &tag)
            .json(&json!({ "phone": phone }))
            .send()
    };
    assert_eq!(patch("0205 3812 999").await.unwrap().status(), 200);
    // And stale once it changed.
    assert_eq!(patch("0205 3812 998").await.unwrap().status(), 412);
}

/// The reference portal is served with the demo (and with `--portal`), never otherwise: its
/// pages at the addresses the API links to, its files under `/portal/`, each with a strong
/// ETag (304 on revalidation) and the pages with a content security policy.
#[actix_web::test]
async fn the_portal_is_served_with_the_demo_and_only_when_asked() {
    let app = spawn_demo_app().await;
    let first = app.get_json(&format!("{ACTIVITIES}?fields=slug,url")).await;
    let slug = data(&first)[0]["slug"].as_str().unwrap().to_string();
    // The activity's `url` (the default template) is the portal's page of it.
    assert!(data(&first)[0]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/hoat-dong/{slug}")));
    for (path, kind) in [
        ("/".to_string(), "text/html"),
        (
            "/to-chuc/chi-doan-van-phong-ubnd-tinh".to_string(),
            "text/html",
        ),
        (format!("/hoat-dong/{slug}"), "text/html"),
        ("/portal/list.js".to_string(), "text/javascript"),
        ("/portal/widget.js".to_string(), "text/javascript"),
        ("/portal/style.css".to_string(), "text/css"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        let content_type = header(&res, "content-type").unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        if kind == "text/html" {
            let policy = header(&res, "content-security-policy").expect("a CSP");
            assert!(policy.contains("script-src 'self'"), "{policy}");
        }
        let etag = header(&res, "etag").expect("an ETag");
        assert_eq!(
            revalidate(&app, &path, Some(&etag)).await.status(),
            304,
            "{path}"
        );
    }
    let page = app.get("/").await.text().await.unwrap();
    assert!(page.contains("Hoạt động của các tổ chức cơ sở Đoàn") && page.contains("lang=\"vi\""));
    // Only its own files; a page is not a file.
    assert_problem(app.get("/portal/secret.js").await, 404).await;
    assert_problem(app.get("/portal/index.html").await, 404).await;

    // Off without --demo or --portal; on with --portal alone.
    let plain = crate::helpers::spawn_app().await;
    assert_problem(plain.get("/").await, 404).await;
    assert_problem(plain.get("/portal/list.js").await, 404).await;
    let asked = crate::helpers::spawn_with(|args| args.portal = true).await;
    assert_eq!(asked.get("/").await.status(), 200);
}
