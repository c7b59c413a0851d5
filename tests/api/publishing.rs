//! Publishing: scheduled activities (public at their time, everywhere at once), review by a
//! reviewer of the unit (duyệt tin), featured news (tin nổi bật) with an end.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use doan_api::auth::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// An RFC 3339 time `seconds` from now.
fn in_seconds(seconds: i64) -> String {
    (Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Send `body` (JSON; PATCH as a merge patch) with `token`.
async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.request(method.clone(), path).bearer_auth(token);
    if let Some(body) = body {
        let ct = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        req = req.header("Content-Type", ct).body(body.to_string());
    }
    req.send().await.expect("request")
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status();
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(got, status, "{body}");
    body
}

/// A reviewer's approval of `version`.
fn approve(version: i64) -> Value {
    json!({"decision": "approve", "version": version})
}

/// `editor`'s change of `path` that submits it for review (200, `pending_review`), then
/// `reviewer`'s approval of that version (200); what the approval answers.
async fn submit_then_approve(
    app: &TestApp,
    editor: &str,
    reviewer: &str,
    path: &str,
    change: Value,
) -> Value {
    let submitted = json_of(
        send(app, editor, Method::PATCH, path, Some(change)).await,
        200,
    )
    .await;
    assert_eq!(submitted["status"], "pending_review");
    let version = submitted["version"].as_i64().unwrap();
    json_of(
        send(
            app,
            reviewer,
            Method::POST,
            &format!("{path}/review"),
            Some(approve(version)),
        )
        .await,
        200,
    )
    .await
}

/// Every public view of activities, as (what, does it show `slug`/`word`): one activity, the
/// list, search, the tag, the RSS feed, the sitemap and the stats total.
async fn public_views(app: &TestApp, slug: &str, word: &str, tag: &str) -> Vec<(String, bool)> {
    let mut views = Vec::new();
    views.push((
        "GET one".to_string(),
        app.get(&format!("/api/v1/activities/{slug}"))
            .await
            .status()
            == 200,
    ));
    let list = app.get_json("/api/v1/activities").await;
    views.push(("list".into(), list["meta"]["total"] == 1));
    let found = app.get_json(&format!("/api/v1/activities?q={word}")).await;
    views.push(("search".into(), found["meta"]["total"] == 1));
    let tags = app.get_json("/api/v1/tags").await;
    let has_tag = tags
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["slug"] == tag && t["count"] == 1);
    views.push(("tags".into(), has_tag));
    views.push((
        "tag filter".into(),
        app.get(&format!("/api/v1/activities?tag={tag}"))
            .await
            .status()
            == 200
            && app.get_json(&format!("/api/v1/activities?tag={tag}")).await["meta"]["total"] == 1,
    ));
    let rss = app.get("/feeds/activities.rss").await.text().await.unwrap();
    views.push(("rss".into(), rss.contains(slug)));
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    views.push(("sitemap".into(), sitemap.contains(slug)));
    let stats = app
        .get_json("/api/v1/stats/activities?group_by=category")
        .await;
    views.push(("stats".into(), stats["total"] == 1));
    views
}

struct Unit {
    id: i64,
    editor: String,
}

/// A unit with an editor.
async fn unit_with_editor(app: &TestApp, name: &str, username: &str) -> Unit {
    let (org, editor) = app.branch_with_editor(name, username).await;
    Unit {
        id: org["id"].as_i64().unwrap(),
        editor,
    }
}

