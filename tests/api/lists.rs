//! Lists in depth: keyset cursors under concurrent inserts, Vietnamese search folding, and
//! subtree filters.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, assert_walk_saw_each_row_once, spawn_app, spawn_demo_app, walk_cursor, TestApp,
};

fn names(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params(
        &app.url("/api/v1/organizations"),
        &[("q", q), ("per_page", "100")],
    )
    .unwrap();
    let page = app.get_json(url.as_str()).await;
    assert_eq!(
        page["meta"]["total"],
        page["data"].as_array().unwrap().len()
    );
    names(&page)
}

#[actix_web::test]
async fn search_examples_of_the_issue_work_on_the_demo_data() {
    let app = spawn_demo_app().await;
    assert_eq!(
        search(&app, "giao thong").await,
        vec!["Chi đoàn Sở Giao thông vận tải"]
    );
    let doan = search(&app, "DOAN").await;
    assert_eq!(doan.len(), 13, "{doan:?}");
    assert!(
        doan.iter().all(|n| n.to_lowercase().contains("đoàn")),
        "{doan:?}"
    );
    assert!(!doan.iter().any(|n| n.contains("Đồn")), "đồn is not đoàn");
    // NFD input finds the same as NFC.
    let nfd = "giao tho\u{0302}ng";
    assert_eq!(search(&app, nfd).await, search(&app, "giao thông").await);
}

#[actix_web::test]
async fn search_folds_case_diacritics_tone_placement_and_d_bar() {
    let app = spawn_app().await;
    for name in [
        "Chi đoàn Thanh niên Hòa Bình",
        "Đoàn xã Thuỷ Nguyên",
        "Chi đoàn Khỏe mạnh",
        "Chi đoàn Dế Mèn",
        "Chi đoàn Dê Núi",
    ] {
        app.create_org(json!({"name": name, "kind": "branch"}))
            .await;
    }
    // Lower case, no diacritics, đ → d.
    assert_eq!(
        search(&app, "doan thanh nien").await,
        vec!["Chi đoàn Thanh niên Hòa Bình"]
    );
    // Old tone placement ("hoà") finds the new one ("Hòa"), and the reverse.
    assert_eq!(
        search(&app, "hoà bình").await,
        vec!["Chi đoàn Thanh niên Hòa Bình"]
    );
    assert_eq!(search(&app, "thủy").await, vec!["Đoàn xã Thuỷ Nguyên"]);
    assert_eq!(search(&app, "KHOẺ").await, vec!["Chi đoàn Khỏe mạnh"]);
    // Upper-case Đ and NFD input.
    assert_eq!(search(&app, "ĐOÀN XÃ").await, vec!["Đoàn xã Thuỷ Nguyên"]);
    assert_eq!(
        search(&app, "Đoa\u{0300}n xa\u{0303}").await,
        vec!["Đoàn xã Thuỷ Nguyên"]
    );
    // Folding merges dế and dê: both are found.
    let de = search(&app, "de").await;
    assert_eq!(de.len(), 2, "{de:?}");
}

#[actix_web::test]
async fn search_terms_are_anded_whole_words_and_the_last_is_a_prefix() {
    let app = spawn_app().await;
    app.create_org(json!({"name": "Chi đoàn Sở Giao thông vận tải", "kind": "branch"}))
        .await;
    app.create_org(json!({"name": "Chi đoàn Sở Giáo dục", "kind": "branch"}))
        .await;
    assert_eq!(search(&app, "giao thong").await.len(), 1);
    assert_eq!(
        search(&app, "so giao").await.len(),
        2,
        "giao/giáo fold alike"
    );
    assert_eq!(
        search(&app, "thong giao").await.len(),
        1,
        "order does not matter"
    );
    assert_eq!(
        search(&app, "giao tho").await.len(),
        1,
        "last term is a prefix"
    );
    assert!(
        search(&app, "gia thong").await.is_empty(),
        "non-last terms are whole words"
    );
    assert!(search(&app, "giao xyz").await.is_empty(), "terms are ANDed");
    // Punctuation-only is no search at all; an over-long q is a 400 naming q.
    assert_eq!(search(&app, "\"*()").await.len(), 2);
    let long = "a".repeat(201);
    let res = app.get(&format!("/api/v1/organizations?q={long}")).await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(problem["errors"][0]["field"], "q");
}

