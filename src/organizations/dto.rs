//! Organization request/response types and their validation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::http::body::{BodySchema, Patch};
use crate::http::links::FeedLinks;
use crate::http::query::{de_bool, de_list, de_nonempty};
use crate::list_query;
use crate::text;
pub use crate::vocab::{OrgKind, OrgRef};

/// An organization: a Youth Union unit or a partner body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    /// Identifier of the unit (stable; the slug may change, the id does not).
    #[schema(example = 6)]
    pub id: i64,
    /// URL-safe identifier, generated from the name on create; never changes on rename, only
    /// when set (the old one keeps resolving).
    #[schema(example = "chi-doan-so-giao-thong-van-tai")]
    pub slug: String,
    /// The full name, as written (1–200 characters).
    #[schema(example = "Chi đoàn Sở Giao thông vận tải")]
    pub name: String,
    /// The abbreviated name, as the unit writes it (null: none).
    #[schema(example = "CĐ Sở GTVT")]
    pub short_name: Option<String>,
    /// What kind of unit it is: a level of the Youth Union hierarchy, or `partner` for a body
    /// outside it. The kind does not constrain the parent's kind.
    pub kind: OrgKind,
    /// `kind` in Vietnamese ("Chi đoàn", "Đoàn cơ sở"…).
    #[schema(example = "Chi đoàn")]
    pub kind_label: String,
    /// The unit directly above.
    #[schema(example = 2)]
    pub parent_id: Option<i64>,
    /// Bí thư (secretary).
    #[schema(example = "Hoàng Bích Liên")]
    pub secretary_name: Option<String>,
    /// Postal address, as written (null: none).
    #[schema(example = "Số 1 đường Hùng Vương, thành phố Lạng Sơn")]
    pub address: Option<String>,
    /// Contact phone number, as written: digits, spaces and `+ ( ) . -` (null: none).
    #[schema(example = "0205 3812 345")]
    pub phone: Option<String>,
    /// Contact e-mail address (null: none).
    #[schema(example = "chidoan.sgtvt@langson.gov.vn")]
    pub email: Option<String>,
    /// The unit's website: an absolute http(s) URL (null: none).
    #[schema(example = "https://sogtvt.langson.gov.vn")]
    pub website: Option<String>,
    /// The day the unit was founded (null: not known).
    pub established_on: Option<NaiveDate>,
    /// Set when the unit was dissolved or merged (see `successor_id`).
    pub dissolved_on: Option<NaiveDate>,
    /// The unit that took over after a merger.
    pub successor_id: Option<i64>,
    /// Read-only: true while `dissolved_on` is null.
    pub active: bool,
    /// Duyệt tin: the news of this unit and of every unit below it waits for a reviewer
    /// before it is public (an editor's `published` becomes `pending_review`).
    pub requires_review: bool,
    /// When the record was created (UTC).
    pub created_at: DateTime<Utc>,
    /// Its last change (UTC).
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change.
    #[schema(example = 1)]
    pub version: i64,
    /// Feeds of the activities the unit organized or took part in.
    pub feeds: FeedLinks,
}

/// An organization with its place in the hierarchy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationDetail {
    /// Every field of the organization itself, flattened into this object.
    #[serde(flatten)]
    pub organization: Organization,
    /// The unit directly above.
    pub parent: Option<OrgRef>,
    /// Breadcrumbs: every unit above, the top first.
    pub ancestors: Vec<OrgRef>,
    /// Number of units directly below.
    #[schema(example = 7)]
    pub children_count: i64,
    /// Read-only: whether this unit's news is reviewed — `requires_review` on it or on a unit
    /// above it.
    pub review_required: bool,
}

