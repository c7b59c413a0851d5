//! Media in activities over HTTP: photos and documents by `media_id` with their renditions
//! embedded (detail, list thumbnail, feeds with real enclosure lengths), the rules on what may
//! be referenced, deleting media in use (409, an admin's force), `media gc`, the demo's
//! pictures.

use std::process::Command;

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::media::{file, jpeg, upload, PDF};

/// A unit, its editor's token, an uploaded photo (1600 × 1200) and an uploaded PDF.
struct Library {
    org: Value,
    editor: String,
    photo: Value,
    pdf: Value,
}

async fn library(app: &TestApp) -> Library {
    let (org, editor) = app.branch_with_editor("Chi đoàn Ảnh", "bientap_anh").await;
    let res = upload(
        app,
        &editor,
        Form::new()
            .part("file", file(jpeg(1600, 1200), "hop.jpg", "image/jpeg"))
            .text("alt", "Toàn cảnh cuộc họp")
            .text("caption", "Toàn cảnh hội nghị sơ kết")
            .text("credit", "Ảnh: Chi đoàn Ảnh"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let photo: Value = res.json().await.unwrap();
    let res = upload(
        app,
        &editor,
        Form::new()
            .part(
                "file",
                file(PDF.to_vec(), "28-CT-DTN.pdf", "application/pdf"),
            )
            .text("caption", "Chương trình số 28-CT/ĐTN ngày 21/02/2023"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let pdf: Value = res.json().await.unwrap();
    Library {
        org,
        editor,
        photo,
        pdf,
    }
}

async fn post_as(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, path)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The value of attribute `name` in the first `<tag …>` of `xml` after `from`.
fn attribute(xml: &str, tag: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag} "))?;
    let element = &xml[start..start + xml[start..].find('>')?];
    let at = element.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(element[at..at + element[at..].find('"')?].to_string())
}

#[actix_web::test]
async fn photos_and_documents_reference_media_and_embed_their_files() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let res = post_as(
        &app,
        &lib.editor,
        "/api/v1/activities",
        &json!({
            "title": "Hội nghị sơ kết có ảnh", "occurred_on": "2023-09-20", "category": "conference",
            "organizer_id": lib.org["id"], "status": "published",
            "photos": [
                {"media_id": lib.photo["id"]},
                {"url": "https://example.vn/anh-ngoai.jpg", "caption": "Ảnh từ nơi khác"},
                {"caption": "Chỉ có chú thích"}
            ],
            "documents": [{"media_id": lib.pdf["id"]}, {"raw": "Kế hoạch số 15-KH/ĐTN ngày 3/3/2023"}]
        }),
    )
    .await;
    let status = res.status();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    let cover = &created["photos"][0];
    assert_eq!(cover["media_id"], lib.photo["id"]);
    assert_eq!(cover["url"], lib.photo["src"]);
    // The medium's caption and credit, taken when none is given; its alt text.
    assert_eq!(cover["caption"], "Toàn cảnh hội nghị sơ kết");
    assert_eq!(cover["credit"], "Ảnh: Chi đoàn Ảnh");
    assert_eq!(cover["alt"], "Toàn cảnh cuộc họp");
    assert_eq!(
        (cover["width"].as_i64(), cover["height"].as_i64()),
        (Some(1600), Some(1200))
    );
    assert_eq!(cover["renditions"], lib.photo["renditions"]);
    assert_eq!(cover["thumbnail"], lib.photo["thumbnail"]);
    assert_eq!(cover["blurhash"], lib.photo["blurhash"]);
    let r640 = cover["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["width"] == 640)
        .unwrap();
    assert_eq!(cover["src"], r640["src"]);
    let srcset = cover["srcset"].as_str().unwrap();
    for w in ["320w", "640w", "1280w"] {
        assert!(srcset.contains(w), "{srcset}");
    }
    // The same widths as WebP: smaller, and real WebP pictures of the width they say.
    let webp = cover["webp_srcset"].as_str().unwrap();
    let webp640 = webp
        .split(", ")
        .find(|c| c.ends_with(" 640w"))
        .and_then(|c| c.split(' ').next())
        .unwrap();
    let res = app.get(webp640).await;
    assert_eq!(header(&res, "content-type").as_deref(), Some("image/webp"));
    let bytes = res.bytes().await.unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
    assert_eq!((img.width(), img.height()), (640, 480));
    assert!(
        (bytes.len() as i64) < r640["bytes"].as_i64().unwrap(),
        "WebP {} B",
        bytes.len()
    );
    assert!(webp.contains(" 1280w"), "{webp}");
    // An external image and a caption alone stay as they were.
    assert_eq!(
        created["photos"][1]["url"],
        "https://example.vn/anh-ngoai.jpg"
    );
    assert_eq!(
        created["photos"][1]["src"],
        "https://example.vn/anh-ngoai.jpg"
    );
    assert_eq!(created["photos"][1]["media_id"], Value::Null);
    assert_eq!(created["photos"][2]["url"], Value::Null);
    assert_eq!(created["photos"][2]["caption"], "Chỉ có chú thích");
    // The document: its title from the medium's caption (parsed), its file.
    let doc = &created["documents"][0];
    assert_eq!(doc["raw"], "Chương trình số 28-CT/ĐTN ngày 21/02/2023");
    assert_eq!(doc["number"], "28");
    assert_eq!(doc["media_id"], lib.pdf["id"]);
    assert_eq!(doc["url"], lib.pdf["src"]);
    assert_eq!(doc["bytes"], PDF.len());
    assert_eq!(doc["content_type"], "application/pdf");
    assert_eq!(created["documents"][1]["media_id"], Value::Null);
    let (_, body) = {
        let res = app.get(doc["url"].as_str().unwrap()).await;
        assert_eq!(res.status(), 200);
        (res.headers().clone(), res.bytes().await.unwrap())
    };
    assert_eq!(&body[..], PDF);

    // The list carries the cover with its thumbnail.
    let list = app.get_json("/api/v1/activities").await;
    let item = &list["data"][0];
    assert_eq!(item["id"], created["id"]);
    assert_eq!(item["photo"]["thumbnail"], lib.photo["thumbnail"]);
    assert_eq!(item["photo"]["alt"], "Toàn cảnh cuộc họp");
    // The caption is searchable as the activity's own.
    let found = app.get_json("/api/v1/activities?q=toan%20canh").await;
    assert_eq!(found["meta"]["total"], 1, "{found}");

    // A PATCH that leaves the photos alone keeps them; one that changes the caption keeps the
    // medium.
    let id = created["id"].as_i64().unwrap();
    let etag = header(&app.get(&format!("/api/v1/activities/{id}")).await, "etag").unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/v1/activities/{id}"))
        .bearer_auth(&lib.editor)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(
            json!({"photos": [{"media_id": lib.photo["id"], "caption": "Chú thích mới"}]})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let status = res.status();
    let patched: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["photos"][0]["caption"], "Chú thích mới");
    assert_eq!(patched["photos"][0]["credit"], "Ảnh: Chi đoàn Ảnh");
    assert_eq!(patched["photos"].as_array().unwrap().len(), 1);
    assert_eq!(patched["documents"], created["documents"]);
}

#[actix_web::test]
async fn the_feeds_carry_the_cover_with_its_real_length() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let created = create_activity(
        &app,
        json!({"title": "Tin có ảnh tải lên", "occurred_on": "2023-09-20", "category": "conference",
            "organizer_id": lib.org["id"], "status": "published",
            "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    let r1280 = created["photos"][0]["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["width"] == 1280)
        .unwrap()
        .clone();
    let bytes_at = |url: String| {
        let app = &app;
        async move {
            let res = app.get(&url).await;
            assert_eq!(res.status(), 200, "{url}");
            res.bytes().await.unwrap().len()
        }
    };
    let real = bytes_at(r1280["src"].as_str().unwrap().to_string()).await;
    assert_eq!(r1280["bytes"], real);

    let rss = app.get("/feeds/activities.rss").await.text().await.unwrap();
    assert_eq!(
        attribute(&rss, "enclosure", "url").as_deref(),
        r1280["src"].as_str()
    );
    assert_eq!(
        attribute(&rss, "enclosure", "length"),
        Some(real.to_string())
    );
    assert_eq!(
        attribute(&rss, "enclosure", "type").as_deref(),
        Some("image/jpeg")
    );
    assert_eq!(
        attribute(&rss, "media:content", "url").as_deref(),
        r1280["src"].as_str()
    );
    assert_eq!(
        attribute(&rss, "media:content", "fileSize"),
        Some(real.to_string())
    );
    assert_eq!(
        attribute(&rss, "media:content", "width").as_deref(),
        Some("1280")
    );
    assert_eq!(
        attribute(&rss, "media:thumbnail", "url").as_deref(),
        created["photos"][0]["thumbnail"]["src"].as_str()
    );
    assert!(rss.contains("xmlns:media=\"http://search.yahoo.com/mrss/\""));
    // Still a feed a reader parses, with the enclosure.
    let parsed = feed_rs::parser::parse(rss.as_bytes()).unwrap();
    assert!(!parsed.entries[0].media.is_empty());

    let atom = app
        .get("/feeds/activities.atom")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        atom.contains(&format!(
            "<link rel=\"enclosure\" type=\"image/jpeg\" href=\"{}\" length=\"{real}\"/>",
            r1280["src"].as_str().unwrap()
        )),
        "{atom}"
    );

    let json_feed: Value = serde_json::from_str(
        &app.get("/feeds/activities.json")
            .await
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let item = &json_feed["items"][0];
    assert_eq!(item["image"], r1280["src"]);
    assert_eq!(item["attachments"][0]["url"], r1280["src"]);
    assert_eq!(item["attachments"][0]["size_in_bytes"], real);
    assert_eq!(item["attachments"][0]["mime_type"], "image/jpeg");
    assert_eq!(item["attachments"][0]["title"], "Toàn cảnh cuộc họp");
}

#[actix_web::test]
async fn what_a_photo_or_document_may_reference_is_checked() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    // Another unit's editor and its own upload.
    let (other, other_editor) = app
        .branch_with_editor("Chi đoàn Khác", "bientap_khac")
        .await;
    let base = |photos: Value, documents: Value, organizer: &Value| {
        json!({"title": "Thử", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": organizer["id"], "photos": photos, "documents": documents})
    };
    let cases = [
        (
            "a document as a photo",
            base(json!([{"media_id": lib.pdf["id"]}]), json!([]), &lib.org),
            "/photos/0/media_id",
            &lib.editor,
        ),
        (
            "a photo as a document",
            base(json!([]), json!([{"media_id": lib.photo["id"]}]), &lib.org),
            "/documents/0/media_id",
            &lib.editor,
        ),
        (
            "no such medium",
            base(json!([{"media_id": 999_999}]), json!([]), &lib.org),
            "/photos/0/media_id",
            &lib.editor,
        ),
        (
            "an id beyond i32",
            base(
                json!([{"media_id": 4_294_967_297_i64}]),
                json!([]),
                &lib.org,
            ),
            "/photos/0/media_id",
            &lib.editor,
        ),
        (
            "a medium and a url",
            base(
                json!([{"media_id": lib.photo["id"], "url": "https://example.vn/a.jpg"}]),
                json!([]),
                &lib.org,
            ),
            "/photos/0/url",
            &lib.editor,
        ),
        (
            "a document without title or file",
            base(json!([]), json!([{}]), &lib.org),
            "/documents/0/raw",
            &lib.editor,
        ),
        (
            "another unit's medium",
            base(json!([{"media_id": lib.photo["id"]}]), json!([]), &other),
            "/photos/0/media_id",
            &other_editor,
        ),
    ];
    for (what, body, field, token) in cases {
        let res = post_as(&app, token, "/api/v1/activities", &body).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(
            error_fields(&problem),
            vec![field.to_string()],
            "{what}: {problem}"
        );
    }
    // Another unit's medium reads as no medium at all (its library is not theirs to see).
    let res = post_as(
        &app,
        &other_editor,
        "/api/v1/activities",
        &base(json!([{"media_id": lib.photo["id"]}]), json!([]), &other),
    )
    .await;
    let problem = assert_problem(res, 422).await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("there is no medium"),
        "{problem}"
    );
    // An admin may use any unit's medium for any unit; the unit's editor may then edit the
    // activity without being refused the medium it did not choose.
    let created = create_activity(
        &app,
        base(json!([{"media_id": lib.photo["id"]}]), json!([]), &other),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let res = app
        .request(Method::GET, &format!("/api/v1/activities/{id}"))
        .bearer_auth(&other_editor)
        .send()
        .await
        .unwrap();
    let etag = header(&res, "etag").unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/v1/activities/{id}"))
        .bearer_auth(&other_editor)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"title": "Thử lại"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn media_in_use_is_not_deleted_unless_an_admin_forces_it() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let created = create_activity(
        &app,
        json!({"title": "Tin dùng ảnh", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"], "status": "published",
            "photos": [{"media_id": lib.photo["id"], "caption": "Ảnh bìa"}],
            "documents": [{"media_id": lib.pdf["id"], "raw": "Chương trình 28"}]}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let photo_path = format!("/api/v1/media/{}", lib.photo["id"]);
    // Unattached: only the PDF is not (both are used).
    let unattached: Value = app.admin_json("/api/v1/media?unattached=true").await;
    assert_eq!(unattached["meta"]["total"], 0, "{unattached}");

    let res = app
        .request(Method::DELETE, &photo_path)
        .bearer_auth(&lib.editor)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("{id} 'tin-dung-anh' (published)")),
        "{problem}"
    );
    assert_eq!(error_fields(&problem), vec![format!("/activities/{id}")]);
    // An editor may not force.
    let res = app
        .request(Method::DELETE, &format!("{photo_path}?force=true"))
        .bearer_auth(&lib.editor)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    assert_eq!(
        app.as_admin(Method::GET, &photo_path)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // An admin forces it: the activity keeps the caption, loses the picture, gets a version.
    let files: Vec<String> = std::iter::once(lib.photo["src"].clone())
        .chain(
            lib.photo["renditions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["src"].clone()),
        )
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let res = app.delete(&format!("{photo_path}?force=true")).await;
    assert_eq!(res.status(), 204);
    let after = app.get_json(&format!("/api/v1/activities/{id}")).await;
    assert_eq!(after["version"], created["version"].as_i64().unwrap() + 1);
    assert_eq!(after["photos"][0]["caption"], "Ảnh bìa");
    assert_eq!(after["photos"][0]["media_id"], Value::Null);
    assert_eq!(after["photos"][0]["url"], Value::Null);
    assert_eq!(after["documents"], created["documents"]);
    for url in files {
        assert_eq!(app.get(&url).await.status(), 404, "{url}");
    }
    let revisions: Value = app
        .admin_json(&format!("/api/v1/activities/{id}/revisions"))
        .await;
    let note = revisions[0]["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(note.contains("deleted by an admin"), "{revisions}");
    // The activity is still valid as stored: an unrelated edit goes through.
    let etag = header(&app.get(&format!("/api/v1/activities/{id}")).await, "etag").unwrap();
    let res = app
        .as_admin(Method::PATCH, &format!("/api/v1/activities/{id}"))
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"title": "Tin đã bỏ ảnh"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The PDF is in use still; once its activity is purged it is unattached.
    let res = app
        .delete(&format!("/api/v1/media/{}", lib.pdf["id"]))
        .await;
    assert_problem(res, 409).await;
}

#[actix_web::test]
async fn media_gc_removes_unattached_uploads_and_stray_files_after_a_dry_run() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    create_activity(
        &app,
        json!({"title": "Tin giữ ảnh", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"], "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    let dir = app.media_dir();
    // A file no medium lists (an upload cut short), made long ago.
    let stray = dir.join(format!("{}.jpg", "ab".repeat(32)));
    std::fs::write(&stray, b"half a photo").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let pdf_file = dir.join(lib.pdf["src"].as_str().unwrap().rsplit('/').next().unwrap());
    assert!(pdf_file.exists());
    let gc = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_doan-api"))
            .args(["media", "gc", "--database"])
            .arg(&app.db_path)
            .args(media_dir_args(&app))
            .args(extra)
            .output()
            .unwrap();
        assert_success(&out);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    // Uploaded just now: kept by the default age (24 h).
    let out = gc(&["--dry-run"]);
    assert!(
        out.contains("would remove 0 unattached media and 1 stray files"),
        "{out}"
    );
    let out = gc(&["--older-than", "0h", "--dry-run"]);
    assert!(
        out.contains(&format!("would remove medium {}", lib.pdf["id"])),
        "{out}"
    );
    assert!(
        out.contains("would remove 1 unattached media and 1 stray files"),
        "{out}"
    );
    assert!(
        pdf_file.exists() && stray.exists(),
        "a dry run removes nothing"
    );
    let out = gc(&["--older-than", "0h"]);
    assert!(
        out.contains("removed 1 unattached media and 1 stray files"),
        "{out}"
    );
    assert!(!pdf_file.exists() && !stray.exists());
    let res = app
        .as_admin(Method::GET, &format!("/api/v1/media/{}", lib.pdf["id"]))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
    // The photo in use and its files stay.
    let photo = app
        .as_admin(Method::GET, &format!("/api/v1/media/{}", lib.photo["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(
        app.get(lib.photo["src"].as_str().unwrap()).await.status(),
        200
    );
    let out = Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["media", "gc", "--older-than", "soon", "--database"])
        .arg(&app.db_path)
        .args(media_dir_args(&app))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("48h or 7d"));
}

#[actix_web::test]
async fn the_demo_photos_are_pictures_that_load() {
    let app = spawn_demo_app().await;
    let list = app.get_json("/api/v1/activities?per_page=50").await;
    let covers: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.get("photo").filter(|p| !p.is_null()))
        .collect();
    assert!(covers.len() >= 2, "{list}");
    for cover in covers {
        assert_eq!(cover["alt"], cover["caption"], "{cover}");
        for url in [&cover["src"], &cover["url"], &cover["thumbnail"]["src"]] {
            let res = app.get(url.as_str().unwrap()).await;
            assert_eq!(res.status(), 200, "{url}");
            assert_eq!(header(&res, "content-type").as_deref(), Some("image/jpeg"));
            let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
            assert!(img.width() >= 160);
        }
    }
}

#[actix_web::test]
async fn an_export_carries_the_library_and_an_import_uses_it_again() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let created = create_activity(
        &app,
        json!({"title": "Tin xuất nhập", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"], "status": "published",
            "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    let res = app
        .as_admin(Method::GET, "/api/v1/export")
        .send()
        .await
        .unwrap();
    let archive = res.text().await.unwrap();
    let media_lines: Vec<Value> = archive
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["type"] == "media")
        .collect();
    assert_eq!(media_lines.len(), 2, "{archive}");
    // Into another database whose media folder has the files (copied along, as README says).
    let other = spawn_app().await;
    let from = app.media_dir();
    let to = other.media_dir();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    let import = |body: String| {
        let other = &other;
        async move {
            other
                .as_admin(Method::POST, "/api/v1/import")
                .header("Content-Type", "application/x-ndjson")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let res = import(archive.clone()).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let imported = other
        .get_json(&format!(
            "/api/v1/activities/{}",
            created["slug"].as_str().unwrap()
        ))
        .await;
    let photo = &imported["photos"][0];
    assert!(photo["media_id"].is_i64(), "{imported}");
    assert_eq!(photo["alt"], "Toàn cảnh cuộc họp");
    let res = other.get(photo["src"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    // A second import adds nothing.
    let res = import(archive.clone()).await;
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["created"], 0, "{done}");
    let list: Value = other.admin_json("/api/v1/media").await;
    assert_eq!(list["meta"]["total"], 2);

    // A media line that breaks the rules is a line problem, nothing written.
    let mut bad = media_lines[0].clone();
    bad["external_id"] = json!("media/bad");
    bad["file"] = json!(format!("{}.jpg", "cd".repeat(32)));
    bad["bytes"] = json!(-1);
    bad["files"][0]["name"] = json!("../../etc/passwd");
    bad["organization"] = json!("khong-co");
    let res = import(format!("{bad}\n")).await;
    let problem = assert_problem(res, 422).await;
    let text = problem.to_string();
    for expected in [
        "bytes: must not be negative",
        "is not a media file name",
        "there is no unit 'khong-co'",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
}

/// PATCH `path` as the admin under the current ETag.
async fn patch_as_admin(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    let res = app.as_admin(Method::GET, path).send().await.unwrap();
    let etag = header(&res, "etag").unwrap();
    app.as_admin(Method::PATCH, path)
        .header("If-Match", etag)
        .header("Content-Type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn file_urls_are_the_servers_own_and_revisions_keep_them_as_paths() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let body = json!({"title": "Tin thử host", "occurred_on": "2023-09-20", "category": "other",
        "organizer_id": lib.org["id"], "status": "published",
        "photos": [{"media_id": lib.photo["id"]}]});
    let res = app
        .as_admin(Method::POST, "/api/v1/activities")
        .header("X-Forwarded-Host", "evil.example")
        .header("Forwarded", "host=evil.example;proto=https")
        .json(&body)
        .send()
        .await
        .unwrap();
    let created: Value = res.json().await.unwrap();
    let url = created["photos"][0]["url"].as_str().unwrap();
    assert!(url.starts_with(&app.address), "{url}");
    assert!(!created.to_string().contains("evil.example"));
    let id = created["id"].as_i64().unwrap();
    // A revision is read on the reader's base, whoever wrote it.
    let rev: Value = app
        .as_admin(Method::GET, &format!("/api/v1/activities/{id}/revisions/1"))
        .header("X-Forwarded-Host", "other.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rev["state"]["photos"][0]["url"], url, "{rev}");
    assert_eq!(
        rev["state"]["photos"][0]["srcset"],
        created["photos"][0]["srcset"]
    );
    // The export writes them as they are kept: paths from the root, portable.
    let archive = app
        .as_admin(Method::GET, "/api/v1/export?revisions=true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line: Value = archive
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["type"] == "activity")
        .unwrap();
    let kept = line["revisions"][0]["state"]["photos"][0]["url"]
        .as_str()
        .unwrap();
    assert!(kept.starts_with("/media/"), "{kept}");
    assert_eq!(
        line["photos"][0]["media"],
        format!("media/{}", lib.photo["id"])
    );
}

#[actix_web::test]
async fn a_conflict_names_only_the_activities_the_caller_may_see() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let other = app
        .create_org(json!({"name": "Chi đoàn Bên cạnh", "kind": "branch"}))
        .await;
    // An admin's draft in another unit uses the editor's photo.
    create_activity(
        &app,
        json!({"title": "Bản nháp bí mật", "slug": "ban-nhap-bi-mat", "occurred_on": "2023-09-20",
            "category": "other", "organizer_id": other["id"],
            "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{}", lib.photo["id"]),
        )
        .bearer_auth(&lib.editor)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 409).await;
    assert!(!problem.to_string().contains("bi-mat"), "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("1 of other units"),
        "{problem}"
    );
    assert_eq!(error_fields(&problem), Vec::<String>::new());
    // The admin sees it named.
    let res = app
        .delete(&format!("/api/v1/media/{}", lib.photo["id"]))
        .await;
    let problem = assert_problem(res, 409).await;
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("ban-nhap-bi-mat"));
}

#[actix_web::test]
async fn a_revision_whose_medium_is_gone_is_restored_without_it() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let created = create_activity(
        &app,
        json!({"title": "Tin có lịch sử", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"],
            "photos": [{"media_id": lib.photo["id"], "caption": "Ảnh cũ"}],
            "documents": [{"media_id": lib.pdf["id"]}]}),
    )
    .await;
    let path = format!("/api/v1/activities/{}", created["id"]);
    let res = patch_as_admin(&app, &path, json!({"photos": [], "documents": []})).await;
    assert_eq!(res.status(), 200);
    // Both unused now: deleted without force.
    for m in [&lib.photo, &lib.pdf] {
        let res = app.delete(&format!("/api/v1/media/{}", m["id"])).await;
        assert_eq!(res.status(), 204);
    }
    let res = app.as_admin(Method::GET, &path).send().await.unwrap();
    let etag = header(&res, "etag").unwrap();
    let res = app
        .as_admin(Method::POST, &format!("{path}/revisions/1/restore"))
        .header("If-Match", etag)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let restored: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["photos"][0]["media_id"], Value::Null);
    assert_eq!(restored["photos"][0]["caption"], "Ảnh cũ");
    assert_eq!(restored["documents"][0]["media_id"], Value::Null);
    assert_eq!(
        restored["documents"][0]["raw"],
        created["documents"][0]["raw"]
    );
}

#[actix_web::test]
async fn describing_a_medium_again_does_not_change_the_activities_using_it() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    let created = create_activity(
        &app,
        json!({"title": "Tin đã duyệt", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"], "status": "published",
            "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    let media_path = format!("/api/v1/media/{}", lib.photo["id"]);
    let res = patch_as_admin(&app, &media_path, json!({"alt": "Chữ thay thế mới"})).await;
    assert_eq!(res.status(), 200);
    let path = format!("/api/v1/activities/{}", created["id"]);
    let after = app.get_json(&path).await;
    assert_eq!(after["photos"][0]["alt"], "Toàn cảnh cuộc họp");
    assert_eq!(after["version"], created["version"]);
    // The activity's own alt text, when it is changed there.
    let res = patch_as_admin(
        &app,
        &path,
        json!({"photos": [{"media_id": lib.photo["id"], "alt": "Chữ thay thế của tin"}]}),
    )
    .await;
    let patched: Value = res.json().await.unwrap();
    assert_eq!(patched["photos"][0]["alt"], "Chữ thay thế của tin");
}

#[actix_web::test]
async fn media_gc_refuses_an_age_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    for age in ["7д", "soon", "-1h", "", "h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_doan-api"))
            .args(["media", "gc", &format!("--older-than={age}"), "--database"])
            .arg(dir.path().join("d.db"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{age}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("48h or 7d"),
            "{age}"
        );
    }
}

/// Every file in the test app's media folder, each made three days old (older than any
/// `--older-than` the tests use).
fn media_files_made_old(app: &TestApp) -> Vec<std::path::PathBuf> {
    let dir = app.media_dir();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    files
}

/// Overwrite a medium's `renditions` in the database with what no reader can parse.
fn corrupt_renditions(app: &TestApp, id: &Value) {
    use diesel::RunQueryDsl;
    let mut conn = app.pool.blocking_conn().unwrap();
    doan_api::db::sql(
        &conn,
        "UPDATE media SET renditions = '{not json' WHERE id = ?",
    )
    .bind::<diesel::sql_types::Integer, _>(id.as_i64().unwrap() as i32)
    .execute(&mut *conn)
    .unwrap();
}

#[actix_web::test]
async fn media_gc_stops_at_a_medium_whose_files_it_cannot_read_and_deletes_nothing() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    create_activity(
        &app,
        json!({"title": "Tin giữ ảnh hỏng", "occurred_on": "2023-09-20", "category": "other",
            "organizer_id": lib.org["id"], "photos": [{"media_id": lib.photo["id"]}]}),
    )
    .await;
    corrupt_renditions(&app, &lib.photo["id"]);
    let files = media_files_made_old(&app);
    assert!(files.len() > 2, "{files:?}");
    for extra in [&["--dry-run"][..], &[]] {
        let out = Command::new(env!("CARGO_BIN_EXE_doan-api"))
            .args(["media", "gc", "--older-than", "0h", "--database"])
            .arg(&app.db_path)
            .args(media_dir_args(&app))
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            stderr.contains(&format!("medium {}", lib.photo["id"])),
            "{extra:?}: {stderr}"
        );
        for f in &files {
            assert!(f.exists(), "{extra:?}: {} was deleted", f.display());
        }
    }
    // Its representation is lenient: the medium is still shown (its original at least).
    let res = app
        .as_admin(Method::GET, &format!("/api/v1/media/{}", lib.photo["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get(lib.photo["src"].as_str().unwrap()).await.status(),
        200
    );
}

#[actix_web::test]
async fn deleting_a_medium_keeps_the_files_a_medium_it_cannot_read_may_share() {
    let app = spawn_app().await;
    let lib = library(&app).await;
    // The same bytes again: a second medium sharing the photo's files.
    let res = upload(
        &app,
        &lib.editor,
        Form::new()
            .part("file", file(jpeg(1600, 1200), "lai.jpg", "image/jpeg"))
            .text("alt", "Ảnh tải lại"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let twin: Value = res.json().await.unwrap();
    assert_eq!(twin["src"], lib.photo["src"]);
    corrupt_renditions(&app, &twin["id"]);
    let files = media_files_made_old(&app);
    let res = app
        .as_admin(
            Method::DELETE,
            &format!("/api/v1/media/{}", lib.photo["id"]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    for f in &files {
        assert!(f.exists(), "{} was deleted", f.display());
    }
    for url in [&twin["src"], &twin["thumbnail"]["src"]] {
        assert_eq!(app.get(url.as_str().unwrap()).await.status(), 200, "{url}");
    }
}
