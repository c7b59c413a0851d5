//! `/api/v1/activities`: the life of an activity (draft → published → archived), the trash,
//! revisions, who may write what, every filter and sort, Vietnamese search, cursors under
//! concurrent inserts, sanitised Markdown, validation, the vocabularies and the demo data.

use std::collections::HashSet;

use doan_api::auth::Role;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, assert_walk_saw_each_row_once, create_activity, error_fields, fetch_json,
    header, spawn_app, spawn_demo_app, start_again, walk_cursor, TestApp,
};

const ACTIVITIES: &str = "/api/v1/activities";
const TRASH: &str = "/api/v1/trash/activities";

// --- helpers --------------------------------------------------------------------------------

/// The smallest valid body: a draft conference of `organizer` on 2023-09-20.
fn activity(title: &str, organizer: i64) -> Value {
    json!({
        "title": title,
        "occurred_on": "2023-09-20",
        "category": "conference",
        "organizer_id": organizer,
    })
}

/// The smallest valid body, published.
fn published(title: &str, organizer: i64) -> Value {
    with(activity(title, organizer), json!({"status": "published"}))
}

/// `body` with the fields of `extra` set (or replaced).
fn with(mut body: Value, extra: Value) -> Value {
    for (key, value) in extra.as_object().expect("extra is an object") {
        body[key] = value.clone();
    }
    body
}

/// POST as admin and expect a 422; returns the fields it names.
async fn create_invalid(app: &TestApp, body: Value) -> Vec<String> {
    let problem = assert_problem(app.post_json(ACTIVITIES, &body).await, 422).await;
    error_fields(&problem)
}

fn path_of(activity: &Value) -> String {
    format!("{ACTIVITIES}/{}", activity["id"])
}

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().expect("id")
}

/// A request with a user's token.
fn as_user(app: &TestApp, token: &str, method: Method, path: &str) -> RequestBuilder {
    app.request(method, path).bearer_auth(token)
}

async fn send(builder: RequestBuilder) -> Response {
    builder.send().await.expect("request")
}

/// A merge patch with a user's token.
async fn patch_as(app: &TestApp, token: &str, path: &str, body: &Value) -> Response {
    send(
        as_user(app, token, Method::PATCH, path)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string()),
    )
    .await
}

/// PATCH as admin and return the updated activity (asserting 200).
async fn patch_ok(app: &TestApp, activity: &Value, body: Value) -> Value {
    let res = app.patch_json(&path_of(activity), &body).await;
    let status = res.status();
    let json: Value = res.json().await.expect("JSON");
    assert_eq!(status, 200, "patch {body}: {json}");
    json
}

/// An anonymous list page (asserting 200).
async fn list(app: &TestApp, query: &str) -> Value {
    app.get_json(&format!("{ACTIVITIES}?{query}")).await
}

/// A list page as admin (asserting 200).
async fn list_as_admin(app: &TestApp, path: &str) -> Value {
    let res = send(app.as_admin(Method::GET, path)).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.expect("JSON")
}

fn data(page: &Value) -> &Vec<Value> {
    page["data"].as_array().expect("data array")
}

fn titles(page: &Value) -> Vec<String> {
    data(page)
        .iter()
        .map(|a| a["title"].as_str().expect("title").to_string())
        .collect()
}

fn ids(page: &Value) -> Vec<i64> {
    data(page).iter().map(id_of).collect()
}

/// The titles an anonymous list shows, as a sorted set (order-insensitive comparisons).
async fn titles_of(app: &TestApp, query: &str) -> Vec<String> {
    let page = list(app, &format!("{query}&per_page=100")).await;
    assert_eq!(page["meta"]["total"], data(&page).len(), "{query}");
    let mut got = titles(&page);
    got.sort();
    got
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

/// Search (anonymously) and return the page.
async fn search(app: &TestApp, q: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![("q", q), ("per_page", "100")];
    params.extend_from_slice(extra);
    let url = reqwest::Url::parse_with_params(&app.url(ACTIVITIES), &params).expect("URL");
    app.get_json(url.as_str()).await
}

/// GET a path with an optional token; returns the status.
async fn status_of(app: &TestApp, token: Option<&str>, path: &str) -> u16 {
    let req = match token {
        Some(token) => as_user(app, token, Method::GET, path),
        None => app.request(Method::GET, path),
    };
    send(req).await.status().as_u16()
}

/// A small tree: bloc → unit A → branch below A; bloc → unit B; and a partner body.
struct World {
    bloc: i64,
    a: i64,
    a_branch: i64,
    b: i64,
    partner: i64,
}

async fn world(app: &TestApp) -> World {
    let org = |name: &'static str, kind: &'static str, parent: Option<i64>| async move {
        id_of(
            &app.create_org(json!({"name": name, "kind": kind, "parent_id": parent}))
                .await,
        )
    };
    let bloc = org("Đoàn khối các cơ quan tỉnh", "bloc_union", None).await;
    let a = org(
        "Chi đoàn Sở Giao thông vận tải",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let a_branch = org("Chi đoàn Phòng Vận tải", "branch", Some(a)).await;
    let b = org(
        "Chi đoàn Văn phòng UBND tỉnh",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let partner = org("Đồn Biên phòng Ba Sơn", "partner", None).await;
    World {
        bloc,
        a,
        a_branch,
        b,
        partner,
    }
}

/// A unit whose name matches none of the search words the tests use.
async fn neutral_unit(app: &TestApp) -> i64 {
    id_of(
        &app.create_org(json!({"name": "Nhóm Sáng tạo Trẻ", "kind": "branch"}))
            .await,
    )
}

/// The one activity an anonymous list query finds.
async fn only(app: &TestApp, query: &str) -> Value {
    let page = list(app, query).await;
    assert_eq!(page["meta"]["total"], 1, "{query}: {:?}", titles(&page));
    let id = id_of(&data(&page)[0]);
    app.get_json(&format!("{ACTIVITIES}/{id}")).await
}

// --- create and lifecycle -------------------------------------------------------------------

#[actix_web::test]
async fn create_is_a_201_with_location_etag_and_every_inline_child() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = with(
        published("Đêm hội Trăng rằm", w.a),
        json!({
            "occurred_on": "2023-09-25",
            "part_of_day": "evening",
            "category": "culture_sports",
            "location": "  Hội trường cơ quan  ",
            "partners": [{"organization_id": w.partner, "role": "co_organizer"},
                         {"organization_id": w.b, "role": "host"}],
            "tags": ["Vì đàn em thân yêu", "Tháng Thanh niên"],
            "documents": [{"raw": "Kế hoạch số 15-KH/ĐTN-BTG ngày 3/3/2023"}],
            "photos": [{"url": "https://example.vn/1.jpg", "caption": "Toàn cảnh"},
                       {"caption": "Các cháu nhận quà", "credit": "Ảnh: Chi đoàn"}],
            "participants_count": 120,
            "byline": "Hoàng Bích Liên",
        }),
    );
    let res = app.post_json(ACTIVITIES, &body).await;
    assert_eq!(res.status(), 201);
    let location = header(&res, "location").expect("Location");
    let etag = header(&res, "etag").expect("ETag");
    let created: Value = res.json().await.unwrap();

    assert_eq!(location, format!("{}{}", app.address, path_of(&created)));
    assert_eq!(created["slug"], "dem-hoi-trang-ram");
    assert_eq!(created["status"], "published");
    assert_eq!(created["version"], 1);
    assert_eq!(created["date_precision"], "day");
    assert_eq!(created["location"], "Hội trường cơ quan", "trimmed");
    assert_eq!(created["organizer"]["id"], w.a);
    assert_eq!(
        created["organizer"]["name"],
        "Chi đoàn Sở Giao thông vận tải"
    );
    let partners: Vec<(i64, &str)> = created["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (id_of(&p["organization"]), p["role"].as_str().unwrap()))
        .collect();
    assert_eq!(partners, vec![(w.partner, "co_organizer"), (w.b, "host")]);
    assert_eq!(
        created["tags"],
        json!([{"slug": "vi-dan-em-than-yeu", "name": "Vì đàn em thân yêu"},
               {"slug": "thang-thanh-nien", "name": "Tháng Thanh niên"}])
    );
    assert_eq!(
        created["documents"][0],
        json!({"raw": "Kế hoạch số 15-KH/ĐTN-BTG ngày 3/3/2023", "number": "15",
               "doc_type": "KH", "issuer": "ĐTN", "department": "BTG", "issued_on": "2023-03-03",
               "media_id": null, "url": null, "bytes": null, "content_type": null})
    );
    assert_eq!(created["photos"][1]["caption"], "Các cháu nhận quà");
    assert_eq!(created["photos"][1]["url"], Value::Null);
    assert_eq!(created["participants_count"], 120);
    assert!(created["published_at"].is_string(), "{created}");

    let res = app.get(&location).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag").as_deref(), Some(etag.as_str()));
    let got: Value = res.json().await.unwrap();
    assert_eq!(got, created);
    let res = app
        .request(Method::GET, &location)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // The list item embeds the organizer, the tags and the first photo.
    let page = list(&app, "").await;
    let item = &data(&page)[0];
    assert_eq!(
        item["organizer"],
        json!({"id": w.a, "slug": created["organizer"]["slug"], "name": "Chi đoàn Sở Giao thông vận tải"})
    );
    assert_eq!(item["tags"], created["tags"]);
    assert_eq!(item["photo"], created["photos"][0]);
    assert!(item.get("highlight").is_none(), "no highlight without q");
}

#[actix_web::test]
async fn a_draft_is_hidden_from_anonymous_readers_but_shown_to_the_admin() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let draft = create_activity(&app, activity("Hội nghị Ban Chấp hành", w.a)).await;
    assert_eq!(draft["status"], "draft", "draft is the default");
    assert_eq!(draft["published_at"], Value::Null);

    let problem = assert_problem(app.get(&path_of(&draft)).await, 404).await;
    assert_eq!(problem["status"], 404);
    let by_slug = format!("{ACTIVITIES}/{}", draft["slug"].as_str().unwrap());
    assert_eq!(status_of(&app, None, &by_slug).await, 404);
    let res = send(app.as_admin(Method::GET, &by_slug)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), draft);

    assert_eq!(list(&app, "").await["meta"]["total"], 0);
    assert_eq!(
        list(&app, "status=draft").await["meta"]["total"],
        0,
        "anonymous sees no draft"
    );
    let admin_drafts = list_as_admin(&app, &format!("{ACTIVITIES}?status=draft")).await;
    assert_eq!(ids(&admin_drafts), vec![id_of(&draft)]);
}

#[actix_web::test]
async fn publishing_a_draft_sets_published_at_and_makes_it_public() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let draft = create_activity(&app, activity("Hội nghị Ban Chấp hành", w.a)).await;
    let before = chrono::Utc::now();
    let updated = patch_ok(&app, &draft, json!({"status": "published"})).await;
    assert_eq!(updated["status"], "published");
    assert_eq!(updated["version"], 2);
    let published_at = chrono::DateTime::parse_from_rfc3339(
        updated["published_at"].as_str().expect("published_at set"),
    )
    .expect("RFC 3339");
    let drift = (published_at.with_timezone(&chrono::Utc) - before)
        .num_seconds()
        .abs();
    assert!(drift < 60, "published_at is now: {published_at}");

    assert_eq!(app.get_json(&path_of(&draft)).await, updated);
    assert_eq!(ids(&list(&app, "").await), vec![id_of(&draft)]);
    // A later edit keeps the first publication time.
    let edited = patch_ok(&app, &draft, json!({"summary": "Tóm tắt"})).await;
    assert_eq!(edited["published_at"], updated["published_at"]);
}

