//! The media library over HTTP: real small images and a PDF uploaded; renditions' sizes; EXIF
//! GPS gone from every stored file (read back with kamadak-exif); orientation applied; files
//! served immutable with ranges; every bad input a 4xx with nothing stored.

use std::io::Cursor;

use doan_api::auth::Role;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// A JPEG of `w` × `h` pixels (a gradient).
pub(crate) fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}

/// `jpeg` with an EXIF block: orientation 6 (turn 90° clockwise) and a GPS position.
fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    };
    // IFD0 at 8: Orientation, GPSInfo (the GPS IFD at 8 + 30 = 38).
    tiff.extend(2u16.to_le_bytes());
    entry(&mut tiff, 0x0112, 3, 1, 6);
    entry(&mut tiff, 0x8825, 4, 1, 38);
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD at 38: latitude ref "N", latitude (3 rationals at 38 + 30 = 68).
    tiff.extend(2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 0x0002, 5, 3, 68);
    tiff.extend(0u32.to_le_bytes());
    for (n, d) in [(21u32, 1u32), (50, 1), (0, 1)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    let plain = jpeg(w, h);
    let mut out = plain[..2].to_vec();
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn has_gps(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .map(|e| {
            e.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        })
        .unwrap_or(false)
}

/// A PNG header claiming `w` × `h` pixels (no pixel data follows).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    out.extend(crc.sum().to_be_bytes());
    out
}

pub(crate) const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub(crate) async fn upload(app: &TestApp, token: &str, form: Form) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/media")
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub(crate) fn file(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap()
}

async fn fetch(app: &TestApp, url: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let res = app.client_get(url).await;
    assert_eq!(res.status(), 200, "{url}");
    let headers = res.headers().clone();
    (headers, res.bytes().await.unwrap().to_vec())
}

trait ClientGet {
    async fn client_get(&self, url: &str) -> reqwest::Response;
}

impl ClientGet for TestApp {
    async fn client_get(&self, url: &str) -> reqwest::Response {
        self.request(Method::GET, url).send().await.unwrap()
    }
}

#[actix_web::test]
async fn a_photo_is_turned_upright_stripped_of_gps_and_resized() {
    let app = spawn_app().await;
    let (org, editor) = app.branch_with_editor("Chi đoàn E", "bientap").await;
    let original = jpeg_with_gps(1600, 1200);
    assert!(has_gps(&original), "the fixture carries a GPS position");
    let form = Form::new()
        .part("file", file(original, "IMG_0001.jpg", "image/jpeg"))
        .text("alt", "Toàn cảnh cuộc họp")
        .text("caption", "Đồng chí Bí thư Chi đoàn phát biểu tại cuộc họp");
    let res = upload(&app, &editor, form).await;
    let status = res.status();
    let media: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{media}");
    assert_eq!(media["kind"], "image");
    assert_eq!(media["organization"]["id"], org["id"]);
    // Orientation 6: the 1600 × 1200 photo stands 1200 × 1600.
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(1200), Some(1600))
    );
    assert_eq!(media["file_name"], "IMG_0001.jpg");
    assert!(media["blurhash"].as_str().unwrap().len() >= 6);
    let widths: Vec<i64> = media["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["width"].as_i64().unwrap())
        .collect();
    assert_eq!(widths, [320, 640]);
    assert!(media["srcset"].as_str().unwrap().contains(" 640w"));
    // Every stored file: the size it says, no GPS, served immutable and not sniffable.
    let mut files = vec![(media["src"].clone(), 1200, 1600)];
    for r in media["renditions"].as_array().unwrap() {
        let w = r["width"].as_u64().unwrap() as u32;
        files.push((r["src"].clone(), w, w * 1600 / 1200));
    }
    files.push((media["thumbnail"]["src"].clone(), 160, 160));
    for (src, w, h) in files {
        let (headers, bytes) = fetch(&app, src.as_str().unwrap()).await;
        assert!(!has_gps(&bytes), "{src}");
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (w, h), "{src}");
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    // The library: the editor's unit, searchable by caption; describe it; delete it.
    let list: Value = app
        .request(Method::GET, "/api/v1/media?q=bi%20thu")
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 1);
    let path = format!("/api/v1/media/{}", media["id"]);
    let res = app
        .request(Method::PATCH, &path)
        .bearer_auth(&editor)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"credit": "Ảnh: Chi đoàn E", "alt": null}).to_string())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422).await;
    assert_eq!(error_fields(&problem), vec!["/alt"]);
    let res = app
        .request(Method::PATCH, &path)
        .bearer_auth(&editor)
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"credit": "Ảnh: Chi đoàn E"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["credit"],
        "Ảnh: Chi đoàn E"
    );
    // Another unit's editor sees nothing of it.
    let (_, stranger) = app.branch_with_editor("Chi đoàn F", "nguoikhac").await;
    let res = app
        .request(Method::GET, &path)
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
    let res = app
        .request(Method::DELETE, &path)
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let res = app.client_get(media["src"].as_str().unwrap()).await;
    assert_eq!(res.status(), 404);
}

