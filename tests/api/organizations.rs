//! `/api/v1/organizations`: create, read, merge patch, delete, ETags, filters, Vietnamese
//! sorting, pagination by page and by cursor, and the demo data.

use doan_api::cli::ServeArgs;
use doan_api::startup::Application;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, header, spawn_app, spawn_demo_app, TestApp};

const ORGS: &str = "/api/v1/organizations";

fn path_of(org: &Value) -> String {
    format!("{ORGS}/{}", org["id"])
}

fn id_of(org: &Value) -> i64 {
    org["id"].as_i64().expect("id")
}

/// Create a unit of `kind` named `name`, below `parent` if given.
async fn org(app: &TestApp, name: &str, kind: &str, parent: Option<&Value>) -> Value {
    let mut body = json!({"name": name, "kind": kind});
    if let Some(parent) = parent {
        body["parent_id"] = parent["id"].clone();
    }
    app.create_org(body).await
}

async fn partner(app: &TestApp, name: &str) -> Value {
    org(app, name, "partner", None).await
}

/// A list page (asserting 200).
async fn list(app: &TestApp, query: &str) -> Value {
    app.get_json(&format!("{ORGS}?{query}")).await
}

fn names(page: &Value) -> Vec<String> {
    data(page)
        .iter()
        .map(|o| o["name"].as_str().expect("name").to_string())
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    data(page).iter().map(id_of).collect()
}

fn data(page: &Value) -> &Vec<Value> {
    page["data"].as_array().expect("data array")
}

/// POST a body and expect a 422 problem; returns the fields it names.
async fn create_invalid(app: &TestApp, body: Value) -> Vec<String> {
    let problem = assert_problem(app.post_json(ORGS, &body).await, 422).await;
    error_fields(&problem)
}

/// PATCH with an `If-Match` header.
async fn patch_if_match(app: &TestApp, path: &str, etag: &str, body: &Value) -> Response {
    app.as_admin(Method::PATCH, path)
        .header("Content-Type", "application/json")
        .header("If-Match", etag)
        .body(body.to_string())
        .send()
        .await
        .expect("PATCH")
}

/// GET a resource and return its ETag and body.
async fn fetch(app: &TestApp, path: &str) -> (String, Value) {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    let etag = header(&res, "etag").expect("ETag");
    (etag, res.json().await.expect("JSON"))
}

/// Follow a chain of pages from `first`, collecting every id; `next` gives the next URL.
async fn walk(app: &TestApp, first: String, next: impl Fn(&Value) -> Option<String>) -> Vec<i64> {
    let mut url = Some(first);
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(current) = url {
        let page = app.get_json(&current).await;
        assert!(data(&page).len() <= 5, "page size of {current}");
        seen.extend(ids(&page));
        url = next(&page);
        pages += 1;
        assert!(pages < 20, "the walk does not end");
    }
    seen
}

// --- create ---------------------------------------------------------------------------------

