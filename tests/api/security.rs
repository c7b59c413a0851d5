//! Regressions of the hostile-testing round (issue 11): ids never reused and tokens bound to one
//! account, login throttling under concurrency, what anonymous readers may learn, extreme stored
//! values read back through every view, cursors and validators that round-trip exactly.

use doan_api::auth::Role;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, error_fields, header, on_postgres, spawn_app, TestApp, TEST_PASSWORD,
};

const ACTIVITIES: &str = "/api/v1/activities";

async fn json_of(res: Response) -> Value {
    res.json().await.expect("JSON body")
}

async fn created(res: Response) -> Value {
    let status = res.status();
    let body = json_of(res).await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn bloc(app: &TestApp) -> i64 {
    app.create_org(json!({"name": "Đoàn Khối các cơ quan tỉnh", "kind": "bloc_union"}))
        .await["id"]
        .as_i64()
        .unwrap()
}

fn activity(title: &str, organizer: i64) -> Value {
    json!({"title": title, "occurred_on": "2023-09-20", "category": "conference",
        "organizer_id": organizer, "status": "published"})
}

// --- 1. ids are never reused; a token names one account ----------------------------------------

#[actix_web::test]
async fn a_deleted_users_token_does_not_come_back_as_the_next_account() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let editor = created(
        app.post_json(
            "/api/v1/users",
            &json!({"username": "bientap", "password": TEST_PASSWORD, "role": "editor",
                "organization_id": org}),
        )
        .await,
    )
    .await;
    let old_token = app.login("bientap", TEST_PASSWORD).await;
    let me = app
        .request(Method::GET, "/api/v1/auth/me")
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let res = app.delete(&format!("/api/v1/users/{}", editor["id"])).await;
    assert_eq!(res.status(), 204);
    let admin = created(
        app.post_json(
            "/api/v1/users",
            &json!({"username": "quantri2", "password": TEST_PASSWORD, "role": "admin"}),
        )
        .await,
    )
    .await;
    assert!(
        admin["id"].as_i64() > editor["id"].as_i64(),
        "a new account gets a new id: {admin}"
    );
    for path in ["/api/v1/auth/me", "/api/v1/users"] {
        let res = app
            .request(Method::GET, path)
            .bearer_auth(&old_token)
            .send()
            .await
            .unwrap();
        assert_problem(res, 401).await;
    }
}

#[actix_web::test]
async fn no_resource_gives_a_deleted_rows_id_to_a_new_one() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    // Organizations.
    let unit = app
        .create_org(json!({"name": "Chi đoàn tạm", "kind": "branch", "parent_id": org}))
        .await;
    assert_eq!(
        app.delete(&format!("/api/v1/organizations/{}", unit["id"]))
            .await
            .status(),
        204
    );
    let next = app
        .create_org(json!({"name": "Chi đoàn mới", "kind": "branch", "parent_id": org}))
        .await;
    assert!(next["id"].as_i64() > unit["id"].as_i64(), "{next}");
    // Clusters.
    let cluster = created(
        app.post_json(
            "/api/v1/clusters",
            &json!({"name": "Cụm thi đua số 9", "number": 9,
            "bloc_id": org}),
        )
        .await,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/api/v1/clusters/{}", cluster["id"]))
            .await
            .status(),
        204
    );
    let cluster2 = created(
        app.post_json(
            "/api/v1/clusters",
            &json!({"name": "Cụm thi đua số 9", "number": 9,
            "bloc_id": org}),
        )
        .await,
    )
    .await;
    assert!(cluster2["id"].as_i64() > cluster["id"].as_i64());
    // Activities: a purged one's id (and URL) never shows another.
    let first = created(
        app.post_json(ACTIVITIES, &activity("Hội nghị cũ", org))
            .await,
    )
    .await;
    let path = format!("{ACTIVITIES}/{}", first["id"]);
    assert_eq!(app.delete(&path).await.status(), 204);
    let purge = app
        .delete(&format!("/api/v1/trash/activities/{}", first["id"]))
        .await;
    assert_eq!(purge.status(), 204);
    let second = created(
        app.post_json(ACTIVITIES, &activity("Hội nghị mới", org))
            .await,
    )
    .await;
    assert!(second["id"].as_i64() > first["id"].as_i64(), "{second}");
    assert_problem(app.as_admin(Method::GET, &path).send().await.unwrap(), 404).await;
}

// --- 2, 3. login throttling ---------------------------------------------------------------------

