//! The lines of an export (NDJSON: one JSON object per line, `type` first): units, clusters
//! with their rosters and results, activities with partners, tags, documents, photos and
//! optionally their revisions. References between them are slugs, so a file can be read by
//! people and written by another system; `external_id` names each line for a second import.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::activities::dto::{Category, DatePrecision, PartOfDay, PartnerRole, Status};
use crate::clusters::dto::{Award, Grade, MemberRole};
use crate::vocab::OrgKind;

/// One line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Organization(OrganizationRecord),
    Cluster(ClusterRecord),
    Media(MediaRecord),
    Activity(ActivityRecord),
}

/// A photo: an uploaded one names its medium's line (`media`, its `external_id`) and keeps its
/// file's URL (a database whose library has that file, and not the line, uses it again); an
/// external image its `url`; or a caption alone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PhotoRecord {
    /// An uploaded photo: the `external_id` of its medium's line (`media/12`), in this file or
    /// imported before (else the line is refused).
    #[serde(default)]
    pub media: Option<String>,
    /// The picture's URL: an external image's, or an uploaded photo's file
    /// (`…/media/{sha256}.jpg`). Without `media`, a medium of this library with that file is used
    /// again.
    #[serde(default)]
    pub url: Option<String>,
    /// Text in place of the picture.
    #[serde(default)]
    pub alt: Option<String>,
    /// The activity's caption for it; a photo with neither `media` nor `url` is a caption alone.
    #[serde(default)]
    pub caption: Option<String>,
    /// Who took the photo or holds its rights.
    #[serde(default)]
    pub credit: Option<String>,
}

/// A referenced document: its title as written, or the title with its uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(untagged)]
pub enum DocumentRecord {
    Title(String),
    WithFile {
        /// The document's title as written ("Chương trình số 28-CT/ĐTN ngày 21/02/2023");
        /// number, type, issuer and date are parsed from it again on import.
        raw: String,
        /// The `external_id` of the medium's line.
        #[serde(default)]
        media: Option<String>,
    },
}

impl DocumentRecord {
    pub fn raw(&self) -> &str {
        match self {
            Self::Title(raw) | Self::WithFile { raw, .. } => raw,
        }
    }

    pub fn media(&self) -> Option<&str> {
        match self {
            Self::Title(_) => None,
            Self::WithFile { media, .. } => media.as_deref(),
        }
    }
}

pub use crate::media::dto::MediaRecord;

/// A unit. `parent` and `successor` are slugs (of units in the file or already stored).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecord {
    /// This line's stable name: an import finds the row it made from it again.
    #[schema(example = "organizations/2")]
    pub external_id: String,
    /// The id it had; kept on import when it is free.
    pub id: i64,
    /// The unit's slug, kept on import: the other lines name the unit by it (`parent`, `bloc`,
    /// `organizer`…).
    pub slug: String,
    /// Full name ("Chi đoàn Sở Giao thông vận tải").
    pub name: String,
    /// Short name ("CĐ Sở GTVT").
    #[serde(default)]
    pub short_name: Option<String>,
    /// Its level in the Youth Union hierarchy, or `partner` for a body outside it.
    pub kind: OrgKind,
    /// Slug of the unit directly above (in the file or already stored); null at the top.
    #[serde(default)]
    pub parent: Option<String>,
    /// Bí thư (secretary).
    #[serde(default)]
    pub secretary_name: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// Phone number, as written.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Website URL.
    #[serde(default)]
    pub website: Option<String>,
    /// The day it was founded (YYYY-MM-DD).
    #[serde(default)]
    pub established_on: Option<NaiveDate>,
    /// The day it was dissolved or merged (YYYY-MM-DD); null while it is active.
    #[serde(default)]
    pub dissolved_on: Option<NaiveDate>,
    /// Slug of the unit that took over after a merger.
    #[serde(default)]
    pub successor: Option<String>,
    /// Duyệt tin: its news and that of the units below wait for a reviewer before they are public.
    /// Default false.
    #[serde(default)]
    pub requires_review: bool,
    /// When it was created (UTC, RFC 3339); kept on import.
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC, RFC 3339); kept on import.
    pub updated_at: DateTime<Utc>,
    /// Its version (default 1); kept on import.
    #[serde(default = "one")]
    pub version: i64,
}

fn one() -> i64 {
    1
}

/// A roster member of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    /// The roster's year (1900 to 2100).
    pub year: i32,
    /// The unit's slug.
    pub organization: String,
    /// Its role in the cluster that year (cụm trưởng, cụm phó…).
    pub role: MemberRole,
}