#[actix_web::test]
async fn a_pdf_is_stored_as_sent_and_served_as_an_attachment_with_ranges() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn G", "kind": "branch"}))
        .await;
    let form = Form::new()
        .part(
            "file",
            file(
                PDF.to_vec(),
                "Chuong-trinh-28-CT-DTN.pdf",
                "application/pdf",
            ),
        )
        .text("caption", "Chương trình số 28-CT/ĐTN")
        .text("organization_id", org["id"].to_string());
    let res = upload(&app, &app.admin_token, form).await;
    let status = res.status();
    let media: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{media}");
    assert_eq!(media["kind"], "document");
    assert_eq!(media["bytes"], PDF.len());
    let src = media["src"].as_str().unwrap();
    let (headers, bytes) = fetch(&app, src).await;
    assert_eq!(bytes, PDF);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(headers["accept-ranges"], "bytes");
    let res = app
        .request(Method::GET, src)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF");
    // A name that is not a stored file's: 404, never the disk.
    for bad in [
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/abc.jpg",
        "/media/x",
    ] {
        assert_eq!(app.get(bad).await.status(), 404, "{bad}");
    }
}

#[actix_web::test]
async fn bad_uploads_are_4xx_and_nothing_is_stored() {
    let app = spawn_app().await;
    let org = app
        .create_org(json!({"name": "Chi đoàn H", "kind": "branch"}))
        .await;
    let other = app
        .create_org(json!({"name": "Chi đoàn I", "kind": "branch"}))
        .await;
    let (_, editor) = app
        .user_with_token("bientap", Role::Editor, org["id"].as_i64())
        .await;
    let good = jpeg(64, 48);
    let mut truncated = jpeg(640, 480);
    truncated.truncate(truncated.len() / 3);
    let cases: Vec<(&str, Form, u16)> = vec![
        (
            "text named .jpg",
            Form::new()
                .part("file", file(b"xin chao".to_vec(), "anh.jpg", "image/jpeg"))
                .text("alt", "x"),
            415,
        ),
        (
            "a PNG declared as PDF",
            Form::new()
                .part(
                    "file",
                    file(png_header(4, 4), "tai-lieu.pdf", "application/pdf"),
                )
                .text("alt", "x"),
            415,
        ),
        (
            "a truncated JPEG",
            Form::new()
                .part("file", file(truncated, "cat.jpg", "image/jpeg"))
                .text("alt", "x"),
            422,
        ),
        (
            "20,000 × 20,000",
            Form::new()
                .part(
                    "file",
                    file(png_header(20_000, 20_000), "bom.png", "image/png"),
                )
                .text("alt", "x"),
            422,
        ),
        (
            "an SVG",
            Form::new()
                .part(
                    "file",
                    file(
                        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
                            .to_vec(),
                        "a.svg",
                        "image/svg+xml",
                    ),
                )
                .text("alt", "x"),
            415,
        ),
        (
            "a path in the name",
            Form::new()
                .part("file", file(good.clone(), "../../x.jpg", "image/jpeg"))
                .text("alt", "x"),
            422,
        ),
        (
            "no alt for a photo",
            Form::new().part("file", file(good.clone(), "a.jpg", "image/jpeg")),
            422,
        ),
        (
            "another unit's",
            Form::new()
                .part("file", file(good.clone(), "a.jpg", "image/jpeg"))
                .text("alt", "x")
                .text("organization_id", other["id"].to_string()),
            403,
        ),
        (
            "a PDF cut short",
            Form::new().part("file", file(PDF[..20].to_vec(), "a.pdf", "application/pdf")),
            422,
        ),
        ("no file", Form::new().text("alt", "x"), 422),
        (
            "over 25 MiB",
            Form::new()
                .part(
                    "file",
                    file(vec![0xFF; 26 * 1024 * 1024], "to.jpg", "image/jpeg"),
                )
                .text("alt", "x"),
            413,
        ),
    ];
    for (what, form, status) in cases {
        let res = upload(&app, &editor, form).await;
        assert_eq!(res.status().as_u16(), status, "{what}");
        assert_eq!(
            header(&res, "content-type").as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
    }
    let list: Value = app.admin_json("/api/v1/media").await;
    assert_eq!(list["meta"]["total"], 0);
    let dir = app.media_dir();
    let stored = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 0, "files in {}", dir.display());
    // Anonymous: 401.
    let res = app
        .request(Method::POST, "/api/v1/media")
        .multipart(Form::new().part("file", file(jpeg(8, 8), "a.jpg", "image/jpeg")))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
}