async fn try_login(app: &TestApp, username: &str, password: &str) -> Response {
    app.post_anon(
        "/api/v1/auth/token",
        &json!({"username": username, "password": password}),
    )
    .await
}

#[actix_web::test]
async fn sixteen_concurrent_wrong_passwords_get_at_most_five_401s() {
    let app = spawn_app().await;
    let attempts = (0..16).map(|_| try_login(&app, "admin", "Sai mật khẩu 123"));
    let responses = futures_util::future::join_all(attempts).await;
    let mut unauthorized = 0;
    let mut throttled = 0;
    for res in responses {
        match res.status().as_u16() {
            401 => unauthorized += 1,
            429 => {
                assert!(header(&res, "retry-after").is_some());
                throttled += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(unauthorized <= 5, "{unauthorized} × 401");
    assert_eq!(unauthorized + throttled, 16);
    // The right password is throttled too now.
    assert_eq!(try_login(&app, "admin", TEST_PASSWORD).await.status(), 429);
}

#[actix_web::test]
async fn ones_own_login_does_not_reset_an_addresss_failures() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    app.user_with_token("attacker", Role::Editor, Some(org))
        .await;
    // Four wrong guesses at several victims, then one good login of one's own, then more.
    for round in 0..2 {
        for i in 0..4 {
            let victim = format!("victim{round}{i}");
            let res = try_login(&app, &victim, "Đoán thử 12345").await;
            if round == 0 {
                assert_eq!(res.status(), 401);
            } else {
                // The address already has 4 failures from round 0: the fifth is the last 401.
                let expected = if i == 0 { 401 } else { 429 };
                assert_eq!(res.status(), expected, "guess {i} of round {round}");
            }
        }
        if round == 0 {
            assert_eq!(
                try_login(&app, "attacker", TEST_PASSWORD).await.status(),
                200
            );
        }
    }
}

// --- 17. an admin's password reset follows the same rule ----------------------------------------

#[actix_web::test]
async fn an_admin_password_reset_may_not_contain_the_username() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let (id, _) = app
        .user_with_token("tuananh", Role::Editor, Some(org))
        .await;
    let res = app
        .patch_json(
            &format!("/api/v1/users/{id}"),
            &json!({"password": "TuanAnh-2023-mk"}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), ["/password"]);
}

// --- 4. tags of drafts and of the trash stay private ---------------------------------------------

async fn tag_slugs(app: &TestApp, token: Option<&str>, query: &str) -> Vec<String> {
    let mut req = app.request(Method::GET, &format!("/api/v1/tags{query}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    json_of(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn tags_of_drafts_and_of_the_trash_are_not_public() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let mut public = activity("Tháng Thanh niên", org);
    public["tags"] = json!(["Tháng Thanh niên"]);
    created(app.post_json(ACTIVITIES, &public).await).await;
    let mut draft = activity("Kế hoạch chưa công bố", org);
    draft["status"] = json!("draft");
    draft["tags"] = json!(["Kế hoạch bí mật"]);
    created(app.post_json(ACTIVITIES, &draft).await).await;
    let mut trashed = activity("Tin đã xoá", org);
    trashed["tags"] = json!(["Tin rác"]);
    let trashed = created(app.post_json(ACTIVITIES, &trashed).await).await;
    assert_eq!(
        app.delete(&format!("{ACTIVITIES}/{}", trashed["id"]))
            .await
            .status(),
        204
    );

    assert_eq!(tag_slugs(&app, None, "").await, ["thang-thanh-nien"]);
    assert!(tag_slugs(&app, None, "?q=bi").await.is_empty());
    assert!(tag_slugs(&app, None, "?q=rac&sort=name").await.is_empty());
    for path in [
        "/api/v1/activities?tag=ke-hoach-bi-mat",
        "/api/v1/activities?tag=tin-rac",
        "/feeds/activities.rss?tag=ke-hoach-bi-mat",
        "/feeds/activities.json?tag=tin-rac",
        "/api/v1/stats/activities?group_by=month&tag=ke-hoach-bi-mat",
    ] {
        assert_problem(app.get(path).await, 404).await;
    }
    // An editor of the unit sees its own draft's tag; the admin sees every tag.
    let (_, editor) = app
        .user_with_token("bientap", Role::Editor, Some(org))
        .await;
    assert_eq!(
        tag_slugs(&app, Some(&editor), "?sort=name").await,
        ["ke-hoach-bi-mat", "thang-thanh-nien"]
    );
    let admin = app.admin_token.clone();
    assert_eq!(tag_slugs(&app, Some(&admin), "?sort=name").await.len(), 3);
}

// --- 5, 6, 9, 17. extreme values are refused on input ----------------------------------------

#[actix_web::test]
async fn dates_and_times_outside_1900_to_2100_are_a_422_on_create_and_patch() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let cases = [
        ("published_at", json!("+10000-01-01T00:00:00Z")),
        ("published_at", json!("-0001-01-01T00:00:00Z")),
        ("published_at", json!("1899-12-31T23:59:59Z")),
        ("ends_on", json!("+10000-01-01")),
        ("ends_on", json!("9999-12-31")),
        ("occurred_on", json!("+10000-01-01")),
    ];
    let existing = created(app.post_json(ACTIVITIES, &activity("Hội nghị", org)).await).await;
    let path = format!("{ACTIVITIES}/{}", existing["id"]);
    for (field, value) in cases {
        let mut body = activity("Ngày lạ", org);
        body[field] = value.clone();
        let problem = assert_problem(app.post_json(ACTIVITIES, &body).await, 422).await;
        assert_eq!(
            error_fields(&problem),
            [format!("/{field}")],
            "POST {field}: {value}"
        );
        let problem =
            assert_problem(app.patch_json(&path, &json!({ field: value })).await, 422).await;
        assert_eq!(
            error_fields(&problem),
            [format!("/{field}")],
            "PATCH {field}: {value}"
        );
    }
    for (field, value) in [
        ("established_on", "+10000-01-01"),
        ("dissolved_on", "0001-01-01"),
    ] {
        let res = app
            .post_json(
                "/api/v1/organizations",
                &json!({"name": "Chi đoàn X", "kind": "branch", field: value}),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert!(
            error_fields(&problem).contains(&format!("/{field}")),
            "{problem}"
        );
    }
    // A filter bound is not a stored date: any YYYY-MM-DD day (1800 selects nothing), but not
    // a five-digit year.
    let problem = assert_problem(
        app.get(&format!("{ACTIVITIES}?occurred_from=%2B10000-01-01"))
            .await,
        400,
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("occurred_"),
        "{problem}"
    );
    let none = app
        .get_json(&format!("{ACTIVITIES}?occurred_to=1800-01-01"))
        .await;
    assert_eq!(none["meta"]["total"], 0);
    // Nothing was stored; every feed still parses.
    for ext in ["rss", "atom", "json"] {
        let res = app.get(&format!("/feeds/activities.{ext}")).await;
        assert_eq!(res.status(), 200);
        feed_rs::parser::parse(&res.bytes().await.unwrap()[..]).expect("a valid feed");
    }
}

#[actix_web::test]
async fn characters_xml_forbids_are_refused_in_every_text_field() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    for bad in ["Hội nghị\u{FFFF}", "Hội\u{FFFE}", "Tab\u{0}", "Bell\u{7}"] {
        let mut body = activity(bad, org);
        body["summary"] = json!(format!("Tóm tắt {bad}"));
        body["photos"] = json!([{"caption": bad}]);
        let problem = assert_problem(app.post_json(ACTIVITIES, &body).await, 422).await;
        assert_eq!(
            error_fields(&problem),
            ["/photos/0/caption", "/summary", "/title"],
            "{bad:?}"
        );
        let res = app
            .post_json(
                "/api/v1/organizations",
                &json!({"name": bad, "kind": "branch"}),
            )
            .await;
        assert_eq!(error_fields(&assert_problem(res, 422).await), ["/name"]);
    }
    // Tabs and line breaks are text.
    let mut fine = activity("Dòng một", org);
    fine["body"] = json!("Dòng một\n\tDòng hai\r\n");
    created(app.post_json(ACTIVITIES, &fine).await).await;
    // A search term carrying one is echoed in a feed's title without it.
    let res = app.get("/feeds/activities.rss?q=h%EF%BF%BFi").await;
    assert_eq!(res.status(), 200);
    feed_rs::parser::parse(&res.bytes().await.unwrap()[..]).expect("valid XML");
}

#[actix_web::test]
async fn text_with_nothing_visible_is_empty() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    for blank in [
        "\u{200B}",
        "\u{FEFF}",
        "\u{202E}",
        "\u{2060}\u{200B}",
        "\u{0301}",
        " \u{200D} ",
    ] {
        let problem =
            assert_problem(app.post_json(ACTIVITIES, &activity(blank, org)).await, 422).await;
        assert_eq!(error_fields(&problem), ["/title"], "{blank:?}");
        let res = app
            .post_json(
                "/api/v1/organizations",
                &json!({"name": blank, "kind": "branch"}),
            )
            .await;
        assert_eq!(
            error_fields(&assert_problem(res, 422).await),
            ["/name"],
            "{blank:?}"
        );
        let res = app
            .post_json(
                "/api/v1/clusters",
                &json!({"name": blank, "number": 4, "bloc_id": org}),
            )
            .await;
        assert_eq!(
            error_fields(&assert_problem(res, 422).await),
            ["/name"],
            "{blank:?}"
        );
    }
    // Invisible characters around text are trimmed like spaces.
    let a = created(
        app.post_json(ACTIVITIES, &activity("\u{200B}Hội nghị\u{FEFF}", org))
            .await,
    )
    .await;
    assert_eq!(a["title"], "Hội nghị");
    assert_eq!(a["slug"], "hoi-nghi");
}

#[actix_web::test]
async fn length_limits_count_the_normalised_text_on_post_and_patch_alike() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    // 292 code points in NFC, 360 decomposed: under the title limit of 300 once normalised.
    let nfc: String = "Đoàn viên ưu tú ".repeat(19).chars().take(292).collect();
    let nfd: String = unicode_nfd(&nfc);
    assert!(nfd.chars().count() > 300 && nfc.chars().count() <= 300);
    let a = created(app.post_json(ACTIVITIES, &activity(&nfd, org)).await).await;
    let path = format!("{ACTIVITIES}/{}", a["id"]);
    let res = app
        .patch_json(&path, &json!({"title": format!("{nfd}x")}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{org}"),
            &json!({"name": unicode_nfd(&"Đoàn Khối ".repeat(20)[..])}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

fn unicode_nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

// --- 10. path numbers never wrap --------------------------------------------------------------

#[actix_web::test]
async fn a_revision_number_beyond_32_bits_is_a_404_not_version_1() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let a = created(app.post_json(ACTIVITIES, &activity("Hội nghị", org)).await).await;
    let base = format!("{ACTIVITIES}/{}/revisions", a["id"]);
    let ok = app
        .as_admin(Method::GET, &format!("{base}/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    for n in ["4294967297", "9223372036854775807"] {
        let res = app
            .as_admin(Method::GET, &format!("{base}/{n}"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
        let res = app
            .as_admin(Method::POST, &format!("{base}/{n}/restore"))
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
    }
    for (path, body) in [
        (
            ACTIVITIES.to_string(),
            json!({"organizer_id": 4294967297_i64}),
        ),
        (
            ACTIVITIES.to_string(),
            json!({"cluster_id": 4294967297_i64}),
        ),
    ] {
        let mut full = activity("Số lớn", org);
        for (k, v) in body.as_object().unwrap() {
            full[k] = v.clone();
        }
        assert_problem(app.post_json(&path, &full).await, 422).await;
    }
}

// --- 7, 11. cursors round-trip and are bound to what they were made for ----------------------------

#[actix_web::test]
async fn a_relevance_walk_returns_each_hit_once() {
    // The demo data, where scores such as -1.2345e-6 did not survive the cursor's decimal form.
    let app = crate::helpers::spawn_demo_app().await;
    for q in ["doan", "thanh%20nien", "chi%20doan"] {
        let all = app
            .get_json(&format!("{ACTIVITIES}?q={q}&sort=relevance&per_page=100"))
            .await;
        let expected = all["meta"]["total"].as_i64().unwrap() as usize;
        assert!(expected >= 3, "{q}: {expected}");
        for per_page in [1, 2, 3] {
            let first = format!("{ACTIVITIES}?q={q}&sort=relevance&per_page={per_page}");
            let page: Value = app.get_json(&first).await;
            let mut ids: Vec<i64> = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap())
                .collect();
            let mut cursor = page["meta"]["next_cursor"].as_str().map(str::to_string);
            while let Some(c) = cursor {
                assert!(ids.len() <= expected, "{q}, per_page={per_page}: {ids:?}");
                let page: Value = app.get_json(&format!("{first}&cursor={c}")).await;
                ids.extend(
                    page["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a["id"].as_i64().unwrap()),
                );
                cursor = page["meta"]["next_cursor"].as_str().map(str::to_string);
            }
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                (ids.len(), unique.len()),
                (expected, expected),
                "{q}, per_page={per_page}: {ids:?}"
            );
        }
    }
}

#[actix_web::test]
async fn a_cursor_is_refused_on_another_path_or_unit() {
    let app = spawn_app().await;
    let a = bloc(&app).await;
    let b = app
        .create_org(json!({"name": "Đoàn Khối doanh nghiệp", "kind": "bloc_union"}))
        .await["id"]
        .as_i64()
        .unwrap();
    for org in [a, a, b, b] {
        created(app.post_json(ACTIVITIES, &activity("Sinh hoạt", org)).await).await;
    }
    let page = app
        .get_json(&format!("/api/v1/organizations/{a}/activities?per_page=1"))
        .await;
    let cursor = page["meta"]["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_string();
    for other in [
        format!("/api/v1/organizations/{b}/activities?per_page=1&cursor={cursor}"),
        format!("{ACTIVITIES}?per_page=1&cursor={cursor}"),
    ] {
        let problem =
            assert_problem(app.as_admin(Method::GET, &other).send().await.unwrap(), 400).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("cursor"),
            "{problem}"
        );
    }
    let list = app.get_json(&format!("{ACTIVITIES}?per_page=1")).await;
    let cursor = list["meta"]["next_cursor"].as_str().unwrap();
    let res = app
        .as_admin(
            Method::GET,
            &format!("/api/v1/trash/activities?per_page=1&cursor={cursor}"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
}

// --- 13, 14, 15, 17. the HTTP contract ------------------------------------------------------------

#[actix_web::test]
async fn gzip_request_bodies_are_decoded_and_unknown_encodings_are_a_415() {
    use std::io::Write;
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let body = activity("Gửi nén", org).to_string();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    let res = app
        .as_admin(Method::POST, ACTIVITIES)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(created(res).await["title"], "Gửi nén");
    let res = app
        .as_admin(Method::POST, ACTIVITIES)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "br")
        .body(body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 415).await;
    assert!(problem["detail"].as_str().unwrap().contains("br"));
    // A small bomb: 2 MiB of zeros in a few kilobytes is over the limit once decoded.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 2 * 1024 * 1024]).unwrap();
    let res = app
        .as_admin(Method::POST, ACTIVITIES)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_problem(res, 413).await;
}

#[actix_web::test]
async fn accept_q_values_choose_between_json_and_csv() {
    let app = spawn_app().await;
    bloc(&app).await;
    let path = "/api/v1/stats/activities?group_by=category";
    let get = |accept: &'static str| {
        app.request(Method::GET, path)
            .header("Accept", accept)
            .send()
    };
    let kind = |res: &Response| header(res, "content-type").unwrap_or_default();
    let res = get("text/csv;q=0.1, application/json").await.unwrap();
    assert!(kind(&res).starts_with("application/json"), "{}", kind(&res));
    let res = get("application/json;q=0.5, text/csv").await.unwrap();
    assert!(kind(&res).starts_with("text/csv"), "{}", kind(&res));
    let res = get("text/*").await.unwrap();
    assert!(kind(&res).starts_with("text/csv"));
    let res = get("*/*").await.unwrap();
    assert!(kind(&res).starts_with("application/json"));
    assert_problem(get("image/png").await.unwrap(), 406).await;
    assert_problem(
        get("application/json;q=0, text/csv;q=0").await.unwrap(),
        406,
    )
    .await;
}

#[actix_web::test]
async fn wrong_methods_on_the_docs_are_405_with_allow() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::POST, "/swagger-ui/"),
        (Method::DELETE, "/swagger-ui/index.html"),
        (Method::PUT, "/api-docs/openapi.json"),
        (Method::POST, "/api-docs/openapi.json"),
    ] {
        let res = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(
            header(&res, "allow").as_deref(),
            Some("GET, HEAD"),
            "{method} {path}"
        );
        assert_problem(res, 405).await;
    }
    assert_eq!(app.get("/swagger-ui/").await.status(), 200);
}

#[actix_web::test]
async fn clearing_published_at_of_a_published_activity_is_a_422_and_adds_no_revision() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let a = created(app.post_json(ACTIVITIES, &activity("Hội nghị", org)).await).await;
    let path = format!("{ACTIVITIES}/{}", a["id"]);
    let problem = assert_problem(
        app.patch_json(&path, &json!({"published_at": null})).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), ["/published_at"]);
    let revisions: Value = app.admin_json(&format!("{path}/revisions")).await;
    assert_eq!(revisions.as_array().map(Vec::len), Some(1), "{revisions}");
    // Unpublishing with it is fine.
    let res = app
        .patch_json(&path, &json!({"status": "draft", "published_at": null}))
        .await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn cors_preflights_allow_the_request_id_and_expose_what_clients_read() {
    let app =
        crate::helpers::spawn_with(|args| args.cors_origins = vec!["http://portal.example".into()])
            .await;
    let res = app
        .request(Method::OPTIONS, "/api/v1/activities/1")
        .header("Origin", "http://portal.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "if-match, x-request-id, content-type, authorization",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let allowed = header(&res, "access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    for h in ["if-match", "x-request-id"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let res = app
        .request(Method::GET, "/api/v1/activities")
        .header("Origin", "http://portal.example")
        .send()
        .await
        .unwrap();
    let exposed = header(&res, "access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    for h in [
        "retry-after",
        "etag",
        "location",
        "link",
        "x-total-count",
        "x-request-id",
    ] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
}

// --- 5, 6. extreme values already stored are read back through every view without a fault -------

#[actix_web::test]
async fn no_view_fails_on_extreme_values_stored_before_the_input_rules() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let cluster = created(
        app.post_json(
            "/api/v1/clusters",
            &json!({"name": "Cụm thi đua số 1", "number": 1, "bloc_id": org}),
        )
        .await,
    )
    .await;
    let mut body = activity("Hội nghị", org);
    body["cluster_id"] = cluster["id"].clone();
    body["tags"] = json!(["Tháng Thanh niên"]);
    body["photos"] = json!([{"url": "https://example.org/a.jpg", "caption": "Ảnh"}]);
    let a = created(app.post_json(ACTIVITIES, &body).await).await;
    // Rows as an older version let them in, written behind the API's back.
    {
        let mut conn = app.pool.blocking_conn().unwrap();
        // A year past 9999: SQLite's text as SQLite writes it, PostgreSQL's timestamp.
        let far = if on_postgres() {
            "10000-01-01 00:00:00"
        } else {
            "+10000-01-01 00:00:00"
        };
        conn.batch_execute(&format!(
            "UPDATE activities SET title = 'Tiêu đề \u{FFFF}\u{1} lạ', summary = 'Tóm tắt \u{FFFE}',
                 published_at = '{far}', ends_on = '9999-12-31',
                 occurred_on = '1900-01-01', participants_count = 2147483647
             WHERE id = {id};
             UPDATE organizations SET name = 'Đoàn Khối \u{FFFF}' WHERE id = {org};
             UPDATE activity_photos SET caption = 'Ảnh \u{1}' WHERE activity_id = {id};",
            id = a["id"]
        ))
        .unwrap();
    }
    let id = a["id"].as_i64().unwrap();
    let cluster_slug = cluster["slug"].as_str().unwrap();
    let json_views = [
        ACTIVITIES.to_string(),
        format!("{ACTIVITIES}?sort=-published_at"),
        format!("{ACTIVITIES}?sort=published_at&per_page=1"),
        format!("{ACTIVITIES}/{id}"),
        format!("{ACTIVITIES}?q=hoi%20nghi"),
        format!("{ACTIVITIES}?q=hoi&sort=relevance"),
        format!("{ACTIVITIES}?occurred_from=1900-01-01&occurred_to=2100-12-31"),
        format!("/api/v1/organizations/{org}/activities?include_descendants=true"),
        format!("/api/v1/organizations/{org}"),
        "/api/v1/organizations?q=doan".to_string(),
        "/api/v1/tags".to_string(),
        "/api/v1/categories".to_string(),
        format!("/api/v1/clusters/{cluster_slug}/ranking?year=2023"),
        "/api/v1/stats/activities?group_by=month".to_string(),
        "/api/v1/stats/activities?group_by=organization,tag".to_string(),
        "/api/v1/stats/activities?group_by=cluster,category".to_string(),
    ];
    for path in &json_views {
        for accept in ["application/json", "text/csv"] {
            let res = app
                .as_admin(Method::GET, path)
                .header("Accept", accept)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path}: no answer: {e}"));
            assert!(
                res.status().is_success(),
                "{path} ({accept}): {}",
                res.status()
            );
            assert!(!res.bytes().await.unwrap().is_empty());
        }
    }
    for ext in ["rss", "atom", "json"] {
        for query in [
            "",
            "?tag=thang-thanh-nien",
            &format!("?cluster={cluster_slug}"),
        ] {
            let path = format!("/feeds/activities.{ext}{query}");
            let res = app.get(&path).await;
            assert_eq!(res.status(), 200, "{path}");
            let bytes = res.bytes().await.unwrap();
            let feed = feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(feed.entries.len(), 1, "{path}");
        }
    }
}

#[actix_web::test]
async fn guessing_the_current_password_with_a_stolen_token_is_throttled() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let (_, token) = app
        .user_with_token("bientap", Role::Editor, Some(org))
        .await;
    let change = |current: &'static str| {
        app.request(Method::POST, "/api/v1/auth/password")
            .bearer_auth(&token)
            .json(&json!({"current_password": current, "new_password": "Mật khẩu mới 2024"}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(change("Đoán thử 12345").await.unwrap().status(), 422);
    }
    let res = change("Đoán thử 12345").await.unwrap();
    assert!(header(&res, "retry-after").is_some());
    assert_problem(res, 429).await;
    // The right one too, until the window passes; and logging in as that user as well.
    assert_eq!(change(TEST_PASSWORD).await.unwrap().status(), 429);
    assert_eq!(
        try_login(&app, "bientap", TEST_PASSWORD).await.status(),
        429
    );
}

#[actix_web::test]
async fn login_fields_over_their_limits_are_a_422_before_any_lookup() {
    let app = spawn_app().await;
    let res = try_login(&app, &"a".repeat(101), "Mật khẩu 12345").await;
    assert_eq!(error_fields(&assert_problem(res, 422).await), ["/username"]);
    let res = try_login(&app, "admin", &"Aa1".repeat(70)).await;
    assert_eq!(error_fields(&assert_problem(res, 422).await), ["/password"]);
}

#[actix_web::test]
async fn addresses_are_trimmed_but_not_recomposed() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let url = unicode_nfd("https://example.org/ảnh/toàn-cảnh.jpg");
    let mut body = activity("Ảnh", org);
    body["photos"] = json!([{"url": format!("  {url} "), "caption": unicode_nfd("Toàn cảnh")}]);
    let a = created(app.post_json(ACTIVITIES, &body).await).await;
    assert_eq!(a["photos"][0]["url"], url.as_str());
    assert_eq!(a["photos"][0]["caption"], "Toàn cảnh");
}