#[actix_web::test]
async fn search_finds_secretary_and_short_name_and_follows_renames() {
    let app = spawn_app().await;
    let org = app
        .create_org(
            json!({"name": "Chi đoàn Văn phòng Tỉnh ủy", "kind": "branch",
            "short_name": "CĐ VPTU", "secretary_name": "Hoàng Bích Liên"}),
        )
        .await;
    assert_eq!(search(&app, "bich lien").await.len(), 1);
    assert_eq!(search(&app, "vptu").await.len(), 1);
    let id = org["id"].as_i64().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{id}"),
            &json!({"name": "Chi đoàn Cơ quan Tỉnh ủy", "secretary_name": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        search(&app, "van phong").await.is_empty(),
        "old name is unindexed"
    );
    assert!(
        search(&app, "bich lien").await.is_empty(),
        "cleared secretary"
    );
    assert_eq!(search(&app, "co quan").await.len(), 1);
    assert_eq!(
        app.delete(&format!("/api/v1/organizations/{id}"))
            .await
            .status(),
        204
    );
    assert!(
        search(&app, "co quan").await.is_empty(),
        "deleted rows leave the index"
    );
}

/// A chain: root → a → b → c, plus a sibling branch under root.
async fn chain(app: &TestApp) -> Vec<i64> {
    let mut parent: Option<i64> = None;
    let mut out = Vec::new();
    for name in ["Gốc", "Cấp một", "Cấp hai", "Cấp ba"] {
        let org = app
            .create_org(json!({"name": name, "kind": "branch", "parent_id": parent}))
            .await;
        parent = org["id"].as_i64();
        out.push(parent.unwrap());
    }
    app.create_org(json!({"name": "Nhánh khác", "kind": "branch", "parent_id": out[0]}))
        .await;
    app.create_org(json!({"name": "Ngoài cây", "kind": "partner"}))
        .await;
    out
}

#[actix_web::test]
async fn subtree_lists_every_unit_below_at_any_depth() {
    let app = spawn_app().await;
    let c = chain(&app).await;
    let page = app
        .get_json(&format!(
            "/api/v1/organizations?parent={}&include_descendants=true",
            c[0]
        ))
        .await;
    let mut got = names(&page);
    got.sort();
    assert_eq!(got, vec!["Cấp ba", "Cấp hai", "Cấp một", "Nhánh khác"]);
    // Direct children only, without the flag.
    let page = app
        .get_json(&format!("/api/v1/organizations?parent={}", c[0]))
        .await;
    assert_eq!(page["meta"]["total"], 2);
    // A leaf has an empty subtree; the depth-3 unit's detail shows three ancestors.
    let page = app
        .get_json(&format!(
            "/api/v1/organizations?parent={}&include_descendants=true",
            c[3]
        ))
        .await;
    assert_eq!(page["meta"]["total"], 0);
    let detail = app
        .get_json(&format!("/api/v1/organizations/{}", c[3]))
        .await;
    let crumbs: Vec<&str> = detail["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(crumbs, vec!["Gốc", "Cấp một", "Cấp hai"]);
}

#[actix_web::test]
async fn subtree_and_unknown_references_are_checked() {
    let app = spawn_app().await;
    let res = app
        .get("/api/v1/organizations?include_descendants=true")
        .await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(problem["errors"][0]["field"], "include_descendants");
    let res = app.get("/api/v1/organizations?parent=no-such-unit").await;
    let problem = assert_problem(res, 404).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("parent"),
        "{problem}"
    );
}

#[actix_web::test]
async fn cursor_walk_equals_page_walk_for_every_sort() {
    let app = spawn_app().await;
    for i in 0..17 {
        let name = ["Đoàn", "Doanh", "An", "Ân", "Ăn", "Zeta"][i % 6];
        app.create_org(json!({"name": format!("{name} {}", i % 4), "kind": "branch"}))
            .await;
    }
    for sort in [
        "name",
        "-name",
        "created_at",
        "-updated_at",
        "-created_at,name",
    ] {
        let all = ids(&app
            .get_json(&format!("/api/v1/organizations?per_page=100&sort={sort}"))
            .await);
        assert_eq!(all.len(), 17);
        let first = format!("/api/v1/organizations?per_page=4&sort={sort}");
        let walked = walk_cursor(&app, &first, "/api/v1/organizations", |_| None).await;
        assert_eq!(walked, all, "cursor walk with sort={sort}");
        // Page walk, by page number.
        let mut by_page = Vec::new();
        for page in 1..=5 {
            by_page.extend(ids(&app
                .get_json(&format!(
                    "/api/v1/organizations?per_page=4&sort={sort}&page={page}"
                ))
                .await));
        }
        assert_eq!(by_page, all, "page walk with sort={sort}");
    }
}

#[actix_web::test]
async fn cursor_walk_never_repeats_or_skips_while_another_client_inserts() {
    let app = spawn_app().await;
    for i in 0..20 {
        app.create_org(json!({"name": format!("Chi đoàn {i:02}"), "kind": "branch"}))
            .await;
    }
    let before: HashSet<i64> = ids(&app.get_json("/api/v1/organizations?per_page=100").await)
        .into_iter()
        .collect();
    // Between pages another client inserts rows that sort before, among and after the walk.
    let walked = walk_cursor(
        &app,
        "/api/v1/organizations?per_page=3",
        "/api/v1/organizations",
        |step| {
            let prefix = ["A", "Chi đoàn 05b", "Zz"][step % 3];
            Some(json!({"name": format!("{prefix} mới {step}"), "kind": "branch"}))
        },
    )
    .await;
    assert_walk_saw_each_row_once(&walked, &before);
}

#[actix_web::test]
async fn cursor_is_bound_to_sort_filters_and_q_but_not_per_page() {
    let app = spawn_demo_app().await;
    let first = app
        .get_json("/api/v1/organizations?kind=grassroots_branch&per_page=2")
        .await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_string();
    // Another per_page is fine, and the parameter order does not matter.
    let res = app
        .get(&format!(
            "/api/v1/organizations?per_page=5&cursor={cursor}&kind=grassroots_branch"
        ))
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["meta"]["per_page"], 5);
    assert!(
        page["meta"].get("page").is_none(),
        "no page number in cursor mode"
    );
    assert_eq!(page["meta"]["total"], 8);
    for other in [
        format!("/api/v1/organizations?kind=grassroots_branch&sort=-name&cursor={cursor}"),
        format!("/api/v1/organizations?kind=partner&cursor={cursor}"),
        format!("/api/v1/organizations?kind=grassroots_branch&q=chi&cursor={cursor}"),
        format!("/api/v1/organizations?kind=grassroots_branch&page=2&cursor={cursor}"),
        "/api/v1/organizations?cursor=not-a-cursor".to_string(),
    ] {
        let problem = assert_problem(app.get(&other).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "cursor", "{other}");
    }
}

#[actix_web::test]
async fn a_page_past_the_end_links_back_to_the_last_page() {
    let app = crate::helpers::spawn_demo_app().await;
    let page = |n: i64| format!("/api/v1/organizations?per_page=5&page={n}");
    let first = app.get_json(&page(1)).await;
    let last_page = first["meta"]["total_pages"].as_i64().unwrap();
    assert!(last_page >= 2, "{first}");
    let past = app.get_json(&page(last_page + 7)).await;
    assert_eq!(past["data"].as_array().map(Vec::len), Some(0));
    assert_eq!(past["links"]["prev"], past["links"]["last"], "{past}");
    assert!(past["links"]["prev"]
        .as_str()
        .unwrap()
        .contains(&format!("page={last_page}")));
    assert!(past["links"]["next"].is_null());
    let second = app.get_json(&page(2)).await;
    assert!(second["links"]["prev"].as_str().unwrap().contains("page=1"));
    let none = app
        .get_json("/api/v1/organizations?q=khong-co-don-vi-nao&page=3")
        .await;
    assert!(none["links"]["prev"].is_null(), "{none}");
}