#[actix_web::test]
async fn create_is_a_201_with_location_etag_and_a_generated_slug() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            ORGS,
            &json!({"name": "Chi đoàn Sở Giao thông vận tải", "kind": "grassroots_branch"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location").expect("Location");
    let etag = header(&res, "etag").expect("ETag");
    let created: Value = res.json().await.expect("JSON");

    assert_eq!(location, format!("{}{}", app.address, path_of(&created)));
    assert_eq!(created["slug"], "chi-doan-so-giao-thong-van-tai");
    assert_eq!(created["name"], "Chi đoàn Sở Giao thông vận tải");
    assert_eq!(created["active"], true);
    assert_eq!(created["version"], 1);
    let (get_etag, got) = fetch(&app, &location).await;
    assert_eq!(got, created);
    assert_eq!(get_etag, etag, "the ETag of the created representation");
}

#[actix_web::test]
async fn the_same_name_again_gets_a_numbered_slug() {
    let app = spawn_app().await;
    let mut slugs = Vec::new();
    for _ in 0..3 {
        slugs.push(partner(&app, "Đồn Biên phòng Ba Sơn").await["slug"].clone());
    }
    assert_eq!(
        slugs,
        [
            "don-bien-phong-ba-son",
            "don-bien-phong-ba-son-2",
            "don-bien-phong-ba-son-3"
        ]
    );
}

#[actix_web::test]
async fn a_taken_explicit_slug_is_a_409() {
    let app = spawn_app().await;
    app.create_org(json!({"name": "Đoàn A", "kind": "partner", "slug": "doan-a"}))
        .await;
    let res = app
        .post_json(
            ORGS,
            &json!({"name": "Đoàn B", "kind": "partner", "slug": "doan-a"}),
        )
        .await;
    assert_problem(res, 409).await;
    assert_eq!(list(&app, "").await["meta"]["total"], 1);
}

#[actix_web::test]
async fn an_invalid_explicit_slug_is_a_422_naming_slug() {
    let app = spawn_app().await;
    for slug in ["Bad Slug", "123", "trailing-", "a--b"] {
        let fields = create_invalid(
            &app,
            json!({"name": "Đoàn A", "kind": "partner", "slug": slug}),
        )
        .await;
        assert_eq!(fields, ["/slug"], "slug {slug:?}");
    }
}

#[actix_web::test]
async fn nfd_names_are_stored_nfc() {
    let app = spawn_app().await;
    // "Đoàn Thanh niên" and "Hoàng Bích Liên" decomposed (NFD).
    let created = app
        .create_org(json!({
            "name": "\u{110}oa\u{300}n Thanh nie\u{302}n",
            "kind": "partner",
            "secretary_name": "Hoa\u{300}ng Bi\u{301}ch Lie\u{302}n",
        }))
        .await;
    assert_eq!(created["name"], "Đoàn Thanh niên");
    assert_eq!(created["secretary_name"], "Hoàng Bích Liên");
    assert_eq!(created["slug"], "doan-thanh-nien");
}

#[actix_web::test]
async fn strings_are_trimmed_and_empty_optional_strings_become_null() {
    let app = spawn_app().await;
    let created = app
        .create_org(json!({
            "name": "  Chi đoàn Văn phòng Tỉnh ủy \n",
            "kind": "grassroots_branch",
            "secretary_name": "  Hoàng Bích Liên ",
            "short_name": "",
            "address": "   ",
        }))
        .await;
    assert_eq!(created["name"], "Chi đoàn Văn phòng Tỉnh ủy");
    assert_eq!(created["secretary_name"], "Hoàng Bích Liên");
    assert_eq!(created["short_name"], Value::Null);
    assert_eq!(created["address"], Value::Null);
}

// --- read -----------------------------------------------------------------------------------

#[actix_web::test]
async fn get_by_id_and_by_slug_give_the_same_body() {
    let app = spawn_app().await;
    let created = partner(&app, "Công đoàn cơ sở Đài PT-TH").await;
    let by_id = app.get_json(&path_of(&created)).await;
    let by_slug = app
        .get_json(&format!(
            "{ORGS}/{}",
            created["slug"].as_str().expect("slug")
        ))
        .await;
    assert_eq!(by_id, by_slug);
    assert_eq!(by_id, created);
}

#[actix_web::test]
async fn an_unknown_id_or_slug_is_a_404_problem() {
    let app = spawn_app().await;
    for path in [format!("{ORGS}/999"), format!("{ORGS}/no-such-unit")] {
        let problem = assert_problem(app.get(&path).await, 404).await;
        assert_eq!(problem["instance"], path);
    }
}

#[actix_web::test]
async fn detail_embeds_parent_ancestors_and_children_count() {
    let app = spawn_app().await;
    let top = org(&app, "Tỉnh đoàn Lạng Sơn", "provincial_union", None).await;
    let bloc = org(&app, "Đoàn khối các cơ quan tỉnh", "bloc_union", Some(&top)).await;
    let branch = org(
        &app,
        "Chi đoàn Văn phòng UBND tỉnh",
        "grassroots_branch",
        Some(&bloc),
    )
    .await;
    let as_ref = |o: &Value| json!({"id": o["id"], "slug": o["slug"], "name": o["name"]});

    let detail = app.get_json(&path_of(&branch)).await;
    assert_eq!(detail["parent"], as_ref(&bloc));
    assert_eq!(detail["ancestors"], json!([as_ref(&top), as_ref(&bloc)]));
    assert_eq!(detail["children_count"], 0);

    let top_detail = app.get_json(&path_of(&top)).await;
    assert_eq!(top_detail["parent"], Value::Null);
    assert_eq!(top_detail["ancestors"], json!([]));
    assert_eq!(top_detail["children_count"], 1);
}

// --- validation -----------------------------------------------------------------------------

#[actix_web::test]
async fn schema_errors_are_422s_with_a_json_pointer() {
    let app = spawn_app().await;
    let cases = [
        (json!({"kind": "partner"}), "/name"),
        (json!({"name": 5, "kind": "partner"}), "/name"),
        (
            json!({"name": "Đoàn A", "kind": "partner", "foo": 1}),
            "/foo",
        ),
        (json!({"name": "Đoàn A", "kind": "club"}), "/kind"),
    ];
    for (body, pointer) in cases {
        assert_eq!(
            create_invalid(&app, body.clone()).await,
            [pointer],
            "{body}"
        );
    }
}

#[actix_web::test]
async fn read_only_fields_are_a_422_saying_so() {
    let app = spawn_app().await;
    let body = json!({"name": "Đoàn A", "kind": "partner", "id": 7, "version": 3, "active": false});
    let problem = assert_problem(app.post_json(ORGS, &body).await, 422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["/active", "/id", "/version"]);
    for error in problem["errors"].as_array().expect("errors") {
        assert_eq!(error["message"], "is read-only", "{error}");
    }
}

#[actix_web::test]
async fn each_broken_rule_is_a_422_naming_its_field() {
    let app = spawn_app().await;
    let base = json!({"name": "Đoàn A", "kind": "partner"});
    let cases = [
        (json!({"email": "not-an-email"}), "/email"),
        (json!({"website": "langson.gov.vn"}), "/website"),
        (
            json!({"established_on": "2020-05-01", "dissolved_on": "2019-01-01"}),
            "/dissolved_on",
        ),
        (json!({"parent_id": 999}), "/parent_id"),
    ];
    for (extra, pointer) in cases {
        let mut body = base.clone();
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        assert_eq!(
            create_invalid(&app, body.clone()).await,
            [pointer],
            "{body}"
        );
    }
    assert_eq!(
        list(&app, "").await["meta"]["total"],
        0,
        "nothing was created"
    );
}

#[actix_web::test]
async fn several_broken_rules_are_all_listed() {
    let app = spawn_app().await;
    let body = json!({
        "name": "Đoàn A",
        "kind": "partner",
        "email": "nobody",
        "website": "ftp://x",
        "established_on": "2020-05-01",
        "dissolved_on": "2019-01-01",
        "parent_id": 999,
    });
    let problem = assert_problem(app.post_json(ORGS, &body).await, 422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["/dissolved_on", "/email", "/parent_id", "/website"]
    );
    assert_eq!(problem["detail"], "4 fields are invalid");
}

#[actix_web::test]
async fn a_parent_cycle_is_a_422() {
    let app = spawn_app().await;
    let a = org(&app, "Huyện đoàn Cao Lộc", "district_union", None).await;
    let b = org(&app, "Đoàn xã Mẫu Sơn", "grassroots_union", Some(&a)).await;
    for parent in [&b, &a] {
        let res = app
            .patch_json(&path_of(&a), &json!({"parent_id": parent["id"]}))
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(
            error_fields(&problem),
            ["/parent_id"],
            "parent {}",
            parent["id"]
        );
    }
    assert_eq!(app.get_json(&path_of(&a)).await["parent_id"], Value::Null);
}

// --- merge patch ----------------------------------------------------------------------------

#[actix_web::test]
async fn merge_patch_keeps_absent_fields_clears_nulls_and_sets_values() {
    let app = spawn_app().await;
    let created = app
        .create_org(json!({
            "name": "Chi đoàn Cục Quản lý thị trường",
            "kind": "grassroots_branch",
            "short_name": "CĐ Cục QLTT",
            "phone": "0205 3812 345",
        }))
        .await;
    let res = app
        .patch_json(
            &path_of(&created),
            &json!({"phone": null, "secretary_name": "Hoàng Bích Liên"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.expect("JSON");
    assert_eq!(patched["short_name"], "CĐ Cục QLTT");
    assert_eq!(patched["phone"], Value::Null);
    assert_eq!(patched["secretary_name"], "Hoàng Bích Liên");
    assert_eq!(patched["version"], 2);
    assert_ne!(patched["updated_at"], created["updated_at"]);
    assert_eq!(patched["created_at"], created["created_at"]);
    assert_eq!(app.get_json(&path_of(&created)).await, patched);
}

#[actix_web::test]
async fn renaming_keeps_the_slug() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let res = app
        .patch_json(&path_of(&created), &json!({"name": "Đoàn B"}))
        .await;
    assert_eq!(res.status(), 200);
    let renamed: Value = res.json().await.expect("JSON");
    assert_eq!(renamed["name"], "Đoàn B");
    assert_eq!(renamed["slug"], "doan-a");
}

#[actix_web::test]
async fn a_bad_slug_a_read_only_field_or_a_null_name_is_a_422() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let cases = [
        (json!({"slug": "Đoàn B"}), "/slug", None),
        (json!({"slug": null}), "/slug", Some("cannot be null")),
        (json!({"version": 3}), "/version", Some("is read-only")),
        (json!({"name": null}), "/name", None),
        (
            json!({"requires_review": null}),
            "/requires_review",
            Some("cannot be null"),
        ),
    ];
    for (body, pointer, message) in cases {
        let res = app.patch_json(&path_of(&created), &body).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), [pointer], "{body}");
        if let Some(message) = message {
            assert_eq!(problem["errors"][0]["message"], message);
        }
    }
    assert_eq!(app.get_json(&path_of(&created)).await, created);
}

