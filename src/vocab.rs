//! Every code list of the API, each mapping to and from its stored string one way
//! ([`string_enum!`](crate::string_enum)), and the `{id, slug, name}` references that several
//! resources embed. Above `text`, `error`, `db`, `http` and `auth`; below every resource.

use actix_web::get;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A closed list of codes: the enum, its snake_case JSON form, `ALL`, `as_str` and `parse`.
/// (Exported at the crate root so that `auth::Role`, below this module, is one too.)
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[doc = $vdoc])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            /// Each code with its doc comment (what the spec says of it).
            pub const DOCS: &'static [(&'static str, &'static str)] =
                &[$(($text, concat!($($vdoc, "\n",)* "")),)*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

// --- organizations ----------------------------------------------------------------------------

string_enum! {
    /// What kind of unit an organization is.
    pub enum OrgKind {
        /// Tỉnh đoàn
        ProvincialUnion = "provincial_union",
        /// Đoàn khối (e.g. Đoàn khối các cơ quan tỉnh)
        BlocUnion = "bloc_union",
        /// Huyện đoàn / Thành đoàn
        DistrictUnion = "district_union",
        /// Đoàn cơ sở
        GrassrootsUnion = "grassroots_union",
        /// Chi đoàn cơ sở
        GrassrootsBranch = "grassroots_branch",
        /// Liên chi đoàn
        BranchFederation = "branch_federation",
        /// Chi đoàn
        Branch = "branch",
        /// A partner body that is not a Youth Union unit (trade union, commune, border post…)
        Partner = "partner",
    }
}

/// A reference to another organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OrgRef {
    /// The organization's id (`GET /api/v1/organizations/{id}`).
    #[schema(example = 2)]
    pub id: i64,
    /// Its current slug (the organization's path takes it too; a former slug answers 301 to the
    /// current one).
    #[schema(example = "doan-khoi-cac-co-quan-tinh-lang-son")]
    pub slug: String,
    /// Its full name.
    #[schema(example = "Đoàn khối các cơ quan tỉnh Lạng Sơn")]
    pub name: String,
}

// --- clusters ---------------------------------------------------------------------------------

string_enum! {
    /// A unit's role in a cluster for a year.
    pub enum MemberRole {
        /// Cụm trưởng
        Head = "head",
        /// Cụm phó thường trực
        StandingDeputy = "standing_deputy",
        /// Cụm phó
        Deputy = "deputy",
        /// Thành viên
        Member = "member",
    }
}

string_enum! {
    /// Year-end grade.
    pub enum Grade {
        /// Xuất sắc
        Excellent = "excellent",
        /// Tốt
        Good = "good",
        /// Khá / trung bình
        Average = "average",
        /// Yếu
        Weak = "weak",
    }
}

string_enum! {
    /// Year-end award.
    pub enum Award {
        /// Cờ thi đua — at most one per cluster and year.
        EmulationFlag = "emulation_flag",
        /// Bằng khen
        MeritCertificate = "merit_certificate",
        /// Giấy khen
        Commendation = "commendation",
    }
}

/// A cluster reference.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ClusterRef {
    /// The cluster's id (`GET /api/v1/clusters/{id}`).
    pub id: i64,
    /// Its slug (the cluster's path takes it too; it never changes).
    pub slug: String,
    /// Its name ("Cụm thi đua số 4").
    pub name: String,
}

// --- activities -------------------------------------------------------------------------------
string_enum! {
    /// What kind of activity it was.
    pub enum Category {
        /// Tình nguyện
        Volunteering = "volunteering",
        /// Sinh hoạt chuyên đề
        ThematicSession = "thematic_session",
        /// Hội nghị, sơ kết, tổng kết
        Conference = "conference",
        /// Học tập, tuyên truyền
        EducationOutreach = "education_outreach",
        /// Văn hóa, văn nghệ, thể thao
        CultureSports = "culture_sports",
        /// An sinh xã hội
        SocialWelfare = "social_welfare",
        /// Chuyển đổi số
        DigitalTransformation = "digital_transformation",
        /// Tuổi trẻ sáng tạo, khởi nghiệp
        Innovation = "innovation",
        /// Bảo vệ môi trường
        Environment = "environment",
        /// Khác
        Other = "other",
    }
}

string_enum! {
    /// Where an activity is in its life.
    pub enum Status {
        /// Seen only by those who may edit it.
        Draft = "draft",
        /// Submitted by an editor of a unit that requires review; waits for a reviewer (seen
        /// only by its editors and reviewers).
        PendingReview = "pending_review",
        /// Published with a publication time still ahead (`published_at`): seen only by its
        /// editors and reviewers until then, public everywhere from that moment.
        Scheduled = "scheduled",
        /// Public.
        Published = "published",
        /// Public, but out of the default lists and feeds.
        Archived = "archived",
    }
}

impl Status {
    /// States anyone may see (the others only those who may edit or review the activity).
    pub const PUBLIC: [Status; 2] = [Status::Published, Status::Archived];

    pub fn is_public(self) -> bool {
        Status::PUBLIC.contains(&self)
    }
}

