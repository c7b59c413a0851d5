//! What an upload is (by its bytes, never its name or declared type) and what is stored of it:
//! a photo decoded within limits, turned upright by its EXIF orientation, re-encoded from its
//! pixels alone (every metadata block — EXIF with GPS, XMP, ICC, comments — is left behind),
//! with renditions 320, 640 and 1280 px wide, a 160 px square thumbnail and a blurhash; a PDF
//! as sent.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    WebP,
    Pdf,
}

impl Sniffed {
    /// The content type the server stores such bytes under.
    pub fn content_type(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::WebP => "image/webp",
            Sniffed::Pdf => "application/pdf",
        }
    }
}

/// Recognise an upload by its first bytes; refuse what is not taken, saying why.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, AppError> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Sniffed::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(Sniffed::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Sniffed::WebP);
    }
    if starts(b"%PDF-") {
        return Ok(Sniffed::Pdf);
    }
    let unsupported = |why: &str| Err(AppError::UnsupportedMediaType(why.into()));
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"]
            .iter()
            .any(|b| brand == *b)
        {
            return unsupported(
                "HEIC photos are not taken yet (no well-kept Rust decoder): export the photo as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible)",
            );
        }
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if head.contains("<svg") {
        return unsupported("SVG is refused: it can carry scripts; upload a JPEG or PNG");
    }
    unsupported("the file is not a JPEG, PNG or WebP image or a PDF document (recognised by its content, not its name)")
}

/// Limits on what is decoded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Width × height at most (a decompression bomb is refused before it is decoded).
    pub max_pixels: u64,
}

/// One stored file.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// `{sha256}.{ext}`: the content's own name.
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl StoredFile {
    fn of(bytes: Vec<u8>, ext: &str, content_type: &'static str, size: Option<(u32, u32)>) -> Self {
        let name = format!("{}.{ext}", hex::encode(Sha256::digest(&bytes)));
        StoredFile {
            name,
            bytes,
            content_type,
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        }
    }
}

/// What is kept of a photo.
#[derive(Debug, Clone)]
pub struct ProcessedImage {
    pub original: StoredFile,
    /// Widths 320, 640, 1280 (those not wider than the photo; at least one).
    pub renditions: Vec<StoredFile>,
    /// The same widths as WebP (lossy, about a third smaller), for `<source type="image/webp">`.
    pub webp: Vec<StoredFile>,
    pub thumbnail: StoredFile,
    pub blurhash: String,
}

/// The widths of the renditions.
pub const WIDTHS: [u32; 3] = [320, 640, 1280];
const THUMBNAIL: u32 = 160;

fn bad_image(e: impl std::fmt::Display) -> AppError {
    AppError::invalid("/file", format!("the image cannot be read: {e}"))
}

fn encode(
    img: &DynamicImage,
    alpha: bool,
    quality: u8,
) -> Result<(Vec<u8>, &'static str, &'static str), AppError> {
    let mut out = Cursor::new(Vec::new());
    if alpha {
        img.write_to(&mut out, ImageFormat::Png)
            .map_err(AppError::internal)?;
        Ok((out.into_inner(), "png", "image/png"))
    } else {
        let rgb = img.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&rgb)
            .map_err(AppError::internal)?;
        Ok((out.into_inner(), "jpg", "image/jpeg"))
    }
}

/// Lossy WebP (libwebp): from the pixels alone, like every stored file.
fn encode_webp(img: &DynamicImage, alpha: bool, quality: f32) -> Vec<u8> {
    if alpha {
        let rgba = img.to_rgba8();
        webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
            .encode(quality)
            .to_vec()
    } else {
        let rgb = img.to_rgb8();
        webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
            .encode(quality)
            .to_vec()
    }
}

