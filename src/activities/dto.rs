//! Activity request/response types and their validation (the code lists are in `vocab`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::http::dates;
use crate::http::query::{de_bool, de_list, de_nonempty};
use crate::list_query;
pub use crate::vocab::{
    Category, ClusterRef, DatePrecision, OrgRef, PartOfDay, PartnerRole, Status, TagRef,
};

/// A photo with its caption.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// Absent when only the caption is known (as on the seed page).
    #[serde(default)]
    #[schema(
        example = "https://doankhoi.langson.gov.vn/anh/toan-canh.jpg",
        max_length = 1000
    )]
    pub url: Option<String>,
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp", max_length = 500)]
    pub caption: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub credit: Option<String>,
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
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Id of the user who created it.
    pub created_by: Option<i64>,
    /// Id of the user who changed it last.
    pub updated_by: Option<i64>,
    pub version: i64,
}

/// A partner and its role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Partner {
    pub organization: OrgRef,
    pub role: PartnerRole,
}

/// A referenced document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Document {
    pub raw: String,
    pub number: Option<String>,
    pub doc_type: Option<String>,
    pub issuer: Option<String>,
    pub department: Option<String>,
    pub issued_on: Option<NaiveDate>,
}

/// A partner as written in a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    #[schema(example = 13)]
    pub organization_id: i64,
    pub role: PartnerRole,
}

/// A document as written in a request: the raw text; the parts are parsed from it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    #[schema(
        example = "Chương trình số 28-CT/ĐTN ngày 21/02/2023",
        min_length = 1,
        max_length = 300
    )]
    pub raw: String,
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
    pub photos: Vec<Photo>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub byline: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub participants_count: Option<i64>,
    /// Default `draft`.
    #[serde(default)]
    pub status: Option<Status>,
    /// Set when first published unless given.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

/// Body of `PATCH /activities/{id}` (merge patch: absent unchanged, `null` clears; lists are
/// replaced whole).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published", "tags": ["Tháng Thanh niên", "Tháng Ba biên giới"]}))]
pub struct UpdateActivity {
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
    #[schema(value_type = Option<Vec<Photo>>)]
    pub photos: Patch<Vec<Photo>>,
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
];

impl BodySchema for CreateActivity {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
}

impl BodySchema for UpdateActivity {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "slug",
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
        ] {
            if null {
                errors.push(FieldError::new(field, "cannot be null"));
            }
        }
        // Schema-level limits, checked before any If-Match (the merged state is checked again).
        let mut too_long = |field: &str, patch: &Patch<String>, max: usize| {
            if patch.as_value().is_some_and(|v| v.chars().count() > max) {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        };
        too_long("/title", &self.title, 300);
        too_long("/summary", &self.summary, 2000);
        too_long("/body", &self.body, 100_000);
        too_long("/location", &self.location, 300);
        too_long("/byline", &self.byline, 300);
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
        let documents: Vec<String> = self
            .documents
            .as_value()
            .map(|d| d.iter().map(|d| crate::text::clean(&d.raw)).collect())
            .unwrap_or_default();
        let photos: Vec<Photo> = self
            .photos
            .as_value()
            .map(|p| p.iter().map(clean_photo).collect())
            .unwrap_or_default();
        errors.extend(list_errors(&tags, &documents, &photos));
        errors
    }
}

/// The writable state of an activity, cleaned: what a create, a patch or a restore produces.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityFields {
    pub title: String,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub occurred_on: NaiveDate,
    pub date_precision: DatePrecision,
    pub ends_on: Option<NaiveDate>,
    pub part_of_day: Option<PartOfDay>,
    pub location: Option<String>,
    pub category: Category,
    pub organizer_id: i64,
    pub partners: Vec<PartnerInput>,
    pub cluster_id: Option<i64>,
    pub tags: Vec<String>,
    pub documents: Vec<String>,
    pub photos: Vec<Photo>,
    pub byline: Option<String>,
    pub participants_count: Option<i64>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
}

fn clean_photo(p: &Photo) -> Photo {
    Photo {
        url: p
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string),
        caption: crate::text::clean_opt(p.caption.as_deref()),
        credit: crate::text::clean_opt(p.credit.as_deref()),
    }
}