// --- ETags ----------------------------------------------------------------------------------

#[actix_web::test]
async fn a_matching_if_none_match_is_a_304_until_the_resource_changes() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let path = path_of(&created);
    let (etag, _) = fetch(&app, &path).await;
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag {etag}"
    );

    let conditional = || {
        app.request(Method::GET, &path)
            .header("If-None-Match", etag.as_str())
            .send()
    };
    let res = conditional().await.expect("GET");
    assert_eq!(res.status(), 304);
    assert!(res.bytes().await.expect("body").is_empty());

    let res = app
        .patch_json(&path, &json!({"phone": "0205 3812 345"}))
        .await;
    assert_eq!(res.status(), 200);
    let new_etag = header(&res, "etag").expect("ETag of the patch");
    assert_ne!(new_etag, etag);
    assert_eq!(fetch(&app, &path).await.0, new_etag);
    assert_eq!(conditional().await.expect("GET").status(), 200);
}

#[actix_web::test]
async fn a_stale_if_match_is_a_412_and_changes_nothing() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let path = path_of(&created);
    let (stale, _) = fetch(&app, &path).await;
    let res = app.patch_json(&path, &json!({"phone": "111 222"})).await;
    assert_eq!(res.status(), 200);
    let (_, current) = fetch(&app, &path).await;

    let res = patch_if_match(&app, &path, &stale, &json!({"phone": "333 444"})).await;
    assert_problem(res, 412).await;
    let res = app
        .as_admin(Method::DELETE, &path)
        .header("If-Match", stale.as_str())
        .send()
        .await
        .expect("DELETE");
    assert_problem(res, 412).await;

    assert_eq!(app.get_json(&path).await, current, "nothing changed");
}