#[actix_web::test]
async fn a_future_published_at_schedules_the_activity_then_it_is_public_everywhere_at_once() {
    let app = spawn_app().await;
    let unit = unit_with_editor(&app, "Chi đoàn Sở Tư pháp", "bientap").await;
    let created = json_of(
        send(
            &app,
            &unit.editor,
            Method::POST,
            "/api/v1/activities",
            Some(json!({
                "title": "Ra quân Tháng Thanh niên hẹn giờ",
                "summary": "Bài đăng theo lịch qzxwv",
                "occurred_on": "2026-12-01",
                "category": "volunteering",
                "organizer_id": unit.id,
                "tags": ["Lịch đăng bài"],
                "status": "published",
                "published_at": in_seconds(3),
            })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["status"], "scheduled", "{created}");
    let slug = created["slug"].as_str().unwrap().to_string();
    let id = created["id"].as_i64().unwrap();

    // Before its time: no public view shows it, not even its tag; its editor sees it.
    let before = public_views(&app, &slug, "qzxwv", "lich-dang-bai").await;
    assert!(before.iter().all(|(_, shown)| !shown), "{before:?}");
    let own = json_of(
        send(
            &app,
            &unit.editor,
            Method::GET,
            &format!("/api/v1/activities/{id}"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(own["status"], "scheduled");
    let mine = json_of(
        send(
            &app,
            &unit.editor,
            Method::GET,
            "/api/v1/activities?status=scheduled",
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(mine["meta"]["total"], 1);

    // At its time, with no request from anyone: every view at once.
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while app.get(&format!("/api/v1/activities/{id}")).await.status() != 200 {
        assert!(std::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = public_views(&app, &slug, "qzxwv", "lich-dang-bai").await;
    assert!(after.iter().all(|(_, shown)| *shown), "{after:?}");
    let public = app.get_json(&format!("/api/v1/activities/{id}")).await;
    assert_eq!(public["status"], "published");
    assert_eq!(public["version"], 2);
    // The publication is a revision of its own, made by nobody.
    let revisions = json_of(
        send(
            &app,
            &unit.editor,
            Method::GET,
            &format!("/api/v1/activities/{id}/revisions"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(revisions[0]["note"], "published at its scheduled time");
    assert_eq!(revisions[0]["changed_by"], Value::Null);
    // And in the audit log, done by nobody: the clock.
    let audit: Value = app.admin_json("/api/v1/audit?action=publish").await;
    assert_eq!(audit["meta"]["total"], 1);
    assert_eq!(audit["data"][0]["resource_id"], id.to_string());
    assert_eq!(audit["data"][0]["actor"], Value::Null);
    assert_eq!(audit["data"][0]["version_after"], 2);
}

#[actix_web::test]
async fn scheduling_rules_hold() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn A", "kind": "branch"}))
        .await;
    let body = |extra: Value| {
        let mut b = json!({"title": "Lịch", "occurred_on": "2026-12-01",
            "category": "other", "organizer_id": org["id"]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // `scheduled` asked for with a time already past (or none): refused, nothing stored.
    for extra in [
        json!({"status": "scheduled", "published_at": "2023-09-20T08:00:00Z"}),
        json!({"status": "scheduled"}),
    ] {
        let res = app.post_json("/api/v1/activities", &body(extra)).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), vec!["/published_at"]);
    }
    assert_eq!(
        app.get_json("/api/v1/activities?status=draft,scheduled,published")
            .await["meta"]["total"],
        0
    );
    // Asked for directly with a future time.
    let a = create_activity(
        &app,
        body(json!({"status": "scheduled", "published_at": "2027-01-01T00:00:00+07:00"})),
    )
    .await;
    assert_eq!(a["status"], "scheduled");
    assert_eq!(a["published_at"], "2026-12-31T17:00:00Z");
    // Moved to the past: published now; back to the future: scheduled again.
    let id = a["id"].as_i64().unwrap();
    let path = format!("/api/v1/activities/{id}");
    let res = app
        .patch_json(&path, &json!({"published_at": "2026-01-01T00:00:00Z"}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "published");
    let res = app
        .patch_json(&path, &json!({"published_at": "2027-06-01T00:00:00Z"}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "scheduled");
    assert_eq!(app.get(&path).await.status(), 404);
    // A patch that changes nothing else leaves it scheduled, with no new version.
    let res = app.patch_json(&path, &json!({"status": "published"})).await;
    let same = res.json::<Value>().await.unwrap();
    assert_eq!(same["status"], "scheduled");
}

#[actix_web::test]
async fn featured_news_lists_first_filters_and_ends_by_itself() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn B", "kind": "branch"}))
        .await;
    let mk = |title: &str, published: &str, extra: Value| {
        let mut b = json!({"title": title, "occurred_on": "2023-09-01", "category": "other",
            "organizer_id": org["id"], "status": "published", "published_at": published});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let old = create_activity(
        &app,
        mk(
            "Tin cũ nổi bật",
            "2023-09-01T08:00:00Z",
            json!({"featured": true, "featured_until": in_seconds(3)}),
        ),
    )
    .await;
    assert_eq!(old["featured"], true);
    create_activity(&app, mk("Tin mới", "2023-09-20T08:00:00Z", json!({}))).await;
    create_activity(&app, mk("Tin giữa", "2023-09-10T08:00:00Z", json!({}))).await;
    let titles = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    let listed = app
        .get_json("/api/v1/activities?sort=-featured,-published_at")
        .await;
    assert_eq!(titles(&listed), ["Tin cũ nổi bật", "Tin mới", "Tin giữa"]);
    assert_eq!(listed["data"][0]["featured"], true);
    // The cursor of that order carries the flag and walks the same order.
    let first = app
        .get_json("/api/v1/activities?sort=-featured,-published_at&per_page=1")
        .await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap().to_string();
    let second = app
        .get_json(&format!(
            "/api/v1/activities?sort=-featured,-published_at&per_page=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(titles(&second), ["Tin mới", "Tin giữa"]);
    let featured = app.get_json("/api/v1/activities?featured=true").await;
    assert_eq!(titles(&featured), ["Tin cũ nổi bật"]);
    assert_eq!(
        app.get_json("/api/v1/activities?featured=false").await["meta"]["total"],
        2
    );

    // Bad input: an end already past, an end without the flag, a null flag.
    for (extra, field) in [
        (
            json!({"featured": true, "featured_until": "2023-01-01T00:00:00Z"}),
            "/featured_until",
        ),
        (
            json!({"featured_until": in_seconds(600)}),
            "/featured_until",
        ),
    ] {
        let res = app
            .post_json(
                "/api/v1/activities",
                &mk("Sai", "2023-09-01T08:00:00Z", extra),
            )
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), vec![field]);
    }
    let id = old["id"].as_i64().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/activities/{id}"),
            &json!({"featured": null}),
        )
        .await;
    assert_problem(res, 422).await;

    // Its end passes: no longer featured, as a new version, without anyone writing.
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    loop {
        let now = app.get_json(&format!("/api/v1/activities/{id}")).await;
        if now["featured"] == false {
            assert_eq!(now["featured_until"], Value::Null);
            assert_eq!(now["version"], old["version"].as_i64().unwrap() + 1);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "featured never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.get_json("/api/v1/activities?featured=true").await["meta"]["total"],
        0
    );
}

#[actix_web::test]
async fn news_of_a_unit_under_review_waits_for_its_reviewer() {
    let app = spawn_app().await;
    let bloc = app
        .create_org(json!({"name": "Đoàn khối thử", "kind": "bloc_union"}))
        .await;
    let bloc_id = bloc["id"].as_i64().unwrap();
    let branch = app
        .create_org(json!({"name": "Chi đoàn thử", "kind": "branch", "parent_id": bloc_id}))
        .await;
    let branch_id = branch["id"].as_i64().unwrap();
    let elsewhere = app
        .create_org(json!({"name": "Chi đoàn khác", "kind": "branch"}))
        .await;
    let (_, editor) = app
        .user_with_token("bientap", Role::Editor, Some(branch_id))
        .await;
    let (_, reviewer) = app
        .user_with_token("vanphong", Role::Reviewer, Some(bloc_id))
        .await;
    let (_, stranger) = app
        .user_with_token("nguoingoai", Role::Reviewer, elsewhere["id"].as_i64())
        .await;

    // The bloc requires review; its branch inherits it.
    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{bloc_id}"),
            &json!({"requires_review": true}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let detail = app
        .get_json(&format!("/api/v1/organizations/{branch_id}"))
        .await;
    assert_eq!(detail["requires_review"], false);
    assert_eq!(detail["review_required"], true);

    // The editor's `published` waits for review, out of every public view.
    let submitted = json_of(
        send(
            &app,
            &editor,
            Method::POST,
            "/api/v1/activities",
            Some(
                json!({"title": "Sơ kết 9 tháng", "occurred_on": "2023-09-20",
                "category": "conference", "organizer_id": branch_id, "status": "published"}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(submitted["status"], "pending_review");
    let id = submitted["id"].as_i64().unwrap();
    let path = format!("/api/v1/activities/{id}");
    let review = format!("{path}/review");
    assert_eq!(app.get(&path).await.status(), 404);

    // The queue: the reviewer sees it, a reviewer of another unit does not, an editor may not.
    let queue = json_of(
        send(&app, &reviewer, Method::GET, "/api/v1/review-queue", None).await,
        200,
    )
    .await;
    assert_eq!(queue["meta"]["total"], 1);
    assert_eq!(queue["data"][0]["id"], id);
    let theirs = json_of(
        send(&app, &stranger, Method::GET, "/api/v1/review-queue", None).await,
        200,
    )
    .await;
    assert_eq!(theirs["meta"]["total"], 0);
    assert_problem(
        send(&app, &editor, Method::GET, "/api/v1/review-queue", None).await,
        403,
    )
    .await;
    // Someone else's unit: not found; the editor: forbidden; a reviewer edits nothing.
    assert_problem(
        send(&app, &stranger, Method::POST, &review, Some(approve(1))).await,
        404,
    )
    .await;
    assert_problem(
        send(&app, &editor, Method::POST, &review, Some(approve(1))).await,
        403,
    )
    .await;
    assert_problem(
        send(
            &app,
            &reviewer,
            Method::PATCH,
            &path,
            Some(json!({"title": "Sửa"})),
        )
        .await,
        403,
    )
    .await;

    // Returned: a comment is required; then a draft with the comment, for its editor.
    let problem = assert_problem(
        send(
            &app,
            &reviewer,
            Method::POST,
            &review,
            Some(json!({"decision": "return", "version": 1})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["/comment"]);
    let returned = json_of(
        send(
            &app,
            &reviewer,
            Method::POST,
            &review,
            Some(json!({"decision": "return", "version": 1, "comment": "Bổ sung ảnh."})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(returned["status"], "draft");
    assert_eq!(returned["review_comment"], "Bổ sung ảnh.");
    // Not waiting any more: a second decision is a conflict.
    assert_problem(
        send(&app, &reviewer, Method::POST, &review, Some(approve(2))).await,
        409,
    )
    .await;

    // Submitted again, then approved: published, the comment gone, each step a revision.
    let again = json_of(
        send(
            &app,
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"status": "published", "photos": [{"caption": "Toàn cảnh cuộc họp"}]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["status"], "pending_review");
    assert_eq!(again["review_comment"], "Bổ sung ảnh.");
    // A reviewer approves only what it read: a stale version decides nothing.
    assert_problem(
        send(&app, &reviewer, Method::POST, &review, Some(approve(2))).await,
        412,
    )
    .await;
    let approved = json_of(
        send(&app, &reviewer, Method::POST, &review, Some(approve(3))).await,
        200,
    )
    .await;
    assert_eq!(approved["status"], "published");
    assert!(approved.get("review_comment").is_none(), "{approved}");
    assert_eq!(app.get(&path).await.status(), 200);
    let revisions = json_of(
        send(
            &app,
            &editor,
            Method::GET,
            &format!("{path}/revisions"),
            None,
        )
        .await,
        200,
    )
    .await;
    let steps: Vec<(Value, Value)> = revisions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["changed_by"].clone(), r["note"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (json!("vanphong"), json!("approved")),
            (json!("bientap"), Value::Null),
            (json!("vanphong"), json!("returned: Bổ sung ảnh.")),
            (json!("bientap"), Value::Null),
        ]
    );

    // Its reviewer reads its history too (to compare with what it approved), not the trash.
    let history = json_of(
        send(
            &app,
            &reviewer,
            Method::GET,
            &format!("{path}/revisions"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 4);
    let trash = json_of(
        send(
            &app,
            &reviewer,
            Method::GET,
            "/api/v1/trash/activities",
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(trash["meta"]["total"], 0);
    // A new address is a change like any other (reviewed_news_keeps_its_address_…).
    assert_problem(
        send(
            &app,
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"slug": "so-ket-9-thang-2023"})),
        )
        .await,
        403,
    )
    .await;
    // What a reviewer let through, the editor may take down but not change.
    assert_problem(
        send(
            &app,
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"title": "Sửa sau duyệt"})),
        )
        .await,
        403,
    )
    .await;
    let down = json_of(
        send(
            &app,
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"status": "draft"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(down["status"], "draft");

    // Approved with a time ahead: scheduled. An admin publishes directly.
    let scheduled = submit_then_approve(
        &app,
        &editor,
        &reviewer,
        &path,
        json!({"status": "published", "published_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");
    let by_admin = create_activity(
        &app,
        json!({"title": "Tin của quản trị", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": branch_id, "status": "published"}),
    )
    .await;
    assert_eq!(by_admin["status"], "published");
    // `archived` is public too: an editor asking for it directly waits for review as well.
    let archived = json_of(
        send(
            &app,
            &editor,
            Method::POST,
            "/api/v1/activities",
            Some(
                json!({"title": "Lưu trữ thẳng", "occurred_on": "2023-09-20", "category": "other",
                "organizer_id": branch_id, "status": "archived"}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(archived["status"], "pending_review");
    // Units not under review publish as before.
    let free = app
        .user_with_token("tudo", Role::Editor, elsewhere["id"].as_i64())
        .await
        .1;
    let direct = json_of(
        send(
            &app,
            &free,
            Method::POST,
            "/api/v1/activities",
            Some(
                json!({"title": "Tin tự do", "occurred_on": "2023-09-20", "category": "other",
                "organizer_id": elsewhere["id"], "status": "published"}),
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(direct["status"], "published");
}

#[actix_web::test]
async fn a_reviewer_needs_a_unit() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/users",
            &json!({"username": "duyettin", "password": "Mật khẩu dài 2024!", "role": "reviewer"}),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/organization_id"]);
}

#[actix_web::test]
async fn an_old_slug_still_resolves_to_the_current_one() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn Sở Tài chính", "kind": "branch"}))
        .await;
    let a = create_activity(
        &app,
        json!({"title": "Đêm hội", "occurred_on": "2023-09-28", "category": "culture_sports",
            "organizer_id": org["id"], "status": "published"}),
    )
    .await;
    assert_eq!(a["slug"], "dem-hoi");
    let id = a["id"].as_i64().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/activities/{id}"),
            &json!({"slug": "dem-hoi-trang-ram-2023"}),
        )
        .await;
    let renamed: Value = json_of(res, 200).await;
    assert_eq!(renamed["slug"], "dem-hoi-trang-ram-2023");
    assert_eq!(renamed["version"], 2);

    // The old address answers 301 to the new one (query kept); the new one is the activity.
    let res = app.get("/api/v1/activities/dem-hoi?fields=id,slug").await;
    assert_eq!(res.status(), 301);
    assert_eq!(
        header(&res, "location").unwrap(),
        app.url("/api/v1/activities/dem-hoi-trang-ram-2023?fields=id,slug")
    );
    assert_eq!(
        app.get_json("/api/v1/activities/dem-hoi-trang-ram-2023")
            .await["id"],
        id
    );
    let revisions = app
        .admin_json(&format!("/api/v1/activities/{id}/revisions"))
        .await;
    assert_eq!(revisions[0]["note"], "slug changed from dem-hoi");
    // Feeds and the sitemap link the current slug only.
    let rss = app.get("/feeds/activities.rss").await.text().await.unwrap();
    assert!(rss.contains("dem-hoi-trang-ram-2023") && !rss.contains("/dem-hoi<"));

    // An old slug is never handed to another activity (an old link would change meaning).
    let res = app
        .post_json(
            "/api/v1/activities",
            &json!({"title": "Khác", "slug": "dem-hoi", "occurred_on": "2023-09-28",
                "category": "other", "organizer_id": org["id"]}),
        )
        .await;
    assert_problem(res, 409).await;
    let other = create_activity(
        &app,
        json!({"title": "Đêm hội", "occurred_on": "2023-09-28", "category": "other",
            "organizer_id": org["id"]}),
    )
    .await;
    assert_eq!(other["slug"], "dem-hoi-2");
    let res = app
        .patch_json(
            &format!("/api/v1/activities/{}", other["id"]),
            &json!({"slug": "dem-hoi"}),
        )
        .await;
    assert_problem(res, 409).await;
    // Bad slugs: 422, nothing changed.
    for bad in [
        json!({"slug": "Đêm Hội"}),
        json!({"slug": null}),
        json!({"slug": "123"}),
    ] {
        let res = app
            .patch_json(&format!("/api/v1/activities/{id}"), &bad)
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), vec!["/slug"], "{bad}");
    }
    // Its own old slug it may take back; the one it leaves then redirects.
    let back = app
        .patch_json(
            &format!("/api/v1/activities/{id}"),
            &json!({"slug": "dem-hoi"}),
        )
        .await;
    assert_eq!(json_of(back, 200).await["slug"], "dem-hoi");
    let res = app.get("/api/v1/activities/dem-hoi-trang-ram-2023").await;
    assert_eq!(res.status(), 301);
    assert_eq!(
        header(&res, "location").unwrap(),
        app.url("/api/v1/activities/dem-hoi")
    );
    // A draft's old slug tells the public nothing.
    let res = app
        .patch_json(
            &format!("/api/v1/activities/{id}"),
            &json!({"status": "draft"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(
        app.get("/api/v1/activities/dem-hoi-trang-ram-2023").await,
        404,
    )
    .await;
    let res = app
        .patch_json(
            &format!("/api/v1/activities/{id}"),
            &json!({"status": "published"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // A unit: 301 on its own address; filters, its activity list and feeds take the old slug.
    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{}", org["id"]),
            &json!({"slug": "chi-doan-stc"}),
        )
        .await;
    assert_eq!(json_of(res, 200).await["slug"], "chi-doan-stc");
    let res = app.get("/api/v1/organizations/chi-doan-so-tai-chinh").await;
    assert_eq!(res.status(), 301);
    assert_eq!(
        header(&res, "location").unwrap(),
        app.url("/api/v1/organizations/chi-doan-stc")
    );
    for path in [
        "/api/v1/activities?organization=chi-doan-so-tai-chinh",
        "/api/v1/organizations/chi-doan-so-tai-chinh/activities",
    ] {
        assert_eq!(app.get_json(path).await["meta"]["total"], 1, "{path}");
    }
    assert_eq!(
        app.get("/feeds/activities.rss?organization=chi-doan-so-tai-chinh")
            .await
            .status(),
        200
    );
    let res = app
        .create_org(json!({"name": "Chi đoàn Sở Tài chính", "kind": "branch"}))
        .await;
    assert_eq!(res["slug"], "chi-doan-so-tai-chinh-2");
}

#[actix_web::test]
async fn reviewed_news_keeps_its_address_an_editor_cannot_move_it() {
    let app = spawn_app().await;
    let branch = app
        .create_org(
            json!({"name": "Chi đoàn duyệt tin", "kind": "branch", "requires_review": true}),
        )
        .await;
    let branch_id = branch["id"].as_i64().unwrap();
    let (_, editor) = app
        .user_with_token("bientap", Role::Editor, Some(branch_id))
        .await;
    let (_, reviewer) = app
        .user_with_token("duyettin", Role::Reviewer, Some(branch_id))
        .await;
    // A draft under a working title, retitled before it is submitted: its slug stays the
    // first one (the preview link shared meanwhile keeps working), approval included.
    let draft = json_of(
        send(
            &app,
            &editor,
            Method::POST,
            "/api/v1/activities",
            Some(
                json!({"title": "Bản nháp hội nghị", "occurred_on": "2023-09-20",
                "category": "conference", "organizer_id": branch_id, "status": "draft"}),
            ),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/api/v1/activities/{}", draft["id"]);
    let approved = submit_then_approve(
        &app,
        &editor,
        &reviewer,
        &path,
        json!({"title": "Hội nghị sơ kết 9 tháng", "status": "published"}),
    )
    .await;
    assert_eq!(approved["status"], "published");
    assert_eq!(approved["slug"], draft["slug"], "approval keeps the slug");

    // The editor may not give it a new address, alone or with a take-down.
    for body in [
        json!({"slug": "hoi-nghi-so-ket-9-thang"}),
        json!({"slug": "hoi-nghi-so-ket-9-thang", "status": "draft"}),
    ] {
        let problem = assert_problem(
            send(&app, &editor, Method::PATCH, &path, Some(body)).await,
            403,
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().contains("reviewed"));
    }
    let now = app.get_json(&path).await;
    assert_eq!(now["slug"], draft["slug"]);
    assert_eq!(now["version"], approved["version"], "nothing was written");
    // An admin may.
    let res = app
        .patch_json(&path, &json!({"slug": "hoi-nghi-so-ket-9-thang"}))
        .await;
    assert_eq!(res.status(), 200);
}
