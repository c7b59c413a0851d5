//! Media in an S3-compatible bucket (`--media-store s3://bucket/prefix`) over HTTP, against a
//! real local S3 server: `.ci/run` starts one (moto, `.ci/s3-server`) and sets
//! `DOAN_TEST_S3` to its endpoint, with the `AWS_*` variables the store reads. Each test
//! makes a bucket of its own. Files uploaded land in the bucket, not on disk; `/media/{name}`
//! serves them from it with the same headers, ranges and validators as a folder's; GC lists
//! and empties the bucket; a bucket that fails makes an upload a 503 with nothing stored.

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;
use crate::media::{file, jpeg, upload, PDF};

/// The S3 endpoint of this run, when there is one (else the test says it is skipped: CI
/// fails on that line in its S3 step).
fn endpoint() -> Option<String> {
    let endpoint = std::env::var("DOAN_TEST_S3")
        .ok()
        .filter(|e| !e.is_empty())
        .map(|e| e.trim_end_matches('/').to_string());
    if endpoint.is_none() {
        eprintln!("skipped: needs DOAN_TEST_S3 (an S3-compatible server: .ci/s3-server)");
    }
    endpoint
}

/// `doan-api media gc --older-than 0h` on `database` and the bucket `store`.
fn media_gc(database: &std::path::Path, store: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["media", "gc", "--older-than", "0h", "--database"])
        .arg(database)
        .args(["--media-store", store])
        .output()
        .expect("media gc runs")
}

/// A new, empty bucket on the test server (moto takes unsigned requests).
async fn new_bucket(endpoint: &str) -> String {
    let name = format!("doan-test-{}", hex::encode(rand::random::<[u8; 6]>()));
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/{name}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(
        res.status().is_success(),
        "creating bucket {name}: {}",
        res.status()
    );
    name
}

/// The keys in `bucket` (its ListObjectsV2, read as text: `<Key>…</Key>`).
async fn keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let body = reqwest::Client::new()
        .get(format!("{endpoint}/{bucket}?list-type=2"))
        .send()
        .await
        .expect("listing")
        .text()
        .await
        .expect("listing body");
    let mut out: Vec<String> = body
        .split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next().map(str::to_string))
        .collect();
    out.sort();
    out
}

/// An app whose media go to a new bucket under `prefix`.
async fn app_on_bucket(endpoint: &str, prefix: &str) -> (TestApp, String) {
    let bucket = new_bucket(endpoint).await;
    let url = format!("s3://{bucket}/{prefix}");
    let app = spawn_with(move |args| args.media_store = Some(url)).await;
    (app, bucket)
}