#[actix_web::test]
async fn an_archived_activity_is_readable_but_listed_only_when_asked_for() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kept = create_activity(&app, published("Hoạt động đang hiện", w.a)).await;
    let old = create_activity(&app, published("Hoạt động cũ", w.a)).await;
    let archived = patch_ok(&app, &old, json!({"status": "archived"})).await;
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["published_at"], old["published_at"]);

    assert_eq!(app.get_json(&path_of(&old)).await["status"], "archived");
    assert_eq!(ids(&list(&app, "").await), vec![id_of(&kept)]);
    assert_eq!(ids(&list(&app, "status=archived").await), vec![id_of(&old)]);
    let both = list(&app, "status=published,archived&sort=title").await;
    assert_eq!(titles(&both), vec!["Hoạt động cũ", "Hoạt động đang hiện"]);
    let problem = assert_problem(app.get(&format!("{ACTIVITIES}?status=deleted")).await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "status");
}

// --- trash ----------------------------------------------------------------------------------

#[actix_web::test]
async fn deleting_moves_to_the_trash_hidden_from_everyone_but_the_trash_list() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let gone = create_activity(&app, published("Hoạt động bị xóa", w.a)).await;
    let stays = create_activity(&app, published("Hoạt động còn lại", w.a)).await;
    assert_eq!(app.delete(&path_of(&gone)).await.status(), 204);

    assert_problem(app.get(&path_of(&gone)).await, 404).await;
    assert_problem(send(app.as_admin(Method::GET, &path_of(&gone))).await, 404).await;
    assert_eq!(ids(&list(&app, "").await), vec![id_of(&stays)]);
    let every_state = list_as_admin(
        &app,
        &format!("{ACTIVITIES}?status=draft,published,archived"),
    )
    .await;
    assert_eq!(ids(&every_state), vec![id_of(&stays)]);
    let trash = list_as_admin(&app, TRASH).await;
    assert_eq!(ids(&trash), vec![id_of(&gone)]);
    assert_eq!(trash["meta"]["total"], 1);
    // A second delete finds nothing to delete.
    assert_problem(app.delete(&path_of(&gone)).await, 404).await;
    assert_eq!(
        assert_problem(app.get(TRASH).await, 401).await["status"],
        401,
        "the trash needs a token"
    );
}

#[actix_web::test]
async fn restoring_from_the_trash_brings_it_back() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let act = create_activity(&app, published("Hoạt động khôi phục", w.a)).await;
    assert_eq!(app.delete(&path_of(&act)).await.status(), 204);
    let res = app
        .as_admin(Method::POST, &format!("{}/restore", path_of(&act)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["title"], "Hoạt động khôi phục");
    assert_eq!(restored["status"], "published");

    assert_eq!(app.get_json(&path_of(&act)).await["id"], act["id"]);
    assert_eq!(ids(&list(&app, "").await), vec![id_of(&act)]);
    assert_eq!(list_as_admin(&app, TRASH).await["meta"]["total"], 0);
    // What is not in the trash cannot be restored.
    let again = app
        .as_admin(Method::POST, &format!("{}/restore", path_of(&act)))
        .send()
        .await
        .unwrap();
    assert_problem(again, 404).await;
}

#[actix_web::test]
async fn purging_is_for_admins_only_and_is_final() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let act = create_activity(&app, published("Hoạt động xóa hẳn", w.a)).await;
    let purge_path = format!("{TRASH}/{}", act["id"]);
    assert_eq!(app.delete(&path_of(&act)).await.status(), 204);

    // The editor of the organizing unit sees it in its trash but may not purge it.
    let trash: Value = send(as_user(&app, &editor, Method::GET, TRASH))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&trash), vec![id_of(&act)]);
    assert_problem(
        send(as_user(&app, &editor, Method::DELETE, &purge_path)).await,
        403,
    )
    .await;

    let left_behind = |app: &TestApp| {
        use diesel::prelude::*;
        let mut conn = app.pool.blocking_conn().unwrap();
        [
            "activity_bodies",
            "activity_revisions",
            "activity_tags",
            "activity_partners",
        ]
        .map(|table| {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            doan_api::db::sql(
                &conn,
                format!("SELECT count(*) AS n FROM {table} WHERE activity_id = ?"),
            )
            .bind::<diesel::sql_types::BigInt, _>(act["id"].as_i64().unwrap())
            .get_result::<Count>(&mut *conn)
            .unwrap()
            .n
        })
    };
    assert_eq!(left_behind(&app)[..2], [1, 1], "a body row and a revision");
    assert_eq!(app.delete(&purge_path).await.status(), 204);
    assert_eq!(left_behind(&app), [0; 4], "nothing of it is kept");
    let restore = app
        .as_admin(Method::POST, &format!("{}/restore", path_of(&act)))
        .send()
        .await
        .unwrap();
    assert_problem(restore, 404).await;
    assert_eq!(list_as_admin(&app, TRASH).await["meta"]["total"], 0);
    assert_problem(app.delete(&purge_path).await, 404).await;
}

#[actix_web::test]
async fn the_trash_lists_only_what_the_caller_may_edit() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, editor_a) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let of_a = create_activity(&app, published("Của đơn vị A", w.a)).await;
    let of_branch = create_activity(&app, published("Của chi đoàn dưới A", w.a_branch)).await;
    let of_b = create_activity(&app, published("Của đơn vị B", w.b)).await;
    for act in [&of_a, &of_branch, &of_b] {
        assert_eq!(app.delete(&path_of(act)).await.status(), 204);
    }
    let trash: Value = send(as_user(&app, &editor_a, Method::GET, TRASH))
        .await
        .json()
        .await
        .unwrap();
    let mut got = ids(&trash);
    got.sort();
    assert_eq!(got, vec![id_of(&of_a), id_of(&of_branch)]);
    assert_eq!(list_as_admin(&app, TRASH).await["meta"]["total"], 3);
    // B's trashed activity is invisible to A's editor: restoring it is a 404.
    let res = send(as_user(
        &app,
        &editor_a,
        Method::POST,
        &format!("{}/restore", path_of(&of_b)),
    ))
    .await;
    assert_problem(res, 404).await;
}

// --- revisions ------------------------------------------------------------------------------

