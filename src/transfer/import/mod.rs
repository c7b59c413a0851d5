//! Import: every line is read and checked first (each bad line reported with its number and
//! problem); then all of it is written in one transaction or none of it. A line whose
//! `external_id` was imported before updates that row (nothing when it is equal): importing
//! the same file twice changes nothing the second time.

use crate::db::Conn;
use diesel::prelude::*;

use crate::activities::dto::{ActivityFields, DocumentInput, PartnerInput, PhotoInput};
use crate::activities::repo as acts;
use crate::clusters::repo as clusters;
use crate::db::schema::{external_ids, users};
use crate::db::tree;
use crate::error::AppError;
use crate::media::store::MediaStore;
use crate::organizations::dto::OrganizationFields;
use crate::organizations::repo as orgs;
use crate::text;

use super::records::*;

mod apply;
mod check;

pub use apply::import;

/// A line that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct LineProblem {
    /// 1 is the first line.
    pub line: usize,
    /// What is wrong with it, naming the field where there is one ("slug: 'x' is on an
    /// earlier line too").
    pub problem: String,
}

/// What an import did (or, dry, would do): totals over every line of the archive.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Lines that made a new row (organizations, clusters, media and activities together); 0 with
    /// `dry_run`.
    pub created: usize,
    /// Lines that changed an existing row: the one an earlier import made from the same
    /// `external_id` (for a medium, also the one it was exported from); 0 with `dry_run`.
    pub updated: usize,
    /// Lines whose row was already exactly as the line says (importing a file again changes
    /// nothing); 0 with `dry_run`.
    pub unchanged: usize,
    /// Records read (blank lines are skipped): `created + updated + unchanged` once imported.
    pub lines: usize,
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportError {
    /// Lines that are not valid: nothing was written.
    Lines(Vec<LineProblem>),
    Other(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::Other(e)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Other(e.into())
    }
}

/// Read the lines of `input`: each a record, or its problem.
pub fn parse(input: &str) -> (Vec<(usize, Record)>, Vec<LineProblem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in input.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<serde_json::Value>(raw).and_then(|mut value| {
            crate::http::body::integral_numbers(&mut value);
            let forbidden = forbidden_text(&value);
            serde_json::from_value::<Record>(value).map(|r| (r, forbidden))
        });
        match parsed {
            Ok((_, Some(path))) => problems.push(LineProblem {
                line: i + 1,
                problem: format!(
                    "{path}: holds a character XML 1.0 forbids (a control character, U+FFFE or U+FFFF)"
                ),
            }),
            Ok((r, None)) => records.push((i + 1, r)),
            Err(e) => problems.push(LineProblem {
                line: i + 1,
                problem: format!("not a valid record: {e}"),
            }),
        }
    }
    (records, problems)
}

/// The path of the first text in `value` that holds a character XML 1.0 forbids (the API
/// refuses them in every body: any text may end up in a feed).
pub(super) fn forbidden_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.chars().any(text::is_xml_forbidden).then(String::new),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| forbidden_text(v).map(|p| format!("{i}{}", sep(&p)))),
        serde_json::Value::Object(fields) => fields
            .iter()
            .find_map(|(k, v)| forbidden_text(v).map(|p| format!("{k}{}", sep(&p)))),
        _ => None,
    }
}

pub(super) fn sep(rest: &str) -> String {
    if rest.is_empty() {
        String::new()
    } else {
        format!("/{rest}")
    }
}

pub(super) fn mapped(
    conn: &mut Conn,
    resource: &str,
    external_id: &str,
) -> QueryResult<Option<i32>> {
    external_ids::table
        .filter(external_ids::resource.eq(resource))
        .filter(external_ids::external_id.eq(external_id))
        .select(external_ids::target_id)
        .first(conn)
        .optional()
}

pub(super) fn remember(
    conn: &mut Conn,
    resource: &str,
    external_id: &str,
    id: i32,
) -> QueryResult<()> {
    crate::on_engine!(conn, |c| diesel::insert_into(external_ids::table)
        .values((
            external_ids::resource.eq(resource),
            external_ids::external_id.eq(external_id),
            external_ids::target_id.eq(id),
        ))
        .on_conflict((external_ids::resource, external_ids::external_id))
        .do_update()
        .set(external_ids::target_id.eq(id))
        .execute(c))?;
    Ok(())
}

