//! Activity request/response types and their validation (the code lists are in `vocab`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::fields::*;
pub use super::params::*;
pub use crate::context::ActivityUrls;
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
    /// Uploaded photos: the original's height in pixels (null for an external image or a caption
    /// alone).
    #[serde(default)]
    pub height: Option<u32>,
    /// Uploaded photos: the original's size in bytes.
    #[serde(default)]
    pub bytes: Option<i64>,
    /// Text in place of the picture (an uploaded photo's: its medium's unless given).
    #[serde(default)]
    pub alt: Option<String>,
    /// The caption shown with the photo (null: none); for an uploaded photo, the medium's as it was
    /// when the activity was written, unless the activity gave its own.
    #[serde(default)]
    #[schema(example = "Toàn cảnh cuộc họp")]
    pub caption: Option<String>,
    /// Who took the photo, as written (null: not said); for an uploaded photo, the medium's as it
    /// was when the activity was written, unless the activity gave its own.
    #[serde(default)]
    pub credit: Option<String>,
    /// Uploaded photos: a placeholder to show while loading (https://blurha.sh).
    #[serde(default)]
    pub blurhash: Option<String>,
    /// Uploaded photos: 320, 640 and 1280 px wide, those narrower than the original (a photo
    /// at most 320 px wide gets one, at its own width); empty for an external image.
    #[serde(default)]
    #[schema(required = true)]
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

/// Where an activity is, in the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ActivityLinks {
    /// This activity in the API (by id, so it stays valid when the slug changes): `GET` it
    /// for the full activity, `PATCH` or `DELETE` it with a token. In the trash it answers
    /// 404 until restored (`POST /api/v1/activities/{id}/restore`).
    #[serde(rename = "self")]
    #[schema(example = "https://api.doankhoi.langson.gov.vn/api/v1/activities/3")]
    pub self_: String,
}

impl ActivityLinks {
    /// The links of activity `id`.
    pub fn of(urls: &ActivityUrls, id: i64) -> Self {
        Self {
            self_: urls.api(id),
        }
    }
}

/// An activity as listed: the organizer, cluster, tags and first photo embedded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivitySummary {
    /// Identifier of the activity (stable; the slug may change, the id does not).
    #[schema(example = 3)]
    pub id: i64,
    /// The activity's name in URLs (`GET /api/v1/activities/{slug}` works as the id does; a
    /// former slug answers 301 to the current one).
    #[schema(example = "dem-hoi-trang-ram")]
    pub slug: String,
    /// Its page on the portal (the server's `--activity-url-template`, as in the feeds): what
    /// a list links to.
    #[schema(example = "https://doankhoi.langson.gov.vn/hoat-dong/dem-hoi-trang-ram")]
    pub url: String,
    /// The headline.
    #[schema(example = "Đêm hội Trăng rằm")]
    pub title: String,
    /// The lead paragraph (plain text), if any.
    #[schema(
        example = "Chi đoàn Văn phòng Tỉnh uỷ phối hợp tổ chức Đêm hội Trăng rằm cho các cháu thiếu nhi."
    )]
    pub summary: Option<String>,
    /// When it took place (its first day): a whole month or year when `date_precision` says so
    /// (then the 1st of that month or of January).
    #[schema(example = "2023-09-25")]
    pub occurred_on: NaiveDate,
    /// How much of `occurred_on` is known: the day, only the month, or only the year.
    pub date_precision: DatePrecision,
    /// The last day of an activity over several days (null: a single day).
    pub ends_on: Option<NaiveDate>,
    /// Morning, afternoon or evening, when the source says (null: not said).
    pub part_of_day: Option<PartOfDay>,
    /// `part_of_day` in Vietnamese ("Tối"); null with it.
    #[schema(required = true, example = "Tối")]
    pub part_of_day_label: Option<String>,
    /// Where it took place, as written.
    #[schema(example = "xã Mẫu Sơn, huyện Cao Lộc")]
    pub location: Option<String>,
    /// What kind of activity it was.
    pub category: Category,
    /// `category` in Vietnamese, as a page shows it.
    #[schema(example = "Văn hóa, văn nghệ, thể thao")]
    pub category_label: String,
    /// The unit that organised it (đơn vị tổ chức).
    pub organizer: OrgRef,
    /// The emulation cluster (cụm thi đua) it counts for, if any.
    pub cluster: Option<ClusterRef>,
    /// The id of `cluster` (kept for clients written before `cluster` was embedded).
    #[schema(deprecated)]
    pub cluster_id: Option<i64>,
    /// Campaign tags ("Tháng Thanh niên"), in the order given.
    pub tags: Vec<TagRef>,
    /// The first photo, if any.
    pub photo: Option<Photo>,
    /// Where it is in publishing: only `published` and `archived` are public.
    pub status: Status,
    /// `status` in Vietnamese ("Đã đăng").
    #[schema(example = "Đã đăng")]
    pub status_label: String,
    /// When it became (or, `scheduled`, will become) public; null for a draft never
    /// published. UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật (until `featured_until` of the full activity, if set).
    pub featured: bool,
    /// Its last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Its version: 1 when created, one more at each change (the ETag of the full activity
    /// changes with it).
    #[schema(example = 1)]
    pub version: i64,
    /// Where it is in the API.
    pub links: ActivityLinks,
    /// With `q`: a short excerpt of the original text, HTML-escaped, matches in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
}

