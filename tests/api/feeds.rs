//! Feeds (RSS, Atom, JSON Feed) over HTTP, parsed by an independent parser.

use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::http::header::HttpDate;
use feed_rs::model::{Entry, Feed, FeedType};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, create_activity, header, spawn_app, spawn_demo_app, spawn_with, TestApp,
};

const ACTIVITIES: &str = "/api/v1/activities";
const PUBLIC: &str = "https://doankhoi.example.vn";

/// The three formats: (extension, the media type the response declares, the parsed type).
const FORMATS: [(&str, &str, FeedType); 3] = [
    ("rss", "application/rss+xml", FeedType::RSS2),
    ("atom", "application/atom+xml", FeedType::Atom),
    ("json", "application/feed+json", FeedType::JSON),
];

// --- helpers --------------------------------------------------------------------------------

/// `/feeds/activities.{ext}` with an optional (already encoded) query.
fn feed_path(ext: &str, query: &str) -> String {
    if query.is_empty() {
        format!("/feeds/activities.{ext}")
    } else {
        format!("/feeds/activities.{ext}?{query}")
    }
}

/// Parse with feed-rs, panicking with the body when it fails.
fn parse(body: &[u8]) -> Feed {
    feed_rs::parser::parse(body).unwrap_or_else(|e| {
        panic!(
            "feed-rs cannot parse the feed ({e}):\n{}",
            String::from_utf8_lossy(body)
        )
    })
}

/// GET a feed URL (path or absolute), assert 200, and return it parsed with its raw body.
async fn fetch(app: &TestApp, path: &str) -> (Feed, String) {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    let body = res.text().await.expect("body");
    (parse(body.as_bytes()), body)
}

/// The feed of one format with a query, parsed.
async fn feed_of(app: &TestApp, ext: &str, query: &str) -> Feed {
    fetch(app, &feed_path(ext, query)).await.0
}

fn text(t: &Option<feed_rs::model::Text>) -> &str {
    t.as_ref().map(|t| t.content.as_str()).unwrap_or("")
}

fn title_of(feed: &Feed) -> &str {
    text(&feed.title)
}

fn entry_titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| text(&e.title).to_string())
        .collect()
}

fn sorted_titles(feed: &Feed) -> Vec<String> {
    let mut titles = entry_titles(feed);
    titles.sort();
    titles
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

fn entry_titled<'a>(feed: &'a Feed, title: &str) -> &'a Entry {
    feed.entries
        .iter()
        .find(|e| text(&e.title) == title)
        .unwrap_or_else(|| panic!("no entry '{title}' in {:?}", entry_titles(feed)))
}

/// The entry's `alternate` link (Atom, RSS and JSON all give feed-rs one).
fn link_of(entry: &Entry) -> &str {
    entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.as_str())
        .unwrap_or_else(|| panic!("entry {} has no alternate link", entry.id))
}

fn category_names(entry: &Entry) -> Vec<String> {
    entry
        .categories
        .iter()
        .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
        .collect()
}

/// A URL on the app with encoded query parameters.
fn with_params(app: &TestApp, path: &str, params: &[(&str, &str)]) -> String {
    reqwest::Url::parse_with_params(&app.url(path), params)
        .expect("URL")
        .to_string()
}

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().expect("id")
}

async fn org(app: &TestApp, name: &str, kind: &str, parent: Option<i64>) -> i64 {
    id_of(
        &app.create_org(json!({"name": name, "kind": kind, "parent_id": parent}))
            .await,
    )
}

/// A published conference of `organizer`, with the fields of `extra` set.
fn published(title: &str, organizer: i64, extra: Value) -> Value {
    let mut body = json!({
        "title": title,
        "occurred_on": "2023-09-20",
        "category": "conference",
        "organizer_id": organizer,
        "status": "published",
    });
    for (key, value) in extra.as_object().expect("extra is an object") {
        body[key] = value.clone();
    }
    body
}

/// PATCH as admin (asserting 200).
async fn patch_activity(app: &TestApp, activity: &Value, body: Value) {
    let path = format!("{ACTIVITIES}/{}", activity["id"]);
    let res = app.patch_json(&path, &body).await;
    let status = res.status();
    let json: Value = res.json().await.expect("JSON");
    assert_eq!(status, 200, "patch {body}: {json}");
}

async fn get_with(app: &TestApp, path: &str, name: &str, value: &str) -> Response {
    app.request(Method::GET, path)
        .header(name, value)
        .send()
        .await
        .expect("GET")
}

/// A small world for the filters: a bloc with a unit (and a branch below it), another unit,
/// a cluster and four published activities, one week apart in publication.
struct World {
    unit: i64,
    cluster_slug: String,
}

const SO_KET: &str = "Sơ kết công tác đoàn 9 tháng";
const TRANG_RAM: &str = "Đêm hội Trăng rằm";
const RA_QUAN: &str = "Ra quân tình nguyện hè";
const THU_GOM: &str = "Thu gom rác thải tại xã Vũ Lăng";

