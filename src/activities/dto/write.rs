//! What clients send to write activities: create and update bodies (merge patch), their
//! photos, partners and documents, and a review's decision.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};

use super::*;

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
    /// The caption (at most 500 characters); with `media_id`, the medium's when not given. A photo
    /// with neither `media_id` nor `url` needs one.
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp", max_length = 500)]
    pub caption: Option<String>,
    /// Who took the photo (at most 200 characters); with `media_id`, the medium's when not given.
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

/// A partner as written in a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// The partner: an existing organization (422 otherwise), not the organizer, and at most once
    /// per activity.
    #[schema(example = 13)]
    pub organization_id: i64,
    /// How it took part (phối hợp, chủ trì, đăng cai…).
    pub role: PartnerRole,
}

/// A document as written in a request: its title as written (number, type, issuer and date
/// are parsed from it), and optionally its uploaded file. With `media_id`, a missing `raw` is
/// the medium's caption or file name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// The document as the article cites it (1–300 characters), e.g. "Chương trình số 28-CT/ĐTN
    /// ngày 21/02/2023": kept as written, its number, type, issuer and date parsed. Required unless
    /// `media_id` is given (then the medium's caption or file name).
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
    /// Optional explicit slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 100 characters, not all digits;
    /// 422 otherwise); one taken now or before by another activity is a 409. Default: made from the
    /// title (deduplicated with `-2`, `-3`…). The slug is fixed when the activity is made: an
    /// approval or a publication never changes it (a draft's preview link keeps working), so
    /// set the one the news should have before submitting it for review.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    /// The headline (1–300 characters once trimmed).
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// The lead paragraph, plain text (at most 2000 characters); empty: none.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub body: Option<String>,
    /// When it took place (its first day; year 1900–2100): the 1st of the month when
    /// `date_precision` is `month`, 1 January when it is `year` (422 otherwise).
    pub occurred_on: NaiveDate,
    /// How much of `occurred_on` is known (default `day`).
    #[serde(default)]
    pub date_precision: Option<DatePrecision>,
    /// The last day of an activity over several days (not before `occurred_on`; year 1900–2100);
    /// absent or null: a single day.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// Morning, afternoon or evening (buổi), when the source says.
    #[serde(default)]
    pub part_of_day: Option<PartOfDay>,
    /// Where it took place, as written (at most 300 characters): old place names are kept as the
    /// article gives them.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub location: Option<String>,
    /// What kind of activity it was.
    pub category: Category,
    /// The unit that organised it (đơn vị tổ chức): an existing organization (422 otherwise) the
    /// writer may write for — an admin any, an editor only its own unit and the units below it (403
    /// otherwise).
    pub organizer_id: i64,
    /// The other units and partner bodies, each with its role, in order: at most 50, none twice,
    /// not the organizer.
    #[serde(default)]
    pub partners: Vec<PartnerInput>,
    /// The emulation cluster (cụm thi đua) that ran it, when the cluster itself did
    /// (`GET /api/v1/clusters/{id}`; 422 if there is none); absent or null: none.
    #[serde(default)]
    pub cluster_id: Option<i64>,
    /// Tag names ("Tháng Thanh niên"): letters, digits, spaces, '-' and '.'; at most 60 characters each.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The documents it refers to (kế hoạch, chương trình…), in order: at most 20.
    #[serde(default)]
    pub documents: Vec<DocumentInput>,
    /// Its photos, in order (the first is the list's `photo`): at most 50.
    #[serde(default)]
    pub photos: Vec<PhotoInput>,
    /// Who wrote it (and their position), as the page signs it (at most 300 characters).
    #[serde(default)]
    #[schema(max_length = 300)]
    pub byline: Option<String>,
    /// How many people took part (0–10,000,000); absent or null: not known.
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
    /// GET by it answers 301 to the current one. Cannot be null. A new address is a change
    /// like any other: in a unit that requires review, an editor may not give one to news a
    /// reviewer let through (403; take it down first, or ask an admin).
    #[serde(default)]
    #[schema(
        value_type = String,
        required = false,
        min_length = 1,
        max_length = 100
    )]
    pub slug: Patch<String>,
    /// A new headline (1–300 characters once trimmed). Cannot be null.
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 300)]
    pub title: Patch<String>,
    /// A new lead paragraph, plain text (at most 2000 characters); null or an empty string clears
    /// it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub summary: Patch<String>,
    /// A new article in Markdown (at most 100,000 characters; `body_html` is rendered from it);
    /// null clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100000)]
    pub body: Patch<String>,
    /// A new first day (year 1900–2100), which must fit `date_precision` as on create. Cannot be
    /// null.
    #[serde(default)]
    #[schema(value_type = NaiveDate, required = false)]
    pub occurred_on: Patch<NaiveDate>,
    /// How much of `occurred_on` is known; with `month` or `year`, `occurred_on` must be the 1st of
    /// the month or 1 January. Cannot be null.
    #[serde(default)]
    #[schema(value_type = DatePrecision, required = false)]
    pub date_precision: Patch<DatePrecision>,
    /// A new last day (not before `occurred_on`); null: a single day.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    /// Morning, afternoon or evening (buổi); null clears it.
    #[serde(default)]
    #[schema(value_type = Option<PartOfDay>)]
    pub part_of_day: Patch<PartOfDay>,
    /// A new place, as written (at most 300 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub location: Patch<String>,
    /// A new category. Cannot be null.
    #[serde(default)]
    #[schema(value_type = Category, required = false)]
    pub category: Patch<Category>,
    /// A new organizing unit: an existing organization (422 otherwise) the writer may write for —
    /// an admin any, an editor only its own unit and the units below it (403 otherwise). Cannot be
    /// null.
    #[serde(default)]
    #[schema(value_type = i64, required = false)]
    pub organizer_id: Patch<i64>,
    /// The partners, replacing the list whole (rules as on create: at most 50, none twice, not the
    /// organizer); null clears them.
    #[serde(default)]
    #[schema(value_type = Option<Vec<PartnerInput>>)]
    pub partners: Patch<Vec<PartnerInput>>,
    /// The emulation cluster (cụm thi đua) that ran it (`GET /api/v1/clusters/{id}`; 422 if there
    /// is none); null: none.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub cluster_id: Patch<i64>,
    /// Tag names, replacing the list whole (rules as on create); null clears them.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Patch<Vec<String>>,
    /// The documents, replacing the list whole (at most 20); null clears them.
    #[serde(default)]
    #[schema(value_type = Option<Vec<DocumentInput>>)]
    pub documents: Patch<Vec<DocumentInput>>,
    /// The photos, replacing the list whole (at most 50); null clears them.
    #[serde(default)]
    #[schema(value_type = Option<Vec<PhotoInput>>)]
    pub photos: Patch<Vec<PhotoInput>>,
    /// A new byline (at most 300 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub byline: Patch<String>,
    /// How many people took part (0–10,000,000); null: not known.
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub participants_count: Patch<i64>,
    /// A new status, decided as on create: `published` with a `published_at` ahead is stored as
    /// `scheduled`; an editor's `published`, `scheduled` or `archived` in a unit that requires
    /// review becomes `pending_review`; `draft` unpublishes. Cannot be null.
    #[serde(default)]
    #[schema(value_type = Status, required = false)]
    pub status: Patch<Status>,
    /// A new publication time (year 1900–2100); a future one schedules a `published` activity. Null
    /// clears it only when the resulting status is `draft` (422 otherwise).
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Patch<DateTime<Utc>>,
    /// Tin nổi bật on or off; `false` also clears `featured_until` unless the patch sets it. Cannot
    /// be null.
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub featured: Patch<bool>,
    /// When `featured` ends by itself: a moment in the future, only for a featured activity (422
    /// otherwise); null: until changed.
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
    /// `approve`: publish it (`scheduled` when its `published_at` is ahead); `return`: back to its
    /// editors as a draft, `comment` required. Only for an activity waiting for review
    /// (`pending_review`; 409 otherwise).
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
