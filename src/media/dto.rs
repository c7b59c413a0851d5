//! Media as the API shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::list_query;
use crate::vocab::OrgRef;

crate::string_enum! {
    /// What an upload is, decided from its content.
    pub enum MediaKind {
        /// A photo (JPEG, PNG or WebP upload), stored re-encoded without metadata.
        Image = "image",
        /// A PDF, stored as sent.
        Document = "document",
    }
}

/// One file of a medium: its URL (stable, cached for a year: the content's hash is its name)
/// and size.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Rendition {
    /// Absolute URL of the file (`…/media/{sha256}.{ext}` on the API's base URL).
    #[schema(
        example = "https://api.doankhoi.langson.gov.vn/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg"
    )]
    pub src: String,
    /// Width in pixels (null only for a file that is not a picture).
    pub width: Option<u32>,
    /// Height in pixels (null only for a file that is not a picture).
    pub height: Option<u32>,
    /// Size of the file in bytes.
    pub bytes: i64,
    /// `image/jpeg`, or `image/png` for a photo with transparency.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
}

/// An uploaded photo or document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Media {
    /// Identifier of the medium (never reused): the `media_id` an activity's photos and
    /// documents give to use it.
    pub id: i64,
    /// `image` (a photo) or `document` (a PDF), decided from the file's content.
    pub kind: MediaKind,
    /// The unit it belongs to.
    pub organization: OrgRef,
    /// The stored original: a photo upright and without metadata, a PDF as sent.
    pub src: String,
    /// Photos: `src` of each rendition with its width (`…320w, …640w, …1280w`), for `<img srcset>`.
    pub srcset: Option<String>,
    /// Photos: the same widths as WebP (smaller), for `<picture><source type="image/webp" srcset>`.
    pub webp_srcset: Option<String>,
    /// Media type of `src`: `image/jpeg`, or `image/png` for a photo with transparency (a WebP
    /// upload is re-encoded as one of them), or `application/pdf`.
    pub content_type: String,
    /// Size of `src` in bytes.
    pub bytes: i64,
    /// Photos: the original's width in pixels, upright (null for a document).
    pub width: Option<u32>,
    /// Photos: the original's height in pixels, upright (null for a document).
    pub height: Option<u32>,
    /// Photos: a placeholder to show while loading (https://blurha.sh).
    pub blurhash: Option<String>,
    /// Photos: 320, 640 and 1280 px wide, those narrower than the photo (a photo at most
    /// 320 px wide gets one, at its own width).
    pub renditions: Vec<Rendition>,
    /// Photos: 160 px square.
    pub thumbnail: Option<Rendition>,
    /// The uploaded file's name (without any path).
    pub file_name: Option<String>,
    /// Text in place of the photo (required for photos).
    #[schema(example = "Toàn cảnh cuộc họp")]
    pub alt: Option<String>,
    /// Text to show with it (at most 2000 characters); an activity that uses the medium
    /// without a caption of its own copies it.
    #[schema(example = "Đồng chí Bí thư Chi đoàn phát biểu tại cuộc họp")]
    pub caption: Option<String>,
    /// Who took the photo or holds its rights (at most 200 characters); copied like `caption`.
    #[schema(example = "Ảnh: Chi đoàn Văn phòng UBND tỉnh")]
    pub credit: Option<String>,
    /// Id of the user who uploaded it (null: imported, or uploaded by a user since deleted).
    pub created_by: Option<i64>,
    /// When it was uploaded (UTC, RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Its last change of `alt`, `caption` or `credit` (UTC, RFC 3339).
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 when uploaded, one more at each change. The ETag changes with it; send
    /// the ETag back in `If-Match` to change or delete the medium.
    pub version: i64,
}

// ---- URLs at the edge: repositories give a stored file as a path from the root
// (`/media/{name}`); what is shown puts it on the reader's base URL.

/// The path from the root of the stored file `name`: what repositories return.
pub fn file_path(name: &str) -> String {
    format!("/media/{name}")
}

/// A path from the root of a stored file (`/media/{name}`) on `base`; any other URL as it is.
pub fn absolute_file_url(base: &str, url: &str) -> String {
    match url.strip_prefix("/media/") {
        Some(name) if super::store::valid_name(name) => format!("{base}{url}"),
        _ => url.to_string(),
    }
}