impl ActivityFields {
    pub fn from_create(c: &CreateActivity) -> Self {
        use crate::text::{clean, clean_opt};
        Self {
            title: clean(&c.title),
            summary: clean_opt(c.summary.as_deref()),
            body: c
                .body
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(|b| {
                    use unicode_normalization::UnicodeNormalization;
                    b.nfc().collect()
                }),
            occurred_on: c.occurred_on,
            date_precision: c.date_precision.unwrap_or(DatePrecision::Day),
            ends_on: c.ends_on,
            part_of_day: c.part_of_day,
            location: clean_opt(c.location.as_deref()),
            category: c.category,
            organizer_id: c.organizer_id,
            partners: c.partners.clone(),
            cluster_id: c.cluster_id,
            tags: c.tags.iter().map(|t| clean(t)).collect(),
            documents: c.documents.iter().map(|d| clean(&d.raw)).collect(),
            photos: c.photos.iter().map(clean_photo).collect(),
            byline: clean_opt(c.byline.as_deref()),
            participants_count: c.participants_count,
            status: c.status.unwrap_or(Status::Draft),
            published_at: c.published_at,
        }
    }

    /// Apply a merge patch.
    pub fn patched(mut self, p: UpdateActivity) -> Self {
        use crate::text::{clean, clean_opt};
        let text = |patch: Patch<String>, current: Option<String>| match patch {
            Patch::Absent => current,
            Patch::Null => None,
            Patch::Value(v) => clean_opt(Some(&v)),
        };
        if let Patch::Value(v) = p.title {
            self.title = clean(&v);
        }
        self.summary = text(p.summary, self.summary);
        self.body = match p.body {
            Patch::Absent => self.body,
            Patch::Null => None,
            Patch::Value(b) => {
                use unicode_normalization::UnicodeNormalization;
                Some(b.trim().nfc().collect::<String>()).filter(|b| !b.is_empty())
            }
        };
        if let Patch::Value(v) = p.occurred_on {
            self.occurred_on = v;
        }
        if let Patch::Value(v) = p.date_precision {
            self.date_precision = v;
        }
        self.ends_on = p.ends_on.apply_to(self.ends_on);
        self.part_of_day = p.part_of_day.apply_to(self.part_of_day);
        self.location = text(p.location, self.location);
        if let Patch::Value(v) = p.category {
            self.category = v;
        }
        if let Patch::Value(v) = p.organizer_id {
            self.organizer_id = v;
        }
        self.partners = p.partners.apply_to(Some(self.partners)).unwrap_or_default();
        self.cluster_id = p.cluster_id.apply_to(self.cluster_id);
        if !p.tags.is_absent() {
            self.tags = p
                .tags
                .apply_to(None)
                .unwrap_or_default()
                .iter()
                .map(|t| clean(t))
                .collect();
        }
        if !p.documents.is_absent() {
            self.documents = p
                .documents
                .apply_to(None)
                .unwrap_or_default()
                .iter()
                .map(|d| clean(&d.raw))
                .collect();
        }
        if !p.photos.is_absent() {
            self.photos = p
                .photos
                .apply_to(None)
                .unwrap_or_default()
                .iter()
                .map(clean_photo)
                .collect();
        }
        self.byline = text(p.byline, self.byline);
        self.participants_count = p.participants_count.apply_to(self.participants_count);
        if let Patch::Value(v) = p.status {
            self.status = v;
        }
        self.published_at = p.published_at.apply_to(self.published_at);
        self
    }

    /// The state of a revision, as writable fields.
    pub fn from_activity(a: &Activity) -> Self {
        Self {
            title: a.title.clone(),
            summary: a.summary.clone(),
            body: a.body.clone(),
            occurred_on: a.occurred_on,
            date_precision: a.date_precision,
            ends_on: a.ends_on,
            part_of_day: a.part_of_day,
            location: a.location.clone(),
            category: a.category,
            organizer_id: a.organizer.id,
            partners: a
                .partners
                .iter()
                .map(|p| PartnerInput {
                    organization_id: p.organization.id,
                    role: p.role,
                })
                .collect(),
            cluster_id: a.cluster.as_ref().map(|c| c.id),
            tags: a.tags.iter().map(|t| t.name.clone()).collect(),
            documents: a.documents.iter().map(|d| d.raw.clone()).collect(),
            photos: a.photos.clone(),
            byline: a.byline.clone(),
            participants_count: a.participants_count,
            status: a.status,
            published_at: a.published_at,
        }
    }