/// Decode, orient, strip and resize a photo.
pub fn image(bytes: &[u8], kind: Sniffed, limits: Limits) -> Result<ProcessedImage, AppError> {
    let format = match kind {
        Sniffed::Jpeg => ImageFormat::Jpeg,
        Sniffed::Png => ImageFormat::Png,
        Sniffed::WebP => ImageFormat::WebP,
        Sniffed::Pdf => return Err(AppError::internal("a PDF is not an image")),
    };
    // Decoders fill a truncated file's missing part with grey: a cut-off upload (a phone on a
    // weak network) would be published half grey. Each format says where it ends.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let whole = match kind {
        Sniffed::Jpeg => tail.windows(2).any(|w| w == [0xFF, 0xD9]),
        Sniffed::Png => tail.windows(4).any(|w| w == b"IEND"),
        Sniffed::WebP => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
            bytes.len() >= declared.saturating_add(8)
        }
        Sniffed::Pdf => true,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut decode_limits = image::Limits::default();
    // Memory for the pixels (4 bytes each) and the decoder's own buffers.
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(64 << 20));
    reader.limits(decode_limits);
    let mut decoder = reader.into_decoder().map_err(bad_image)?;
    let (w, h) = decoder.dimensions();
    if !whole && u64::from(w) * u64::from(h) <= limits.max_pixels {
        return Err(AppError::invalid(
            "/file",
            "the image is incomplete (it ends before its end marker): upload it again",
        ));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(AppError::invalid(
            "/file",
            format!(
                "the image is {w} × {h} pixels; at most {} megapixels are taken",
                limits.max_pixels / 1_000_000
            ),
        ));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad_image)?;
    img.apply_orientation(orientation);
    let alpha = img.color().has_alpha();
    let (width, height) = (img.width(), img.height());
    let (bytes, ext, content_type) = encode(&img, alpha, 90)?;
    let original = StoredFile::of(bytes, ext, content_type, Some((width, height)));
    // Each rendition from the next larger one (a 12-megapixel photo is read once at full size).
    let mut renditions = Vec::new();
    let mut webp = Vec::new();
    let mut source = img.clone();
    let mut wanted: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    if wanted.is_empty() {
        wanted.push(width);
    }
    for target in wanted.iter().rev() {
        let target_h = ((u64::from(height) * u64::from(*target)) / u64::from(width)).max(1) as u32;
        let resized = if *target == source.width() {
            source.clone()
        } else {
            source.resize_exact(*target, target_h, image::imageops::FilterType::CatmullRom)
        };
        let (bytes, ext, content_type) = encode(&resized, alpha, 82)?;
        renditions.push(StoredFile::of(
            bytes,
            ext,
            content_type,
            Some((*target, target_h)),
        ));
        webp.push(StoredFile::of(
            encode_webp(&resized, alpha, 80.0),
            "webp",
            "image/webp",
            Some((*target, target_h)),
        ));
        source = resized;
    }
    renditions.reverse();
    webp.reverse();
    let side = width.min(height);
    let square = img.crop_imm((width - side) / 2, (height - side) / 2, side, side);
    let thumb = square.resize_exact(
        THUMBNAIL.min(side),
        THUMBNAIL.min(side),
        image::imageops::FilterType::CatmullRom,
    );
    let (bytes, ext, content_type) = encode(&thumb, alpha, 80)?;
    let thumbnail = StoredFile::of(
        bytes,
        ext,
        content_type,
        Some((thumb.width(), thumb.height())),
    );
    let tiny = source
        .resize(32, 32, image::imageops::FilterType::Triangle)
        .to_rgba8();
    let blurhash = blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw())
        .map_err(AppError::internal)?;
    Ok(ProcessedImage {
        original,
        renditions,
        webp,
        thumbnail,
        blurhash,
    })
}

/// A PDF as sent, if it is whole (it must end with `%%EOF`).
pub fn document(bytes: &[u8]) -> Result<StoredFile, AppError> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(AppError::invalid(
            "/file",
            "the PDF is incomplete (it has no end-of-file marker)",
        ));
    }
    Ok(StoredFile::of(
        bytes.to_vec(),
        "pdf",
        "application/pdf",
        None,
    ))
}

/// Every file kept of an upload, the original first, each with its purpose (`original`,
/// `w320`…, `thumbnail`), and a photo's placeholder.
#[derive(Debug, Clone)]
pub struct Processed {
    pub kind: Sniffed,
    pub files: Vec<(String, StoredFile)>,
    pub blurhash: Option<String>,
}

impl Processed {
    pub fn original(&self) -> &StoredFile {
        &self.files[0].1
    }
}

/// A photo processed, or a PDF checked: what the store keeps of the upload.
pub fn process(bytes: &[u8], kind: Sniffed, limits: Limits) -> Result<Processed, AppError> {
    if kind == Sniffed::Pdf {
        return Ok(Processed {
            kind,
            files: vec![("original".into(), document(bytes)?)],
            blurhash: None,
        });
    }
    let p = image(bytes, kind, limits)?;
    let mut files = vec![("original".to_string(), p.original)];
    for r in p.renditions {
        files.push((format!("w{}", r.width.unwrap_or_default()), r));
    }
    for r in p.webp {
        files.push((format!("webp{}", r.width.unwrap_or_default()), r));
    }
    files.push(("thumbnail".to_string(), p.thumbnail));
    Ok(Processed {
        kind,
        files,
        blurhash: Some(p.blurhash),
    })
}
