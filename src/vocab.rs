//! Every code list of the API, each mapping to and from its stored string one way
//! ([`string_enum!`](crate::string_enum)), and the `{id, slug, name}` references that several
//! resources embed. Above `text`, `error`, `db`, `http` and `auth`; below every resource.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A closed list of codes: the enum, its snake_case JSON form, `ALL`, `as_str` and `parse`.
/// (Exported at the crate root so that `auth::Role`, below this module, is one too.)
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
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
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "doan-khoi-cac-co-quan-tinh-lang-son")]
    pub slug: String,
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
    pub id: i64,
    pub slug: String,
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

impl Category {
    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Category::Volunteering => "Tình nguyện",
            Category::ThematicSession => "Sinh hoạt chuyên đề",
            Category::Conference => "Hội nghị, sơ kết, tổng kết",
            Category::EducationOutreach => "Học tập, tuyên truyền",
            Category::CultureSports => "Văn hóa, văn nghệ, thể thao",
            Category::SocialWelfare => "An sinh xã hội",
            Category::DigitalTransformation => "Chuyển đổi số",
            Category::Innovation => "Tuổi trẻ sáng tạo, khởi nghiệp",
            Category::Environment => "Bảo vệ môi trường",
            Category::Other => "Khác",
        }
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
        Morning = "morning",
        Afternoon = "afternoon",
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
    pub slug: String,
    pub name: String,
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