async fn world(app: &TestApp) -> World {
    let bloc = org(app, "Đoàn khối các cơ quan tỉnh", "bloc_union", None).await;
    let unit = org(
        app,
        "Chi đoàn Văn phòng UBND tỉnh",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let branch = org(app, "Chi đoàn Phòng Tổng hợp", "branch", Some(unit)).await;
    let other = org(
        app,
        "Chi đoàn Sở Giao thông vận tải",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let cluster = app
        .create(
            "/api/v1/clusters",
            json!({"name": "Cụm thi đua số 9", "number": 9, "bloc_id": bloc}),
        )
        .await;
    let cluster_id = id_of(&cluster);
    create_activity(
        app,
        published(
            SO_KET,
            unit,
            json!({"tags": ["Tháng Thanh niên"], "published_at": "2023-09-20T08:00:00Z"}),
        ),
    )
    .await;
    create_activity(
        app,
        published(
            TRANG_RAM,
            other,
            json!({
                "category": "culture_sports",
                "partners": [{"organization_id": unit, "role": "co_organizer"}],
                "cluster_id": cluster_id,
                "published_at": "2023-09-25T08:00:00Z",
            }),
        ),
    )
    .await;
    create_activity(
        app,
        published(
            RA_QUAN,
            branch,
            json!({
                "category": "volunteering",
                "tags": ["Tháng Thanh niên", "Thanh niên tình nguyện"],
                "cluster_id": cluster_id,
                "published_at": "2023-09-10T08:00:00Z",
            }),
        ),
    )
    .await;
    create_activity(
        app,
        published(
            THU_GOM,
            other,
            json!({"category": "environment", "published_at": "2023-09-05T08:00:00Z"}),
        ),
    )
    .await;
    World {
        unit,
        cluster_slug: cluster["slug"].as_str().expect("slug").to_string(),
    }
}

// --- the demo feeds ------------------------------------------------------------------------

#[actix_web::test]
async fn the_demo_feeds_parse_in_all_three_formats_with_every_field_present() {
    let app = spawn_with(|args| {
        args.demo = true;
        args.public_url = Some(PUBLIC.into());
    })
    .await;
    // The demo's slugs, from the JSON API.
    let listed = app.get_json(&format!("{ACTIVITIES}?per_page=100")).await;
    let slugs: BTreeSet<String> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug").to_string())
        .collect();
    assert_eq!(slugs.len(), 7);

    let mut rss_updated = None;
    for (ext, _, feed_type) in FORMATS {
        let (feed, _) = fetch(&app, &feed_path(ext, "")).await;
        assert_eq!(feed.feed_type, feed_type, "{ext}");
        assert_eq!(
            title_of(&feed),
            "Hoạt động của các tổ chức cơ sở Đoàn",
            "{ext}"
        );
        assert!(!text(&feed.description).is_empty(), "{ext}: a description");
        // JSON Feed and RSS carry a language, Atom xml:lang: all three do here.
        assert_eq!(feed.language.as_deref(), Some("vi"), "{ext}");
        let self_url = format!("{PUBLIC}/feeds/activities.{ext}");
        assert!(
            feed.links.iter().any(|l| l.href == self_url),
            "{ext}: self link {self_url} in {:?}",
            feed.links
        );
        assert_eq!(feed.entries.len(), 7, "{ext}");

        let mut seen = BTreeSet::new();
        for entry in &feed.entries {
            let slug = entry
                .id
                .strip_prefix(&format!("{PUBLIC}/hoat-dong/"))
                .unwrap_or_else(|| panic!("{ext}: id {} is not canonical", entry.id));
            assert!(slugs.contains(slug), "{ext}: {slug} is a demo activity");
            seen.insert(slug.to_string());
            assert_eq!(link_of(entry), entry.id, "{ext}: link == id");
            assert!(!text(&entry.title).is_empty(), "{ext} {slug}: title");
            assert!(!text(&entry.summary).is_empty(), "{ext} {slug}: summary");
            let content = entry.content.as_ref().and_then(|c| c.body.as_deref());
            assert!(
                content.is_some_and(|c| c.contains("<p>")),
                "{ext} {slug}: HTML content {content:?}"
            );
            assert!(entry.published.is_some(), "{ext} {slug}: published");
            assert!(entry.updated.is_some(), "{ext} {slug}: updated");
            assert!(
                entry.authors.iter().any(|a| !a.name.is_empty()),
                "{ext} {slug}: author"
            );
            assert!(!entry.categories.is_empty(), "{ext} {slug}: category");
        }
        assert_eq!(seen, slugs, "{ext}: every demo activity once");

        // Vietnamese text intact: titles, category labels, tag names, bylines.
        let moon = feed
            .entries
            .iter()
            .find(|e| text(&e.title).contains("Đêm hội Trăng rằm"))
            .unwrap_or_else(|| panic!("{ext}: the moon festival in {:?}", entry_titles(&feed)));
        assert_eq!(
            category_names(moon),
            vec!["Văn hóa, văn nghệ, thể thao"],
            "{ext}"
        );
        let office = feed
            .entries
            .iter()
            .find(|e| text(&e.title).starts_with("Chi đoàn Văn phòng UBND tỉnh sơ kết"))
            .expect("the office's review");
        assert_eq!(
            category_names(office),
            vec![
                "Hội nghị, sơ kết, tổng kết",
                "Tháng Thanh niên",
                "Tháng Ba biên giới",
                "Thanh niên tình nguyện"
            ],
            "{ext}: the category label, then the tag names"
        );
        assert_eq!(
            office.authors[0].name, "Chi đoàn Văn phòng UBND tỉnh",
            "{ext}: without a byline, the organizer"
        );
        let bylined = feed
            .entries
            .iter()
            .find(|e| text(&e.title).contains("Thể loại, thẩm quyền ban hành"))
            .expect("the bylined session");
        assert_eq!(
            bylined.authors[0].name, "Hoàng Bích Liên – Bí thư Chi đoàn Văn phòng Tỉnh uỷ",
            "{ext}: the byline"
        );
        // The feed's date is its newest change: Atom's entries carry theirs (RSS items have
        // only pubDate, JSON Feed has no feed date), and RSS's lastBuildDate is the same.
        match feed_type {
            FeedType::Atom => {
                let newest = feed.entries.iter().filter_map(|e| e.updated).max();
                assert!(newest.is_some());
                assert_eq!(feed.updated, newest, "atom: updated = newest change");
                assert_eq!(
                    feed.updated, rss_updated,
                    "rss lastBuildDate = atom updated"
                );
            }
            FeedType::RSS2 => rss_updated = feed.updated,
            _ => {}
        }

        let first = &feed.entries[0];
        println!("first {ext} entry: {} — {}", text(&first.title), first.id);
    }
}

// --- identity and escaping -----------------------------------------------------------------

#[actix_web::test]
async fn an_entry_keeps_its_id_when_the_activity_is_renamed_while_its_title_follows() {
    let app = spawn_with(|args| args.public_url = Some(PUBLIC.into())).await;
    let unit = org(&app, "Chi đoàn Sở Tư pháp", "grassroots_branch", None).await;
    let act = create_activity(&app, published("Tọa đàm pháp luật", unit, json!({}))).await;
    let slug = act["slug"].as_str().expect("slug").to_string();
    let canonical = format!("{PUBLIC}/hoat-dong/{slug}");

    let mut before = Vec::new();
    for (ext, _, _) in FORMATS {
        let feed = feed_of(&app, ext, "").await;
        assert_eq!(feed.entries.len(), 1, "{ext}");
        assert_eq!(feed.entries[0].id, canonical, "{ext}");
        assert_eq!(text(&feed.entries[0].title), "Tọa đàm pháp luật", "{ext}");
        before.push(feed.entries[0].id.clone());
    }

    patch_activity(
        &app,
        &act,
        json!({"title": "Tọa đàm tuyên truyền pháp luật"}),
    )
    .await;

    for ((ext, _, _), old_id) in FORMATS.into_iter().zip(before) {
        let feed = feed_of(&app, ext, "").await;
        let entry = &feed.entries[0];
        assert_eq!(entry.id, old_id, "{ext}: the id survives the rename");
        assert_eq!(link_of(entry), canonical, "{ext}");
        assert_eq!(
            text(&entry.title),
            "Tọa đàm tuyên truyền pháp luật",
            "{ext}: the new title"
        );
    }
}

#[actix_web::test]
async fn markup_characters_in_titles_and_summaries_survive_escaping_exactly() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Văn hóa", "grassroots_branch", None).await;
    let title = r#"Cờ & "Hoa" <Sen> 'x'"#;
    let summary = r#"Tóm tắt <script>alert("x&y")</script> & hết"#;
    create_activity(
        &app,
        published(
            title,
            unit,
            json!({"summary": summary, "byline": "Nguyễn Văn <A> & B"}),
        ),
    )
    .await;

    for (ext, _, _) in FORMATS {
        let (feed, body) = fetch(&app, &feed_path(ext, "")).await;
        let entry = &feed.entries[0];
        assert_eq!(text(&entry.title), title, "{ext}: title");
        assert_eq!(text(&entry.summary), summary, "{ext}: summary");
        assert_eq!(entry.authors[0].name, "Nguyễn Văn <A> & B", "{ext}: author");
        if ext != "json" {
            assert!(
                !body.contains("<script>") && !body.contains("<Sen>"),
                "{ext}: markup is escaped in the XML:\n{body}"
            );
        }
        // Without a body, the content is the summary as one escaped paragraph.
        let content = entry.content.as_ref().and_then(|c| c.body.clone());
        assert!(
            content
                .as_deref()
                .is_some_and(|c| c.starts_with("<p>Tóm tắt") && !c.contains("<script>")),
            "{ext}: content {content:?}"
        );
    }
}

// --- HTTP caching --------------------------------------------------------------------------

/// Wait until the latest change's second is over and settled: from then on the feeds hand out
/// that second as `Last-Modified`.
async fn settle() {
    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;
}

#[actix_web::test]
async fn a_change_in_the_same_second_as_a_fetch_is_not_hidden_by_if_modified_since() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Tư pháp", "grassroots_branch", None).await;
    create_activity(&app, published("Tin thứ nhất", unit, json!({}))).await;
    let path = feed_path("rss", "");
    let first = app.get(&path).await;
    let modified = header(&first, "last-modified").expect("Last-Modified");
    // Published right after the poller's fetch, very likely in the same second.
    create_activity(&app, published("Tin thứ hai", unit, json!({}))).await;
    let res = get_with(&app, &path, "If-Modified-Since", &modified).await;
    assert_eq!(res.status(), 200, "a change after {modified} was hidden");
    assert_eq!(parse(&res.bytes().await.unwrap()).entries.len(), 2);
    // Once the second is over, its own date is handed out and honoured.
    settle().await;
    let settled = app.get(&path).await;
    let modified = header(&settled, "last-modified").expect("Last-Modified");
    let res = get_with(&app, &path, "If-Modified-Since", &modified).await;
    assert_eq!(res.status(), 304);
    // A date in the future says nothing about what the client has.
    let future =
        HttpDate::from(std::time::SystemTime::now() + Duration::from_secs(3600)).to_string();
    assert_eq!(
        get_with(&app, &path, "If-Modified-Since", &future)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn renaming_a_cluster_moves_the_last_modified_date_of_its_feed() {
    let app = spawn_app().await;
    let bloc = org(&app, "Đoàn Khối các cơ quan tỉnh", "bloc_union", None).await;
    let unit = org(
        &app,
        "Chi đoàn Sở Xây dựng",
        "grassroots_branch",
        Some(bloc),
    )
    .await;
    let res = app
        .post_json(
            "/api/v1/clusters",
            &json!({"name": "Cụm thi đua số 3", "number": 3, "bloc_id": bloc}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let cluster: Value = res.json().await.unwrap();
    create_activity(
        &app,
        published("Hội thao cụm", unit, json!({"cluster_id": cluster["id"]})),
    )
    .await;
    settle().await;
    let path = feed_path(
        "atom",
        &format!("cluster={}", cluster["slug"].as_str().unwrap()),
    );
    let before = app.get(&path).await;
    let modified = header(&before, "last-modified").expect("Last-Modified");
    assert_eq!(
        get_with(&app, &path, "If-Modified-Since", &modified)
            .await
            .status(),
        304
    );

    let res = app
        .patch_json(
            &format!("/api/v1/clusters/{}", cluster["id"]),
            &json!({"name": "Cụm thi đua số 3 (khối cơ quan)"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = get_with(&app, &path, "If-Modified-Since", &modified).await;
    assert_eq!(res.status(), 200, "the title changed after {modified}");
    let feed = parse(&res.bytes().await.unwrap());
    assert!(
        title_of(&feed).contains("khối cơ quan"),
        "{}",
        title_of(&feed)
    );
}

#[actix_web::test]
async fn a_second_request_with_the_etag_or_the_last_modified_date_gets_an_empty_304() {
    let app = spawn_demo_app().await;
    // A Last-Modified second is handed out once it is over (see the test below).
    settle().await;
    for (ext, _, _) in FORMATS {
        let path = feed_path(ext, "");
        let first = app.get(&path).await;
        assert_eq!(first.status(), 200);
        let etag = header(&first, "etag").expect("ETag");
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "{ext}: a strong ETag, got {etag}"
        );
        let modified = header(&first, "last-modified").expect("Last-Modified");

        let again = get_with(&app, &path, "If-None-Match", &etag).await;
        assert_eq!(again.status(), 304, "{ext}: If-None-Match");
        assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
        assert!(again.bytes().await.expect("body").is_empty(), "{ext}");

        let since = get_with(&app, &path, "If-Modified-Since", &modified).await;
        assert_eq!(
            since.status(),
            304,
            "{ext}: If-Modified-Since = Last-Modified"
        );
        assert!(since.bytes().await.expect("body").is_empty(), "{ext}");

        // A date before the last change is not enough.
        let last: HttpDate = modified.parse().expect("an HTTP date");
        let earlier = HttpDate::from(std::time::SystemTime::from(last) - Duration::from_secs(3600))
            .to_string();
        let stale = get_with(&app, &path, "If-Modified-Since", &earlier).await;
        assert_eq!(
            stale.status(),
            200,
            "{ext}: If-Modified-Since an hour earlier"
        );
        // Another ETag is not a match, and If-None-Match outranks If-Modified-Since.
        let other = app
            .request(Method::GET, &path)
            .header("If-None-Match", "\"khac\"")
            .header("If-Modified-Since", &modified)
            .send()
            .await
            .expect("GET");
        assert_eq!(other.status(), 200, "{ext}: another ETag");
        assert!(!other.bytes().await.expect("body").is_empty());
    }
}

#[actix_web::test]
async fn a_change_gives_a_new_etag_and_the_old_one_gets_the_whole_feed() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Y tế", "grassroots_branch", None).await;
    let act = create_activity(&app, published("Hiến máu tình nguyện", unit, json!({}))).await;
    let mut old = Vec::new();
    for (ext, _, _) in FORMATS {
        let res = app.get(&feed_path(ext, "")).await;
        old.push(header(&res, "etag").expect("ETag"));
    }

    patch_activity(&app, &act, json!({"summary": "Hơn 100 đơn vị máu"})).await;

    for ((ext, _, _), old_etag) in FORMATS.into_iter().zip(old) {
        let path = feed_path(ext, "");
        let res = get_with(&app, &path, "If-None-Match", &old_etag).await;
        assert_eq!(res.status(), 200, "{ext}: the old ETag is stale");
        let new_etag = header(&res, "etag").expect("ETag");
        assert_ne!(new_etag, old_etag, "{ext}");
        let feed = parse(&res.bytes().await.expect("body"));
        assert_eq!(
            text(&feed.entries[0].summary),
            "Hơn 100 đơn vị máu",
            "{ext}"
        );
        let now = get_with(&app, &path, "If-None-Match", &new_etag).await;
        assert_eq!(now.status(), 304, "{ext}: the new ETag matches");
    }
}

#[actix_web::test]
async fn feeds_are_public_for_five_minutes_have_their_own_media_types_and_answer_head() {
    let app = spawn_demo_app().await;
    settle().await;
    for (ext, media_type, _) in FORMATS {
        let path = feed_path(ext, "");
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "cache-control").as_deref(),
            Some("public, max-age=300"),
            "{ext}"
        );
        let ct = header(&res, "content-type").expect("Content-Type");
        assert_eq!(
            ct.split(';').next().map(str::trim),
            Some(media_type),
            "{ext}: {ct}"
        );
        let etag = header(&res, "etag").expect("ETag");
        let modified = header(&res, "last-modified").expect("Last-Modified");

        let head = app.request(Method::HEAD, &path).send().await.expect("HEAD");
        assert_eq!(head.status(), 200, "{ext}: HEAD");
        assert_eq!(header(&head, "etag"), Some(etag), "{ext}: same ETag");
        assert_eq!(header(&head, "last-modified"), Some(modified), "{ext}");
        assert_eq!(
            header(&head, "cache-control").as_deref(),
            Some("public, max-age=300"),
            "{ext}"
        );
        assert!(
            head.bytes().await.expect("body").is_empty(),
            "{ext}: no body"
        );
    }
}

#[actix_web::test]
async fn the_last_modified_date_moves_forward_when_an_entry_leaves_the_feed() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Công thương", "grassroots_branch", None).await;
    create_activity(&app, published("Hoạt động cũ", unit, json!({}))).await;
    // HTTP dates have whole seconds: let the two changes fall in different seconds.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let newest = create_activity(&app, published("Hoạt động mới", unit, json!({}))).await;
    let path = feed_path("atom", "");
    let before = app.get(&path).await;
    let modified = header(&before, "last-modified").expect("Last-Modified");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;

    // The most recently changed activity goes to the trash: the feed changes.
    let res = app.delete(&format!("{ACTIVITIES}/{}", newest["id"])).await;
    assert_eq!(res.status(), 204);
    let feed = feed_of(&app, "atom", "").await;
    assert_eq!(entry_titles(&feed), vec!["Hoạt động cũ"]);

    // A cache holding the old feed must not be told it is still fresh.
    let res = get_with(&app, &path, "If-Modified-Since", &modified).await;
    let now = header(&res, "last-modified");
    assert_eq!(
        res.status(),
        200,
        "the feed lost an entry after {modified}, yet Last-Modified is now {now:?}"
    );
}

#[actix_web::test]
async fn renaming_the_organizer_changes_the_author_and_the_last_modified_date() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Nội vụ", "grassroots_branch", None).await;
    create_activity(&app, published("Sinh hoạt chi đoàn", unit, json!({}))).await;
    let path = feed_path("rss", "");
    let before = app.get(&path).await;
    let etag = header(&before, "etag").expect("ETag");
    let modified = header(&before, "last-modified").expect("Last-Modified");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;

    let res = app
        .patch_json(
            &format!("/api/v1/organizations/{unit}"),
            &json!({"name": "Chi đoàn Sở Nội vụ tỉnh"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let feed = feed_of(&app, "rss", "").await;
    assert_eq!(feed.entries[0].authors[0].name, "Chi đoàn Sở Nội vụ tỉnh");
    let res = get_with(&app, &path, "If-None-Match", &etag).await;
    assert_eq!(res.status(), 200, "the body changed, so did the ETag");

    let res = get_with(&app, &path, "If-Modified-Since", &modified).await;
    let now = header(&res, "last-modified");
    assert_eq!(
        res.status(),
        200,
        "the author changed after {modified}, yet Last-Modified is still {now:?}"
    );
}

// --- filters -------------------------------------------------------------------------------

#[actix_web::test]
async fn the_organization_filter_names_the_unit_and_keeps_its_activities_only() {
    let app = spawn_app().await;
    let w = world(&app).await;
    for (ext, _, _) in FORMATS {
        let feed = feed_of(&app, ext, "organization=chi-doan-van-phong-ubnd-tinh").await;
        assert_eq!(
            title_of(&feed),
            "Hoạt động — Chi đoàn Văn phòng UBND tỉnh",
            "{ext}"
        );
        // As organizer or as partner; not the branch below it, not the other unit alone.
        assert_eq!(sorted_titles(&feed), sorted(&[SO_KET, TRANG_RAM]), "{ext}");
        assert!(
            feed.links.iter().any(|l| l.href.ends_with(&format!(
                "/feeds/activities.{ext}?organization=chi-doan-van-phong-ubnd-tinh"
            ))),
            "{ext}: the self link keeps the filter: {:?}",
            feed.links
        );

        let by_id = feed_of(&app, ext, &format!("organization={}", w.unit)).await;
        assert_eq!(title_of(&by_id), title_of(&feed), "{ext}: id or slug");
        assert_eq!(sorted_titles(&by_id), sorted_titles(&feed), "{ext}");

        let below = feed_of(
            &app,
            ext,
            "organization=chi-doan-van-phong-ubnd-tinh&include_descendants=true",
        )
        .await;
        assert_eq!(
            sorted_titles(&below),
            sorted(&[SO_KET, TRANG_RAM, RA_QUAN]),
            "{ext}: with the branch below"
        );
    }
}

/// Query parameters, the feed title they give, the entries they keep.
type FilterCase<'a> = (Vec<(&'a str, &'a str)>, &'a str, Vec<&'a str>);

#[actix_web::test]
async fn cluster_category_tag_and_search_filters_name_themselves_in_the_title() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let cases: Vec<FilterCase> = vec![
        (
            vec![("cluster", w.cluster_slug.as_str())],
            "Hoạt động — Cụm thi đua số 9",
            vec![TRANG_RAM, RA_QUAN],
        ),
        (
            vec![("category", "culture_sports")],
            "Hoạt động — Văn hóa, văn nghệ, thể thao",
            vec![TRANG_RAM],
        ),
        (
            vec![("category", "volunteering,environment")],
            "Hoạt động — Tình nguyện, Bảo vệ môi trường",
            vec![RA_QUAN, THU_GOM],
        ),
        (
            vec![("tag", "thang-thanh-nien")],
            "Hoạt động — Tháng Thanh niên",
            vec![SO_KET, RA_QUAN],
        ),
        (
            vec![("tag", "thang-thanh-nien,thanh-nien-tinh-nguyen")],
            "Hoạt động — Tháng Thanh niên · Thanh niên tình nguyện",
            vec![RA_QUAN],
        ),
        (
            vec![("q", "trăng rằm")],
            "Hoạt động — tìm “trăng rằm”",
            vec![TRANG_RAM],
        ),
        (
            vec![
                ("organization", "chi-doan-van-phong-ubnd-tinh"),
                ("category", "conference"),
            ],
            "Hoạt động — Chi đoàn Văn phòng UBND tỉnh · Hội nghị, sơ kết, tổng kết",
            vec![SO_KET],
        ),
    ];
    for (params, title, expected) in cases {
        for (ext, _, _) in FORMATS {
            let url = with_params(&app, &feed_path(ext, ""), &params);
            let (feed, _) = fetch(&app, &url).await;
            assert_eq!(title_of(&feed), title, "{ext} {params:?}");
            assert_eq!(sorted_titles(&feed), sorted(&expected), "{ext} {params:?}");
        }
    }
}

#[actix_web::test]
async fn entries_come_newest_publication_first_and_limit_caps_them() {
    let app = spawn_app().await;
    world(&app).await;
    for (ext, _, _) in FORMATS {
        let feed = feed_of(&app, ext, "").await;
        assert_eq!(
            entry_titles(&feed),
            vec![TRANG_RAM, SO_KET, RA_QUAN, THU_GOM],
            "{ext}: newest publication first"
        );
        assert_eq!(
            feed.entries[0].published.map(|d| d.to_rfc3339()),
            Some("2023-09-25T08:00:00+00:00".to_string()),
            "{ext}: published is the publication date"
        );
        let two = feed_of(&app, ext, "limit=2").await;
        assert_eq!(
            entry_titles(&two),
            vec![TRANG_RAM, SO_KET],
            "{ext}: limit=2"
        );
        let most = feed_of(&app, ext, "limit=200").await;
        assert_eq!(most.entries.len(), 4, "{ext}: limit=200 is allowed");
    }
}

#[actix_web::test]
async fn drafts_archived_and_trashed_activities_never_appear() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Tài chính", "grassroots_branch", None).await;
    let mut draft = published("Bản nháp", unit, json!({}));
    draft["status"] = json!("draft");
    create_activity(&app, draft).await;
    let archived = create_activity(&app, published("Đã lưu trữ", unit, json!({}))).await;
    patch_activity(&app, &archived, json!({"status": "archived"})).await;
    let trashed = create_activity(&app, published("Đã xóa", unit, json!({}))).await;
    let res = app.delete(&format!("{ACTIVITIES}/{}", trashed["id"])).await;
    assert_eq!(res.status(), 204);
    let unpublished = create_activity(&app, published("Rút lại", unit, json!({}))).await;
    patch_activity(&app, &unpublished, json!({"status": "draft"})).await;
    create_activity(&app, published("Hiển thị", unit, json!({}))).await;

    for (ext, _, _) in FORMATS {
        for query in [
            "",
            "organization=chi-doan-so-tai-chinh",
            "category=conference",
        ] {
            let feed = feed_of(&app, ext, query).await;
            assert_eq!(entry_titles(&feed), vec!["Hiển thị"], "{ext} {query}");
        }
    }
}

// --- errors --------------------------------------------------------------------------------

#[actix_web::test]
async fn unknown_organizations_clusters_and_tags_are_404_problems() {
    let app = spawn_demo_app().await;
    for (ext, _, _) in FORMATS {
        for query in [
            "organization=khong-co-don-vi-nay",
            "organization=99999",
            "cluster=cum-khong-co",
            "tag=khong-co-the-nay",
            "tag=thang-thanh-nien,khong-co-the-nay",
        ] {
            let res = app.get(&feed_path(ext, query)).await;
            let problem = assert_problem(res, 404).await;
            assert!(problem["detail"].is_string(), "{ext} {query}: {problem}");
        }
    }
}

#[actix_web::test]
async fn bad_limits_unknown_parameters_and_unknown_categories_are_400_problems() {
    let app = spawn_demo_app().await;
    for (ext, _, _) in FORMATS {
        for query in [
            "limit=0",
            "limit=201",
            "limit=500",
            "limit=-1",
            "limit=nhieu",
            "page=2",
            "category=nope",
            "category=culture_sports,nope",
        ] {
            let res = app.get(&feed_path(ext, query)).await;
            assert_problem(res, 400).await;
        }
    }
}

// --- discovery -----------------------------------------------------------------------------

#[actix_web::test]
async fn organizations_and_clusters_link_to_their_own_feeds() {
    let app = spawn_demo_app().await;
    let cases = [
        (
            "/api/v1/organizations/chi-doan-van-phong-ubnd-tinh",
            "Hoạt động — Chi đoàn Văn phòng UBND tỉnh",
        ),
        (
            "/api/v1/clusters/cum-thi-dua-so-4",
            "Hoạt động — Cụm thi đua số 4",
        ),
    ];
    for (path, title) in cases {
        let resource = app.get_json(path).await;
        for (ext, media_type, feed_type) in FORMATS {
            let link = resource["feeds"][ext]
                .as_str()
                .unwrap_or_else(|| panic!("{path}: feeds.{ext} in {resource}"));
            assert!(
                link.starts_with(&format!("{}/feeds/activities.{ext}?", app.address)),
                "{path}: an absolute link, got {link}"
            );
            let res = app.get(link).await;
            assert_eq!(res.status(), 200, "{link}");
            let ct = header(&res, "content-type").unwrap_or_default();
            assert!(ct.starts_with(media_type), "{link}: {ct}");
            let feed = parse(&res.bytes().await.expect("body"));
            assert_eq!(feed.feed_type, feed_type, "{link}");
            assert_eq!(title_of(&feed), title, "{link}");
            assert!(!feed.entries.is_empty(), "{link}: has entries");
        }
    }
    // The cluster's feed holds exactly its two activities.
    let cluster = app.get_json("/api/v1/clusters/cum-thi-dua-so-4").await;
    let feed = fetch(&app, cluster["feeds"]["json"].as_str().unwrap())
        .await
        .0;
    assert_eq!(feed.entries.len(), 2, "{:?}", entry_titles(&feed));
    assert!(entry_titles(&feed)
        .iter()
        .all(|t| t.starts_with("Cụm thi đua số 4")));
}

// --- photos, templates, OpenAPI ------------------------------------------------------------

#[actix_web::test]
async fn the_first_photo_is_the_enclosure_in_every_format() {
    let app = spawn_app().await;
    let unit = org(&app, "Chi đoàn Sở Du lịch", "grassroots_branch", None).await;
    create_activity(
        &app,
        published(
            "Có ảnh",
            unit,
            json!({
                "photos": [
                    {"url": "https://example.vn/anh.jpg", "caption": "Ảnh"},
                    {"url": "https://example.vn/anh-thu-hai.png", "caption": "Ảnh thứ hai"},
                ],
                "published_at": "2023-09-02T00:00:00Z",
            }),
        ),
    )
    .await;
    create_activity(
        &app,
        published(
            "Không ảnh",
            unit,
            json!({"photos": [{"caption": "Chỉ có chú thích"}], "published_at": "2023-09-01T00:00:00Z"}),
        ),
    )
    .await;

    // RSS: <enclosure>, which feed-rs exposes as media content.
    let rss = feed_of(&app, "rss", "").await;
    let media = |e: &Entry| -> Vec<(String, String)> {
        e.media
            .iter()
            .flat_map(|m| &m.content)
            .map(|c| {
                (
                    c.url.as_ref().map(|u| u.to_string()).unwrap_or_default(),
                    c.content_type
                        .as_ref()
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    assert_eq!(
        media(entry_titled(&rss, "Có ảnh")),
        vec![(
            "https://example.vn/anh.jpg".to_string(),
            "image/jpeg".to_string()
        )]
    );
    assert!(media(entry_titled(&rss, "Không ảnh")).is_empty());

    // Atom: <link rel="enclosure">.
    let atom = feed_of(&app, "atom", "").await;
    let enclosures = |e: &Entry| -> Vec<(String, Option<String>)> {
        e.links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("enclosure"))
            .map(|l| (l.href.clone(), l.media_type.clone()))
            .collect()
    };
    assert_eq!(
        enclosures(entry_titled(&atom, "Có ảnh")),
        vec![(
            "https://example.vn/anh.jpg".to_string(),
            Some("image/jpeg".to_string())
        )]
    );
    assert!(enclosures(entry_titled(&atom, "Không ảnh")).is_empty());

    // JSON Feed: the item's `image`, which feed-rs does not expose: read the JSON itself.
    let (json_feed, body) = fetch(&app, &feed_path("json", "")).await;
    assert_eq!(entry_titles(&json_feed), vec!["Có ảnh", "Không ảnh"]);
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(doc["items"][0]["title"], "Có ảnh");
    assert_eq!(doc["items"][0]["image"], "https://example.vn/anh.jpg");
    assert!(
        doc["items"][1].get("image").is_none(),
        "{}",
        doc["items"][1]
    );
}

#[actix_web::test]
async fn a_custom_activity_url_template_shapes_entry_ids_and_links() {
    let app = spawn_with(|args| {
        args.public_url = Some("https://x.vn".into());
        args.activity_url_template = "{public_url}/tin/{slug}.html".into();
    })
    .await;
    let unit = org(&app, "Chi đoàn Sở Xây dựng", "grassroots_branch", None).await;
    let act = create_activity(&app, published("Ngày Chủ nhật xanh", unit, json!({}))).await;
    let expected = format!("https://x.vn/tin/{}.html", act["slug"].as_str().unwrap());
    for (ext, _, _) in FORMATS {
        let feed = feed_of(&app, ext, "").await;
        let entry = &feed.entries[0];
        assert_eq!(entry.id, expected, "{ext}: id");
        assert_eq!(link_of(entry), expected, "{ext}: link");
        assert!(
            feed.links
                .iter()
                .any(|l| l.href == format!("https://x.vn/feeds/activities.{ext}")),
            "{ext}: self link on the public URL: {:?}",
            feed.links
        );
    }
}

#[actix_web::test]
async fn the_feeds_are_described_in_the_openapi_document() {
    let app = spawn_app().await;
    let spec = app.get_json("/api-docs/openapi.json").await;
    for (ext, media_type, _) in FORMATS {
        let path = format!("/feeds/activities.{ext}");
        let get = &spec["paths"][&path]["get"];
        assert!(get.is_object(), "{path} in the OpenAPI paths");
        let content = &get["responses"]["200"]["content"];
        assert!(
            content.get(media_type).is_some(),
            "{path}: 200 is {media_type}: {content}"
        );
        assert!(get["responses"].get("304").is_some(), "{path}: 304");
        let params: Vec<&str> = get["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in [
            "organization",
            "include_descendants",
            "cluster",
            "category",
            "tag",
            "q",
            "limit",
        ] {
            assert!(
                params.contains(&name),
                "{path}: parameter {name} in {params:?}"
            );
        }
    }
}

#[actix_web::test]
async fn the_feeds_take_every_filter_of_the_list_and_keep_what_the_list_keeps() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let archived = create_activity(
        &app,
        published("Đã lưu trữ", w.unit, json!({"occurred_on": "2023-08-01"})),
    )
    .await;
    patch_activity(&app, &archived, json!({"status": "archived"})).await;
    for query in [
        "organizer=chi-doan-van-phong-ubnd-tinh",
        "organizer=chi-doan-van-phong-ubnd-tinh&include_descendants=true",
        "occurred_from=2023-09-01&occurred_to=2023-09-30",
        "occurred_to=2023-08-31",
        "status=archived",
        "status=draft",
        "organization=chi-doan-van-phong-ubnd-tinh&category=volunteering,conference&q=thang",
    ] {
        let res = app.get(&format!("{ACTIVITIES}?{query}&per_page=100")).await;
        assert_eq!(res.status(), 200, "list {query}");
        let list: Value = res.json().await.expect("list JSON");
        let listed: Vec<&str> = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| a["title"].as_str().expect("title"))
            .collect();
        for (ext, _, _) in FORMATS {
            let feed = feed_of(&app, ext, query).await;
            assert_eq!(sorted_titles(&feed), sorted(&listed), "{ext} {query}");
        }
    }
    // The organizer names itself in the title, as `organization` does.
    let feed = feed_of(&app, "atom", "organizer=chi-doan-van-phong-ubnd-tinh").await;
    assert_eq!(title_of(&feed), "Hoạt động — Chi đoàn Văn phòng UBND tỉnh");
    assert_eq!(entry_titles(&feed), vec![SO_KET]);
    // A parameter neither the feed nor the filters know: 400 naming it and what is allowed.
    let problem = assert_problem(app.get("/feeds/activities.rss?limt=5").await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "limt");
    let message = problem["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("limit") && message.contains("organizer"),
        "{message}"
    );
}

// --- sitemap --------------------------------------------------------------------------------

/// The `<loc>`s of a sitemap file or index, in order.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .map(|rest| rest.split("</loc>").next().unwrap().to_string())
        .collect()
}

async fn sitemap_text(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(
        header(&res, "content-type").as_deref(),
        Some("application/xml; charset=utf-8"),
        "{path}"
    );
    res.text().await.unwrap()
}

#[actix_web::test]
async fn the_sitemap_lists_published_activities_and_organizations_at_their_canonical_urls() {
    let app = spawn_with(|a| {
        a.demo = true;
        a.public_url = Some(PUBLIC.into());
    })
    .await;
    let xml = sitemap_text(&app, "/sitemap.xml").await;
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let all = locs(&xml);
    assert_eq!(
        all.len(),
        14 + 7,
        "every unit and every published activity: {all:?}"
    );
    assert!(all.contains(&format!(
        "{PUBLIC}/hoat-dong/dem-hoi-trang-ram-cho-con-vien-chuc-nguoi-lao-dong"
    )));
    assert!(all.contains(&format!("{PUBLIC}/to-chuc/don-bien-phong-ba-son")));
    assert_eq!(
        xml.matches("<lastmod>").count(),
        all.len(),
        "each with lastmod"
    );

    // A draft and a trashed activity are not public pages.
    let org = app
        .get_json("/api/v1/organizations/chi-doan-van-phong-tinh-uy")
        .await["id"]
        .as_i64()
        .unwrap();
    let draft = create_activity(
        &app,
        json!({"title": "Bản nháp", "occurred_on": "2023-10-01", "category": "other",
               "organizer_id": org, "status": "draft"}),
    )
    .await;
    let res = app
        .delete(&format!(
            "{ACTIVITIES}/cum-thi-dua-so-4-so-ket-cong-tac-doan-9-thang-dau-nam-2023"
        ))
        .await;
    assert_eq!(res.status(), 204);
    let after = locs(&sitemap_text(&app, "/sitemap.xml").await);
    assert_eq!(after.len(), 14 + 6);
    assert!(!after
        .iter()
        .any(|l| l.ends_with(draft["slug"].as_str().unwrap())));
    assert!(!after.iter().any(|l| l.contains("cum-thi-dua-so-4-so-ket")));

    // ETag and 304.
    let res = app.get("/sitemap.xml").await;
    let tag = header(&res, "etag").expect("an ETag");
    let res = app
        .request(Method::GET, "/sitemap.xml")
        .header("If-None-Match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
}

#[actix_web::test]
async fn past_the_urls_of_one_file_the_sitemap_is_an_index_of_numbered_files() {
    let app = spawn_with(|a| {
        a.demo = true;
        a.sitemap_urls_per_file = 5;
    })
    .await;
    let index = sitemap_text(&app, "/sitemap.xml").await;
    assert!(index.contains("<sitemapindex"), "{index}");
    let files: Vec<String> = locs(&index)
        .iter()
        .map(|l| l.strip_prefix(&app.address).unwrap().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "/sitemaps/organizations-1.xml",
            "/sitemaps/organizations-2.xml",
            "/sitemaps/organizations-3.xml",
            "/sitemaps/activities-1.xml",
            "/sitemaps/activities-2.xml",
        ]
    );
    let mut seen = BTreeSet::new();
    for file in &files {
        let urls = locs(&sitemap_text(&app, file).await);
        assert!(!urls.is_empty() && urls.len() <= 5, "{file}: {urls:?}");
        for url in urls {
            assert!(seen.insert(url.clone()), "{url} listed twice");
        }
    }
    assert_eq!(seen.len(), 14 + 7, "every URL once across the files");
    for missing in [
        "/sitemaps/activities-3.xml",
        "/sitemaps/activities-0.xml",
        "/sitemaps/users-1.xml",
        "/sitemaps/activities-1",
        "/sitemaps/activities-99999999999999999999.xml",
        "/sitemaps/organizations-9223372036854775807.xml",
    ] {
        assert_problem(app.get(missing).await, 404).await;
    }
    for path in ["/sitemap.xml?page=2", "/sitemaps/activities-1.xml?x=1"] {
        assert_problem(app.get(path).await, 400).await;
    }
}

#[actix_web::test]
async fn last_modified_moves_only_with_what_the_public_can_see() {
    let app = spawn_app().await;
    let bloc = org(&app, "Đoàn khối các cơ quan tỉnh", "bloc_union", None).await;
    let unit = org(&app, "Đoàn cơ sở Sở Y tế", "grassroots_union", Some(bloc)).await;
    let other = org(&app, "Chi đoàn Sở Tư pháp", "grassroots_branch", Some(bloc)).await;
    create_activity(&app, published(SO_KET, unit, json!({}))).await;
    settle().await;
    let paths = [
        feed_path("rss", ""),
        feed_path("rss", &format!("organization={unit}")),
    ];
    let mut before = Vec::new();
    for path in &paths {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200);
        before.push((
            header(&res, "last-modified").expect("Last-Modified"),
            header(&res, "etag").expect("ETag"),
        ));
    }

    // Work the public cannot see: a scheduled item, a draft in another unit, an edit of the
    // scheduled one, a draft taken to review.
    let ahead = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let scheduled = create_activity(
        &app,
        published(TRANG_RAM, unit, json!({"published_at": ahead})),
    )
    .await;
    assert_eq!(scheduled["status"], "scheduled");
    let mut draft = published(RA_QUAN, other, json!({}));
    draft["status"] = json!("draft");
    let draft = create_activity(&app, draft).await;
    patch_activity(&app, &scheduled, json!({"summary": "Đổi giờ tổ chức"})).await;
    patch_activity(&app, &draft, json!({"status": "pending_review"})).await;
    settle().await;
    for (path, (modified, etag)) in paths.iter().zip(&before) {
        let res = app.get(path).await;
        assert_eq!(
            header(&res, "etag").as_ref(),
            Some(etag),
            "{path}: the body is the same"
        );
        assert_eq!(
            header(&res, "last-modified").as_ref(),
            Some(modified),
            "{path}: hidden work moved Last-Modified"
        );
        let res = get_with(&app, path, "If-Modified-Since", modified).await;
        assert_eq!(res.status(), 304, "{path}");
    }

    // What readers see moves it: the draft published, then taken down again.
    patch_activity(&app, &draft, json!({"status": "published"})).await;
    settle().await;
    let res = get_with(&app, &paths[0], "If-Modified-Since", &before[0].0).await;
    assert_eq!(res.status(), 200, "a new entry is a change");
    let published_at = header(&res, "last-modified").unwrap();
    patch_activity(&app, &draft, json!({"status": "draft"})).await;
    settle().await;
    let res = get_with(&app, &paths[0], "If-Modified-Since", &published_at).await;
    assert_eq!(res.status(), 200, "an entry leaving the feed is a change");

    // An entry trashed, then purged: the copy that still lists it is never answered 304.
    let gone = create_activity(&app, published(THU_GOM, unit, json!({}))).await;
    settle().await;
    let listing = header(&app.get(&paths[0]).await, "last-modified").unwrap();
    let path = format!("{ACTIVITIES}/{}", gone["id"]);
    assert_eq!(app.delete(&path).await.status(), 204);
    let res = app
        .delete(&format!("/api/v1/trash/activities/{}", gone["id"]))
        .await;
    assert_eq!(res.status(), 204);
    settle().await;
    let res = get_with(&app, &paths[0], "If-Modified-Since", &listing).await;
    assert_eq!(
        res.status(),
        200,
        "a purge must not take Last-Modified back"
    );
}