#[actix_web::test]
async fn uploads_live_in_the_bucket_and_are_served_from_it_with_ranges() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let (app, bucket) = app_on_bucket(&endpoint, "media/site").await;
    let (_, editor) = app.branch_with_editor("Chi đoàn S3", "bientap").await;
    let form = Form::new()
        .part("file", file(jpeg(1200, 800), "anh.jpg", "image/jpeg"))
        .text("alt", "Đoàn viên trồng cây");
    let res = upload(&app, &editor, form).await;
    assert_eq!(res.status(), 201);
    let photo: Value = res.json().await.unwrap();
    let form = Form::new().part(
        "file",
        file(PDF.to_vec(), "ke-hoach.pdf", "application/pdf"),
    );
    let res = upload(&app, &editor, form).await;
    assert_eq!(res.status(), 201);
    let pdf: Value = res.json().await.unwrap();

    // Every file of both under the prefix, none on the node's disk.
    let stored = keys(&endpoint, &bucket).await;
    let mut named: Vec<String> = Vec::new();
    for m in [&photo, &pdf] {
        let mut srcs = vec![m["src"].clone(), m["thumbnail"]["src"].clone()];
        srcs.extend(
            m["renditions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|r| r["src"].clone()),
        );
        for src in srcs.iter().filter_map(Value::as_str) {
            let key = format!("media/site/{}", src.rsplit('/').next().unwrap());
            if !named.contains(&key) {
                named.push(key);
            }
        }
    }
    assert!(named.len() >= 3, "{photo}");
    for key in &named {
        assert!(stored.contains(key), "{key} not in {stored:?}");
    }
    let on_disk = std::fs::read_dir(app.media_dir())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(on_disk, 0, "nothing on the node's disk");

    // Served from the bucket: whole, a range, the validator, a range outside the file.
    let url = pdf["src"].as_str().expect("pdf src");
    let res = app.request(Method::GET, url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["accept-ranges"], "bytes");
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let res = app
        .request(Method::GET, url)
        .header("Range", "bytes=5-12")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 5-12/{}", PDF.len()).as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &PDF[5..=12]);
    let res = app
        .request(Method::GET, url)
        .header("Range", format!("bytes=-{}", 4))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), &PDF[PDF.len() - 4..]);
    let res = app
        .request(Method::GET, url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = app
        .request(Method::GET, url)
        .header("Range", format!("bytes={}-", PDF.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    // A name the store never wrote: 404, and nothing is asked of the bucket for a bad name.
    let missing = format!("/media/{}.jpg", "0".repeat(64));
    assert_eq!(
        app.request(Method::GET, &missing)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.request(Method::GET, "/media/..%2F..%2Fetc%2Fpasswd")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Unused and old enough: `media gc` on the bucket takes the rows and their files.
    let out = media_gc(&app.db_path, &format!("s3://{bucket}/media/site"));
    assert_success(&out);
    let left = keys(&endpoint, &bucket).await;
    assert!(
        left.iter().all(|k| !named.contains(k)),
        "files left after GC: {left:?}"
    );
    let res = app.request(Method::GET, url).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[actix_web::test]
async fn a_bucket_that_fails_makes_an_upload_a_503_with_nothing_stored() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let (app, bucket) = app_on_bucket(&endpoint, "").await;
    let (_, editor) = app.branch_with_editor("Chi đoàn S3", "bientap").await;
    // The bucket goes away under the running server (it is empty: S3 deletes only those).
    let res = reqwest::Client::new()
        .delete(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let form = Form::new()
        .part("file", file(jpeg(640, 480), "anh.jpg", "image/jpeg"))
        .text("alt", "Ảnh không lưu được");
    let res = upload(&app, &editor, form).await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("media store"),
        "{problem}"
    );
    // No row names a file that is not there.
    let list = app
        .as_admin(Method::GET, "/api/v1/media")
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["meta"]["total"], 0, "{list}");
    // The bucket is back: the same upload is stored.
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let form = Form::new()
        .part("file", file(jpeg(640, 480), "anh.jpg", "image/jpeg"))
        .text("alt", "Ảnh lưu lại");
    assert_eq!(upload(&app, &editor, form).await.status(), 201);
    assert!(!keys(&endpoint, &bucket).await.is_empty());
}

#[actix_web::test]
async fn a_node_that_cannot_reach_its_bucket_does_not_start() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["media", "gc", "--database"])
        .arg(dir.path().join("t.db"))
        .args(["--media-store", "s3://no-such-bucket-doan"])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-bucket-doan"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["media", "gc", "--database"])
        .arg(dir.path().join("t.db"))
        .args(["--media-store", "/var/media"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("s3://"));
}

/// A proxy in front of the S3 server that passes everything but refuses every object PUT after
/// the first `allowed` (S3's `AccessDenied`, which is not retried): a store that fails in the
/// middle of an upload's files. Returns its endpoint.
async fn failing_after(endpoint: &str, allowed: usize) -> String {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let upstream = endpoint.to_string();
    let puts = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let (upstream, puts) = (upstream.clone(), puts.clone());
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let (upstream, puts) = (upstream.clone(), puts.clone());
            async move {
                // An object's PUT names a key under the bucket: /bucket/key.
                let object = req.path().trim_start_matches('/').contains('/');
                if req.method().as_str() == "PUT"
                    && object
                    && puts.fetch_add(1, Ordering::SeqCst) >= allowed
                {
                    return HttpResponse::Forbidden()
                        .content_type("application/xml")
                        .body("<Error><Code>AccessDenied</Code><Message>refused by the test</Message></Error>");
                }
                let uri = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let mut out = reqwest::Client::new()
                    .request(
                        Method::from_bytes(req.method().as_str().as_bytes()).unwrap(),
                        format!("{upstream}{uri}"),
                    )
                    .body(body);
                for (name, value) in req.headers() {
                    if name != "host" {
                        out = out.header(name.as_str(), value.as_bytes());
                    }
                }
                let res = out.send().await.expect("the S3 server answers");
                let mut back = HttpResponse::build(
                    actix_web::http::StatusCode::from_u16(res.status().as_u16()).unwrap(),
                );
                for (name, value) in res.headers() {
                    if name != "content-length" && name != "transfer-encoding" {
                        back.insert_header((name.as_str(), value.as_bytes()));
                    }
                }
                back.body(res.bytes().await.unwrap_or_default())
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    format!("http://127.0.0.1:{port}")
}

#[actix_web::test]
async fn a_store_that_fails_between_an_uploads_files_leaves_no_medium() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let app = spawn_app().await;
    let bucket = new_bucket(&endpoint).await;
    let proxy = failing_after(&endpoint, 1).await;
    // A node whose store accepts the upload's first file (the original) and fails the rest.
    let node = crate::nodes::node_with(&app, |c| {
        c.args(["--media-store", &format!("s3://{bucket}/m")])
            .env("AWS_ENDPOINT_URL", &proxy);
    })
    .await;
    let (_, editor) = app.branch_with_editor("Chi đoàn S3", "bientap").await;
    let form = Form::new()
        .part("file", file(jpeg(1600, 1200), "anh.jpg", "image/jpeg"))
        .text("alt", "Ảnh dở dang");
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/media", node.base))
        .bearer_auth(&editor)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("media store"),
        "{problem}"
    );
    // One file got in; no row names it, and the node's list shows no medium.
    let stored = keys(&endpoint, &bucket).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let list: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/media", node.base))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 0, "{list}");
    // The stray file is what `media gc` sweeps (no medium lists it) once older than the
    // cut-off, counted in whole seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let out = media_gc(&app.db_path, &format!("s3://{bucket}/m"));
    assert_success(&out);
    assert!(keys(&endpoint, &bucket).await.is_empty());
}

