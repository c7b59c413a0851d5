//! Activity request/response types and their validation (the code lists are in `vocab`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::fields::*;
pub use super::params::*;
use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
pub use crate::vocab::{
    Category, ClusterRef, DatePrecision, OrgRef, PartOfDay, PartnerRole, Status, TagRef,
};

/// A photo of an activity: an uploaded medium (`media_id`: its renditions are embedded) or an
/// external image (`url` only), with this activity's caption and credit. A photo with neither
/// is a caption alone (as on the seed page).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Photo {
    /// The uploaded medium, if it is one (`/api/v1/media/{media_id}`).
    #[serde(default)]
    pub media_id: Option<i64>,
    /// The picture at full size: the uploaded original (upright, without metadata) or the
    /// external image.
    #[serde(default)]
    #[schema(example = "https://doankhoi.langson.gov.vn/anh/toan-canh.jpg")]
    pub url: Option<String>,
    /// What `<img src>` shows by default: the 640 px rendition (or the original when narrower);
    /// an external image's `url`.
    #[serde(default)]
    pub src: Option<String>,
    /// Uploaded photos: every rendition with its width, for `<img srcset>`.
    #[serde(default)]
    pub srcset: Option<String>,
    /// Uploaded photos: the same widths as WebP (smaller), for
    /// `<picture><source type="image/webp" srcset>`.
    #[serde(default)]
    pub webp_srcset: Option<String>,
    /// Uploaded photos: the original's size in pixels.
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// Uploaded photos: the original's size in bytes.
    #[serde(default)]
    pub bytes: Option<i64>,
    /// Text in place of the picture (an uploaded photo's: its medium's unless given).
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp")]
    pub caption: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
    /// Uploaded photos: a placeholder to show while loading (https://blurha.sh).
    #[serde(default)]
    pub blurhash: Option<String>,
    /// Uploaded photos: 320, 640 and 1280 px wide (those narrower than the original).
    #[serde(default)]
    pub renditions: Vec<crate::media::dto::Rendition>,
    /// Uploaded photos: 160 px square.
    #[serde(default)]
    pub thumbnail: Option<crate::media::dto::Rendition>,
}

/// A photo as written in a request: an uploaded medium (`media_id`), an external image
/// (`url`), or a caption alone. With `media_id`, a missing alt, caption or credit is the
/// medium's (copied: a later edit of the medium does not change the activity).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PhotoInput {
    /// A photo of the media library the writer may see (`kind: image`).
    #[serde(default)]
    #[schema(example = 12)]
    pub media_id: Option<i64>,
    /// An external image (absolute http(s) URL); not with `media_id`.
    #[serde(default)]
    #[schema(
        example = "https://doankhoi.langson.gov.vn/anh/toan-canh.jpg",
        max_length = 1000
    )]
    pub url: Option<String>,
    /// Text in place of the picture; with `media_id`, the medium's when not given.
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp", max_length = 500)]
    pub alt: Option<String>,
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp", max_length = 500)]
    pub caption: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub credit: Option<String>,
}

impl PhotoInput {
    /// What writing `p` back gives (a revision restored, an export).
    pub fn of(p: &Photo) -> Self {
        Self {
            media_id: p.media_id,
            url: if p.media_id.is_some() {
                None
            } else {
                p.url.clone()
            },
            alt: p.alt.clone(),
            caption: p.caption.clone(),
            credit: p.credit.clone(),
        }
    }
}

/// An activity as listed: the organizer, tags and first photo embedded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivitySummary {
    pub id: i64,
    #[schema(example = "dem-hoi-trang-ram")]
    pub slug: String,
    #[schema(example = "Đêm hội Trăng rằm")]
    pub title: String,
    pub summary: Option<String>,
    pub occurred_on: NaiveDate,
    pub date_precision: DatePrecision,
    pub ends_on: Option<NaiveDate>,
    pub part_of_day: Option<PartOfDay>,
    #[schema(example = "xã Mẫu Sơn, huyện Cao Lộc")]
    pub location: Option<String>,
    pub category: Category,
    pub organizer: OrgRef,
    pub cluster_id: Option<i64>,
    pub tags: Vec<TagRef>,
    /// The first photo, if any.
    pub photo: Option<Photo>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật (until `featured_until` of the full activity, if set).
    pub featured: bool,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// With `q`: a short excerpt of the original text, HTML-escaped, matches in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
}