/// Body of `POST /organizations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Chi đoàn Sở Giao thông vận tải",
    "short_name": "CĐ Sở GTVT",
    "kind": "grassroots_branch",
    "parent_id": 2
}))]
pub struct CreateOrganization {
    /// Optional explicit slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 100 characters, not all digits); a taken one is a 409.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    /// The full name, e.g. "Chi đoàn Sở Giao thông vận tải" (1–200 characters once trimmed); the
    /// slug is made from it unless `slug` is given.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The abbreviated name, e.g. "CĐ Sở GTVT" (at most 100 characters); empty: none.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub short_name: Option<String>,
    /// What kind of unit it is (codes and labels: `organization_kinds` of
    /// `GET /api/v1/vocabularies`); it does not constrain the parent.
    pub kind: OrgKind,
    /// The unit directly above: an existing organization (422 otherwise). Null or absent: a
    /// top-level unit.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// The name of the Bí thư (secretary), at most 100 characters; empty: none. Searched by `q`.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub secretary_name: Option<String>,
    /// Postal address, as written (at most 300 characters); empty: none.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// Contact phone number: digits, spaces and `+ ( ) . -` only, at least 3 digits, at most 30
    /// characters (422 otherwise); empty: none.
    #[serde(default)]
    #[schema(pattern = "^(|[0-9 +().-]{3,30})$", max_length = 30)]
    pub phone: Option<String>,
    /// Contact e-mail address (`local@domain`, the domain with a dot; no spaces or commas; at most
    /// 254 characters; 422 otherwise); empty: none.
    #[serde(default)]
    #[schema(pattern = "^(|[^@\\s]+@[^@\\s]+\\.[^@\\s]+)$", max_length = 254)]
    pub email: Option<String>,
    /// The unit's website: an absolute http(s) URL with a host, at most 500 characters (422
    /// otherwise); empty: none.
    #[serde(default)]
    #[schema(pattern = "^(|https?://[^\\s/]+.*)$", max_length = 500)]
    pub website: Option<String>,
    /// The day the unit was founded (`YYYY-MM-DD`, year 1900–2100).
    #[serde(default)]
    pub established_on: Option<NaiveDate>,
    /// The day the unit was dissolved or merged (year 1900–2100, not before `established_on`); once
    /// set, the unit is no longer `active`.
    #[serde(default)]
    pub dissolved_on: Option<NaiveDate>,
    /// The unit that took over after a merger: an existing organization (422 otherwise); only with
    /// `dissolved_on`.
    #[serde(default)]
    pub successor_id: Option<i64>,
    /// Default false.
    #[serde(default)]
    pub requires_review: Option<bool>,
}

/// Body of `PATCH /organizations/{id}`: a JSON merge patch — an absent field is unchanged,
/// `null` clears it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"secretary_name": "Hoàng Bích Liên", "phone": null}))]
pub struct UpdateOrganization {
    /// A new slug (`^[a-z0-9]+(-[a-z0-9]+)*$`, at most 100 characters, not all digits; not
    /// taken now or before by another unit; 409 if it is). The old one keeps resolving: a GET
    /// by it answers 301 to the current one, filters and feeds accept it. Cannot be null.
    #[serde(default)]
    #[schema(
        value_type = String,
        required = false,
        min_length = 1,
        max_length = 100
    )]
    pub slug: Patch<String>,
    /// Cannot be null.
    #[serde(default)]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 200)]
    pub name: Patch<String>,
    /// A new abbreviated name (at most 100 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub short_name: Patch<String>,
    /// Cannot be null.
    #[serde(default)]
    #[schema(value_type = OrgKind, required = false)]
    pub kind: Patch<OrgKind>,
    /// A new unit directly above: an existing organization that is neither this unit nor one below
    /// it (422 otherwise); null makes it a top-level unit.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Patch<i64>,
    /// A new Bí thư (secretary) name (at most 100 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub secretary_name: Patch<String>,
    /// A new postal address (at most 300 characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub address: Patch<String>,
    /// A new phone number (digits, spaces and `+ ( ) . -` only, at least 3 digits, at most 30
    /// characters); null or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(|[0-9 +().-]{3,30})$", max_length = 30)]
    pub phone: Patch<String>,
    /// A new e-mail address (`local@domain`, the domain with a dot; at most 254 characters); null
    /// or an empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(|[^@\\s]+@[^@\\s]+\\.[^@\\s]+)$", max_length = 254)]
    pub email: Patch<String>,
    /// A new website (an absolute http(s) URL with a host, at most 500 characters); null or an
    /// empty string clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(|https?://[^\\s/]+.*)$", max_length = 500)]
    pub website: Patch<String>,
    /// A new founding day (year 1900–2100, not after `dissolved_on`); null clears it.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub established_on: Patch<NaiveDate>,
    /// The day the unit was dissolved or merged (year 1900–2100, not before `established_on`): the
    /// unit is no longer `active`. Null: active again (only if it has no `successor_id`, or the
    /// patch clears it too).
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub dissolved_on: Patch<NaiveDate>,
    /// The unit that took over after a merger: an existing organization other than this one, only
    /// for a unit with `dissolved_on` (given or stored); null clears it.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub successor_id: Patch<i64>,
    /// Duyệt tin: `true` makes the news of this unit and of every unit below it wait for a reviewer
    /// before it is public; `false` stops that (a unit above may still require it). Cannot be null.
    #[serde(default)]
    #[schema(value_type = bool, required = false)]
    pub requires_review: Patch<bool>,
}