    /// The last day the activity covers.
    pub fn period_end(&self) -> NaiveDate {
        let coarse_end = match self.date_precision {
            DatePrecision::Day => self.occurred_on,
            DatePrecision::Month => {
                let (y, m) = (self.occurred_on.year(), self.occurred_on.month());
                let first_next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                };
                first_next
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(self.occurred_on)
            }
            DatePrecision::Year => {
                NaiveDate::from_ymd_opt(self.occurred_on.year(), 12, 31).unwrap_or(self.occurred_on)
            }
        };
        self.ends_on.map_or(coarse_end, |e| e.max(coarse_end))
    }

    /// Rules that need no database; every broken one is returned.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut too_long = |field: &str, value: Option<&str>, max: usize| {
            if value.is_some_and(|v| v.chars().count() > max) {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        };
        too_long("/title", Some(&self.title), 300);
        too_long("/summary", self.summary.as_deref(), 2000);
        too_long("/body", self.body.as_deref(), 100_000);
        too_long("/location", self.location.as_deref(), 300);
        too_long("/byline", self.byline.as_deref(), 300);
        if self.title.is_empty() {
            errors.push(FieldError::new("/title", "must not be empty"));
        }
        if let Some(end) = self.ends_on {
            if end < self.occurred_on {
                errors.push(FieldError::new(
                    "/ends_on",
                    "must not be before occurred_on",
                ));
            }
        }
        match self.date_precision {
            DatePrecision::Month if self.occurred_on.day() != 1 => errors.push(FieldError::new(
                "/occurred_on",
                "must be the first day of the month when date_precision is month",
            )),
            DatePrecision::Year if (self.occurred_on.month(), self.occurred_on.day()) != (1, 1) => {
                errors.push(FieldError::new(
                    "/occurred_on",
                    "must be 1 January when date_precision is year",
                ))
            }
            _ => {}
        }
        let days = [
            ("/occurred_on", Some(self.occurred_on)),
            ("/ends_on", self.ends_on),
        ];
        for (field, day) in days {
            if let Some(why) = day.and_then(dates::day_problem) {
                errors.push(FieldError::new(field, why));
            }
        }
        if let Some(why) = self.published_at.and_then(dates::instant_problem) {
            errors.push(FieldError::new("/published_at", why));
        }
        if self
            .participants_count
            .is_some_and(|n| !(0..=10_000_000).contains(&n))
        {
            errors.push(FieldError::new(
                "/participants_count",
                "must be between 0 and 10000000",
            ));
        }
        errors.extend(list_errors(&self.tags, &self.documents, &self.photos));
        if self.partners.len() > 50 {
            errors.push(FieldError::new(
                "/partners",
                "must have at most 50 partners",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.partners.iter().enumerate() {
            if p.organization_id == self.organizer_id {
                errors.push(FieldError::new(
                    format!("/partners/{i}/organization_id"),
                    "is the organizer already",
                ));
            } else if !seen.insert(p.organization_id) {
                errors.push(FieldError::new(
                    format!("/partners/{i}/organization_id"),
                    "is given twice",
                ));
            }
        }
        errors
    }
}

/// The rules of the inline lists (tags, documents, photos), on cleaned values.
fn list_errors(tags: &[String], documents: &[String], photos: &[Photo]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if tags.len() > 20 {
        errors.push(FieldError::new("/tags", "must have at most 20 tags"));
    }
    for (i, tag) in tags.iter().enumerate() {
        if let Some(why) = tag_name_problem(tag) {
            errors.push(FieldError::new(format!("/tags/{i}"), why));
        }
    }
    let mut seen_tags = std::collections::HashSet::new();
    for (i, tag) in tags.iter().enumerate() {
        if !seen_tags.insert(crate::text::slugify(tag)) {
            errors.push(FieldError::new(format!("/tags/{i}"), "is given twice"));
        }
    }
    if documents.len() > 20 {
        errors.push(FieldError::new(
            "/documents",
            "must have at most 20 documents",
        ));
    }
    for (i, d) in documents.iter().enumerate() {
        if d.is_empty() || d.chars().count() > 300 {
            errors.push(FieldError::new(
                format!("/documents/{i}/raw"),
                "must be 1 to 300 characters",
            ));
        }
    }
    if photos.len() > 50 {
        errors.push(FieldError::new("/photos", "must have at most 50 photos"));
    }
    for (i, p) in photos.iter().enumerate() {
        let ok = p.url.as_deref().is_none_or(|url| {
            url.chars().count() <= 1000
                && url::Url::parse(url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        });
        if !ok {
            errors.push(FieldError::new(
                format!("/photos/{i}/url"),
                "must be an absolute http(s) URL of at most 1000 characters",
            ));
        }
        if p.url.is_none() && p.caption.is_none() {
            errors.push(FieldError::new(
                format!("/photos/{i}"),
                "needs a url or a caption",
            ));
        }
        if p.caption
            .as_deref()
            .is_some_and(|c| c.chars().count() > 500)
        {
            errors.push(FieldError::new(
                format!("/photos/{i}/caption"),
                "must be at most 500 characters",
            ));
        }
        if p.credit.as_deref().is_some_and(|c| c.chars().count() > 200) {
            errors.push(FieldError::new(
                format!("/photos/{i}/credit"),
                "must be at most 200 characters",
            ));
        }
    }
    errors
}

/// Why a tag name is not acceptable, if it is not.
pub fn tag_name_problem(tag: &str) -> Option<String> {
    if tag.is_empty() {
        return Some("must not be empty".into());
    }
    if tag.chars().count() > 60 {
        return Some("must be at most 60 characters".into());
    }
    if let Some(bad) = tag.chars().find(|c| {
        !(c.is_alphanumeric()
            || matches!(c, ' ' | '-' | '.')
            || ('\u{0300}'..='\u{036f}').contains(c))
    }) {
        return Some(format!(
            "has a character that tags may not use: '{bad}' (letters, digits, spaces, '-' and '.' only)"
        ));
    }
    if crate::text::slugify(tag).is_empty() {
        return Some("must contain a letter or a digit".into());
    }
    None
}

list_query! {
    /// Query of the activity lists.
    pub struct ListActivitiesQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `occurred_on`, `published_at`, `title` (Vietnamese order), `updated_at`, and `relevance` with `q` (best first). Default: `-occurred_on`.",
        default_sort: "-occurred_on",
        /// Full-text search over title, summary, body, place, tags and organizer name, ignoring
        /// case, diacritics and tone-mark placement (`tinh nguyen` finds "tình nguyện").
        #[serde(default)]
        #[param(example = "tinh nguyen")]
        pub q: Option<String>,
        /// A unit (id or slug) as organizer or in any partner role.
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1, example = "chi-doan-van-phong-ubnd-tinh")]
        pub organization: Option<String>,
        /// A unit (id or slug) as organizer only.
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1)]
        pub organizer: Option<String>,
        /// With `organization` or `organizer`: the units below it too.
        #[serde(default, deserialize_with = "de_bool")]
        #[param(value_type = Option<bool>)]
        pub include_descendants: Option<bool>,
        /// A cluster (id or slug) that ran the activity.
        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1, example = "cum-thi-dua-so-4")]
        pub cluster: Option<String>,
        /// Only these categories.
        #[serde(default, deserialize_with = "de_list")]
        #[param(value_type = Option<Vec<Category>>, style = Form, explode = false)]
        pub category: Option<Vec<Category>>,
        /// Only activities with all of these tags (slugs).
        #[serde(default, deserialize_with = "de_list")]
        #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
        pub tag: Option<Vec<String>>,
        /// Only these statuses (default `published`); drafts only where the caller may edit.
        #[serde(default, deserialize_with = "de_list")]
        #[param(value_type = Option<Vec<Status>>, style = Form, explode = false)]
        pub status: Option<Vec<Status>>,
        /// Activities whose whole period starts on or after this day.
        #[serde(default, deserialize_with = "crate::http::query::de_day")]
        #[param(value_type = Option<NaiveDate>)]
        pub occurred_from: Option<NaiveDate>,
        /// Activities whose whole period ends on or before this day (a month-precision activity
        /// needs the range to cover its month).
        #[serde(default, deserialize_with = "crate::http::query::de_day")]
        #[param(value_type = Option<NaiveDate>)]
        pub occurred_to: Option<NaiveDate>,
    }
}