/// A stored file's URL on `base` back to its path from the root (`/media/{name}`), for what is
/// kept (revisions); any other URL as it is.
pub fn relative_file_url(base: &str, url: &str) -> String {
    match url
        .strip_prefix(base)
        .and_then(|p| p.strip_prefix("/media/"))
    {
        Some(name) if super::store::valid_name(name) => file_path(name),
        _ => url.to_string(),
    }
}

/// Each candidate of a `srcset` of paths from the root (`/media/… 320w, …`) on `base`.
pub fn srcset_on(base: &str, srcset: &str) -> String {
    srcset
        .split(", ")
        .map(|candidate| format!("{base}{candidate}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rendition {
    /// As sent: `src` (a path from the root) on `base`.
    pub fn linked(mut self, base: &str) -> Self {
        self.src = format!("{base}{}", self.src);
        self
    }
}

impl Media {
    /// As sent: every file URL (paths from the root, as the repository gives them) on `base`.
    pub fn linked(mut self, base: &str) -> Self {
        self.src = format!("{base}{}", self.src);
        self.srcset = self.srcset.map(|s| srcset_on(base, &s));
        self.webp_srcset = self.webp_srcset.map(|s| srcset_on(base, &s));
        self.renditions = self
            .renditions
            .into_iter()
            .map(|r| r.linked(base))
            .collect();
        self.thumbnail = self.thumbnail.map(|t| t.linked(base));
        self
    }
}

/// Body of `POST /media` (`multipart/form-data`); any other field is a 422.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadMedia {
    /// The file: JPEG, PNG or WebP (a photo) or PDF (a document), recognised by its content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Required for a photo: what it shows, for those who cannot see it (at most 500 characters).
    pub alt: Option<String>,
    /// At most 2000 characters.
    pub caption: Option<String>,
    /// At most 200 characters.
    pub credit: Option<String>,
    /// The unit it belongs to (id); an editor's own unit by default. An editor may upload for
    /// its unit and the units below it.
    pub organization_id: Option<i64>,
}

/// Body of `PATCH /media/{id}` (merge patch).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMedia {
    /// New text in place of the photo (trimmed); null or empty removes it, except from a
    /// photo, which must keep one (422).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub alt: Patch<String>,
    /// New caption (trimmed); null or empty removes it. Activities that copied the old one
    /// keep it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub caption: Patch<String>,
    /// New credit (trimmed); null or empty removes it. Activities that copied the old one
    /// keep it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub credit: Patch<String>,
}

/// The longest alt, caption and credit.
pub const TEXT_LIMITS: [(&str, usize); 3] = [("alt", 500), ("caption", 2000), ("credit", 200)];

/// An error for each text over its limit.
pub fn text_errors<'a>(
    texts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<FieldError> {
    texts
        .into_iter()
        .filter_map(|(field, value)| {
            let (_, max) = TEXT_LIMITS.iter().find(|(f, _)| *f == field)?;
            value.is_some_and(|v| v.chars().count() > *max).then(|| {
                FieldError::new(
                    format!("/{field}"),
                    format!("must be at most {max} characters"),
                )
            })
        })
        .collect()
}

impl BodySchema for UpdateMedia {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "kind",
        "organization",
        "src",
        "srcset",
        "webp_srcset",
        "content_type",
        "bytes",
        "width",
        "height",
        "blurhash",
        "renditions",
        "thumbnail",
        "file_name",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    ];

    fn validate(&self) -> Vec<FieldError> {
        text_errors([
            ("alt", self.alt.as_value().map(String::as_str)),
            ("caption", self.caption.as_value().map(String::as_str)),
            ("credit", self.credit.as_value().map(String::as_str)),
        ])
    }
}