const READ_ONLY: &[&str] = &[
    "id",
    "active",
    "created_at",
    "updated_at",
    "version",
    "parent",
    "ancestors",
    "children_count",
];

/// Create has no precondition to come first, so every rule — formats, references, dates — is
/// checked together in the repository and reported in one 422.
impl BodySchema for CreateOrganization {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
}

impl BodySchema for UpdateOrganization {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "active",
        "created_at",
        "updated_at",
        "version",
        "parent",
        "ancestors",
        "children_count",
    ];

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if matches!(self.name, Patch::Null) {
            errors.push(FieldError::new("/name", "cannot be null"));
        }
        if matches!(self.slug, Patch::Null) {
            errors.push(FieldError::new("/slug", "cannot be null"));
        }
        if matches!(self.requires_review, Patch::Null) {
            errors.push(FieldError::new("/requires_review", "cannot be null"));
        }
        if matches!(self.kind, Patch::Null) {
            errors.push(FieldError::new("/kind", "cannot be null"));
        }
        // Each text field on its own, so a bad value is a 422 before any If-Match check.
        let texts = [
            ("name", &self.name),
            ("short_name", &self.short_name),
            ("secretary_name", &self.secretary_name),
            ("address", &self.address),
            ("phone", &self.phone),
            ("email", &self.email),
            ("website", &self.website),
        ];
        for (field, patch) in texts {
            if let Patch::Value(v) = patch {
                let cleaned = text::clean(v);
                if cleaned.is_empty() && field != "name" {
                    continue;
                }
                errors.extend(text_rule(field, &cleaned));
            }
        }
        errors
    }
}

/// The writable fields of an organization, cleaned: what a create or a patch produces.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationFields {
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    pub secretary_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub successor_id: Option<i64>,
    pub requires_review: bool,
}

impl OrganizationFields {
    /// A unit with only a name, a kind and a parent (demo and seed data fill in the rest).
    pub fn named(name: String, kind: OrgKind, parent_id: Option<i64>) -> Self {
        Self {
            name,
            short_name: None,
            kind,
            parent_id,
            secretary_name: None,
            address: None,
            phone: None,
            email: None,
            website: None,
            established_on: None,
            dissolved_on: None,
            successor_id: None,
            requires_review: false,
        }
    }

    pub fn from_create(c: &CreateOrganization) -> Self {
        Self {
            name: text::clean(&c.name),
            short_name: text::clean_opt(c.short_name.as_deref()),
            kind: c.kind,
            parent_id: c.parent_id,
            secretary_name: text::clean_opt(c.secretary_name.as_deref()),
            address: text::clean_opt(c.address.as_deref()),
            phone: text::clean_opt(c.phone.as_deref()),
            email: text::clean_opt(c.email.as_deref()),
            website: text::clean_opt(c.website.as_deref()),
            established_on: c.established_on,
            dissolved_on: c.dissolved_on,
            successor_id: c.successor_id,
            requires_review: c.requires_review.unwrap_or(false),
        }
    }