/// A member's result of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRecord {
    /// The year reviewed (1900 to 2100).
    pub year: i32,
    /// The unit's slug.
    pub organization: String,
    /// Points the unit gave itself at the year-end vote (bình xét); the API takes 0 to 1000.
    #[serde(default)]
    pub self_score: Option<f64>,
    /// Points the cluster agreed on; the API takes 0 to 1000.
    #[serde(default)]
    pub agreed_score: Option<f64>,
    /// Year-end grade.
    #[serde(default)]
    pub grade: Option<Grade>,
    /// Year-end award, if any (at most one Cờ thi đua per cluster and year).
    #[serde(default)]
    pub award: Option<Award>,
    /// Remarks on the review (the API takes at most 1000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// An emulation cluster with its rosters and results. `bloc` is a slug.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    /// This line's stable name (`clusters/{id}` in an export): an import finds the cluster it made
    /// from it again.
    pub external_id: String,
    /// The id it had; kept on import when it is free.
    pub id: i64,
    /// The cluster's slug, kept on import: activity lines name the cluster by it.
    pub slug: String,
    /// Its name ("Cụm thi đua số 4").
    pub name: String,
    /// Its number, 1 to 1000, unique within the bloc.
    pub number: i64,
    /// Slug of the unit whose clusters it is one of (the Đoàn khối).
    pub bloc: String,
    /// What the cluster is about (the API takes at most 2000 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is still in use (what `GET /api/v1/clusters?active=` filters on). Default true.
    #[serde(default = "yes")]
    pub active: bool,
    /// When it was created (UTC, RFC 3339); kept on import.
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC, RFC 3339); kept on import.
    pub updated_at: DateTime<Utc>,
    /// Its version (default 1); kept on import.
    #[serde(default = "one")]
    pub version: i64,
    /// Its rosters, every year: an import replaces the stored ones with these.
    #[serde(default)]
    pub members: Vec<MemberRecord>,
    /// Its year-end results, every year: an import replaces the stored ones with these.
    #[serde(default)]
    pub results: Vec<ResultRecord>,
}

fn yes() -> bool {
    true
}

/// A partner by slug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerRecord {
    /// Slug of the partner unit or body.
    pub organization: String,
    /// What it did in the activity (phối hợp, chủ trì…).
    pub role: PartnerRole,
}

/// A saved state of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionRecord {
    /// The activity's version this state was saved as (1 to the activity's `version`).
    pub version: i64,
    /// The activity's representation at that version (as `GET /activities/{id}` gave it).
    #[schema(value_type = crate::activities::dto::Activity)]
    pub state: serde_json::Value,
    /// Username of whoever saved it (null: the clock, or an import).
    #[serde(default)]
    pub changed_by: Option<String>,
    /// When it was saved (UTC, RFC 3339).
    pub changed_at: DateTime<Utc>,
    /// What the server noted about this version ("restored from version 3", "returned: …",
    /// "imported"); null for an ordinary edit.
    #[serde(default)]
    pub note: Option<String>,
}

/// An activity, every field as stored: its original times, slug, status (`scheduled` and
/// `pending_review` kept), the trash (`deleted_at`). `organizer`, `partners` and `cluster`
/// are slugs; `created_by`/`updated_by` are kept when the target has such a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecord {
    /// This line's stable name (`activities/{id}` in an export): an import finds the activity it
    /// made from it again.
    pub external_id: String,
    /// The id it had; kept on import when it is free.
    pub id: i64,
    /// Its slug, kept on import (one another stored activity has or had is refused).
    pub slug: String,
    /// The headline.
    pub title: String,
    /// The lead paragraph (plain text).
    #[serde(default)]
    pub summary: Option<String>,
    /// The article, in Markdown.
    #[serde(default)]
    pub body: Option<String>,
    /// When it took place: its first day (the 1st of the month, or of January, with a coarser
    /// `date_precision`).
    pub occurred_on: NaiveDate,
    /// How much of `occurred_on` is known. Default `day`.
    #[serde(default = "day")]
    pub date_precision: DatePrecision,
    /// The last day of an activity over several days.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// Morning, afternoon or evening, when the source says.
    #[serde(default)]
    pub part_of_day: Option<PartOfDay>,
    /// Where it took place, as written.
    #[serde(default)]
    pub location: Option<String>,
    /// What kind of activity it was.
    pub category: Category,
    /// Slug of the unit that organised it.
    pub organizer: String,
    /// The bodies it was done with, each by slug with its role, in order.
    #[serde(default)]
    pub partners: Vec<PartnerRecord>,
    /// Slug of the emulation cluster (cụm thi đua) it counts for.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Campaign tags by name ("Tháng Thanh niên"), in order; unknown ones are created.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A title, or a title with its uploaded file (`{"raw": …, "media": "media/3"}`).
    #[serde(default)]
    pub documents: Vec<DocumentRecord>,
    /// Its photos, in order.
    #[serde(default)]
    pub photos: Vec<PhotoRecord>,
    /// Who wrote it, as the page signs it.
    #[serde(default)]
    pub byline: Option<String>,
    /// How many people took part, when known.
    #[serde(default)]
    pub participants_count: Option<i64>,
    /// Its status as stored: `scheduled` and `pending_review` are kept.
    pub status: Status,
    /// When it is (or, `scheduled`, will be) public (UTC, RFC 3339); required for `published`,
    /// `scheduled` and `archived`.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Tin nổi bật. Default false.
    #[serde(default)]
    pub featured: bool,
    /// When `featured` ends by itself (UTC, RFC 3339); needs `featured: true`.
    #[serde(default)]
    pub featured_until: Option<DateTime<Utc>>,
    /// Why a reviewer returned it to its editors (at most 2000 characters).
    #[serde(default)]
    pub review_comment: Option<String>,
    /// When it was moved to the trash (UTC, RFC 3339); null when it is not in the trash.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// When it was created (UTC, RFC 3339); kept on import.
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC, RFC 3339); kept on import.
    pub updated_at: DateTime<Utc>,
    /// Id of the user who created it; an import keeps it only when the target database has a user
    /// with that id (else null).
    #[serde(default)]
    pub created_by: Option<i64>,
    /// Id of the user who changed it last; kept as `created_by` is.
    #[serde(default)]
    pub updated_by: Option<i64>,
    /// Its version (default 1), kept on import; `revisions` lie between 1 and it.
    #[serde(default = "one")]
    pub version: i64,
    /// Absent: the import keeps one revision, of the imported state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<RevisionRecord>>,
}

fn day() -> DatePrecision {
    DatePrecision::Day
}