#[actix_web::test]
async fn every_change_is_a_revision_listed_newest_first_with_its_author() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let act = create_activity(&app, activity("Tiêu đề ban đầu", w.a)).await;
    let res = patch_as(
        &app,
        &editor,
        &path_of(&act),
        &json!({"title": "Tiêu đề thứ hai"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    patch_ok(&app, &act, json!({"summary": "Thêm tóm tắt"})).await;

    let revisions_path = format!("{}/revisions", path_of(&act));
    let revisions = list_as_admin(&app, &revisions_path).await;
    let got: Vec<(i64, &str)> = revisions
        .as_array()
        .expect("an array of revisions")
        .iter()
        .map(|r| {
            (
                r["version"].as_i64().unwrap(),
                r["changed_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![(3, "admin"), (2, "bt-so-gtvt"), (1, "admin")]);
    assert!(revisions[0]["changed_at"].is_string());
    assert_eq!(list_as_admin(&app, &path_of(&act)).await["version"], 3);
    // Revisions are for those who may edit.
    assert_problem(app.get(&revisions_path).await, 401).await;
}

#[actix_web::test]
async fn an_old_revision_shows_the_state_of_its_time() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let act = create_activity(
        &app,
        with(
            activity("Tiêu đề ban đầu", w.a),
            json!({"tags": ["Tháng Thanh niên"]}),
        ),
    )
    .await;
    patch_ok(&app, &act, json!({"title": "Tiêu đề mới", "tags": []})).await;

    let first = list_as_admin(&app, &format!("{}/revisions/1", path_of(&act))).await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["changed_by"], "admin");
    assert_eq!(first["state"]["title"], "Tiêu đề ban đầu");
    assert_eq!(first["state"]["tags"][0]["name"], "Tháng Thanh niên");
    assert_eq!(first["state"]["version"], 1);
    let second = list_as_admin(&app, &format!("{}/revisions/2", path_of(&act))).await;
    assert_eq!(second["state"]["title"], "Tiêu đề mới");
    let res = send(app.as_admin(Method::GET, &format!("{}/revisions/9", path_of(&act)))).await;
    assert_problem(res, 404).await;
}

#[actix_web::test]
async fn restoring_a_revision_makes_a_new_version_with_the_old_content() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let act = create_activity(&app, activity("Tiêu đề ban đầu", w.a)).await;
    patch_ok(&app, &act, json!({"title": "Tiêu đề sửa lần một"})).await;
    patch_ok(&app, &act, json!({"title": "Tiêu đề sửa lần hai"})).await;
    let revisions_path = format!("{}/revisions", path_of(&act));
    assert_eq!(
        list_as_admin(&app, &revisions_path)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let res = app
        .as_admin(Method::POST, &format!("{revisions_path}/1/restore"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["title"], "Tiêu đề ban đầu");
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["slug"], act["slug"], "slugs never change");
    let revisions = list_as_admin(&app, &revisions_path).await;
    assert_eq!(revisions.as_array().unwrap().len(), 4);
    assert_eq!(revisions[0]["version"], 4);
    assert_eq!(list_as_admin(&app, &path_of(&act)).await, restored);
}

/// A photo given by URL stays the URL given in every revision, even when that URL is on this
/// server's own `/media/…` (only an uploaded medium's files are kept as paths): restoring the
/// revision restores the photo (it was a 422, "must be an absolute http(s) URL").
#[actix_web::test]
async fn a_photo_url_on_this_server_survives_a_revision_and_its_restore() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let own = app.url(&format!("/media/{}.jpg", "ab".repeat(32)));
    let mut body = activity("Ảnh dẫn từ máy chủ", w.a);
    body["photos"] = json!([{"url": own, "caption": "Toàn cảnh"}]);
    let act = create_activity(&app, body).await;
    patch_ok(&app, &act, json!({"title": "Tiêu đề sửa", "photos": []})).await;
    let revisions_path = format!("{}/revisions", path_of(&act));
    let first = list_as_admin(&app, &format!("{revisions_path}/1")).await;
    assert_eq!(first["state"]["photos"][0]["url"], own);

    let res = app
        .as_admin(Method::POST, &format!("{revisions_path}/1/restore"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let restored = list_as_admin(&app, &path_of(&act)).await;
    assert_eq!(restored["photos"][0]["url"], own);
    let kept = list_as_admin(&app, &format!("{revisions_path}/3")).await;
    assert_eq!(kept["state"]["photos"][0]["url"], own);
}

#[actix_web::test]
async fn a_stale_if_match_is_a_412_and_changes_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let act = create_activity(&app, published("Tiêu đề ban đầu", w.a)).await;
    let res = app.get(&path_of(&act)).await;
    let stale = header(&res, "etag").expect("ETag");
    patch_ok(&app, &act, json!({"title": "Người khác đã sửa"})).await;

    let res = app
        .as_admin(Method::PATCH, &path_of(&act))
        .header("Content-Type", "application/merge-patch+json")
        .header("If-Match", &stale)
        .body(json!({"title": "Sửa dựa trên bản cũ"}).to_string())
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    let res = app
        .as_admin(Method::DELETE, &path_of(&act))
        .header("If-Match", &stale)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    let res = app.get(&path_of(&act)).await;
    let current = header(&res, "etag").expect("ETag");
    let now: Value = res.json().await.unwrap();
    assert_eq!(now["title"], "Người khác đã sửa");
    assert_eq!(now["version"], 2);
    assert_ne!(current, stale);
    // The current ETag is accepted.
    let res = app
        .as_admin(Method::PATCH, &path_of(&act))
        .header("Content-Type", "application/json")
        .header("If-Match", &current)
        .body(json!({"title": "Sửa dựa trên bản mới"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Restoring a revision is a write too.
    let res = app
        .as_admin(
            Method::POST,
            &format!("{}/revisions/1/restore", path_of(&act)),
        )
        .header("If-Match", &current)
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    assert_eq!(app.get_json(&path_of(&act)).await["version"], 3);
}

// --- permissions ----------------------------------------------------------------------------

#[actix_web::test]
async fn an_editor_creates_for_its_own_unit_but_not_for_another() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (editor_id, editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let res =
        send(as_user(&app, &editor, Method::POST, ACTIVITIES).json(&activity("Của đơn vị A", w.a)))
            .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["created_by"], editor_id);
    assert_eq!(created["organizer"]["id"], w.a);

    let res =
        send(as_user(&app, &editor, Method::POST, ACTIVITIES).json(&activity("Của đơn vị B", w.b)))
            .await;
    assert_problem(res, 403).await;
    let res =
        send(as_user(&app, &editor, Method::POST, ACTIVITIES).json(&activity("Của khối", w.bloc)))
            .await;
    assert_problem(res, 403).await;
    let res = app
        .post_anon(ACTIVITIES, &activity("Không có token", w.a))
        .await;
    assert_eq!(
        header(&res, "www-authenticate")
            .as_deref()
            .map(|h| h.starts_with("Bearer")),
        Some(true)
    );
    assert_problem(res, 401).await;
    let all = list_as_admin(&app, &format!("{ACTIVITIES}?status=draft")).await;
    assert_eq!(
        titles(&all),
        vec!["Của đơn vị A"],
        "nothing else was created"
    );
}

#[actix_web::test]
async fn an_editor_edits_its_own_activities_only() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let own = create_activity(&app, activity("Của đơn vị A", w.a)).await;
    let b_published = create_activity(&app, published("Đã đăng của B", w.b)).await;
    let b_draft = create_activity(&app, activity("Nháp của B", w.b)).await;

    let res = patch_as(
        &app,
        &editor,
        &path_of(&own),
        &json!({"status": "published"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        status_of(&app, Some(&editor), &path_of(&b_published)).await,
        200
    );
    let res = patch_as(
        &app,
        &editor,
        &path_of(&b_published),
        &json!({"title": "Sửa của B"}),
    )
    .await;
    assert_problem(res, 403).await;
    let res = send(as_user(
        &app,
        &editor,
        Method::DELETE,
        &path_of(&b_published),
    ))
    .await;
    assert_problem(res, 403).await;
    let res = patch_as(
        &app,
        &editor,
        &path_of(&b_draft),
        &json!({"title": "Sửa nháp của B"}),
    )
    .await;
    assert_problem(res, 404).await;
    assert_eq!(
        status_of(&app, Some(&editor), &path_of(&b_draft)).await,
        404
    );
    // Nor may it hand its own activity over to another unit.
    let res = patch_as(&app, &editor, &path_of(&own), &json!({"organizer_id": w.b})).await;
    assert_problem(res, 403).await;

    assert_eq!(
        app.get_json(&path_of(&b_published)).await["title"],
        "Đã đăng của B"
    );
    assert_eq!(app.get_json(&path_of(&own)).await["organizer"]["id"], w.a);
    let draft = list_as_admin(&app, &path_of(&b_draft)).await;
    assert_eq!(draft["title"], "Nháp của B");
}

#[actix_web::test]
async fn an_editor_of_a_bloc_may_write_for_the_units_below_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, bloc_editor) = app
        .user_with_token("bt-doan-khoi", Role::Editor, Some(w.bloc))
        .await;
    let (_, a_editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    let below = create_activity(&app, activity("Nháp của chi đoàn dưới A", w.a_branch)).await;

    let res = patch_as(
        &app,
        &bloc_editor,
        &path_of(&below),
        &json!({"title": "Khối sửa giúp"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = patch_as(
        &app,
        &a_editor,
        &path_of(&below),
        &json!({"summary": "A sửa giúp"}),
    )
    .await;
    assert_eq!(res.status(), 200, "A is above its branch too");
    let res = send(
        as_user(&app, &bloc_editor, Method::POST, ACTIVITIES)
            .json(&activity("Khối viết cho B", w.b)),
    )
    .await;
    assert_eq!(res.status(), 201);
    let for_b: Value = res.json().await.unwrap();

    // Upwards is not allowed: A's editor cannot see B's draft nor write for the bloc.
    let res = patch_as(
        &app,
        &a_editor,
        &path_of(&for_b),
        &json!({"title": "A sửa của B"}),
    )
    .await;
    assert_problem(res, 404).await;
    let res = send(
        as_user(&app, &a_editor, Method::POST, ACTIVITIES)
            .json(&activity("A viết cho khối", w.bloc)),
    )
    .await;
    assert_problem(res, 403).await;
    let got = list_as_admin(&app, &path_of(&below)).await;
    assert_eq!(got["title"], "Khối sửa giúp", "{got}");
}

#[actix_web::test]
async fn an_editor_lists_drafts_only_of_the_units_it_may_edit() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, editor) = app
        .user_with_token("bt-so-gtvt", Role::Editor, Some(w.a))
        .await;
    create_activity(&app, activity("Nháp của A", w.a)).await;
    create_activity(&app, activity("Nháp của chi đoàn dưới A", w.a_branch)).await;
    create_activity(&app, activity("Nháp của B", w.b)).await;
    create_activity(&app, published("Đã đăng của B", w.b)).await;

    let as_editor = |query: &'static str| {
        let req = as_user(
            &app,
            &editor,
            Method::GET,
            &format!("{ACTIVITIES}?{query}&sort=title"),
        );
        async move {
            let res = send(req).await;
            assert_eq!(res.status(), 200);
            titles(&res.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        as_editor("status=draft").await,
        vec!["Nháp của A", "Nháp của chi đoàn dưới A"]
    );
    assert_eq!(
        as_editor("status=draft,published").await,
        vec!["Đã đăng của B", "Nháp của A", "Nháp của chi đoàn dưới A"]
    );
    assert_eq!(
        as_editor("per_page=100").await,
        vec!["Đã đăng của B"],
        "published by default"
    );
    assert_eq!(list(&app, "status=draft").await["meta"]["total"], 0);
    assert_eq!(
        list_as_admin(&app, &format!("{ACTIVITIES}?status=draft")).await["meta"]["total"],
        3
    );
}

// --- filters --------------------------------------------------------------------------------

/// Published activities across the world: A with partner, the branch below A, B, the bloc.
async fn filter_world(app: &TestApp) -> World {
    let w = world(app).await;
    create_activity(
        app,
        with(
            published("A tổ chức", w.a),
            json!({"category": "volunteering", "tags": ["Thanh niên tình nguyện", "Mùa hè xanh"]}),
        ),
    )
    .await;
    create_activity(app, with(published("B tổ chức, A phối hợp", w.b), json!({"category": "conference", "partners": [{"organization_id": w.a, "role": "co_organizer"}], "tags": ["Thanh niên tình nguyện"]}))).await;
    create_activity(
        app,
        with(
            published("Chi đoàn dưới A tổ chức", w.a_branch),
            json!({"category": "culture_sports", "tags": ["Mùa hè xanh"]}),
        ),
    )
    .await;
    create_activity(app, with(published("Khối tổ chức, đồn biên phòng đăng cai", w.bloc), json!({"category": "thematic_session", "partners": [{"organization_id": w.partner, "role": "host"}]}))).await;
    create_activity(app, activity("Nháp của A", w.a)).await;
    w
}

#[actix_web::test]
async fn organization_matches_organizer_or_partner_and_organizer_only_the_organizer() {
    let app = spawn_app().await;
    let w = filter_world(&app).await;
    assert_eq!(
        titles_of(&app, &format!("organization={}", w.a)).await,
        sorted(&["A tổ chức", "B tổ chức, A phối hợp"])
    );
    assert_eq!(
        titles_of(&app, &format!("organizer={}", w.a)).await,
        sorted(&["A tổ chức"])
    );
    // By slug too; a partner body is found through its partner role.
    assert_eq!(
        titles_of(&app, "organization=don-bien-phong-ba-son").await,
        sorted(&["Khối tổ chức, đồn biên phòng đăng cai"])
    );
    assert!(titles_of(&app, "organizer=don-bien-phong-ba-son")
        .await
        .is_empty());
}

#[actix_web::test]
async fn include_descendants_widens_organization_and_organizer_to_the_subtree() {
    let app = spawn_app().await;
    let w = filter_world(&app).await;
    assert_eq!(
        titles_of(
            &app,
            &format!("organization={}&include_descendants=true", w.a)
        )
        .await,
        sorted(&[
            "A tổ chức",
            "B tổ chức, A phối hợp",
            "Chi đoàn dưới A tổ chức"
        ])
    );
    assert_eq!(
        titles_of(&app, &format!("organizer={}&include_descendants=true", w.a)).await,
        sorted(&["A tổ chức", "Chi đoàn dưới A tổ chức"])
    );
    assert_eq!(
        titles_of(
            &app,
            &format!("organizer={}&include_descendants=true", w.bloc)
        )
        .await
        .len(),
        4
    );
    assert_eq!(
        titles_of(&app, &format!("organizer={}", w.bloc))
            .await
            .len(),
        1
    );
    assert_eq!(
        titles_of(
            &app,
            &format!("organizer={}&include_descendants=false", w.a)
        )
        .await,
        sorted(&["A tổ chức"])
    );
    let problem = assert_problem(
        app.get(&format!("{ACTIVITIES}?include_descendants=true"))
            .await,
        400,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "include_descendants");
}

#[actix_web::test]
async fn category_filter_takes_a_list_of_codes() {
    let app = spawn_app().await;
    filter_world(&app).await;
    assert_eq!(
        titles_of(&app, "category=volunteering").await,
        sorted(&["A tổ chức"])
    );
    assert_eq!(
        titles_of(&app, "category=volunteering,culture_sports").await,
        sorted(&["A tổ chức", "Chi đoàn dưới A tổ chức"])
    );
    // The parameter repeated, as openapi-fetch sends a list, or with brackets, as axios does.
    assert_eq!(
        titles_of(&app, "category[]=volunteering&category[]=culture_sports").await,
        sorted(&["A tổ chức", "Chi đoàn dưới A tổ chức"])
    );
    assert_eq!(
        titles_of(&app, "category=volunteering&category=culture_sports").await,
        sorted(&["A tổ chức", "Chi đoàn dưới A tổ chức"])
    );
    assert!(titles_of(&app, "category=environment").await.is_empty());
    let problem = assert_problem(
        app.get(&format!("{ACTIVITIES}?category=volunteering,picnic"))
            .await,
        400,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "category");
    // A single-valued parameter given twice is still a 400 naming it.
    let problem = assert_problem(
        app.get(&format!(
            "{ACTIVITIES}?category=volunteering&organizer=1&organizer=2"
        ))
        .await,
        400,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "organizer");
}

#[actix_web::test]
async fn tag_filter_needs_every_tag_and_an_unknown_tag_is_a_404_naming_tag() {
    let app = spawn_app().await;
    filter_world(&app).await;
    assert_eq!(
        titles_of(&app, "tag=thanh-nien-tinh-nguyen").await,
        sorted(&["A tổ chức", "B tổ chức, A phối hợp"])
    );
    assert_eq!(
        titles_of(&app, "tag=thanh-nien-tinh-nguyen,mua-he-xanh").await,
        sorted(&["A tổ chức"])
    );
    let problem = assert_problem(
        app.get(&format!("{ACTIVITIES}?tag=mua-he-xanh,khong-co-the-nay"))
            .await,
        404,
    )
    .await;
    let detail = problem["detail"].as_str().expect("detail");
    assert!(
        detail.contains("`tag`") && detail.contains("khong-co-the-nay"),
        "{problem}"
    );
}

#[actix_web::test]
async fn unknown_organization_organizer_and_cluster_are_404s_naming_the_parameter() {
    let app = spawn_app().await;
    filter_world(&app).await;
    for (param, value) in [
        ("organization", "khong-co-don-vi"),
        ("organizer", "99999"),
        ("cluster", "cum-thi-dua-so-99"),
    ] {
        let res = app.get(&format!("{ACTIVITIES}?{param}={value}")).await;
        let problem = assert_problem(res, 404).await;
        let detail = problem["detail"].as_str().expect("detail");
        assert!(
            detail.contains(&format!("`{param}`")) && detail.contains(value),
            "{param}: {problem}"
        );
    }
    let res = app
        .get("/api/v1/organizations/khong-co-don-vi/activities")
        .await;
    assert_problem(res, 404).await;
}

#[actix_web::test]
async fn a_month_precision_activity_is_in_date_ranges_that_cover_its_month() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let month = with(
        published("Trong tháng 9", w.a),
        json!({"occurred_on": "2023-09-01", "date_precision": "month"}),
    );
    let month = create_activity(&app, month).await;
    assert_eq!(month["date_precision"], "month");
    create_activity(
        &app,
        with(
            published("Ngày 15/9", w.a),
            json!({"occurred_on": "2023-09-15"}),
        ),
    )
    .await;
    create_activity(
        &app,
        with(
            published("Ngày 31/8", w.a),
            json!({"occurred_on": "2023-08-31"}),
        ),
    )
    .await;
    create_activity(
        &app,
        with(
            published("Ba ngày 29/9 – 1/10", w.a),
            json!({"occurred_on": "2023-09-29", "ends_on": "2023-10-01"}),
        ),
    )
    .await;

    let range = |from: &str, to: &str| format!("occurred_from={from}&occurred_to={to}");
    assert_eq!(
        titles_of(&app, &range("2023-09-01", "2023-09-30")).await,
        sorted(&["Ngày 15/9", "Trong tháng 9"])
    );
    assert_eq!(
        titles_of(&app, &range("2023-01-01", "2023-12-31")).await,
        sorted(&[
            "Ba ngày 29/9 – 1/10",
            "Ngày 15/9",
            "Ngày 31/8",
            "Trong tháng 9"
        ])
    );
    assert_eq!(
        titles_of(&app, &range("2023-09-10", "2023-09-30")).await,
        sorted(&["Ngày 15/9"])
    );
    assert_eq!(
        titles_of(&app, &range("2023-09-01", "2023-09-20")).await,
        sorted(&["Ngày 15/9"])
    );
    assert_eq!(
        titles_of(&app, "occurred_from=2023-09-01").await,
        sorted(&["Ba ngày 29/9 – 1/10", "Ngày 15/9", "Trong tháng 9"])
    );
    assert_eq!(
        titles_of(&app, "occurred_to=2023-08-31").await,
        sorted(&["Ngày 31/8"])
    );
    // Open-ended bounds: any valid day, far outside the stored years (1900–2100).
    let all = sorted(&[
        "Ba ngày 29/9 – 1/10",
        "Ngày 15/9",
        "Ngày 31/8",
        "Trong tháng 9",
    ]);
    assert_eq!(
        titles_of(&app, &range("0000-01-01", "9999-12-31")).await,
        all
    );
    assert_eq!(titles_of(&app, "occurred_to=9999-12-31").await, all);
    assert_eq!(
        titles_of(&app, &range("2023-09-01", "9999-12-31")).await,
        sorted(&["Ba ngày 29/9 – 1/10", "Ngày 15/9", "Trong tháng 9"])
    );
    assert!(titles_of(&app, "occurred_from=9999-01-01").await.is_empty());
    assert!(titles_of(&app, "occurred_to=0001-12-31").await.is_empty());
    let stats = app
        .get_json("/api/v1/stats/activities?group_by=month&occurred_from=0000-01-01&occurred_to=9999-12-31")
        .await;
    assert_eq!(stats["total"], 4, "{stats}");
    // Checked as given: a reversed range far out is a 400 too, a signed year is no date.
    for query in [
        range("9999-12-31", "9999-12-30"),
        "occurred_from=-001-01-01".to_string(),
    ] {
        let res = app.get(&format!("{ACTIVITIES}?{query}")).await;
        assert_problem(res, 400).await;
    }
    let problem = assert_problem(
        app.get(&format!("{ACTIVITIES}?occurred_from=2023-13-01"))
            .await,
        400,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "occurred_from");
    let res = app
        .get(&format!(
            "{ACTIVITIES}?occurred_from=2023-09-30&occurred_to=2023-09-01"
        ))
        .await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(problem["errors"][0]["field"], "occurred_to");
}

// --- sorts ----------------------------------------------------------------------------------

#[actix_web::test]
async fn each_sort_orders_the_list_with_the_id_breaking_ties() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mk = |title: &str, on: &str, published_at: &str| {
        with(
            published(title, w.a),
            json!({"occurred_on": on, "published_at": published_at}),
        )
    };
    let first = create_activity(&app, mk("Một", "2023-09-10", "2023-09-12T08:00:00Z")).await;
    let second = create_activity(&app, mk("Hai", "2023-09-25", "2023-09-11T08:00:00Z")).await;
    let third = create_activity(&app, mk("Ba", "2023-09-01", "2023-09-30T08:00:00Z")).await;
    let fourth = create_activity(&app, mk("Bốn", "2023-09-10", "2023-09-01T08:00:00Z")).await;
    let [one, two, three, four] = [&first, &second, &third, &fourth].map(id_of);
    assert_eq!(
        first["published_at"], "2023-09-12T08:00:00Z",
        "an explicit published_at is kept"
    );

    let order = |sort: &'static str| {
        let app = &app;
        async move { ids(&list(app, &format!("sort={sort}")).await) }
    };
    assert_eq!(
        order("-occurred_on").await,
        vec![two, four, one, three],
        "ties: by id, in the sort's direction"
    );
    assert_eq!(
        ids(&list(&app, "").await),
        vec![two, four, one, three],
        "the default"
    );
    assert_eq!(order("occurred_on").await, vec![three, one, four, two]);
    assert_eq!(order("published_at").await, vec![four, two, one, three]);
    assert_eq!(order("-published_at").await, vec![three, one, two, four]);
    assert_eq!(
        order("occurred_on,published_at").await,
        vec![three, four, one, two]
    );
    patch_ok(&app, &second, json!({"summary": "Sửa sau cùng"})).await;
    assert_eq!(order("-updated_at").await, vec![two, four, three, one]);
    assert_eq!(order("updated_at").await, vec![one, three, four, two]);
    for bad in ["location", "-published"] {
        let problem = assert_problem(app.get(&format!("{ACTIVITIES}?sort={bad}")).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], "sort");
    }
}

#[actix_web::test]
async fn titles_sort_in_vietnamese_order() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // ă, â after a; đ after d; ê, ô, ơ, ư after their base letter; tones second (none, grave,
    // hook, tilde, acute, dot below).
    let expected = [
        "An", "Ăn", "Âm", "Ba", "Bà", "Bạ", "Bác", "Dê", "Đêm", "Em", "Ê kíp", "On", "Ôn", "Ơn",
        "Út", "Ưu", "Zen",
    ];
    // Created in a scrambled order (5 is coprime with 17: every title once).
    for i in 0..expected.len() {
        create_activity(&app, published(expected[(i * 5) % expected.len()], w.a)).await;
    }
    let page = list(&app, "sort=title&per_page=100").await;
    assert_eq!(titles(&page), expected);
    let mut reversed: Vec<&str> = expected.to_vec();
    reversed.reverse();
    assert_eq!(
        titles(&list(&app, "sort=-title&per_page=100").await),
        reversed
    );
}

#[actix_web::test]
async fn relevance_needs_q_and_ranks_hits_with_the_query_diacritics_first() {
    let app = spawn_app().await;
    let unit = neutral_unit(&app).await;
    // Created first, so the id alone would put it first.
    create_activity(&app, published("Dê núi", unit)).await;
    create_activity(&app, published("Dế Mèn phiêu lưu", unit)).await;
    create_activity(&app, published("Hội thi kéo co", unit)).await;

    let by_relevance = |q: &'static str| {
        let app = &app;
        async move { titles(&search(app, q, &[("sort", "relevance")]).await) }
    };
    assert_eq!(by_relevance("dế").await, vec!["Dế Mèn phiêu lưu", "Dê núi"]);
    assert_eq!(by_relevance("dê").await, vec!["Dê núi", "Dế Mèn phiêu lưu"]);
    let both = titles(&search(&app, "de", &[]).await);
    assert_eq!(both.len(), 2, "folding finds both: {both:?}");

    let problem = assert_problem(app.get(&format!("{ACTIVITIES}?sort=relevance")).await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "sort");
}

// --- search ---------------------------------------------------------------------------------

#[actix_web::test]
async fn search_folds_case_diacritics_and_d_bar_and_highlights_the_original_words() {
    let app = spawn_app().await;
    let unit = neutral_unit(&app).await;
    create_activity(
        &app,
        published("Ra quân Thanh niên tình nguyện hè 2023", unit),
    )
    .await;
    create_activity(
        &app,
        published("Đại hội Đoàn cơ sở nhiệm kỳ 2023 – 2028", unit),
    )
    .await;
    create_activity(&app, published("Dọn vệ sinh môi trường", unit)).await;

    let page = search(&app, "thanh nien tinh nguyen", &[]).await;
    assert_eq!(
        titles(&page),
        vec!["Ra quân Thanh niên tình nguyện hè 2023"]
    );
    assert_eq!(
        data(&page)[0]["highlight"],
        "Ra quân <mark>Thanh</mark> <mark>niên</mark> <mark>tình</mark> <mark>nguyện</mark> hè 2023"
    );
    for q in ["doan", "ĐOÀN", "đoàn co", "Doan Co So"] {
        let page = search(&app, q, &[]).await;
        assert_eq!(
            titles(&page),
            vec!["Đại hội Đoàn cơ sở nhiệm kỳ 2023 – 2028"],
            "q={q}"
        );
        let highlight = data(&page)[0]["highlight"].as_str().expect("highlight");
        assert!(
            highlight.contains("<mark>Đoàn</mark>"),
            "q={q}: {highlight}"
        );
    }
    // NFD input (combining marks) finds what NFC finds.
    let nfd = "Thanh nie\u{0302}n ti\u{0300}nh nguye\u{0323}\u{0302}n";
    assert_eq!(
        titles(&search(&app, nfd, &[]).await),
        vec!["Ra quân Thanh niên tình nguyện hè 2023"]
    );
    assert!(titles(&search(&app, "don ve sinh", &[]).await)
        .contains(&"Dọn vệ sinh môi trường".to_string()));
    assert!(
        titles(&search(&app, "doan ve sinh", &[]).await).is_empty(),
        "dọn is not đoàn"
    );
}

#[actix_web::test]
async fn highlights_are_html_escaped_excerpts_of_the_matching_text() {
    let app = spawn_app().await;
    let unit = neutral_unit(&app).await;
    create_activity(
        &app,
        with(
            published("Ra quân đầu năm", unit),
            json!({"summary": "Ra quân <Tháng Thanh niên> & tình nguyện"}),
        ),
    )
    .await;
    let page = search(&app, "thang thanh", &[]).await;
    assert_eq!(titles(&page), vec!["Ra quân đầu năm"]);
    assert_eq!(
        data(&page)[0]["highlight"],
        "Ra quân &lt;<mark>Tháng</mark> <mark>Thanh</mark> niên&gt; &amp; tình nguyện"
    );
    // Search also covers tags, and the highlight shows the tag as written.
    create_activity(
        &app,
        with(
            published("Ngày hội", unit),
            json!({"tags": ["Vì đàn em thân yêu"]}),
        ),
    )
    .await;
    let page = search(&app, "vi dan em", &[]).await;
    assert_eq!(titles(&page), vec!["Ngày hội"]);
    assert_eq!(
        data(&page)[0]["highlight"],
        "<mark>Vì</mark> <mark>đàn</mark> <mark>em</mark> thân yêu"
    );
}

// --- pagination -----------------------------------------------------------------------------

#[actix_web::test]
async fn a_cursor_walk_sees_every_row_once_while_others_insert() {
    let app = spawn_app().await;
    let w = world(&app).await;
    for day in 1..=16 {
        let body = with(
            published(&format!("Hoạt động ngày {day}"), w.a),
            json!({"occurred_on": format!("2023-03-{day:02}")}),
        );
        create_activity(&app, body).await;
    }
    let before: HashSet<i64> = ids(&list(&app, "per_page=100").await).into_iter().collect();
    assert_eq!(before.len(), 16);
    // Between pages another client adds activities that sort before, within and after the walk.
    let walked = walk_cursor(
        &app,
        &format!("{ACTIVITIES}?per_page=3"),
        ACTIVITIES,
        |step| {
            let on = ["2024-01-01", "2023-03-08", "2022-12-31"][step % 3];
            Some(with(
                published(&format!("Mới thêm {step}"), w.a),
                json!({"occurred_on": on}),
            ))
        },
    )
    .await;
    assert_walk_saw_each_row_once(&walked, &before);
}

// --- sanitised Markdown ---------------------------------------------------------------------

#[actix_web::test]
async fn body_html_is_rendered_markdown_without_anything_executable() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let markdown = "**Đêm hội** cho các cháu\n\n\
        <script>alert('s')</script>\n\n\
        <img src=\"https://example.vn/a.jpg\" onerror=\"alert('i')\">\n\n\
        [bấm vào đây](javascript:alert('j'))\n\n\
        <a href=\"https://doanthanhnien.vn\" onclick=\"alert('c')\">Đoàn</a>\n\n\
        <iframe src=\"https://evil.example\"></iframe>\n\n\
        <svg onload=\"alert('o')\"><circle r=\"1\"/></svg>\n\n\
        <style>body { display: none }</style>\n\n\
        <a href=\"JaVaScRiPt:alert('k')\">hoa thường</a>";
    let act = create_activity(
        &app,
        with(published("Đêm hội", w.a), json!({"body": markdown})),
    )
    .await;
    assert_eq!(act["body"], markdown, "the Markdown is kept as written");
    let html = act["body_html"].as_str().expect("body_html");
    assert!(html.contains("<strong>Đêm hội</strong>"), "{html}");
    assert!(
        html.contains("href=\"https://doanthanhnien.vn\""),
        "safe links stay: {html}"
    );
    let lower = html.to_lowercase();
    for bad in [
        "script",
        "onerror",
        "onclick",
        "javascript:",
        "iframe",
        "onload",
        "<style",
        "<svg",
    ] {
        assert!(!lower.contains(bad), "{bad} in {html}");
    }
    // A patch re-renders it.
    let patched = patch_ok(
        &app,
        &act,
        json!({"body": "_nghiêng_ <b onmouseover=\"x()\">đậm</b>"}),
    )
    .await;
    assert_eq!(patched["body_html"], "<p><em>nghiêng</em> <b>đậm</b></p>\n");
    let cleared = patch_ok(&app, &act, json!({"body": null})).await;
    assert_eq!(cleared["body_html"], Value::Null);
}

// --- validation -----------------------------------------------------------------------------

#[actix_web::test]
async fn ends_on_before_occurred_on_is_a_422_naming_ends_on() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = with(
        activity("Sai ngày", w.a),
        json!({"occurred_on": "2023-09-20", "ends_on": "2023-09-19"}),
    );
    assert_eq!(create_invalid(&app, body).await, vec!["/ends_on"]);
    let act = create_activity(
        &app,
        with(activity("Đúng ngày", w.a), json!({"ends_on": "2023-09-20"})),
    )
    .await;
    let res = app
        .patch_json(&path_of(&act), &json!({"occurred_on": "2023-09-21"}))
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/ends_on"]);
}