    /// Apply a merge patch.
    pub fn patched(mut self, p: UpdateOrganization) -> Self {
        let text_patch = |patch: Patch<String>, current: Option<String>| match patch {
            Patch::Absent => current,
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        if let Patch::Value(name) = p.name {
            self.name = text::clean(&name);
        }
        if let Patch::Value(kind) = p.kind {
            self.kind = kind;
        }
        self.short_name = text_patch(p.short_name, self.short_name);
        self.secretary_name = text_patch(p.secretary_name, self.secretary_name);
        self.address = text_patch(p.address, self.address);
        self.phone = text_patch(p.phone, self.phone);
        self.email = text_patch(p.email, self.email);
        self.website = text_patch(p.website, self.website);
        self.parent_id = p.parent_id.apply_to(self.parent_id);
        self.established_on = p.established_on.apply_to(self.established_on);
        self.dissolved_on = p.dissolved_on.apply_to(self.dissolved_on);
        self.successor_id = p.successor_id.apply_to(self.successor_id);
        if let Patch::Value(v) = p.requires_review {
            self.requires_review = v;
        }
        self
    }

    /// Rules that need no database; every broken one is returned.
    pub fn validate(&self) -> Vec<FieldError> {
        let texts = [
            ("name", Some(self.name.as_str())),
            ("short_name", self.short_name.as_deref()),
            ("secretary_name", self.secretary_name.as_deref()),
            ("address", self.address.as_deref()),
            ("phone", self.phone.as_deref()),
            ("email", self.email.as_deref()),
            ("website", self.website.as_deref()),
        ];
        let mut errors: Vec<FieldError> = texts
            .into_iter()
            .filter_map(|(field, value)| value.and_then(|v| text_rule(field, v)))
            .collect();
        let days = [
            ("/established_on", self.established_on),
            ("/dissolved_on", self.dissolved_on),
        ];
        for (field, day) in days {
            if let Some(why) = day.and_then(crate::http::dates::day_problem) {
                errors.push(FieldError::new(field, why));
            }
        }
        if let (Some(from), Some(to)) = (self.established_on, self.dissolved_on) {
            if to < from {
                errors.push(FieldError::new(
                    "/dissolved_on",
                    "must not be before established_on",
                ));
            }
        }
        if self.successor_id.is_some() && self.dissolved_on.is_none() {
            errors.push(FieldError::new(
                "/successor_id",
                "needs dissolved_on: only a dissolved unit has a successor",
            ));
        }
        errors
    }
}

/// The rule of one text field (length, and format for phone, e-mail and website), on its
/// cleaned value. Used on create, on each field of a patch, and on the merged result.
pub fn text_rule(field: &str, value: &str) -> Option<FieldError> {
    let max = match field {
        "name" => 200,
        "short_name" | "secretary_name" => 100,
        "address" => 300,
        "phone" => 30,
        "email" => 254,
        _ => 500,
    };
    let error = |message: &str| Some(FieldError::new(format!("/{field}"), message));
    if field == "name" && value.is_empty() {
        return error("must not be empty");
    }
    if value.chars().count() > max {
        return error(&format!("must be at most {max} characters"));
    }
    let ok = match field {
        "phone" => {
            value.chars().filter(char::is_ascii_digit).count() >= 3
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +().-".contains(c))
        }
        "email" => value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c == ',')
                && !domain.contains('@')
        }),
        "website" => url::Url::parse(value)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()),
        _ => true,
    };
    match (ok, field) {
        (true, _) => None,
        (false, "phone") => error("must be a phone number: digits, spaces and + ( ) . - only"),
        (false, "email") => error("must be an email address"),
        _ => error("must be an absolute http(s) URL"),
    }
}

list_query! {
    /// Query of `GET /organizations`.
    pub struct ListOrganizationsQuery {
        sort_doc: "Comma-separated sort fields, `-` for descending; the id breaks ties. Allowed: `name` (Vietnamese order), `created_at`, `updated_at`. Default: `name`.",
        default_sort: "name",
        lists: ["kind"],
        /// Only these kinds (comma-separated).
        #[serde(default, deserialize_with = "de_list")]
        #[param(value_type = Option<Vec<OrgKind>>, style = Form, explode = false)]
        pub kind: Option<Vec<OrgKind>>,
        /// Full-text search over name, short name and secretary: case, diacritics and tone-mark
        /// placement are ignored (`giao thong` finds "Giao thông", `doan` finds "Đoàn"); words
        /// are ANDed, each a whole word, the last also a prefix; a double-quoted phrase matches
        /// its words in that order.
        #[serde(default)]
        #[param(example = "giao thong")]
        pub q: Option<String>,
        /// Only the units directly below this one (id or slug); with `include_descendants=true`,
        /// every unit below it at any depth.

        #[serde(default, deserialize_with = "de_nonempty")]
        #[param(min_length = 1, example = "doan-khoi-cac-co-quan-tinh-lang-son")]
        pub parent: Option<String>,
        /// With `parent`: the whole subtree below it, not only its direct children.
        #[serde(default, deserialize_with = "de_bool")]
        #[param(value_type = Option<bool>)]
        pub include_descendants: Option<bool>,
        /// Only active (`true`) or dissolved (`false`) units.
        #[serde(default, deserialize_with = "de_bool")]
        #[param(value_type = Option<bool>)]
        pub active: Option<bool>,
    }
}

crate::key_path!(
    OrganizationPath,
    OrganizationKey,
    "an organization",
    "slug",
    "chi-doan-so-giao-thong-van-tai"
);

/// The feeds of a unit's activities, relative until [`Organization::linked`].
pub fn feed_links(slug: &str) -> FeedLinks {
    FeedLinks::filtered("organization", slug)
}

impl Organization {
    /// As sent: links absolute on the public base URL.
    pub fn linked(mut self, base: &str) -> Self {
        self.feeds = self.feeds.on(base);
        self
    }
}

impl OrganizationDetail {
    /// As sent: links absolute on the public base URL.
    pub fn linked(mut self, base: &str) -> Self {
        self.organization = self.organization.linked(base);
        self
    }
}