#[actix_web::test]
async fn restoring_a_version_that_does_not_exist_is_a_404_before_if_match() {
    let app = spawn_app().await;
    let org = bloc(&app).await;
    let a = created(app.post_json(ACTIVITIES, &activity("Hội nghị", org)).await).await;
    let base = format!("{ACTIVITIES}/{}/revisions", a["id"]);
    for n in ["7", "9223372036854775807"] {
        let res = app
            .as_admin(Method::POST, &format!("{base}/{n}/restore"))
            .header("If-Match", "\"khac\"")
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
    }
    // An existing version with a stale If-Match is the documented 412.
    let res = app
        .as_admin(Method::POST, &format!("{base}/1/restore"))
        .header("If-Match", "\"khac\"")
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    let spec: Value = app.get_json("/api-docs/openapi.json").await;
    let responses =
        &spec["paths"]["/api/v1/activities/{id}/revisions/{n}/restore"]["post"]["responses"];
    for status in ["404", "412", "422"] {
        assert!(
            responses.get(status).is_some(),
            "{status} documented: {responses}"
        );
    }
}

/// Five wrong guesses at different usernames, each "from" `forwarded` (an X-Forwarded-For).
async fn guesses_from(app: &TestApp, forwarded: &str, prefix: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..6 {
        let res = app
            .request(Method::POST, "/api/v1/auth/token")
            .header("X-Forwarded-For", forwarded)
            .json(&json!({"username": format!("{prefix}{i}"), "password": "Đoán thử 12345"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    statuses
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address() {
    // The test client connects from 127.0.0.1: here that is the proxy.
    let app =
        crate::helpers::spawn_with(|a| a.trusted_proxies = vec!["127.0.0.1".parse().unwrap()])
            .await;
    // One client's guesses are throttled after five…
    assert_eq!(
        guesses_from(&app, "203.0.113.7", "a").await,
        [401, 401, 401, 401, 401, 429]
    );
    // …another client behind the same proxy is not, and one who writes a fake address of its
    // own further left is still known by the address the proxy saw.
    assert_eq!(guesses_from(&app, "198.51.100.9", "b").await[0], 401);
    assert_eq!(
        guesses_from(&app, "198.51.100.9, 203.0.113.8", "c").await[0],
        401,
        "the rightmost address (added by the proxy) is the client"
    );
    // The audit log names the client, not the proxy.
    let audit: serde_json::Value = app.admin_json("/api/v1/audit?action=login_failed").await;
    assert!(audit.to_string().contains("203.0.113.7"), "{audit}");
}

#[actix_web::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let app = spawn_app().await;
    // Every guess names a new address; all come from the same socket: throttled after five.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let res = app
            .request(Method::POST, "/api/v1/auth/token")
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .json(&json!({"username": format!("d{i}"), "password": "Đoán thử 12345"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
}

#[actix_web::test]
async fn an_entry_that_is_no_address_stops_the_walk_at_the_proxy() {
    let app = crate::helpers::spawn_with(|a| {
        a.trusted_proxies = vec!["::ffff:127.0.0.1".parse().unwrap()]
    })
    .await;
    // The peer (127.0.0.1, trusted in its IPv4-mapped form) wrote "unknown" rightmost: the
    // client-written address left of it is not believed; all guesses count for the proxy.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let res = app
            .request(Method::POST, "/api/v1/auth/token")
            .header("X-Forwarded-For", format!("203.0.113.{i}, unknown"))
            .json(&json!({"username": format!("e{i}"), "password": "Đoán thử 12345"}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
}

/// Three tokens whose signature holds but which name no live account: of a deactivated user,
/// of a deleted one (its `sub` names no user), and the admin's with another account key.
async fn dead_tokens(app: &TestApp, unit: i64) -> Vec<(&'static str, String)> {
    let (off_id, deactivated) = app.user_with_token("tat", Role::Editor, Some(unit)).await;
    let res = app
        .patch_json(
            &format!("/api/v1/users/{off_id}"),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (gone_id, deleted) = app.user_with_token("xoa", Role::Editor, Some(unit)).await;
    assert_eq!(
        app.delete(&format!("/api/v1/users/{gone_id}"))
            .await
            .status(),
        204
    );
    let keys = doan_api::auth::TokenKeys::load(None, &app.db_path, 600).unwrap();
    let mut conn = app.pool.blocking_conn().unwrap();
    let admin = doan_api::users::repo::by_username(&mut conn, "admin")
        .unwrap()
        .unwrap();
    let mut claims = doan_api::users::repo::claims_for(&admin, 600);
    claims.key = "0".repeat(32);
    let wrong_key = keys.issue(&claims).unwrap();
    vec![
        ("deactivated", deactivated),
        ("deleted", deleted),
        ("wrong key", wrong_key),
    ]
}

#[actix_web::test]
async fn a_token_that_names_no_live_account_is_refused_everywhere_and_counts_as_anonymous() {
    let app = crate::helpers::spawn_with(|a| a.rate_limit_reads = 40).await;
    let unit = bloc(&app).await;
    let tokens = dead_tokens(&app, unit).await;
    let paths = [
        "/api/v1/organizations".to_string(),
        format!("/api/v1/organizations/{unit}"),
        "/api/v1/clusters".into(),
        "/feeds/activities.rss".into(),
        "/sitemap.xml".into(),
        "/api-docs/openapi.json".into(),
        ACTIVITIES.into(),
        "/api/v1/tags".into(),
        "/api/v1/stats/activities".into(),
        "/swagger-ui/".into(),
    ];
    // 30 refused reads: each a 401, none answered as if anonymous.
    for (what, token) in &tokens {
        for path in &paths {
            let res = app
                .request(Method::GET, path)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{what} token on {path}");
        }
    }
    // They were charged to the address's anonymous allowance (40 a minute): about 10 are left.
    let mut anonymous = 0;
    while app.get("/api/v1/organizations").await.status() == 200 {
        anonymous += 1;
        assert!(anonymous <= 15, "the refused tokens were not counted");
    }
    for (what, token) in &tokens {
        let res = app
            .request(Method::GET, "/api/v1/organizations")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429, "{what} token past the allowance");
    }
    // A live account's token is not an anonymous read.
    let res = app
        .as_admin(Method::GET, "/api/v1/organizations")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn a_refused_header_is_charged_once_to_the_anonymous_allowance() {
    let app = crate::helpers::spawn_with(|a| a.rate_limit_reads = 10).await;
    let unit = bloc(&app).await;
    let tokens = dead_tokens(&app, unit).await;
    let garbage = [
        ("not a bearer token", "Basic eDp5".to_string()),
        ("bad signature", "Bearer e30.e30.e30".to_string()),
        ("deactivated", format!("Bearer {}", tokens[0].1)),
    ];
    // 3 refused reads of each kind, each charged once: 9 of the address's 10; one anonymous
    // read is left (charged twice, the allowance would have run out after 5 of them).
    for (what, value) in &garbage {
        for _ in 0..3 {
            let res = app
                .request(Method::GET, "/api/v1/categories")
                .header("Authorization", value)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{what}");
        }
    }
    assert_eq!(
        app.get("/api/v1/categories").await.status(),
        200,
        "9 of 10 used"
    );
    assert_problem(app.get("/api/v1/categories").await, 429).await;
}