pub(super) fn unit_fields(r: &OrganizationRecord) -> OrganizationFields {
    let mut f = OrganizationFields::named(text::clean(&r.name), r.kind, None);
    f.short_name = text::clean_opt(r.short_name.as_deref());
    f.secretary_name = text::clean_opt(r.secretary_name.as_deref());
    f.address = text::clean_opt(r.address.as_deref());
    f.phone = text::clean_opt(r.phone.as_deref());
    f.email = text::clean_opt(r.email.as_deref());
    f.website = text::clean_opt(r.website.as_deref());
    f.established_on = r.established_on;
    f.dissolved_on = r.dissolved_on;
    f.requires_review = r.requires_review;
    f
}

/// The `media` references of an activity line (its photos' and documents').
pub(super) fn media_refs(r: &ActivityRecord) -> impl Iterator<Item = &str> {
    r.photos
        .iter()
        .filter_map(|p| p.media.as_deref())
        .chain(r.documents.iter().filter_map(DocumentRecord::media))
}

pub(super) fn activity_fields(
    r: &ActivityRecord,
    unit: &dyn Fn(&str) -> Option<i32>,
    medium: &dyn Fn(&str) -> Option<i64>,
) -> ActivityFields {
    ActivityFields {
        title: text::clean(&r.title),
        summary: text::clean_opt(r.summary.as_deref()),
        body: r
            .body
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_string),
        occurred_on: r.occurred_on,
        date_precision: r.date_precision,
        ends_on: r.ends_on,
        part_of_day: r.part_of_day,
        location: text::clean_opt(r.location.as_deref()),
        category: r.category,
        organizer_id: unit(&r.organizer).map_or(0, i64::from),
        partners: r
            .partners
            .iter()
            .map(|p| PartnerInput {
                organization_id: unit(&p.organization).map_or(0, i64::from),
                role: p.role,
            })
            .collect(),
        cluster_id: None,
        tags: r.tags.iter().map(|t| text::clean(t)).collect(),
        documents: r
            .documents
            .iter()
            .map(|d| DocumentInput {
                raw: text::clean_opt(Some(d.raw())),
                media_id: d.media().and_then(medium),
            })
            .collect(),
        photos: r
            .photos
            .iter()
            .map(|p| {
                let media_id = p.media.as_deref().and_then(medium);
                PhotoInput {
                    media_id,
                    // The file's URL is the fallback for a medium this database does not have.
                    url: if media_id.is_some() {
                        None
                    } else {
                        p.url.clone()
                    },
                    alt: p.alt.clone(),
                    caption: p.caption.clone(),
                    credit: p.credit.clone(),
                }
            })
            .collect(),
        byline: text::clean_opt(r.byline.as_deref()),
        participants_count: r.participants_count,
        status: r.status,
        published_at: r.published_at,
        featured: r.featured,
        featured_until: r.featured_until,
    }
}

/// Photos whose URL names a file of this media library (`…/media/{sha256}.jpg`, as an export
/// writes uploaded photos) use that medium again. One whose URL is only a path (an export made
/// from the command line) and whose file is not here keeps its caption without the picture.
pub(super) fn local_media(conn: &mut Conn, f: &mut ActivityFields) -> QueryResult<()> {
    use crate::db::schema::media;
    for p in &mut f.photos {
        let Some(url) = p.url.as_deref() else {
            continue;
        };
        let Some((before, name)) = url.rsplit_once("/media/") else {
            continue;
        };
        if !crate::media::store::valid_name(name) {
            continue;
        }
        let found: Option<i32> = media::table
            .filter(media::file.eq(name))
            .filter(media::kind.eq("image"))
            .select(media::id)
            .first(conn)
            .optional()?;
        match found {
            Some(id) => {
                p.media_id = Some(i64::from(id));
                p.url = None;
            }
            None if before.is_empty() => {
                p.url = None;
                if p.caption.is_none() {
                    p.caption = Some("Ảnh".into());
                }
            }
            None => {}
        }
    }
    Ok(())
}