/// An activity with everything embedded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Activity {
    pub id: i64,
    pub slug: String,
    #[schema(example = "Chi đoàn Văn phòng UBND tỉnh sơ kết công tác đoàn 9 tháng năm 2023")]
    pub title: String,
    pub summary: Option<String>,
    /// Markdown.
    pub body: Option<String>,
    /// `body` rendered and sanitised.
    pub body_html: Option<String>,
    pub occurred_on: NaiveDate,
    pub date_precision: DatePrecision,
    pub ends_on: Option<NaiveDate>,
    pub part_of_day: Option<PartOfDay>,
    pub location: Option<String>,
    pub category: Category,
    pub organizer: OrgRef,
    pub partners: Vec<Partner>,
    pub cluster: Option<ClusterRef>,
    pub tags: Vec<TagRef>,
    pub documents: Vec<Document>,
    pub photos: Vec<Photo>,
    #[schema(example = "Hoàng Bích Liên – Bí thư Chi đoàn Văn phòng Tỉnh uỷ")]
    pub byline: Option<String>,
    pub participants_count: Option<i64>,
    pub status: Status,
    /// When it is (or, `scheduled`, will be) public. Times are UTC; people are shown them in
    /// Asia/Ho_Chi_Minh (UTC+7).
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật: listed first with `sort=-featured,-published_at`, and by `featured=true`.
    #[serde(default)]
    pub featured: bool,
    /// The moment `featured` ends by itself (null: until changed).
    #[serde(default)]
    pub featured_until: Option<DateTime<Utc>>,
    /// Why a reviewer returned it to its editors (only while it is not public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Id of the user who created it.
    pub created_by: Option<i64>,
    /// Id of the user who changed it last.
    pub updated_by: Option<i64>,
    pub version: i64,
}

impl Activity {
    /// Pass every file URL of its photos and documents through `f` (a `srcset`'s candidates
    /// one by one): revisions keep them as paths from the root, shown on the reader's base.
    pub fn map_file_urls(&mut self, f: &dyn Fn(&str) -> String) {
        let one = |u: &mut Option<String>| {
            if let Some(v) = u.as_mut() {
                *v = f(v);
            }
        };
        let set = |s: &mut Option<String>| {
            if let Some(v) = s.as_mut() {
                *v = v
                    .split(", ")
                    .map(|candidate| match candidate.split_once(' ') {
                        Some((url, width)) => format!("{} {width}", f(url)),
                        None => f(candidate),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
            }
        };
        for p in &mut self.photos {
            one(&mut p.url);
            one(&mut p.src);
            set(&mut p.srcset);
            set(&mut p.webp_srcset);
            for r in p.renditions.iter_mut().chain(p.thumbnail.as_mut()) {
                r.src = f(&r.src);
            }
        }
        for d in &mut self.documents {
            one(&mut d.url);
        }
    }
}

/// A partner and its role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Partner {
    pub organization: OrgRef,
    pub role: PartnerRole,
}

/// A referenced document, with its file when one was uploaded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Document {
    pub raw: String,
    pub number: Option<String>,
    pub doc_type: Option<String>,
    pub issuer: Option<String>,
    pub department: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// The uploaded file (a PDF of the media library), if any.
    #[serde(default)]
    pub media_id: Option<i64>,
    /// The file's URL (served as an attachment, with range requests).
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub bytes: Option<i64>,
    #[serde(default)]
    #[schema(example = "application/pdf")]
    pub content_type: Option<String>,
}

/// A partner as written in a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    #[schema(example = 13)]
    pub organization_id: i64,
    pub role: PartnerRole,
}

/// A document as written in a request: its title as written (number, type, issuer and date
/// are parsed from it), and optionally its uploaded file. With `media_id`, a missing `raw` is
/// the medium's caption or file name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    #[serde(default)]
    #[schema(
        example = "Chương trình số 28-CT/ĐTN ngày 21/02/2023",
        min_length = 1,
        max_length = 300
    )]
    pub raw: Option<String>,
    /// A document (PDF) of the media library the writer may see.
    #[serde(default)]
    pub media_id: Option<i64>,
}

/// Body of `POST /activities`: partners, tags, documents and photos are written inline, in
/// the same transaction. Tags are names; unknown ones are created.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Đêm hội Trăng rằm",
    "occurred_on": "2023-09-25",
    "part_of_day": "evening",
    "category": "culture_sports",
    "organizer_id": 3,
    "partners": [{"organization_id": 13, "role": "co_organizer"}],
    "tags": ["Vì đàn em thân yêu"],
    "status": "published"
}))]
pub struct CreateActivity {
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub body: Option<String>,
    pub occurred_on: NaiveDate,
    #[serde(default)]
    pub date_precision: Option<DatePrecision>,
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub part_of_day: Option<PartOfDay>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub location: Option<String>,
    pub category: Category,
    pub organizer_id: i64,
    #[serde(default)]
    pub partners: Vec<PartnerInput>,
    #[serde(default)]
    pub cluster_id: Option<i64>,
    /// Tag names ("Tháng Thanh niên"): letters, digits, spaces, '-' and '.'; at most 60 characters each.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub documents: Vec<DocumentInput>,
    #[serde(default)]
    pub photos: Vec<PhotoInput>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub byline: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub participants_count: Option<i64>,
    /// Default `draft`. `published` with a `published_at` still ahead is stored as
    /// `scheduled`; an editor of a unit that requires review gets `pending_review` instead.
    /// `pending_review` and `scheduled` may be asked for directly.
    #[serde(default)]
    pub status: Option<Status>,
    /// Set when first published unless given; a future time schedules the publication.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật. Default false.
    #[serde(default)]
    pub featured: Option<bool>,
    /// When `featured` ends by itself; must be in the future when set.
    #[serde(default)]
    pub featured_until: Option<DateTime<Utc>>,
}