#[actix_web::test]
async fn a_backup_takes_the_buckets_files_and_a_restore_puts_them_in_another() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    if on_postgres() {
        return; // `backup` is SQLite's: PostgreSQL is backed up with its own tools.
    }
    let (app, bucket) = app_on_bucket(&endpoint, "p").await;
    let (_, editor) = app.branch_with_editor("Chi đoàn S3", "bientap").await;
    let form = Form::new()
        .part("file", file(jpeg(900, 600), "anh.jpg", "image/jpeg"))
        .text("alt", "Ảnh sao lưu");
    assert_eq!(upload(&app, &editor, form).await.status(), 201);
    let stored = keys(&endpoint, &bucket).await;
    assert!(stored.len() >= 2, "{stored:?}");

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("sao-luu.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["backup", "--database"])
        .arg(&app.db_path)
        .args(["--media-store", &format!("s3://{bucket}/p")])
        .arg(&backup)
        .output()
        .expect("backup runs");
    assert_success(&out);
    let mut beside: Vec<String> = std::fs::read_dir(dir.path().join("sao-luu.db.media"))
        .expect("the media folder beside the backup")
        .map(|e| format!("p/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    beside.sort();
    assert_eq!(beside, stored);

    let other = new_bucket(&endpoint).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_doan-api"))
        .args(["restore", "--database"])
        .arg(dir.path().join("restored.db"))
        .args(["--media-store", &format!("s3://{other}/q")])
        .arg(&backup)
        .output()
        .expect("restore runs");
    assert_success(&out);
    let restored: Vec<String> = keys(&endpoint, &other).await;
    let expected: Vec<String> = stored.iter().map(|k| k.replacen("p/", "q/", 1)).collect();
    assert_eq!(restored, expected);
}

#[actix_web::test]
async fn with_a_public_url_a_file_is_a_redirect_there() {
    let Some(endpoint) = endpoint() else {
        return;
    };
    let bucket = new_bucket(&endpoint).await;
    let public = format!("{endpoint}/{bucket}/cdn");
    let app = spawn_with({
        let (bucket, public) = (bucket.clone(), public.clone());
        move |args| {
            args.media_store = Some(format!("s3://{bucket}/cdn"));
            args.media_public_url = Some(format!("{public}/"));
        }
    })
    .await;
    let (_, editor) = app.branch_with_editor("Chi đoàn S3", "bientap").await;
    let form = Form::new().part(
        "file",
        file(PDF.to_vec(), "ke-hoach.pdf", "application/pdf"),
    );
    let res = upload(&app, &editor, form).await;
    assert_eq!(res.status(), 201);
    let pdf: Value = res.json().await.unwrap();
    let src = pdf["src"].as_str().unwrap();
    let name = src.rsplit('/').next().unwrap();
    let direct = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = direct.get(app.url(src)).send().await.unwrap();
    assert_eq!(res.status(), 307);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{public}/{name}"));
    // The file is there under that name (what a CDN in front of the bucket serves).
    assert!(keys(&endpoint, &bucket)
        .await
        .contains(&format!("cdn/{name}")));
}
