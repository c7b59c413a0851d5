//! What a frontend reads without re-deriving it: each activity's page `url` and API link, the
//! cluster embedded in list items, Vietnamese labels beside the codes, stats keys by dimension,
//! and `sort` in the forms clients send.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const SEED_SLUG: &str = "dem-hoi-trang-ram-cho-con-vien-chuc-nguoi-lao-dong";

#[actix_web::test]
async fn activities_carry_their_page_url_link_cluster_and_labels() {
    let app = spawn_demo_app().await;
    let list = app
        .get_json("/api/v1/activities?cluster=cum-thi-dua-so-4&per_page=100")
        .await;
    let items = list["data"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let (id, slug) = (item["id"].as_i64().unwrap(), item["slug"].as_str().unwrap());
        assert_eq!(item["url"], format!("{}/hoat-dong/{slug}", app.address));
        assert_eq!(
            item["links"]["self"],
            format!("{}/api/v1/activities/{id}", app.address)
        );
        // The cluster as the detail has it; the id still there for older clients.
        assert_eq!(item["cluster"]["slug"], "cum-thi-dua-so-4");
        assert_eq!(item["cluster_id"], item["cluster"]["id"]);
        assert!(item["cluster"]["name"].as_str().unwrap().starts_with("Cụm"));
        assert_eq!(item["status_label"], "Đã đăng");
        // The self link is what a client follows: it answers the same activity, whose url,
        // link and cluster are the list's.
        let detail = fetch_json(&app, item["links"]["self"].as_str().unwrap()).await;
        assert_eq!(detail["id"], id);
        assert_eq!(detail["url"], item["url"]);
        assert_eq!(detail["links"], item["links"]);
        assert_eq!(detail["cluster"], item["cluster"]);
        assert_eq!(detail["category_label"], item["category_label"]);
    }
    // An activity without a cluster: null, in both forms.
    let other = app.get_json("/api/v1/activities?per_page=100").await;
    let without = other["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["cluster_id"].is_null())
        .expect("an activity without a cluster");
    assert!(without["cluster"].is_null());

    // Labels beside the codes, in Vietnamese.
    let evening = app
        .get_json(&format!("/api/v1/activities/{SEED_SLUG}"))
        .await;
    assert_eq!(evening["part_of_day"], "evening");
    assert_eq!(evening["part_of_day_label"], "Tối");
    assert_eq!(evening["category"], "culture_sports");
    assert_eq!(evening["category_label"], "Văn hóa, văn nghệ, thể thao");
    assert_eq!(evening["status_label"], "Đã đăng");
    let partners = evening["partners"].as_array().unwrap();
    assert!(!partners.is_empty());
    for p in partners {
        let expected = match p["role"].as_str().unwrap() {
            "co_organizer" => "Phối hợp",
            "chair" => "Chủ trì",
            "host" => "Đơn vị đăng cai",
            "participant" => "Tham gia",
            "beneficiary" => "Đơn vị nhận hỗ trợ",
            other => panic!("unknown role {other}"),
        };
        assert_eq!(p["role_label"], expected);
    }
    let summary = app
        .get_json("/api/v1/activities?q=trang+ram&per_page=1")
        .await;
    assert_eq!(summary["data"][0]["part_of_day_label"], "Tối");

    // The vocabularies say the same as the labels in the resources.
    let vocab = app.get_json("/api/v1/vocabularies").await;
    let label = |list: &str, code: &str| vocab_label(&vocab, list, code);
    assert_eq!(
        evening["category_label"],
        label("categories", "culture_sports")
    );
    assert_eq!(
        evening["part_of_day_label"],
        label("parts_of_day", "evening")
    );

    let org = app
        .get_json("/api/v1/organizations/chi-doan-van-phong-ubnd-tinh")
        .await;
    assert_eq!(
        org["kind_label"],
        label("organization_kinds", org["kind"].as_str().unwrap())
    );
}

#[actix_web::test]
async fn the_page_url_follows_the_template_and_the_public_url() {
    let app = spawn_with(|args| {
        args.demo = true;
        args.public_url = Some("https://doankhoi.langson.gov.vn".into());
        args.activity_url_template = "{public_url}/tin-tuc/{slug}.html".into();
    })
    .await;
    let detail = app
        .get_json(&format!("/api/v1/activities/{SEED_SLUG}"))
        .await;
    assert_eq!(
        detail["url"],
        format!("https://doankhoi.langson.gov.vn/tin-tuc/{SEED_SLUG}.html")
    );
    assert_eq!(
        detail["links"]["self"],
        format!(
            "https://doankhoi.langson.gov.vn/api/v1/activities/{}",
            detail["id"]
        )
    );
    // The feeds give the same page.
    let feed = app.get_json("/feeds/activities.json?limit=200").await;
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == detail["title"])
        .expect("in the feed");
    assert_eq!(item["url"], detail["url"]);
    let list = app.get_json("/api/v1/activities?per_page=100").await;
    let listed = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == detail["id"])
        .unwrap();
    assert_eq!(listed["url"], detail["url"]);

    // A renamed slug: the url follows, the self link (by id) does not change.
    let res = app
        .as_admin(
            Method::PATCH,
            &format!("/api/v1/activities/{}", detail["id"]),
        )
        .header(
            "If-Match",
            header(
                &app.get(&format!("/api/v1/activities/{}", detail["id"]))
                    .await,
                "etag",
            )
            .unwrap(),
        )
        .json(&json!({"slug": "dem-hoi-trang-ram-2023"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let renamed: Value = res.json().await.unwrap();
    assert_eq!(
        renamed["url"],
        "https://doankhoi.langson.gov.vn/tin-tuc/dem-hoi-trang-ram-2023.html"
    );
    assert_eq!(renamed["links"], detail["links"]);

    // A revision kept before the rename is shown with today's derived fields (its own slug).
    let first = app
        .as_admin(
            Method::GET,
            &format!("/api/v1/activities/{}/revisions/1", detail["id"]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let state = if first.get("state").is_some() {
        &first["state"]
    } else {
        &first
    };
    assert_eq!(state["links"], detail["links"]);
    assert_eq!(state["category_label"], "Văn hóa, văn nghệ, thể thao");
}

#[actix_web::test]
async fn roster_results_and_memberships_carry_role_grade_and_award_labels() {
    let app = spawn_demo_app().await;
    let cluster = app.get_json("/api/v1/clusters/cum-thi-dua-so-4").await;
    let id = cluster["id"].as_i64().unwrap();
    // The demo's roster names only the standing deputy: a whole one for 2024.
    let bloc = app
        .get_json("/api/v1/organizations?kind=bloc_union&per_page=1")
        .await;
    let units = app
        .get_json(&format!(
            "/api/v1/organizations?parent={}&per_page=3",
            bloc["data"][0]["id"]
        ))
        .await;
    let unit_ids: Vec<i64> = units["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert!(unit_ids.len() >= 2);
    let res = app
        .as_admin(Method::PUT, &format!("/api/v1/clusters/{id}/members/2024"))
        .json(&json!({"members": [
            {"organization_id": unit_ids[0], "role": "head"},
            {"organization_id": unit_ids[1], "role": "member"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let roster = app
        .get_json(&format!("/api/v1/clusters/{id}/members?year=2024"))
        .await;
    let members = roster["members"].as_array().unwrap();
    let head = members
        .iter()
        .find(|m| m["role"] == "head")
        .expect("a head");
    assert_eq!(head["role_label"], "Cụm trưởng");
    let member = members.iter().find(|m| m["role"] == "member").unwrap();
    assert_eq!(member["role_label"], "Thành viên");
    let unit = head["organization"]["id"].as_i64().unwrap();
    let res = app
        .as_admin(Method::PUT, &format!("/api/v1/clusters/{id}/results/2024"))
        .json(&json!({"results": [
            {"organization_id": unit, "grade": "excellent", "award": "emulation_flag"},
            {"organization_id": members[1]["organization"]["id"]}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let results = app
        .get_json(&format!("/api/v1/clusters/{id}/results?year=2024"))
        .await;
    let rows = results.as_array().unwrap();
    let flagged = rows
        .iter()
        .find(|r| r["organization"]["id"] == unit)
        .unwrap();
    assert_eq!(flagged["grade_label"], "Xuất sắc");
    assert_eq!(flagged["award_label"], "Cờ thi đua");
    let plain = rows
        .iter()
        .find(|r| r["organization"]["id"] != unit)
        .unwrap();
    assert!(plain["grade_label"].is_null() && plain["award_label"].is_null());

    let ranking = app
        .get_json(&format!("/api/v1/clusters/{id}/ranking?year=2024"))
        .await;
    for entry in ranking["members"].as_array().unwrap() {
        assert!(entry["role_label"].as_str().is_some_and(|l| !l.is_empty()));
    }
}

#[actix_web::test]
async fn stats_keys_name_only_the_dimensions_asked_for() {
    let app = spawn_demo_app().await;
    let stats = app
        .get_json("/api/v1/stats/activities?group_by=cluster,category")
        .await;
    let rows = stats["data"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["keys"]["cluster"].is_null()),
        "activities without a cluster: null"
    );
    assert!(rows
        .iter()
        .any(|r| r["keys"]["cluster"] == "cum-thi-dua-so-4"));
    for r in rows {
        let keys = r["keys"].as_object().unwrap();
        let mut names: Vec<&str> = keys.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["category", "cluster"],
            "only the dimensions asked for"
        );
        assert_eq!(r["labels"].as_object().unwrap().len(), 2);
        assert!(r["labels"]["category"]
            .as_str()
            .is_some_and(|l| !l.is_empty()));
    }
    // The repeated form of a list parameter, as openapi-fetch sends it: the same answer.
    let repeated = app
        .get_json("/api/v1/stats/activities?group_by=cluster&group_by=category")
        .await;
    assert_eq!(repeated, stats);
}

#[actix_web::test]
async fn sort_is_read_in_the_comma_and_the_repeated_forms() {
    let app = spawn_demo_app().await;
    let comma = app
        .get_json("/api/v1/activities?sort=-featured,-published_at&per_page=100")
        .await;
    for query in [
        "sort=-featured&sort=-published_at",
        "sort[]=-featured&sort[]=-published_at",
    ] {
        let repeated = app
            .get_json(&format!("/api/v1/activities?{query}&per_page=100"))
            .await;
        assert_eq!(repeated["data"], comma["data"], "{query}");
    }
    // A field twice is still refused, in either form.
    for query in ["sort=title,-title", "sort=title&sort=-title"] {
        let problem =
            assert_problem(app.get(&format!("/api/v1/activities?{query}")).await, 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("sort"),
            "{query}"
        );
    }
}

#[actix_web::test]
async fn integral_numbers_with_a_fraction_are_integers() {
    let app = spawn_app().await;
    let parent = app
        .create_org(json!({"name": "Đoàn khối các cơ quan tỉnh", "kind": "bloc_union"}))
        .await;
    let id = parent["id"].as_i64().unwrap();
    // What JSON Schema calls an integer: 2.0 and 2e0 are the number 2.
    for written in [format!("{id}.0"), format!("{id}e0")] {
        let body = format!(
            r#"{{"name": "Chi đoàn {written}", "kind": "branch", "parent_id": {written}}}"#
        );
        let res = app
            .as_admin(Method::POST, "/api/v1/organizations")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{written}");
        let created: Value = res.json().await.unwrap();
        assert_eq!(created["parent_id"], id);
    }
    // A fraction is not an integer: a 422 naming the field.
    let res = app
        .as_admin(Method::POST, "/api/v1/organizations")
        .header("Content-Type", "application/json")
        .body(format!(
            r#"{{"name": "Chi đoàn lẻ", "kind": "branch", "parent_id": {id}.5}}"#
        ))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), ["/parent_id"]);
}

#[actix_web::test]
async fn a_username_of_digits_only_is_refused() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/users",
            &json!({"username": "2023", "password": "Lang Son xanh!", "role": "admin"}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), ["/username"]);
    let res = app
        .post_json(
            "/api/v1/users",
            &json!({"username": "bt2023", "password": "Lang Son 2023!", "role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[actix_web::test]
async fn every_url_of_a_response_is_on_one_base_and_only_a_trusted_proxy_moves_it() {
    async fn proxied(app: &TestApp, path: &str) -> Value {
        app.request(Method::GET, path)
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", "doankhoi.example")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    let urls = |list: &Value, feed: &Value| -> Vec<String> {
        let mut all = vec![list["links"]["self"].as_str().unwrap().to_string()];
        for item in list["data"].as_array().unwrap() {
            all.push(item["url"].as_str().unwrap().into());
            all.push(item["links"]["self"].as_str().unwrap().into());
        }
        all.push(feed["feed_url"].as_str().unwrap().into());
        all.push(feed["home_page_url"].as_str().unwrap().into());
        for item in feed["items"].as_array().unwrap() {
            all.push(item["url"].as_str().unwrap().into());
        }
        all
    };
    // Forwarded headers from any client are not believed.
    let direct = spawn_demo_app().await;
    let list = proxied(&direct, "/api/v1/activities").await;
    let feed = proxied(&direct, "/feeds/activities.json").await;
    for url in urls(&list, &feed) {
        assert!(url.starts_with(&direct.address), "{url}");
    }
    // From a trusted proxy, they are: every URL on https://doankhoi.example.
    let behind = spawn_with(|a| {
        a.demo = true;
        a.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let list = proxied(&behind, "/api/v1/activities").await;
    let feed = proxied(&behind, "/feeds/activities.json").await;
    let all = urls(&list, &feed);
    assert!(all.len() > 10);
    for url in all {
        assert!(url.starts_with("https://doankhoi.example/"), "{url}");
    }
}