#[actix_web::test]
async fn a_current_if_match_lets_the_patch_through() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let path = path_of(&created);
    let (etag, _) = fetch(&app, &path).await;
    let res = patch_if_match(&app, &path, &etag, &json!({"phone": "333 444"})).await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.expect("JSON");
    assert_eq!(patched["phone"], "333 444");
    assert_eq!(patched["version"], 2);
}

// --- delete ---------------------------------------------------------------------------------

#[actix_web::test]
async fn delete_is_a_204_and_the_unit_is_gone() {
    let app = spawn_app().await;
    let created = partner(&app, "Đoàn A").await;
    let res = app.delete(&path_of(&created)).await;
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.expect("body").is_empty());
    assert_problem(app.get(&path_of(&created)).await, 404).await;
}

#[actix_web::test]
async fn deleting_a_unit_with_children_is_a_409_naming_the_child() {
    let app = spawn_app().await;
    let parent = org(&app, "Huyện đoàn Cao Lộc", "district_union", None).await;
    org(&app, "Đoàn xã Mẫu Sơn", "grassroots_union", Some(&parent)).await;
    let problem = assert_problem(app.delete(&path_of(&parent)).await, 409).await;
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("Đoàn xã Mẫu Sơn"), "{detail}");
    app.get_json(&path_of(&parent)).await;
}

