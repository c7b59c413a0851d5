//! Activity representations — what the API sends (the code lists are in `vocab`); what
//! clients send is in [`write`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::media::dto::{absolute_file_url, relative_file_url, srcset_on};

pub use super::fields::*;
pub use super::params::*;
pub use crate::context::Site;

mod write;

pub use crate::vocab::{
    Category, ClusterRef, DatePrecision, OrgRef, PartOfDay, PartnerRole, Status, TagRef,
};
pub use write::*;

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
    /// The links of activity `id` on `site`.
    pub fn of(site: &Site, id: i64) -> Self {
        Self {
            self_: site.api(id),
        }
    }
}

impl Photo {
    /// As sent: an uploaded photo's file URLs (paths from the root, as the repository gives
    /// them) on `base`; an external image's `url` as it was given.
    pub fn linked(mut self, base: &str) -> Self {
        if self.media_id.is_none() {
            return self;
        }
        let on_base = |u: Option<String>| u.map(|u| format!("{base}{u}"));
        self.url = on_base(self.url);
        self.src = on_base(self.src);
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

impl ActivitySummary {
    /// As sent: its `url` and `links` on `site`, its photo's files on the base URL (the
    /// repository gives paths and ids).
    pub fn linked(mut self, site: &Site) -> Self {
        self.url = site.page(&self.slug);
        self.links = ActivityLinks::of(site, self.id);
        self.photo = self.photo.map(|p| p.linked(site.base()));
        self
    }
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
    /// Fill in the labels of the codes, derived, not stored (a revision kept before they
    /// existed is shown with today's). URLs are the edge's: [`Activity::linked`].
    pub fn derive(mut self) -> Self {
        self.category_label = self.category.label().to_string();
        self.status_label = self.status.label().to_string();
        self.part_of_day_label = self.part_of_day.map(|p| p.label().to_string());
        for p in &mut self.partners {
            p.role_label = p.role.label().to_string();
        }
        self
    }

    /// As sent: `url` and `links` on `site`, the files of its uploaded photos and documents
    /// (paths from the root, as the repository gives them) on its base URL.
    pub fn linked(mut self, site: &Site) -> Self {
        self.link_pages(site);
        let base = site.base();
        self.photos = self.photos.into_iter().map(|p| p.linked(base)).collect();
        for d in &mut self.documents {
            if d.media_id.is_some() {
                d.url = d.url.take().map(|u| format!("{base}{u}"));
            }
        }
        self
    }

    /// What a revision keeps of it, written for a reader of `site`: as that reader is shown it,
    /// its file URLs on that base back to paths from the root (whoever reads the revision sees
    /// them on its own base: [`Revision::linked`]).
    pub fn kept(&self, site: &Site) -> Self {
        let mut kept = self.clone().linked(site);
        kept.map_file_urls_where(true, &|url| relative_file_url(site.base(), url));
        kept
    }

    /// `url` and `links` on `site`, from the slug and the id.
    fn link_pages(&mut self, site: &Site) {
        self.url = site.page(&self.slug);
        self.links = ActivityLinks::of(site, self.id);
    }

    /// Pass every file URL of its photos and documents through `f` (a `srcset`'s candidates
    /// one by one): revisions keep them as paths from the root, shown on the reader's base.
    pub fn map_file_urls(&mut self, f: &dyn Fn(&str) -> String) {
        self.map_file_urls_where(false, f);
    }

    /// [`Self::map_file_urls`], of uploaded files only when `uploaded_only` (a photo or document
    /// given by URL stays the URL given, even one on this server).
    fn map_file_urls_where(&mut self, uploaded_only: bool, f: &dyn Fn(&str) -> String) {
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
            if uploaded_only && p.media_id.is_none() {
                continue;
            }
            one(&mut p.url);
            one(&mut p.src);
            set(&mut p.srcset);
            set(&mut p.webp_srcset);
            for r in p.renditions.iter_mut().chain(p.thumbnail.as_mut()) {
                r.src = f(&r.src);
            }
        }
        for d in &mut self.documents {
            if uploaded_only && d.media_id.is_none() {
                continue;
            }
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

impl Revision {
    /// As sent: the state's `url` and `links` on `site`, and its file URLs kept as paths from
    /// the root on the base URL.
    pub fn linked(mut self, site: &Site) -> Self {
        self.state
            .map_file_urls(&|url| absolute_file_url(site.base(), url));
        self.state.link_pages(site);
        self
    }
}
