//! The writable state of an activity ([`ActivityFields`]): what a create, a patch or a restore
//! produces, cleaned, and every rule it must keep (the same for POST and PATCH).

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::FieldError;
use crate::http::body::Patch;
use crate::http::dates;

use super::dto::*;

/// The longest each text may be, in code points of its cleaned form: one table for POST,
/// PATCH (checked on the patch before `If-Match`, then on the merged state) and restore.
pub const TEXT_LIMITS: [(&str, usize); 5] = [
    ("title", 300),
    ("summary", 2000),
    ("body", 100_000),
    ("location", 300),
    ("byline", 300),
];

/// An error for each text over its [`TEXT_LIMITS`] entry.
pub fn over_limits<'a>(
    texts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<FieldError> {
    texts
        .into_iter()
        .filter_map(|(field, value)| {
            let (_, max) = TEXT_LIMITS.iter().find(|(name, _)| *name == field)?;
            value.is_some_and(|v| v.chars().count() > *max).then(|| {
                FieldError::new(
                    format!("/{field}"),
                    format!("must be at most {max} characters"),
                )
            })
        })
        .collect()
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
    pub documents: Vec<DocumentInput>,
    pub photos: Vec<PhotoInput>,
    pub byline: Option<String>,
    pub participants_count: Option<i64>,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub featured: bool,
    pub featured_until: Option<DateTime<Utc>>,
}

pub(super) fn clean_photo(p: &PhotoInput) -> PhotoInput {
    PhotoInput {
        media_id: p.media_id,
        url: p
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string),
        alt: crate::text::clean_opt(p.alt.as_deref()),
        caption: crate::text::clean_opt(p.caption.as_deref()),
        credit: crate::text::clean_opt(p.credit.as_deref()),
    }
}

pub(super) fn clean_document(d: &DocumentInput) -> DocumentInput {
    DocumentInput {
        raw: crate::text::clean_opt(d.raw.as_deref()),
        media_id: d.media_id,
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
            documents: c.documents.iter().map(clean_document).collect(),
            photos: c.photos.iter().map(clean_photo).collect(),
            byline: clean_opt(c.byline.as_deref()),
            participants_count: c.participants_count,
            status: c.status.unwrap_or(Status::Draft),
            published_at: c.published_at,
            featured: c.featured.unwrap_or(false),
            featured_until: c.featured_until,
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
                .map(clean_document)
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
        if let Patch::Value(v) = p.featured {
            self.featured = v;
        }
        // No longer featured: its end goes too, unless the patch says otherwise.
        if !self.featured && p.featured_until.is_absent() {
            self.featured_until = None;
        }
        self.featured_until = p.featured_until.apply_to(self.featured_until);
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
            documents: a
                .documents
                .iter()
                .map(|d| DocumentInput {
                    raw: Some(d.raw.clone()),
                    media_id: d.media_id,
                })
                .collect(),
            photos: a.photos.iter().map(PhotoInput::of).collect(),
            byline: a.byline.clone(),
            participants_count: a.participants_count,
            // `scheduled` is `published` with a time ahead: written back, it is decided again.
            status: match a.status {
                Status::Scheduled => Status::Published,
                other => other,
            },
            published_at: a.published_at,
            featured: a.featured,
            featured_until: a.featured_until,
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
        let mut errors = over_limits([
            ("title", Some(self.title.as_str())),
            ("summary", self.summary.as_deref()),
            ("body", self.body.as_deref()),
            ("location", self.location.as_deref()),
            ("byline", self.byline.as_deref()),
        ]);
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
        if let Some(why) = self.featured_until.and_then(dates::instant_problem) {
            errors.push(FieldError::new("/featured_until", why));
        }
        if self
            .participants_count
            .is_some_and(|n| !(0..=MAX_PARTICIPANTS).contains(&n))
        {
            errors.push(FieldError::new(
                "/participants_count",
                format!("must be between 0 and {MAX_PARTICIPANTS}"),
            ));
        }
        errors.extend(list_errors(&self.tags, &self.documents, &self.photos));
        if self.partners.len() > MAX_PARTNERS {
            errors.push(FieldError::new(
                "/partners",
                format!("must have at most {MAX_PARTNERS} partners"),
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
/// Limits of an activity's lists and counts (the spec states them: `openapi::limit_lists`).
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 60;
pub const MAX_DOCUMENTS: usize = 20;
pub const MAX_PHOTOS: usize = 50;
pub const MAX_PARTNERS: usize = 50;
pub const MAX_PARTICIPANTS: i64 = 10_000_000;

pub(super) fn list_errors(
    tags: &[String],
    documents: &[DocumentInput],
    photos: &[PhotoInput],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "/tags",
            format!("must have at most {MAX_TAGS} tags"),
        ));
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
    if documents.len() > MAX_DOCUMENTS {
        errors.push(FieldError::new(
            "/documents",
            format!("must have at most {MAX_DOCUMENTS} documents"),
        ));
    }
    for (i, d) in documents.iter().enumerate() {
        match d.raw.as_deref() {
            None if d.media_id.is_none() => errors.push(FieldError::new(
                format!("/documents/{i}/raw"),
                "is required (unless media_id names an uploaded document)",
            )),
            Some(raw) if raw.chars().count() > 300 => errors.push(FieldError::new(
                format!("/documents/{i}/raw"),
                "must be 1 to 300 characters",
            )),
            _ => {}
        }
    }
    if photos.len() > MAX_PHOTOS {
        errors.push(FieldError::new(
            "/photos",
            format!("must have at most {MAX_PHOTOS} photos"),
        ));
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
        if p.media_id.is_some() && p.url.is_some() {
            errors.push(FieldError::new(
                format!("/photos/{i}/url"),
                "is not given with media_id (the medium has its own)",
            ));
        }
        if p.media_id.is_none() && p.url.is_none() && p.caption.is_none() {
            errors.push(FieldError::new(
                format!("/photos/{i}"),
                "needs a media_id, a url or a caption",
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
        if p.alt.as_deref().is_some_and(|c| c.chars().count() > 500) {
            errors.push(FieldError::new(
                format!("/photos/{i}/alt"),
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
    if tag.chars().count() > MAX_TAG_CHARS {
        return Some(format!("must be at most {MAX_TAG_CHARS} characters"));
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
