//! Regressions of the hostile-testing round (issue 11): ids never reused and tokens bound to one
//! account, login throttling under concurrency, what anonymous readers may learn, extreme stored
//! values read back through every view, cursors and validators that round-trip exactly.

use doan_api::auth::Role;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, header, spawn_app, TestApp, TEST_PASSWORD};

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