#[actix_web::test]
async fn deleting_an_unknown_unit_is_a_404() {
    let app = spawn_app().await;
    assert_problem(app.delete(&format!("{ORGS}/999")).await, 404).await;
    assert_problem(app.delete(&format!("{ORGS}/no-such-unit")).await, 404).await;
}

// --- filters --------------------------------------------------------------------------------

#[actix_web::test]
async fn the_kind_filter_takes_a_list() {
    let app = spawn_demo_app().await;
    let page = list(&app, "kind=partner,district_union").await;
    assert_eq!(
        names(&page),
        [
            "Công đoàn cơ sở Đài Phát thanh và Truyền hình Lạng Sơn",
            "Đồn Biên phòng Ba Sơn",
            "Huyện đoàn Cao Lộc",
        ]
    );
}

#[actix_web::test]
async fn the_parent_filter_by_id_or_slug_gives_direct_children_only() {
    let app = spawn_app().await;
    let top = org(&app, "Tỉnh đoàn", "provincial_union", None).await;
    let child_b = org(&app, "Huyện đoàn B", "district_union", Some(&top)).await;
    let child_a = org(&app, "Huyện đoàn A", "district_union", Some(&top)).await;
    org(&app, "Đoàn xã C", "grassroots_union", Some(&child_b)).await;
    partner(&app, "Đối tác").await;

    let expected = vec![id_of(&child_a), id_of(&child_b)];
    let slug = top["slug"].as_str().expect("slug");
    assert_eq!(
        ids(&list(&app, &format!("parent={}", top["id"])).await),
        expected
    );
    assert_eq!(ids(&list(&app, &format!("parent={slug}")).await), expected);
}

#[actix_web::test]
async fn the_active_filter_separates_dissolved_units() {
    let app = spawn_app().await;
    let kept = partner(&app, "Đoàn A").await;
    let dissolved = partner(&app, "Đoàn B").await;
    let res = app
        .patch_json(&path_of(&dissolved), &json!({"dissolved_on": "2024-01-01"}))
        .await;
    assert_eq!(res.status(), 200);

    let inactive = list(&app, "active=false").await;
    assert_eq!(ids(&inactive), [id_of(&dissolved)]);
    assert_eq!(inactive["data"][0]["active"], false);
    assert_eq!(ids(&list(&app, "active=true").await), [id_of(&kept)]);
}

#[actix_web::test]
async fn an_unknown_parent_filter_is_a_404_problem() {
    let app = spawn_app().await;
    let problem = assert_problem(app.get(&format!("{ORGS}?parent=no-such-unit")).await, 404).await;
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("parent"), "names the parameter: {detail}");
}

// --- sorting --------------------------------------------------------------------------------

const VIETNAMESE_ORDER: [&str; 5] = ["An", "Ân", "Doanh A", "Đoàn B", "Zeta"];

async fn spawn_with_names(names: &[&str]) -> TestApp {
    let app = spawn_app().await;
    for name in names {
        partner(&app, name).await;
    }
    app
}

#[actix_web::test]
async fn names_sort_in_vietnamese_order_by_default() {
    let app = spawn_with_names(&["Đoàn B", "Doanh A", "Ân", "An", "Zeta"]).await;
    assert_eq!(names(&list(&app, "").await), VIETNAMESE_ORDER);
}

#[actix_web::test]
async fn a_descending_name_sort_reverses_the_order() {
    let app = spawn_with_names(&["Đoàn B", "Doanh A", "Ân", "An", "Zeta"]).await;
    let mut expected = VIETNAMESE_ORDER;
    expected.reverse();
    assert_eq!(names(&list(&app, "sort=-name").await), expected);
}