string_enum! {
    /// How precise `occurred_on` is.
    pub enum DatePrecision {
        /// The exact day.
        Day = "day",
        /// Only the month is known; `occurred_on` is its first day.
        Month = "month",
        /// Only the year is known; `occurred_on` is 1 January.
        Year = "year",
    }
}

string_enum! {
    /// Buổi: sáng, chiều, tối.
    pub enum PartOfDay {
        /// Sáng: in the morning.
        Morning = "morning",
        /// Chiều: in the afternoon.
        Afternoon = "afternoon",
        /// Tối: in the evening.
        Evening = "evening",
    }
}

string_enum! {
    /// How a partner took part.
    pub enum PartnerRole {
        /// phối hợp với
        CoOrganizer = "co_organizer",
        /// chủ trì
        Chair = "chair",
        /// đơn vị đăng cai / địa bàn
        Host = "host",
        /// tham gia
        Participant = "participant",
        /// trao tặng cho, hỗ trợ: received what the activity gave
        Beneficiary = "beneficiary",
    }
}

/// A tag.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TagRef {
    /// The tag's slug, made from its name: what the `tag` filter of the activity lists takes.
    pub slug: String,
    /// The tag's name as first written ("Tháng Thanh niên"); a later spelling with the same slug is
    /// the same tag.
    pub name: String,
}

/// Each code's label, in Vietnamese (what the seed page writes) and in English: `label()` and
/// `label_en()`, exhaustive (a new code without labels does not compile).
macro_rules! labelled {
    ($name:ident { $($variant:ident => ($vi:literal, $en:literal),)* }) => {
        impl $name {
            /// The Vietnamese label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $vi,)* }
            }
            /// The English label.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)* }
            }
        }
    };
}

labelled!(OrgKind {
    ProvincialUnion => ("Tỉnh đoàn", "Provincial Youth Union"),
    BlocUnion => ("Đoàn khối", "Bloc Youth Union"),
    DistrictUnion => ("Huyện đoàn, Thành đoàn", "District or city Youth Union"),
    GrassrootsUnion => ("Đoàn cơ sở", "Grassroots Youth Union"),
    GrassrootsBranch => ("Chi đoàn cơ sở", "Grassroots branch"),
    BranchFederation => ("Liên chi đoàn", "Branch federation"),
    Branch => ("Chi đoàn", "Branch"),
    Partner => ("Đơn vị phối hợp", "Partner body"),
});

labelled!(MemberRole {
    Head => ("Cụm trưởng", "Cluster head"),
    StandingDeputy => ("Cụm phó thường trực", "Standing deputy head"),
    Deputy => ("Cụm phó", "Deputy head"),
    Member => ("Thành viên", "Member"),
});

labelled!(Grade {
    Excellent => ("Xuất sắc", "Excellent"),
    Good => ("Tốt", "Good"),
    Average => ("Khá, trung bình", "Fair or average"),
    Weak => ("Yếu", "Weak"),
});

labelled!(Award {
    EmulationFlag => ("Cờ thi đua", "Emulation flag"),
    MeritCertificate => ("Bằng khen", "Certificate of merit"),
    Commendation => ("Giấy khen", "Commendation"),
});

labelled!(Category {
    Volunteering => ("Tình nguyện", "Volunteering"),
    ThematicSession => ("Sinh hoạt chuyên đề", "Thematic session"),
    Conference => ("Hội nghị, sơ kết, tổng kết", "Review conference"),
    EducationOutreach => ("Học tập, tuyên truyền", "Education and outreach"),
    CultureSports => ("Văn hóa, văn nghệ, thể thao", "Culture, arts and sports"),
    SocialWelfare => ("An sinh xã hội", "Social welfare"),
    DigitalTransformation => ("Chuyển đổi số", "Digital transformation"),
    Innovation => ("Tuổi trẻ sáng tạo, khởi nghiệp", "Youth innovation and start-ups"),
    Environment => ("Bảo vệ môi trường", "Environmental protection"),
    Other => ("Khác", "Other"),
});

labelled!(Status {
    Draft => ("Bản nháp", "Draft"),
    PendingReview => ("Chờ duyệt", "Pending review"),
    Scheduled => ("Hẹn giờ đăng", "Scheduled"),
    Published => ("Đã đăng", "Published"),
    Archived => ("Lưu trữ", "Archived"),
});

labelled!(DatePrecision {
    Day => ("Ngày", "Day"),
    Month => ("Tháng", "Month"),
    Year => ("Năm", "Year"),
});

labelled!(PartOfDay {
    Morning => ("Sáng", "Morning"),
    Afternoon => ("Chiều", "Afternoon"),
    Evening => ("Tối", "Evening"),
});

labelled!(PartnerRole {
    CoOrganizer => ("Phối hợp", "Co-organizer"),
    Chair => ("Chủ trì", "Chair"),
    Host => ("Đơn vị đăng cai", "Host"),
    Participant => ("Tham gia", "Participant"),
    Beneficiary => ("Đơn vị nhận hỗ trợ", "Beneficiary"),
});