list_query! {
    /// Query of `GET /media`.
    pub struct ListMediaQuery {
        sort_doc: "`id` or `-id` (default: newest first).",
        default_sort: "-id",
        /// Only this unit's media (id or slug), and with `include_descendants` the units below it.
        #[serde(default, deserialize_with = "crate::http::query::de_nonempty")]
        #[param(min_length = 1)]
        pub organization: Option<String>,
        /// With `organization`: the units below it too.
        #[serde(default, deserialize_with = "crate::http::query::de_bool")]
        #[param(value_type = Option<bool>)]
        pub include_descendants: Option<bool>,
        /// Only photos or only documents.
        #[serde(default)]
        pub kind: Option<MediaKind>,
        /// `true`: only media no activity uses (what `doan-api media gc` would remove once old
        /// enough); `false`: only media in use.
        #[serde(default, deserialize_with = "crate::http::query::de_bool")]
        #[param(value_type = Option<bool>)]
        pub unattached: Option<bool>,
        /// Media whose alt text, caption or credit holds this text (case and diacritics ignored).
        #[serde(default, deserialize_with = "crate::http::query::de_nonempty")]
        #[param(min_length = 1, max_length = 200)]
        pub q: Option<String>,
    }
}

/// `{id}` of a medium's path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MediaPath {
    /// The medium's id.
    pub id: i64,
}

/// Query of `DELETE /media/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteMediaQuery {
    /// Admins only: delete it even though activities use it (their photos keep the caption
    /// without the picture, their documents the title without the file).
    #[serde(default, deserialize_with = "crate::http::query::de_bool")]
    #[param(value_type = Option<bool>)]
    pub force: Option<bool>,
}

impl crate::http::query::Params for DeleteMediaQuery {}

/// `{name}` of a media file's path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MediaFilePath {
    /// `{sha256}.{jpg|png|webp|pdf}`, as in a medium's `src`, `srcset` and `webp_srcset`.
    pub name: String,
}

/// An upload of the media library: its description and its files' names. The files themselves
/// are not in the export: copy the media folder along (the names are the contents' SHA-256,
/// so copies never clash). Activities name an uploaded photo by its file's URL.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRecord {
    /// This line's stable name (`media/{id}` in an export): an import finds the medium it made from
    /// it again, and photos and documents of activity lines name the medium by it.
    #[schema(example = "media/12")]
    pub external_id: String,
    /// `image` (a photo) or `document` (a PDF).
    pub kind: MediaKind,
    /// The unit it belongs to (slug).
    pub organization: String,
    /// Media type of the original: `image/jpeg`, `image/png` or `application/pdf`.
    pub content_type: String,
    /// `{sha256}.{ext}`: the original; an import finds a medium by it.
    pub file: String,
    /// The uploaded file's name, if one was sent.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Size of the original in bytes.
    pub bytes: i64,
    /// Photos: the original's width in pixels.
    #[serde(default)]
    pub width: Option<u32>,
    /// Photos: the original's height in pixels.
    #[serde(default)]
    pub height: Option<u32>,
    /// Photos: the placeholder shown while loading (https://blurha.sh).
    #[serde(default)]
    pub blurhash: Option<String>,
    /// Every file: the original, the renditions, the thumbnail.
    pub files: Vec<FileEntry>,
    /// Text in place of the photo (at most 500 characters).
    #[serde(default)]
    pub alt: Option<String>,
    /// Text to show with it (at most 2000 characters).
    #[serde(default)]
    pub caption: Option<String>,
    /// Who took the photo or holds its rights (at most 200 characters).
    #[serde(default)]
    pub credit: Option<String>,
    /// When it was uploaded (UTC, RFC 3339); kept on import.
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC, RFC 3339); kept on import.
    pub updated_at: DateTime<Utc>,
}

/// One stored file of a medium, as kept in `renditions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FileEntry {
    /// `original`, `w320`, `w640`, `w1280`, `webp320`, `webp640`, `webp1280` or `thumbnail`.
    #[schema(example = "w640")]
    pub purpose: String,
    /// `{sha256}.{jpg|png|webp|pdf}`: the content's own name, chosen from its sniffed type.
    pub name: String,
    /// Images: width in pixels.
    pub width: Option<u32>,
    /// Images: height in pixels.
    pub height: Option<u32>,
    /// Size in bytes.
    pub bytes: i64,
    /// `image/jpeg`, `image/png`, `image/webp` or `application/pdf`: what the name's extension
    /// stands for.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
}