/// An activity with everything embedded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Activity {
    /// Identifier of the activity (stable; the slug may change, the id does not).
    #[schema(example = 3)]
    pub id: i64,
    /// The activity's name in URLs (`GET /api/v1/activities/{slug}` works as the id does; a
    /// former slug answers 301 to the current one).
    #[schema(example = "chi-doan-van-phong-ubnd-tinh-so-ket-cong-tac-doan-9-thang-nam-2023")]
    pub slug: String,
    /// Its page on the portal (the server's `--activity-url-template`, as in the feeds).
    #[serde(default)]
    #[schema(
        required = true,
        example = "https://doankhoi.langson.gov.vn/hoat-dong/chi-doan-van-phong-ubnd-tinh-so-ket-cong-tac-doan-9-thang-nam-2023"
    )]
    pub url: String,
    /// The headline.
    #[schema(example = "Chi đoàn Văn phòng UBND tỉnh sơ kết công tác đoàn 9 tháng năm 2023")]
    pub title: String,
    /// The lead paragraph (plain text), if any.
    pub summary: Option<String>,
    /// The article, in Markdown (null: none).
    pub body: Option<String>,
    /// `body` rendered and sanitised (no scripts, no event handlers; links get
    /// `rel="noopener noreferrer"`): safe to put in a page as it is.
    pub body_html: Option<String>,
    /// When it took place (its first day): a whole month or year when `date_precision` says so
    /// (then the 1st of that month or of January).
    #[schema(example = "2023-09-25")]
    pub occurred_on: NaiveDate,
    /// How much of `occurred_on` is known: the day, only the month, or only the year.
    pub date_precision: DatePrecision,
    /// The last day of an activity over several days (null: a single day).
    pub ends_on: Option<NaiveDate>,
    /// Morning, afternoon or evening, when the source says (null: not said).
    pub part_of_day: Option<PartOfDay>,
    /// `part_of_day` in Vietnamese ("Sáng"); null with it.
    #[serde(default)]
    #[schema(required = true, example = "Sáng")]
    pub part_of_day_label: Option<String>,
    /// Where it took place, as written.
    #[schema(example = "Hội trường Văn phòng UBND tỉnh")]
    pub location: Option<String>,
    /// What kind of activity it was.
    pub category: Category,
    /// `category` in Vietnamese, as a page shows it.
    #[serde(default)]
    #[schema(required = true, example = "Hội nghị, sơ kết, tổng kết")]
    pub category_label: String,
    /// The unit that organised it (đơn vị tổ chức).
    pub organizer: OrgRef,
    /// The bodies it was done with, each with its role (phối hợp, chủ trì…), in the order given.
    pub partners: Vec<Partner>,
    /// The emulation cluster (cụm thi đua) it counts for, if any.
    pub cluster: Option<ClusterRef>,
    /// Campaign tags ("Tháng Thanh niên"), in the order given.
    pub tags: Vec<TagRef>,
    /// The documents it refers to (kế hoạch, chương trình…), in the order given.
    pub documents: Vec<Document>,
    /// Its photos with their captions, in the order given (the first is the list's `photo`).
    pub photos: Vec<Photo>,
    /// Who wrote it (and their position), as the page signs it.
    #[schema(example = "Hoàng Bích Liên – Bí thư Chi đoàn Văn phòng Tỉnh uỷ")]
    pub byline: Option<String>,
    /// How many people took part, when known.
    #[schema(example = 35)]
    pub participants_count: Option<i64>,
    /// Where it is in publishing: only `published` and `archived` are public.
    pub status: Status,
    /// `status` in Vietnamese ("Đã đăng").
    #[serde(default)]
    #[schema(required = true, example = "Đã đăng")]
    pub status_label: String,
    /// When it is (or, `scheduled`, will be) public. Times are UTC; people are shown them in
    /// Asia/Ho_Chi_Minh (UTC+7).
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật: listed first with `sort=-featured,-published_at`, and by `featured=true`.
    #[serde(default)]
    #[schema(required = true)]
    pub featured: bool,
    /// The moment `featured` ends by itself (null: until changed).
    #[serde(default)]
    pub featured_until: Option<DateTime<Utc>>,
    /// Why a reviewer returned it to its editors (only while it is not public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Id of the user who created it (null: created by the demo, an import or a user since
    /// deleted).
    pub created_by: Option<i64>,
    /// Id of the user who changed it last (null as for `created_by`).
    pub updated_by: Option<i64>,
    /// Its version: 1 when created, one more at each change (the ETag changes with it; send
    /// the ETag back in `If-Match` to change it).
    #[schema(example = 1)]
    pub version: i64,
    /// Where it is in the API.
    #[serde(default)]
    #[schema(required = true)]
    pub links: ActivityLinks,
}