/// Body of `PATCH /activities/{id}` (merge patch: absent unchanged, `null` clears; lists are
/// replaced whole).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published", "tags": ["Tháng Thanh niên", "Tháng Ba biên giới"]}))]
pub struct UpdateActivity {
    /// A new slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 100 characters, not all digits; not
    /// taken now or before by another activity; 409 if it is). The old one keeps resolving: a
    /// GET by it answers 301 to the current one. Cannot be null.
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    pub slug: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 300)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub summary: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100000)]
    pub body: Patch<String>,
    #[serde(default)]
    #[schema(value_type = NaiveDate, required = false)]
    pub occurred_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = DatePrecision, required = false)]
    pub date_precision: Patch<DatePrecision>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<PartOfDay>)]
    pub part_of_day: Patch<PartOfDay>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Category, required = false)]
    pub category: Patch<Category>,
    #[serde(default)]
    #[schema(value_type = i64, required = false)]
    pub organizer_id: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<PartnerInput>>)]
    pub partners: Patch<Vec<PartnerInput>>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub cluster_id: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<DocumentInput>>)]
    pub documents: Patch<Vec<DocumentInput>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<PhotoInput>>)]
    pub photos: Patch<Vec<PhotoInput>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub byline: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub participants_count: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Status, required = false)]
    pub status: Patch<Status>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Patch<DateTime<Utc>>,
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub featured: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub featured_until: Patch<DateTime<Utc>>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "body_html",
    "organizer",
    "cluster",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
    "period_end",
    "deleted_at",
    "review_comment",
];

impl BodySchema for CreateActivity {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
}

impl BodySchema for UpdateActivity {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "body_html",
        "organizer",
        "cluster",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
        "period_end",
        "deleted_at",
        "review_comment",
    ];

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, null) in [
            ("/title", matches!(self.title, Patch::Null)),
            ("/occurred_on", matches!(self.occurred_on, Patch::Null)),
            (
                "/date_precision",
                matches!(self.date_precision, Patch::Null),
            ),
            ("/category", matches!(self.category, Patch::Null)),
            ("/organizer_id", matches!(self.organizer_id, Patch::Null)),
            ("/status", matches!(self.status, Patch::Null)),
            ("/featured", matches!(self.featured, Patch::Null)),
            ("/slug", matches!(self.slug, Patch::Null)),
        ] {
            if null {
                errors.push(FieldError::new(field, "cannot be null"));
            }
        }
        // Schema-level limits, checked before any If-Match (the merged state is checked again).
        errors.extend(over_limits([
            ("title", self.title.as_value().map(String::as_str)),
            ("summary", self.summary.as_value().map(String::as_str)),
            ("body", self.body.as_value().map(String::as_str)),
            ("location", self.location.as_value().map(String::as_str)),
            ("byline", self.byline.as_value().map(String::as_str)),
        ]));
        if self.title.as_value().is_some_and(|t| t.trim().is_empty()) {
            errors.push(FieldError::new("/title", "must not be empty"));
        }
        if self.participants_count.as_value().is_some_and(|n| *n < 0) {
            errors.push(FieldError::new(
                "/participants_count",
                "must not be negative",
            ));
        }
        let tags: Vec<String> = self
            .tags
            .as_value()
            .map(|t| t.iter().map(|t| crate::text::clean(t)).collect())
            .unwrap_or_default();
        let documents: Vec<DocumentInput> = self
            .documents
            .as_value()
            .map(|d| d.iter().map(clean_document).collect())
            .unwrap_or_default();
        let photos: Vec<PhotoInput> = self
            .photos
            .as_value()
            .map(|p| p.iter().map(clean_photo).collect())
            .unwrap_or_default();
        errors.extend(list_errors(&tags, &documents, &photos));
        errors
    }
}

crate::string_enum! {
    /// A reviewer's decision on an activity waiting for review.
    pub enum Decision {
        /// Publish it (scheduled if its `published_at` is ahead).
        Approve = "approve",
        /// Back to its editors as a draft, with the comment.
        Return = "return",
    }
}

/// Body of `POST /activities/{id}/review`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "return", "version": 3, "comment": "Bổ sung ảnh và tên người viết bài."}))]
pub struct ReviewDecision {
    pub decision: Decision,
    /// The version reviewed (the activity's `version` as the reviewer read it): if the editors
    /// changed it since, nothing is decided (412) — a reviewer approves only what it saw.
    #[schema(example = 3, minimum = 1)]
    pub version: i64,
    /// Required to return: what the editors should change. Kept on the activity (as
    /// `review_comment`) and in its revision.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

impl BodySchema for ReviewDecision {
    const READ_ONLY: &'static [&'static str] = &[];

    fn validate(&self) -> Vec<FieldError> {
        let long = self
            .comment
            .as_deref()
            .is_some_and(|c| c.chars().count() > 2000);
        if long {
            vec![FieldError::new(
                "/comment",
                "must be at most 2000 characters",
            )]
        } else {
            Vec::new()
        }
    }
}
