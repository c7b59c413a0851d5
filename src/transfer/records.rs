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
    #[serde(default)]
    pub media: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
}

/// A referenced document: its title as written, or the title with its uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(untagged)]
pub enum DocumentRecord {
    Title(String),
    WithFile {
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

/// An upload of the media library: its description and its files' names. The files themselves
/// are not in the export: copy the media folder along (the names are the contents' SHA-256,
/// so copies never clash). Activities name an uploaded photo by its file's URL.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRecord {
    #[schema(example = "media/12")]
    pub external_id: String,
    pub kind: crate::media::dto::MediaKind,
    /// The unit it belongs to (slug).
    pub organization: String,
    pub content_type: String,
    /// `{sha256}.{ext}`: the original; an import finds a medium by it.
    pub file: String,
    #[serde(default)]
    pub file_name: Option<String>,
    pub bytes: i64,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub blurhash: Option<String>,
    /// Every file: the original, the renditions, the thumbnail.
    #[schema(value_type = Vec<Object>)]
    pub files: Vec<crate::media::repo::FileEntry>,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A unit. `parent` and `successor` are slugs (of units in the file or already stored).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRecord {
    /// This line's stable name: an import finds the row it made from it again.
    #[schema(example = "organizations/2")]
    pub external_id: String,
    /// The id it had; kept on import when it is free.
    pub id: i64,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    pub kind: OrgKind,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub secretary_name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub established_on: Option<NaiveDate>,
    #[serde(default)]
    pub dissolved_on: Option<NaiveDate>,
    #[serde(default)]
    pub successor: Option<String>,
    #[serde(default)]
    pub requires_review: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    pub year: i32,
    /// The unit's slug.
    pub organization: String,
    pub role: MemberRole,
}

/// A member's result of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRecord {
    pub year: i32,
    pub organization: String,
    #[serde(default)]
    pub self_score: Option<f64>,
    #[serde(default)]
    pub agreed_score: Option<f64>,
    #[serde(default)]
    pub grade: Option<Grade>,
    #[serde(default)]
    pub award: Option<Award>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An emulation cluster with its rosters and results. `bloc` is a slug.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    pub external_id: String,
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub number: i64,
    pub bloc: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default = "one")]
    pub version: i64,
    #[serde(default)]
    pub members: Vec<MemberRecord>,
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
    pub organization: String,
    pub role: PartnerRole,
}

/// A saved state of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionRecord {
    pub version: i64,
    /// The activity's representation at that version.
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    #[serde(default)]
    pub changed_by: Option<String>,
    pub changed_at: DateTime<Utc>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An activity, every field as stored: its original times, slug, status (`scheduled` and
/// `pending_review` kept), the trash (`deleted_at`). `organizer`, `partners` and `cluster`
/// are slugs; `created_by`/`updated_by` are kept when the target has such a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRecord {
    pub external_id: String,
    pub id: i64,
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub occurred_on: NaiveDate,
    #[serde(default = "day")]
    pub date_precision: DatePrecision,
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub part_of_day: Option<PartOfDay>,
    #[serde(default)]
    pub location: Option<String>,
    pub category: Category,
    pub organizer: String,
    #[serde(default)]
    pub partners: Vec<PartnerRecord>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// A title, or a title with its uploaded file (`{"raw": …, "media": "media/3"}`).
    #[serde(default)]
    pub documents: Vec<DocumentRecord>,
    #[serde(default)]
    pub photos: Vec<PhotoRecord>,
    #[serde(default)]
    pub byline: Option<String>,
    #[serde(default)]
    pub participants_count: Option<i64>,
    pub status: Status,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub featured: bool,
    #[serde(default)]
    pub featured_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub review_comment: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub created_by: Option<i64>,
    #[serde(default)]
    pub updated_by: Option<i64>,
    #[serde(default = "one")]
    pub version: i64,
    /// Absent: the import keeps one revision, of the imported state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<RevisionRecord>>,
}

fn day() -> DatePrecision {
    DatePrecision::Day
}