impl Activity {
    /// Fill in what is derived, not stored: the portal `url` and `links` on the base URL of
    /// the request being served, and the labels of the codes (a revision kept before they
    /// existed, or on another base, is shown as today's).
    pub fn derive(mut self) -> Self {
        let urls = ActivityUrls::current();
        self.url = urls.page(&self.slug);
        self.links = ActivityLinks::of(&urls, self.id);
        self.category_label = self.category.label().to_string();
        self.status_label = self.status.label().to_string();
        self.part_of_day_label = self.part_of_day.map(|p| p.label().to_string());
        for p in &mut self.partners {
            p.role_label = p.role.label().to_string();
        }
        self
    }

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
    /// The partner body or unit.
    pub organization: OrgRef,
    /// What it did in the activity.
    pub role: PartnerRole,
    /// `role` in Vietnamese ("Phối hợp").
    #[serde(default)]
    #[schema(required = true, example = "Phối hợp")]
    pub role_label: String,
}

/// A referenced document, with its file when one was uploaded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Document {
    /// The document as the article cites it, e.g. "Chương trình số 28-CT/ĐTN ngày 21/02/2023"; the
    /// fields below are parsed from it.
    pub raw: String,
    /// Its number, parsed from a `n-TYPE/ISSUER[-DEPT]` code in `raw` (`28` of `28-CT/ĐTN`); null
    /// when `raw` has no such code.
    pub number: Option<String>,
    /// Its type code, parsed from `raw` (`CT` of `28-CT/ĐTN`: chương trình; `KH`: kế hoạch…); null
    /// as for `number`.
    pub doc_type: Option<String>,
    /// The issuing body's code, parsed from `raw` (`ĐTN` of `28-CT/ĐTN`); null as for `number`.
    pub issuer: Option<String>,
    /// The issuing department's code, when the code has one (`BTG` of `15-KH/ĐTN-BTG`); else null.
    pub department: Option<String>,
    /// The day it was issued, parsed from "ngày d/m/yyyy" in `raw`; null when there is no such date
    /// or its year is outside 1900–2100.
    pub issued_on: Option<NaiveDate>,
    /// The uploaded file (a PDF of the media library), if any.
    #[serde(default)]
    pub media_id: Option<i64>,
    /// The file's URL (served as an attachment, with range requests).
    #[serde(default)]
    pub url: Option<String>,
    /// The uploaded file's size in bytes (null: no file).
    #[serde(default)]
    pub bytes: Option<i64>,
    /// The uploaded file's media type (null: no file).
    #[serde(default)]
    #[schema(example = "application/pdf")]
    pub content_type: Option<String>,
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
    #[schema(
        pattern = "^(?:[a-z0-9]+(?:-[a-z0-9]+)+|[0-9]*[a-z][a-z0-9]*)$",
        max_length = 100
    )]
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
        max_length = 100,
        pattern = "^(?:[a-z0-9]+(?:-[a-z0-9]+)+|[0-9]*[a-z][a-z0-9]*)$"
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