/// One code and its labels.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Term {
    /// The code, as the API sends and accepts it.
    #[schema(example = "co_organizer")]
    pub code: &'static str,
    /// Its Vietnamese label.
    #[schema(example = "Phối hợp")]
    pub label: &'static str,
    /// Its English label.
    #[schema(example = "Co-organizer")]
    pub label_en: &'static str,
}

/// The code lists of organizations, activities and clusters with their labels, so that no
/// frontend hard-codes Vietnamese.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vocabularies {
    /// `kind` of organizations.
    pub organization_kinds: Vec<Term>,
    /// `role` of a partner of an activity.
    pub partner_roles: Vec<Term>,
    /// `category` of activities.
    pub categories: Vec<Term>,
    /// `status` of activities.
    pub statuses: Vec<Term>,
    /// `date_precision` of an activity's `occurred_on`.
    pub date_precisions: Vec<Term>,
    /// `part_of_day` of an activity.
    pub parts_of_day: Vec<Term>,
    /// `role` of a unit in a cluster's roster.
    pub member_roles: Vec<Term>,
    /// `grade` in a cluster's year-end results.
    pub grades: Vec<Term>,
    /// `award` in a cluster's year-end results.
    pub awards: Vec<Term>,
}

macro_rules! terms {
    ($name:ident) => {
        $name::ALL
            .iter()
            .map(|v| Term {
                code: v.as_str(),
                label: v.label(),
                label_en: v.label_en(),
            })
            .collect()
    };
}

impl Vocabularies {
    pub fn all() -> Self {
        Self {
            organization_kinds: terms!(OrgKind),
            partner_roles: terms!(PartnerRole),
            categories: terms!(Category),
            statuses: terms!(Status),
            date_precisions: terms!(DatePrecision),
            parts_of_day: terms!(PartOfDay),
            member_roles: terms!(MemberRole),
            grades: terms!(Grade),
            awards: terms!(Award),
        }
    }
}

/// The vocabularies, as the rest of the program sees them.
pub const RESOURCE: crate::http::resource::Resource = crate::http::resource::Resource {
    tags: &[(
        "vocabularies",
        "Every code list with its Vietnamese and English labels",
    )],
    api: Some(routes),
    document: Some(document),
    ..crate::http::resource::Resource::NONE
};

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_vocabularies);
}

/// Each code list's schema lists its codes with their labels (`GET /api/v1/vocabularies`
/// serves the same, for programs).
fn document(spec: &mut utoipa::openapi::OpenApi) {
    let vocab = Vocabularies::all();
    let labelled = [
        ("OrgKind", &vocab.organization_kinds),
        ("PartnerRole", &vocab.partner_roles),
        ("Category", &vocab.categories),
        ("Status", &vocab.statuses),
        ("DatePrecision", &vocab.date_precisions),
        ("PartOfDay", &vocab.parts_of_day),
        ("MemberRole", &vocab.member_roles),
        ("Grade", &vocab.grades),
        ("Award", &vocab.awards),
    ];
    for (name, terms) in labelled {
        let codes: Vec<(String, String)> = terms
            .iter()
            .map(|t| (t.code.to_string(), format!("{} ({})", t.label, t.label_en)))
            .collect();
        crate::http::resource::describe_codes(spec, name, "Labels:", &codes);
    }
}

/// Code lists and their labels
///
/// The code lists of organizations, activities and clusters (organization kinds, partner and
/// cluster roles, categories, statuses, date precision, part of day, grades, awards) with each
/// code's Vietnamese and English label. The same for everyone and for as long as this version runs: cache it.
#[utoipa::path(tag = "vocabularies", operation_id = "list_vocabularies",
    responses((status = 200, description = "Every code list", body = Vocabularies,
        headers(("ETag" = String, description = "Validator (If-None-Match → 304)"))),
        (status = 304, description = "Not modified")))]
#[get("/vocabularies")]
pub async fn list_vocabularies(
    req: actix_web::HttpRequest,
) -> crate::error::ApiResult<actix_web::HttpResponse> {
    crate::http::etag::json_response(
        &req,
        actix_web::http::StatusCode::OK,
        &Vocabularies::all(),
        |_| {},
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(as_str(*v)), Some(*v));
                assert_eq!(serde_json::to_value(v).unwrap(), as_str(*v));
            }
        }
        check(OrgKind::ALL, OrgKind::as_str, OrgKind::parse);
        check(MemberRole::ALL, MemberRole::as_str, MemberRole::parse);
        check(Grade::ALL, Grade::as_str, Grade::parse);
        check(Award::ALL, Award::as_str, Award::parse);
        check(Category::ALL, Category::as_str, Category::parse);
        check(Status::ALL, Status::as_str, Status::parse);
        check(
            DatePrecision::ALL,
            DatePrecision::as_str,
            DatePrecision::parse,
        );
        check(PartOfDay::ALL, PartOfDay::as_str, PartOfDay::parse);
        check(PartnerRole::ALL, PartnerRole::as_str, PartnerRole::parse);
    }
}