#[actix_web::test]
async fn unknown_references_are_422s_naming_the_field() {
    let app = spawn_app().await;
    let w = world(&app).await;
    assert_eq!(
        create_invalid(&app, activity("Không có đơn vị", 99_999)).await,
        vec!["/organizer_id"]
    );
    let body = with(
        activity("Đối tác lạ", w.a),
        json!({"partners": [{"organization_id": w.b, "role": "host"}, {"organization_id": 88_888, "role": "co_organizer"}]}),
    );
    assert_eq!(
        create_invalid(&app, body).await,
        vec!["/partners/1/organization_id"]
    );
    let body = with(activity("Cụm lạ", w.a), json!({"cluster_id": 77_777}));
    assert_eq!(create_invalid(&app, body).await, vec!["/cluster_id"]);
    let act = create_activity(&app, activity("Có thật", w.a)).await;
    let res = app
        .patch_json(&path_of(&act), &json!({"organizer_id": 99_999}))
        .await;
    assert_eq!(
        error_fields(&assert_problem(res, 422).await),
        vec!["/organizer_id"]
    );
    assert_eq!(
        list_as_admin(&app, &format!("{ACTIVITIES}?status=draft")).await["meta"]["total"],
        1
    );
}

#[actix_web::test]
async fn tags_with_markup_or_symbols_are_422s() {
    let app = spawn_app().await;
    let w = world(&app).await;
    for bad in ["<b>", "#tag", "Tháng 3 / biên giới", "   "] {
        let body = with(activity("Thẻ sai", w.a), json!({"tags": [bad]}));
        assert_eq!(
            create_invalid(&app, body).await,
            vec!["/tags/0"],
            "tag {bad:?}"
        );
    }
    let body = with(
        activity("Thẻ sai thứ hai", w.a),
        json!({"tags": ["Tháng Thanh niên", "x<script>"]}),
    );
    assert_eq!(create_invalid(&app, body).await, vec!["/tags/1"]);
    // Letters with diacritics, digits, spaces, '-' and '.' are fine.
    let ok = create_activity(
        &app,
        with(
            activity("Thẻ đúng", w.a),
            json!({"tags": ["3 trách nhiệm", "Xuân tình nguyện 2024", "Bình dân học vụ số"]}),
        ),
    )
    .await;
    assert_eq!(ok["tags"][0]["slug"], "3-trach-nhiem");
}