#[actix_web::test]
async fn created_and_updated_sorts_follow_the_timestamps() {
    let app = spawn_with_names(&["Zeta", "An", "Mộc"]).await;
    assert_eq!(
        names(&list(&app, "sort=created_at").await),
        ["Zeta", "An", "Mộc"]
    );
    let zeta = app.get_json(&format!("{ORGS}/zeta")).await;
    let res = app
        .patch_json(&path_of(&zeta), &json!({"phone": "111 222"}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        names(&list(&app, "sort=-updated_at").await),
        ["Zeta", "Mộc", "An"]
    );
    assert_eq!(
        names(&list(&app, "sort=-created_at").await),
        ["Mộc", "An", "Zeta"]
    );
}

// --- pagination -----------------------------------------------------------------------------

/// 23 units whose names repeat, so the id has to break the ties.
async fn spawn_with_23_units() -> TestApp {
    let app = spawn_app().await;
    let names = ["Đoàn xã", "Doanh nghiệp", "Ân", "An", "Chi đoàn"];
    for i in 0..23 {
        partner(&app, names[i % names.len()]).await;
    }
    app
}

fn next_link(page: &Value) -> Option<String> {
    page["links"]["next"].as_str().map(str::to_string)
}

#[actix_web::test]
async fn walking_the_next_links_gives_the_rows_of_one_big_page() {
    let app = spawn_with_23_units().await;
    let all = ids(&list(&app, "per_page=100").await);
    assert_eq!(all.len(), 23);
    let walked = walk(&app, format!("{ORGS}?per_page=5"), next_link).await;
    assert_eq!(walked, all);
}

#[actix_web::test]
async fn walking_by_cursor_gives_the_rows_of_one_big_page() {
    let app = spawn_with_23_units().await;
    let all = ids(&list(&app, "per_page=100").await);
    let cursor_url = |page: &Value| {
        page["meta"]["next_cursor"]
            .as_str()
            .map(|c| format!("{ORGS}?per_page=5&cursor={c}"))
    };
    let by_param = walk(&app, format!("{ORGS}?per_page=5"), cursor_url).await;
    assert_eq!(by_param, all);

    // From the first cursor on, the links of cursor mode lead the way.
    let first = list(&app, "per_page=5").await;
    let second_url = cursor_url(&first).expect("a second page");
    let mut by_links = ids(&first);
    by_links.extend(walk(&app, second_url, next_link).await);
    assert_eq!(by_links, all);
}

#[actix_web::test]
async fn a_cursor_reused_with_another_sort_or_filter_is_a_400() {
    let app = spawn_with_23_units().await;
    let first = list(&app, "per_page=5").await;
    let cursor = first["meta"]["next_cursor"].as_str().expect("next_cursor");
    for other in [
        "sort=-name",
        "sort=created_at",
        "kind=partner",
        "active=true",
    ] {
        let res = app
            .get(&format!("{ORGS}?per_page=5&{other}&cursor={cursor}"))
            .await;
        let problem = assert_problem(res, 400).await;
        assert_eq!(error_fields(&problem), ["cursor"], "{other}");
    }
    // The cursor does not bind per_page.
    let res = app.get(&format!("{ORGS}?per_page=7&cursor={cursor}")).await;
    assert_eq!(res.status(), 200);
}

// --- demo -----------------------------------------------------------------------------------

#[actix_web::test]
async fn loading_the_demo_twice_adds_nothing() {
    let app = spawn_demo_app().await;
    let before = list(&app, "per_page=100").await;
    assert_eq!(before["meta"]["total"], 14);

    let mut args = ServeArgs::for_tests(app.db_path.clone());
    args.demo = true;
    let second = Application::build(args).await.expect("second start");
    let address = format!("http://127.0.0.1:{}", second.port());
    actix_web::rt::spawn(second.run_until_stopped());

    let after: Value = app
        .client
        .get(format!("{address}{ORGS}?per_page=100"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(after["meta"]["total"], 14);
    assert_eq!(ids(&after), ids(&before));
    // Feed links are built from each server's own address; everything else must be equal.
    let without_links = |page: &Value| -> Vec<Value> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let mut o = o.clone();
                o.as_object_mut().unwrap().remove("feeds");
                o
            })
            .collect()
    };
    assert_eq!(
        without_links(&after),
        without_links(&before),
        "the rows are unchanged"
    );
}
