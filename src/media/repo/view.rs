//! A medium's files as representations show them: renditions and `srcset`s of paths from the
//! root (`/media/{name}`; the edge puts them on the reader's base URL: `Media::linked`).

use crate::error::{ApiResult, AppError};

use super::*;

/// A medium's files as representations show them, each a path from the root.
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// The stored original.
    pub original: String,
    /// 320, 640 and 1280 px wide (those narrower than the photo), narrowest first.
    pub renditions: Vec<Rendition>,
    pub thumbnail: Option<Rendition>,
    /// Each rendition with its width, and the original when no rendition is as wide as 1280.
    pub srcset: Option<String>,
    /// What a page shows by default: the 640 px rendition, or the original when narrower.
    pub src: String,
    /// The WebP renditions with their widths, for `<source type="image/webp" srcset>`.
    pub webp_srcset: Option<String>,
}

/// `w320`, `w640`, `w1280`: a JPEG (or PNG) rendition; `webp320`…: its WebP twin.
fn rendition_width(purpose: &str, prefix: &str) -> Option<u32> {
    purpose.strip_prefix(prefix)?.parse().ok()
}

/// The files a medium's `renditions` lists; one that cannot be read is an error naming the
/// medium (never "no files": what deletes files must not take it for a medium without any).
pub(super) fn read_files(id: i32, renditions: &str) -> ApiResult<Vec<FileEntry>> {
    serde_json::from_str(renditions)
        .map_err(|e| AppError::internal(format!("the files of medium {id} cannot be read: {e}")))
}

impl MediaRow {
    /// Every file of the medium: those `renditions` lists, and the original whatever it says.
    /// An unreadable list is an error naming the medium.
    pub fn files(&self) -> ApiResult<Vec<FileEntry>> {
        read_files(self.id, &self.renditions)
    }

    /// The names of every file of the medium (the original always among them).
    pub fn file_names(&self) -> ApiResult<std::collections::HashSet<String>> {
        let mut names: std::collections::HashSet<String> =
            self.files()?.into_iter().map(|f| f.name).collect();
        names.insert(self.file.clone());
        Ok(names)
    }

    /// The files for a representation: an unreadable list is logged and shown as none.
    fn files_for_view(&self) -> Vec<FileEntry> {
        self.files().unwrap_or_else(|e| {
            tracing::error!(medium = self.id, error = %e, "a medium's renditions cannot be read");
            Vec::new()
        })
    }

    pub fn width(&self) -> Option<u32> {
        self.width.and_then(|w| u32::try_from(w).ok())
    }

    pub fn height(&self) -> Option<u32> {
        self.height.and_then(|h| u32::try_from(h).ok())
    }

    /// The files, as paths from the root.
    pub fn view(&self) -> Files {
        let rendition = |f: &FileEntry| Rendition {
            src: file_path(&f.name),
            width: f.width,
            height: f.height,
            bytes: f.bytes,
            content_type: f.content_type.clone(),
        };
        let files = self.files_for_view();
        let renditions: Vec<Rendition> = files
            .iter()
            .filter(|f| rendition_width(&f.purpose, "w").is_some())
            .map(rendition)
            .collect();
        let webp: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let w = rendition_width(&f.purpose, "webp")?;
                Some(format!("{} {w}w", file_path(&f.name)))
            })
            .collect();
        let original = file_path(&self.file);
        let mut candidates: Vec<(String, u32)> = renditions
            .iter()
            .map(|r| (r.src.clone(), r.width.unwrap_or_default()))
            .collect();
        if self.kind == MediaKind::Image.as_str() && !candidates.iter().any(|(_, w)| *w >= 1280) {
            if let Some(w) = self.width() {
                candidates.push((original.clone(), w));
            }
        }
        let srcset = (!candidates.is_empty()).then(|| {
            candidates
                .iter()
                .map(|(src, w)| format!("{src} {w}w"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let src = renditions
            .iter()
            .find(|r| r.width == Some(640))
            .map_or_else(|| original.clone(), |r| r.src.clone());
        Files {
            original,
            renditions,
            thumbnail: files
                .iter()
                .find(|f| f.purpose == "thumbnail")
                .map(rendition),
            srcset,
            src,
            webp_srcset: (!webp.is_empty()).then(|| webp.join(", ")),
        }
    }

    /// The representation, its file URLs paths from the root (sent: `Media::linked`).
    pub fn to_dto(&self, organization: OrgRef) -> Media {
        let files = self.view();
        Media {
            id: i64::from(self.id),
            kind: MediaKind::parse(&self.kind).unwrap_or(MediaKind::Document),
            organization,
            src: files.original,
            srcset: files.srcset,
            webp_srcset: files.webp_srcset,
            content_type: self.content_type.clone(),
            bytes: self.bytes,
            width: self.width(),
            height: self.height(),
            blurhash: self.blurhash.clone(),
            renditions: files.renditions,
            thumbnail: files.thumbnail,
            file_name: self.file_name.clone(),
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            created_by: self.created_by.map(i64::from),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            version: i64::from(self.version),
        }
    }
}