#[actix_web::test]
async fn an_over_long_title_is_a_422() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let long = "Đ".repeat(301);
    assert_eq!(
        create_invalid(&app, activity(&long, w.a)).await,
        vec!["/title"]
    );
    let just_fits = create_activity(&app, activity(&"Đ".repeat(300), w.a)).await;
    assert_eq!(just_fits["title"].as_str().unwrap().chars().count(), 300);
    assert_eq!(
        create_invalid(&app, activity("   ", w.a)).await,
        vec!["/title"]
    );
}

#[actix_web::test]
async fn month_precision_needs_the_first_day_of_the_month() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = with(
        activity("Tháng 9", w.a),
        json!({"occurred_on": "2023-09-15", "date_precision": "month"}),
    );
    assert_eq!(create_invalid(&app, body).await, vec!["/occurred_on"]);
    let body = with(
        activity("Năm 2023", w.a),
        json!({"occurred_on": "2023-09-01", "date_precision": "year"}),
    );
    assert_eq!(create_invalid(&app, body).await, vec!["/occurred_on"]);
    let body = with(
        activity("Năm 2023", w.a),
        json!({"occurred_on": "2023-01-01", "date_precision": "year"}),
    );
    assert_eq!(create_activity(&app, body).await["date_precision"], "year");
}