/// `{id}` of an activity path: the numeric id or the slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ActivityPath {
    /// Numeric id or slug.
    #[param(example = "dem-hoi-trang-ram")]
    pub id: String,
}

/// `{id}/revisions/{n}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RevisionPath {
    /// Numeric id or slug of the activity.
    pub id: String,
    /// Version number.
    #[param(minimum = 1)]
    pub n: i64,
}

/// One saved state of an activity (without the state itself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionInfo {
    pub version: i64,
    /// Username of whoever saved it.
    pub changed_by: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub note: Option<String>,
}

/// One saved state of an activity, in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    #[serde(flatten)]
    pub info: RevisionInfo,
    /// The activity as it was at this version.
    pub state: Activity,
}

/// A category with its label and how many published activities it has.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCount {
    pub code: Category,
    #[schema(example = "Tình nguyện")]
    pub label: &'static str,
    #[schema(example = 2)]
    pub count: i64,
}

/// A tag with how many published activities carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagCount {
    #[schema(example = "thanh-nien-tinh-nguyen")]
    pub slug: String,
    #[schema(example = "Thanh niên tình nguyện")]
    pub name: String,
    pub count: i64,
}

/// Query of `GET /tags`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTagsQuery {
    /// Tags whose name matches (diacritics- and case-insensitive prefix of a word).
    #[serde(default)]
    pub q: Option<String>,
    /// `count` (most used first, default) or `name` (Vietnamese order).
    #[serde(default)]
    pub sort: Option<TagSort>,
}

/// Order of `GET /tags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TagSort {
    /// Most used first.
    Count,
    /// Vietnamese order of the name.
    Name,
}