#[actix_web::test]
async fn several_errors_are_listed_together() {
    let app = spawn_app().await;
    let body = json!({
        "title": "Đ".repeat(301),
        "occurred_on": "2023-09-20",
        "ends_on": "2023-09-01",
        "category": "conference",
        "organizer_id": 99_999,
        "partners": [{"organization_id": 88_888, "role": "host"}],
        "cluster_id": 77_777,
        "tags": ["#tag"],
    });
    let problem = assert_problem(app.post_json(ACTIVITIES, &body).await, 422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "/cluster_id",
            "/ends_on",
            "/organizer_id",
            "/partners/0/organization_id",
            "/tags/0",
            "/title"
        ]
    );
    assert_eq!(
        list_as_admin(&app, &format!("{ACTIVITIES}?status=draft")).await["meta"]["total"],
        0
    );
}

#[actix_web::test]
async fn slugs_are_generated_numbered_or_explicit_and_a_taken_one_is_a_409() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let first = create_activity(&app, activity("Đêm hội Trăng rằm", w.a)).await;
    let second = create_activity(&app, activity("Đêm hội Trăng rằm", w.b)).await;
    assert_eq!(first["slug"], "dem-hoi-trang-ram");
    assert_eq!(second["slug"], "dem-hoi-trang-ram-2");
    let explicit = create_activity(
        &app,
        with(
            activity("Trung thu", w.a),
            json!({"slug": "trung-thu-2023"}),
        ),
    )
    .await;
    assert_eq!(explicit["slug"], "trung-thu-2023");
    let by_slug = list_as_admin(&app, &format!("{ACTIVITIES}/trung-thu-2023")).await;
    assert_eq!(by_slug["id"], explicit["id"]);
    let res = app
        .post_json(
            ACTIVITIES,
            &with(
                activity("Trung thu khác", w.a),
                json!({"slug": "trung-thu-2023"}),
            ),
        )
        .await;
    let problem = assert_problem(res, 409).await;
    assert_eq!(error_fields(&problem), vec!["/slug"]);
    // Renaming keeps the slug.
    let renamed = patch_ok(&app, &first, json!({"title": "Vui Tết Trung thu"})).await;
    assert_eq!(renamed["slug"], "dem-hoi-trang-ram");
}

// --- vocabularies ---------------------------------------------------------------------------

#[actix_web::test]
async fn tags_count_published_activities_filter_by_q_and_sort_by_name() {
    let app = spawn_app().await;
    let w = world(&app).await;
    create_activity(
        &app,
        with(
            published("Một", w.a),
            json!({"tags": ["Tháng Thanh niên", "Xuân tình nguyện"]}),
        ),
    )
    .await;
    create_activity(
        &app,
        with(published("Hai", w.a), json!({"tags": ["tháng thanh niên"]})),
    )
    .await;
    create_activity(
        &app,
        with(activity("Nháp", w.a), json!({"tags": ["Ăn ngon"]})),
    )
    .await;

    // Anonymous readers see the tags of public activities only (the draft's is private).
    let tags = app.get_json("/api/v1/tags").await;
    assert_eq!(
        tags,
        json!([{"slug": "thang-thanh-nien", "name": "Tháng Thanh niên", "count": 2},
               {"slug": "xuan-tinh-nguyen", "name": "Xuân tình nguyện", "count": 1}])
    );
    let by_name: Vec<Value> = list_as_admin(&app, "/api/v1/tags?sort=name")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(
        by_name,
        vec!["Ăn ngon", "Tháng Thanh niên", "Xuân tình nguyện"]
    );
    let found = app.get_json("/api/v1/tags?q=tinh").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["slug"], "xuan-tinh-nguyen");
    let problem = assert_problem(app.get("/api/v1/tags?sort=popularity").await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "sort");
}

// --- demo data ------------------------------------------------------------------------------

const BLOC_SLUG: &str = "doan-khoi-cac-co-quan-tinh-lang-son";

#[actix_web::test]
async fn demo_has_the_seven_published_activities_of_the_page() {
    let app = spawn_demo_app().await;
    let page = list(&app, "").await;
    assert_eq!(page["meta"]["total"], 7);
    let dates: Vec<&str> = data(&page)
        .iter()
        .map(|a| a["occurred_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2023-09-25",
            "2023-09-20",
            "2023-09-14",
            "2023-09-08",
            "2023-09-07",
            "2023-09-01",
            "2023-08-31"
        ]
    );
    assert!(data(&page).iter().all(|a| a["status"] == "published"));
    let all = list(
        &app,
        &format!("organization={BLOC_SLUG}&include_descendants=true"),
    )
    .await;
    assert_eq!(all["meta"]["total"], 7);
    assert_eq!(
        list(&app, &format!("organization={BLOC_SLUG}")).await["meta"]["total"],
        3,
        "the bloc stands for cluster 4 in its two activities and attended the 20/9 review"
    );
}

/// The page's own order (DEMO.md, "Activities"), top to bottom.
const PAGE_ORDER: [&str; 7] = [
    "dem-hoi-trang-ram-cho-con-vien-chuc-nguoi-lao-dong",
    "chi-doan-van-phong-ubnd-tinh-so-ket-cong-tac-doan-9-thang-nam-2023",
    "cum-thi-dua-so-4-day-manh-cac-phong-trao-thanh-nien-tinh-nguyen-huong-ve-co-so",
    "sinh-hoat-chuyen-de-the-loai-tham-quyen-ban-hanh-va-the-thuc-van-ban-cua-dang",
    "hoat-dong-tinh-nguyen-vi-dan-em-than-yeu-tai-xa-mau-son",
    "sinh-hoat-chuyen-de-quan-ly-dia-ban-gan-voi-phan-mem-xu-ly-vi-pham-hanh-chinh-ins",
    "cum-thi-dua-so-4-so-ket-cong-tac-doan-9-thang-dau-nam-2023",
];

fn slugs(page: &Value) -> Vec<&str> {
    data(page)
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect()
}

fn partner_roles(act: &Value) -> Vec<(&str, &str)> {
    act["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["organization"]["name"].as_str().unwrap(),
                p["role"].as_str().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn demo_the_blocs_subtree_newest_publication_first_is_the_page_in_its_order() {
    let app = spawn_demo_app().await;
    let page = list(
        &app,
        &format!("organization={BLOC_SLUG}&include_descendants=true&sort=-published_at"),
    )
    .await;
    assert_eq!(slugs(&page), PAGE_ORDER);
    // Publication times are the afternoon of each day in Asia/Ho_Chi_Minh (UTC+7).
    assert_eq!(data(&page)[0]["published_at"], "2023-09-25T10:00:00Z");
}

#[actix_web::test]
async fn demo_partners_and_documents_are_those_the_page_states() {
    let app = spawn_demo_app().await;
    let get = |slug: &str| {
        let path = format!("{ACTIVITIES}/{slug}");
        let app = &app;
        async move { app.get_json(&path).await }
    };
    let night = get(PAGE_ORDER[0]).await;
    assert_eq!(
        night["organizer"]["name"], "Công đoàn cơ sở Đài Phát thanh và Truyền hình Lạng Sơn",
        "the trade union \"phối hợp với\" the branch"
    );
    assert_eq!(
        partner_roles(&night),
        [(
            "Chi đoàn Đài Phát thanh và Truyền hình Lạng Sơn",
            "co_organizer"
        )]
    );
    let review = get(PAGE_ORDER[1]).await;
    assert_eq!(
        partner_roles(&review),
        [
            ("Đoàn khối các cơ quan tỉnh Lạng Sơn", "participant"),
            ("Đồn Biên phòng Ba Sơn", "beneficiary"),
        ]
    );
    assert_eq!(
        review["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["raw"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "Nghị quyết Đại hội Đại biểu Đoàn toàn quốc lần thứ XII",
            "Nghị quyết Đại hội đại biểu Đoàn thanh niên tỉnh lần thứ XIV nhiệm kỳ 2022-2027",
        ]
    );
    assert_eq!(review["tags"].as_array().unwrap().len(), 3);
    let meeting = get(PAGE_ORDER[6]).await;
    assert_eq!(meeting["organizer"]["slug"], BLOC_SLUG);
    assert_eq!(
        partner_roles(&meeting),
        [("Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh", "chair")]
    );
    // The border post finds the review through the organization filter.
    let ba_son = list(&app, "organization=don-bien-phong-ba-son").await;
    assert_eq!(slugs(&ba_son), [PAGE_ORDER[1]]);
}

fn urlencoding(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The ids a search `q` finds, in ascending order.
async fn found(app: &TestApp, q: &str) -> Vec<i64> {
    let mut got = ids(&list(app, &format!("q={}", urlencoding(q))).await);
    got.sort_unstable();
    got
}

/// A new unit for the search tests.
async fn office(app: &TestApp) -> i64 {
    app.create_org(json!({"name": "Chi đoàn Văn phòng", "kind": "grassroots_branch"}))
        .await["id"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn a_quoted_phrase_matches_its_words_in_order() {
    let app = spawn_app().await;
    let org = office(&app).await;
    let apart = create_activity(&app, published("Phục vụ nhân dân tỉnh Lạng Sơn", org)).await;
    let together = create_activity(&app, published("Thu gom rác tại xã Vũ Lăng", org)).await;
    let mut both = vec![id_of(&apart), id_of(&together)];
    both.sort_unstable();
    assert_eq!(
        found(&app, "vu lang").await,
        both,
        "words anywhere, in any order"
    );
    assert_eq!(found(&app, "\"vu lang\"").await, [id_of(&together)]);
    assert_eq!(found(&app, "\"Vũ Lăng\"").await, [id_of(&together)]);
    assert_eq!(
        found(&app, "\"lang vu\"").await,
        Vec::<i64>::new(),
        "in that order"
    );
    assert_eq!(found(&app, "\"xa vu\" rac").await, [id_of(&together)]);
    // A phrase is whole words: no prefix at its end.
    assert_eq!(found(&app, "\"vu lan\"").await, Vec::<i64>::new());
    // The walk plan (a page of a dense search) answers the same.
    let page = list(
        &app,
        &format!("q={}&sort=-occurred_on", urlencoding("\"vu lang\"")),
    )
    .await;
    assert_eq!(page["meta"]["total"], 1);
}

#[actix_web::test]
async fn bylines_captions_and_document_titles_are_searchable_and_rebuilt_on_upgrade() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let org = office(&app).await;
    let act = create_activity(
        &app,
        with(
            published("Sinh hoạt chi đoàn tháng 10", org),
            json!({
                "byline": "Nguyễn Thị Quyên",
                "photos": [{"caption": "Toàn cảnh buổi lễ kết nạp"}],
                "documents": [{"raw": "Kế hoạch số 99-KH/ĐTN ngày 01/10/2023"}]
            }),
        ),
    )
    .await;
    let id = id_of(&act);
    for q in ["Quyên", "nguyen thi quyen", "ket nap", "\"99 kh\""] {
        assert_eq!(found(&app, q).await, [id], "{q}");
    }
    // Changed, the old caption no longer finds it.
    let res = app
        .patch_json(
            &format!("{ACTIVITIES}/{id}"),
            &json!({"photos": [{"caption": "Đoàn viên phát biểu"}]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(found(&app, "ket nap").await.is_empty());
    assert_eq!(found(&app, "phat bieu").await, [id]);

    // A database indexed by an older version (its entry lost the byline) is rebuilt at start.
    app.pool
        .blocking_conn()
        .unwrap()
        .batch_execute(&format!(
            "DELETE FROM activities_fts WHERE rowid = {id};
             UPDATE index_versions SET version = 1 WHERE name = 'activities_fts';"
        ))
        .unwrap();
    assert!(found(&app, "Quyên").await.is_empty());
    let address = start_again(&app, |_| {}).await;
    let page = fetch_json(&app, &format!("{address}{ACTIVITIES}?q=Quy%C3%AAn")).await;
    assert_eq!(ids(&page), [id]);
}

#[actix_web::test]
async fn an_earlier_demo_is_brought_up_to_date_unless_someone_edited_it() {
    use diesel::connection::SimpleConnection;
    let app = spawn_demo_app().await;
    // What an earlier demo loaded: the branch leading the Mid-autumn night with the trade
    // union as partner, published when loaded; the VPTU unit without its short name. Never
    // edited since (updated_at = created_at).
    app.pool
        .blocking_conn()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE activities SET organizer_id = (SELECT id FROM organizations WHERE slug = \
               'chi-doan-dai-phat-thanh-va-truyen-hinh-lang-son'), published_at = '2026-11-25 08:00:00' \
             WHERE slug = '{0}';
             UPDATE activity_partners SET organization_id = (SELECT id FROM organizations WHERE slug = \
               'cong-doan-co-so-dai-phat-thanh-va-truyen-hinh-lang-son') \
             WHERE activity_id = (SELECT id FROM activities WHERE slug = '{0}');
             UPDATE activities SET updated_at = created_at WHERE slug = '{0}';
             UPDATE organizations SET short_name = NULL WHERE slug = 'chi-doan-van-phong-tinh-uy';",
            PAGE_ORDER[0]
        ))
        .unwrap();
    // Someone edits another demo activity: it stays as they left it.
    let res = app
        .as_admin(Method::PATCH, &format!("{ACTIVITIES}/{}", PAGE_ORDER[5]))
        .json(&json!({"title": "Sinh hoạt chuyên đề INS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let address = start_again(&app, |a| a.demo = true).await;
    let get = |url: String| {
        let app = &app;
        async move { fetch_json(app, &url).await }
    };
    let night = get(format!("{address}{ACTIVITIES}/{}", PAGE_ORDER[0])).await;
    assert_eq!(
        night["organizer"]["name"],
        "Công đoàn cơ sở Đài Phát thanh và Truyền hình Lạng Sơn"
    );
    assert_eq!(night["published_at"], "2023-09-25T10:00:00Z");
    assert_eq!(night["version"], 2, "one revision brought it up to date");
    let edited = get(format!("{address}{ACTIVITIES}/{}", PAGE_ORDER[5])).await;
    assert_eq!(edited["title"], "Sinh hoạt chuyên đề INS");
    let vptu = get(format!(
        "{address}/api/v1/organizations/chi-doan-van-phong-tinh-uy"
    ))
    .await;
    assert_eq!(vptu["short_name"], "VPTU");
    // Everything else was already up to date: a third start changes nothing.
    start_again(&app, |a| a.demo = true).await;
    let night = get(format!("{address}{ACTIVITIES}/{}", PAGE_ORDER[0])).await;
    assert_eq!(night["version"], 2);
}

#[actix_web::test]
async fn demo_search_for_tinh_nguyen_finds_the_volunteering_activities_with_highlights() {
    let app = spawn_demo_app().await;
    let page = app.get_json(&format!("{ACTIVITIES}?q=tinh%20nguyen")).await;
    let hits = data(&page);
    let slugs: HashSet<&str> = hits.iter().map(|a| a["slug"].as_str().unwrap()).collect();
    let volunteering = [
        "hoat-dong-tinh-nguyen-vi-dan-em-than-yeu-tai-xa-mau-son",
        "cum-thi-dua-so-4-day-manh-cac-phong-trao-thanh-nien-tinh-nguyen-huong-ve-co-so",
    ];
    // The two volunteering activities, and the 9-month review whose body lists volunteer work.
    let expected: HashSet<&str> = volunteering
        .into_iter()
        .chain(["chi-doan-van-phong-ubnd-tinh-so-ket-cong-tac-doan-9-thang-nam-2023"])
        .collect();
    assert_eq!(slugs, expected);
    assert_eq!(page["meta"]["total"], hits.len());
    for hit in hits {
        let highlight = hit["highlight"].as_str().expect("a highlight on every hit");
        assert!(highlight.contains("<mark>"), "{highlight}");
        if volunteering.contains(&hit["slug"].as_str().unwrap()) {
            assert!(
                highlight.contains("<mark>tình</mark> <mark>nguyện</mark>"),
                "{highlight}"
            );
        }
    }
    let cluster = hits
        .iter()
        .find(|a| {
            a["slug"]
                .as_str()
                .unwrap()
                .starts_with("cum-thi-dua-so-4-day-manh")
        })
        .unwrap();
    assert!(
        cluster["highlight"]
            .as_str()
            .unwrap()
            .contains("phong trào thanh niên <mark>tình</mark> <mark>nguyện</mark>"),
        "{cluster}"
    );
}

#[actix_web::test]
async fn demo_document_of_the_31_august_activity_is_parsed() {
    let app = spawn_demo_app().await;
    let act = only(&app, "occurred_from=2023-08-31&occurred_to=2023-08-31").await;
    assert_eq!(
        act["documents"],
        json!([{"raw": "Chương trình số 28-CT/ĐTN ngày 21/02/2023", "number": "28", "doc_type": "CT",
                "issuer": "ĐTN", "department": null, "issued_on": "2023-02-21",
                "media_id": null, "url": null, "bytes": null, "content_type": null}])
    );
    assert_eq!(act["category"], "thematic_session");
    assert_eq!(
        act["organizer"]["name"],
        "Chi đoàn Cục Quản lý thị trường tỉnh Lạng Sơn"
    );
}

#[actix_web::test]
async fn demo_mau_son_volunteering_has_three_partners_with_their_roles() {
    let app = spawn_demo_app().await;
    let act = only(&app, "occurred_from=2023-09-08&occurred_to=2023-09-08").await;
    assert_eq!(
        partner_roles(&act),
        vec![
            (
                "Chi đoàn Sở Nông nghiệp và Phát triển nông thôn",
                "co_organizer"
            ),
            (
                "Chi đoàn Ban Quản lý Dự án Đầu tư xây dựng tỉnh",
                "co_organizer"
            ),
            ("Đoàn xã Mẫu Sơn", "co_organizer"),
        ]
    );
    assert_eq!(act["location"], "xã Mẫu Sơn, huyện Cao Lộc");
    assert_eq!(act["organizer"]["name"], "Chi đoàn Sở Giao thông vận tải");
    // The commune finds it through the organization filter.
    let by_host = list(&app, "organization=doan-xa-mau-son").await;
    assert_eq!(ids(&by_host), vec![id_of(&act)]);
}

#[actix_web::test]
async fn demo_categories_count_the_published_activities() {
    let app = spawn_demo_app().await;
    let categories = app.get_json("/api/v1/categories").await;
    let counts: Vec<(&str, i64)> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap(), c["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts.len(), 10, "every category is listed");
    let count = |code: &str| counts.iter().find(|(c, _)| *c == code).map(|(_, n)| *n);
    assert_eq!(count("volunteering"), Some(2));
    assert_eq!(count("conference"), Some(2));
    assert_eq!(count("thematic_session"), Some(2));
    assert_eq!(count("culture_sports"), Some(1));
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 7);
    let volunteering = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "volunteering")
        .unwrap();
    assert_eq!(volunteering["label"], "Tình nguyện");

    // Only published ones count: archiving takes one out.
    let culture = only(&app, "category=culture_sports").await;
    patch_ok(&app, &culture, json!({"status": "archived"})).await;
    let categories = app.get_json("/api/v1/categories").await;
    let culture = categories
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "culture_sports")
        .unwrap();
    assert_eq!(culture["count"], 0);
}

#[actix_web::test]
async fn demo_tags_list_the_campaigns_of_the_page() {
    let app = spawn_demo_app().await;
    let tags = app.get_json("/api/v1/tags?sort=name").await;
    let got: Vec<(&str, &str, i64)> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap(),
                t["name"].as_str().unwrap(),
                t["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("thang-ba-bien-gioi", "Tháng Ba biên giới", 1),
            ("thang-thanh-nien", "Tháng Thanh niên", 1),
            ("thanh-nien-tinh-nguyen", "Thanh niên tình nguyện", 2),
            ("vi-dan-em-than-yeu", "Vì đàn em thân yêu", 1),
        ]
    );
    let tagged = list(&app, "tag=thanh-nien-tinh-nguyen").await;
    assert_eq!(
        slugs(&tagged),
        [PAGE_ORDER[1], PAGE_ORDER[2]],
        "the 20/9 review and the cluster's volunteering"
    );
    assert_eq!(data(&tagged)[1]["date_precision"], "month");
}

#[actix_web::test]
async fn demo_cluster_activities_embed_the_cluster_and_filter_by_it() {
    let app = spawn_demo_app().await;
    let review = only(&app, "occurred_from=2023-09-07&occurred_to=2023-09-07").await;
    assert_eq!(review["cluster"]["slug"], "cum-thi-dua-so-4");
    assert_eq!(review["cluster"]["name"], "Cụm thi đua số 4");
    assert_eq!(review["part_of_day"], "afternoon");
    let cluster_id = review["cluster"]["id"].as_i64().unwrap();

    let by_slug = titles_of(&app, "cluster=cum-thi-dua-so-4").await;
    assert_eq!(
        by_slug,
        sorted(&[
            "Cụm thi đua số 4 sơ kết công tác đoàn và phong trào thanh niên 9 tháng đầu năm 2023",
            "Cụm thi đua số 4 đẩy mạnh các phong trào thanh niên tình nguyện hướng về cơ sở",
        ])
    );
    assert_eq!(
        titles_of(&app, &format!("cluster={cluster_id}")).await,
        by_slug
    );
    let listed = list(&app, "cluster=cum-thi-dua-so-4").await;
    assert!(data(&listed).iter().all(|a| a["cluster_id"] == cluster_id));
    let month = data(&listed)
        .iter()
        .find(|a| a["date_precision"] == "month")
        .expect("the month-precision one");
    assert_eq!(month["occurred_on"], "2023-09-01");
    // The month-precision activity: in September and in 2023, not in the second half of September.
    let in_range = |from: &'static str, to: &'static str| {
        let app = &app;
        async move {
            ids(&list(
                app,
                &format!("cluster=cum-thi-dua-so-4&occurred_from={from}&occurred_to={to}"),
            )
            .await)
        }
    };
    let month_id = id_of(month);
    assert!(in_range("2023-09-01", "2023-09-30")
        .await
        .contains(&month_id));
    assert!(in_range("2023-01-01", "2023-12-31")
        .await
        .contains(&month_id));
    assert!(!in_range("2023-09-10", "2023-09-30")
        .await
        .contains(&month_id));
}

#[actix_web::test]
async fn organization_activities_are_the_list_filtered_by_that_organization() {
    let app = spawn_demo_app().await;
    let cases = [
        (BLOC_SLUG, "include_descendants=true"),
        (
            BLOC_SLUG,
            "include_descendants=true&sort=title&per_page=3&page=2",
        ),
        (
            "chi-doan-trung-tam-kiem-soat-benh-tat-tinh",
            "sort=-occurred_on",
        ),
        ("doan-xa-mau-son", "per_page=5"),
        (
            "cong-doan-co-so-dai-phat-thanh-va-truyen-hinh-lang-son",
            "q=trang%20ram",
        ),
    ];
    for (org, query) in cases {
        let scoped = app
            .get_json(&format!("/api/v1/organizations/{org}/activities?{query}"))
            .await;
        let filtered = list(&app, &format!("organization={org}&{query}")).await;
        assert_eq!(scoped["data"], filtered["data"], "{org} {query}");
        assert_eq!(
            scoped["meta"]["total"], filtered["meta"]["total"],
            "{org} {query}"
        );
        assert!(!data(&scoped).is_empty(), "{org} {query} finds something");
    }
    // The id works as well as the slug.
    let bloc = app
        .get_json(&format!("/api/v1/organizations/{BLOC_SLUG}"))
        .await;
    let by_id = app
        .get_json(&format!(
            "/api/v1/organizations/{}/activities?include_descendants=true",
            bloc["id"]
        ))
        .await;
    assert_eq!(by_id["meta"]["total"], 7);
}

// --- more contract checks -------------------------------------------------------------------

#[actix_web::test]
async fn renaming_the_organizer_updates_what_search_finds() {
    let app = spawn_app().await;
    let unit = app
        .create_org(json!({"name": "Chi đoàn Sở Giao thông vận tải", "kind": "branch"}))
        .await;
    let act = create_activity(
        &app,
        with(
            published("Ra quân đầu năm", id_of(&unit)),
            json!({"body": "Đoàn viên trồng cây xanh.", "tags": ["Tháng Thanh niên"]}),
        ),
    )
    .await;
    assert_eq!(
        ids(&search(&app, "giao thong", &[]).await),
        vec![id_of(&act)]
    );

    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{}", unit["id"]),
            &json!({"name": "Chi đoàn Sở Xây dựng"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // The list shows the new name; search must follow it (the organizer name is searched).
    let page = search(&app, "xay dung", &[]).await;
    assert_eq!(
        ids(&page),
        vec![id_of(&act)],
        "the new organizer name is found"
    );
    assert_eq!(data(&page)[0]["organizer"]["name"], "Chi đoàn Sở Xây dựng");
    assert!(
        ids(&search(&app, "giao thong", &[]).await).is_empty(),
        "the old organizer name is no longer found"
    );
    for (q, what) in [
        ("cay xanh", "body"),
        ("thang thanh nien", "tag"),
        ("ra quan", "title"),
    ] {
        assert_eq!(
            ids(&search(&app, q, &[]).await),
            vec![id_of(&act)],
            "its {what} is still found after the re-indexing"
        );
    }
}

#[actix_web::test]
async fn a_cursor_walk_equals_the_page_walk_for_every_sort() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let names = ["Đêm hội", "Dê núi", "An toàn giao thông", "Ăn Tết", "Zen"];
    for i in 0..13 {
        let body = with(
            published(&format!("{} tình nguyện {}", names[i % 5], i % 3), w.a),
            json!({
                "occurred_on": format!("2023-09-{:02}", 1 + i % 4),
                "published_at": format!("2023-10-{:02}T08:00:00Z", 1 + i % 3),
            }),
        );
        create_activity(&app, body).await;
    }
    for (sort, q) in [
        ("-occurred_on", ""),
        ("published_at", ""),
        ("-published_at,title", ""),
        ("title", ""),
        ("-updated_at", ""),
        ("relevance", "tình"),
        ("relevance,-occurred_on", "dê"),
    ] {
        let base = format!("{ACTIVITIES}?sort={sort}&q={q}");
        let all = ids(&app.get_json(&format!("{base}&per_page=100")).await);
        assert!(all.len() >= 5, "sort={sort} q={q}: {all:?}");
        let walked = walk_cursor(&app, &format!("{base}&per_page=4"), ACTIVITIES, |_| None).await;
        assert_eq!(walked, all, "cursor walk with sort={sort} q={q}");
        let mut by_page = Vec::new();
        for page in 1..=4 {
            by_page.extend(ids(&app
                .get_json(&format!("{base}&per_page=4&page={page}"))
                .await));
        }
        assert_eq!(by_page, all, "page walk with sort={sort} q={q}");
    }
}

#[actix_web::test]
async fn read_only_unknown_and_null_fields_are_422s() {
    let app = spawn_app().await;
    let w = world(&app).await;
    for (field, value) in [
        ("body_html", json!("<p>x</p>")),
        ("version", json!(3)),
        ("organizer", json!({"id": w.a})),
        ("colour", json!("đỏ")),
    ] {
        let body = with(activity("Trường lạ", w.a), json!({ field: value }));
        let fields = create_invalid(&app, body).await;
        assert_eq!(fields, vec![format!("/{field}")], "{field}");
    }
    let body = with(activity("Sai kiểu", w.a), json!({"category": "picnic"}));
    assert_eq!(create_invalid(&app, body).await, vec!["/category"]);
    let act = create_activity(&app, activity("Có thật", w.a)).await;
    for (field, value) in [
        ("title", Value::Null),
        ("slug", Value::Null),
        ("slug", json!("Đổi slug")),
        ("version", json!(7)),
    ] {
        let res = app
            .patch_json(&path_of(&act), &json!({ field: value }))
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(error_fields(&problem), vec![format!("/{field}")], "{field}");
    }
    let photo = with(
        activity("Ảnh độc", w.a),
        json!({"photos": [{"url": "javascript:alert(1)", "caption": "x"}]}),
    );
    assert_eq!(create_invalid(&app, photo).await, vec!["/photos/0/url"]);
}

#[actix_web::test]
async fn deleting_a_unit_that_organized_or_partnered_is_a_409_naming_the_activities() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = with(
        published("Ngày hội biên cương", w.a),
        json!({"partners": [{"organization_id": w.partner, "role": "host"}]}),
    );
    create_activity(&app, body).await;
    for unit in [w.a, w.partner] {
        let res = app.delete(&format!("/api/v1/organizations/{unit}")).await;
        let problem = assert_problem(res, 409).await;
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains("Ngày hội biên cương"), "{detail}");
    }
    assert_eq!(list(&app, "").await["meta"]["total"], 1);
}

#[actix_web::test]
async fn vietnamese_input_in_nfd_or_old_tone_placement_is_normalised_and_found() {
    let app = spawn_app().await;
    let unit = neutral_unit(&app).await;
    let nfd_title = "Ra qua\u{0302}n Tha\u{0301}ng Thanh nie\u{0302}n";
    let nfd_tag = "Thu\u{0309}y lo\u{031b}\u{0323}i";
    let act = create_activity(
        &app,
        with(published(nfd_title, unit), json!({"tags": [nfd_tag]})),
    )
    .await;
    assert_eq!(act["title"], "Ra quân Tháng Thanh niên", "stored NFC");
    assert_eq!(
        act["tags"],
        json!([{"slug": "thuy-loi", "name": "Thủy lợi"}])
    );
    // The other tone placement of the same tag is the same tag.
    let other = create_activity(
        &app,
        with(
            published("Hòa Bình mùa lũ", unit),
            json!({"tags": ["Thuỷ lợi"]}),
        ),
    )
    .await;
    assert_eq!(other["tags"][0]["slug"], "thuy-loi");
    assert_eq!(titles_of(&app, "tag=thuy-loi").await.len(), 2);
    // Search treats both placements alike.
    for q in ["hoà bình", "hòa bình", "HOA BINH"] {
        assert_eq!(
            ids(&search(&app, q, &[]).await),
            vec![id_of(&other)],
            "q={q}"
        );
    }
    assert_eq!(ids(&search(&app, "tháng", &[]).await), vec![id_of(&act)]);
}

/// A word is found by its prefix from the write that brings it: the words a prefix is spelled
/// out as come from the index's vocabulary (FTS5's on SQLite, a table its trigger keeps on
/// PostgreSQL), which a write updates at once; a word written away no longer matches.
#[actix_web::test]
async fn a_new_word_is_found_by_its_prefix_at_once_and_gone_when_edited_away() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let act = create_activity(&app, published("Ngày hội Xquyzabc của thanh niên", w.a)).await;
    let found = |q: &'static str| {
        let app = &app;
        async move { ids(&list(app, &format!("q={q}&sort=-occurred_on")).await) }
    };
    assert_eq!(found("xquyz").await, vec![id_of(&act)]);
    assert_eq!(found("ngay%20xquy").await, vec![id_of(&act)]);
    assert_eq!(found("thanh%20nie").await, vec![id_of(&act)]);
    let edited = patch_ok(
        &app,
        &act,
        json!({"title": "Ngày hội Wquyzdef của thanh niên"}),
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert!(found("xquyz").await.is_empty(), "the old word is gone");
    assert_eq!(found("wquyzd").await, vec![id_of(&act)]);
    // Seventeen words under one prefix: more than a search spells out, still every match.
    for n in 0..17 {
        create_activity(&app, published(&format!("Kquyz{n:02}a"), w.a)).await;
    }
    let page = list(&app, "q=kquyz&per_page=100").await;
    assert_eq!(page["meta"]["total"], 17);
}
