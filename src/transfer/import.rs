//! Import: every line is read and checked first (each bad line reported with its number and
//! problem); then all of it is written in one transaction or none of it. A line whose
//! `external_id` was imported before updates that row (nothing when it is equal): importing
//! the same file twice changes nothing the second time.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::SqliteConnection;

use crate::activities::dto::{ActivityFields, DocumentInput, PartnerInput, PhotoInput, Status};
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
fn forbidden_text(value: &serde_json::Value) -> Option<String> {
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

fn sep(rest: &str) -> String {
    if rest.is_empty() {
        String::new()
    } else {
        format!("/{rest}")
    }
}

fn mapped(
    conn: &mut SqliteConnection,
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

fn remember(
    conn: &mut SqliteConnection,
    resource: &str,
    external_id: &str,
    id: i32,
) -> QueryResult<()> {
    diesel::replace_into(external_ids::table)
        .values((
            external_ids::resource.eq(resource),
            external_ids::external_id.eq(external_id),
            external_ids::target_id.eq(id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The id of the row of `table` with `slug`, if any.
fn stored_slug(conn: &mut SqliteConnection, table: &str, slug: &str) -> QueryResult<Option<i32>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    let row: Option<Id> = diesel::sql_query(format!("SELECT id FROM {table} WHERE slug = ?"))
        .bind::<diesel::sql_types::Text, _>(slug)
        .get_result(conn)
        .optional()?;
    Ok(row.map(|r| r.id))
}

fn unit_fields(r: &OrganizationRecord) -> OrganizationFields {
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
fn media_refs(r: &ActivityRecord) -> impl Iterator<Item = &str> {
    r.photos
        .iter()
        .filter_map(|p| p.media.as_deref())
        .chain(r.documents.iter().filter_map(DocumentRecord::media))
}

fn activity_fields(
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
fn local_media(conn: &mut SqliteConnection, f: &mut ActivityFields) -> QueryResult<()> {
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

/// What contradicts the files in a media line: the server named each file by the content it
/// sniffed at upload (`{sha256}.jpg`/`.png`/`.webp`/`.pdf`), so the kind and the content types
/// follow from the names — an original is a JPEG or PNG photo or a PDF document, the other
/// files are images — and a file `store` holds must be what its name says.
fn media_types(m: &MediaRecord, store: Option<&dyn MediaStore>) -> Vec<String> {
    use crate::media::dto::MediaKind;
    use crate::media::store::content_type_of;
    let mut problems = Vec::new();
    if let Some(original) = content_type_of(&m.file) {
        let kind = match original {
            "application/pdf" => MediaKind::Document,
            "image/webp" => {
                problems.push(format!(
                    "file: '{}' is WebP, which an original never is (JPEG, PNG or PDF)",
                    m.file
                ));
                MediaKind::Image
            }
            _ => MediaKind::Image,
        };
        if m.kind != kind {
            problems.push(format!(
                "kind: '{}' where the file '{}' is {original} (kind '{}')",
                m.kind.as_str(),
                m.file,
                kind.as_str()
            ));
        }
        if m.content_type != original {
            problems.push(format!(
                "content_type: '{}' where the file '{}' is {original}",
                m.content_type, m.file
            ));
        }
    }
    for (i, f) in m.files.iter().enumerate() {
        let Some(named) = content_type_of(&f.name) else {
            continue;
        };
        if f.content_type != named {
            problems.push(format!(
                "files/{i}/content_type: '{}' where the file '{}' is {named}",
                f.content_type, f.name
            ));
        }
        if f.name != m.file && !named.starts_with("image/") {
            problems.push(format!(
                "files/{i}: '{}' is {named}; what is kept besides the original is images",
                f.name
            ));
        }
    }
    let names = std::iter::once(&m.file).chain(m.files.iter().map(|f| &f.name));
    for name in names.collect::<HashSet<_>>() {
        let Some(head) = store.and_then(|s| crate::media::store::head(s, name)) else {
            continue;
        };
        let sniffed = crate::media::process::sniff(&head).ok();
        if sniffed.map(|s| s.content_type()) != content_type_of(name) {
            problems.push(format!(
                "file: the media folder's '{name}' holds {}, not what its name says",
                sniffed.map_or("no content an upload may have", |s| s.content_type())
            ));
        }
    }
    problems.sort();
    problems
}

/// Check every record against the rules and the references (in the file or stored), and media
/// lines against the files `store` holds; no write.
fn check(
    conn: &mut SqliteConnection,
    records: &[(usize, Record)],
    store: Option<&dyn MediaStore>,
) -> QueryResult<Vec<LineProblem>> {
    let mut problems = Vec::new();
    let mut bad = |line: usize, problem: String| problems.push(LineProblem { line, problem });
    let mut file_units = HashSet::new();
    let mut file_clusters = HashSet::new();
    let mut file_media = HashSet::new();
    let mut seen_ext = HashSet::new();
    let mut seen_slug = HashSet::new();
    // Each unit's parent (by slug): the file's lines over the stored rows, for the rosters'
    // "below the bloc" (read only when a cluster line has members).
    let mut parent_of: HashMap<String, Option<String>> = HashMap::new();
    if records
        .iter()
        .any(|(_, r)| matches!(r, Record::Cluster(c) if !c.members.is_empty()))
    {
        let stored = orgs::all_rows(conn)?;
        let slug_of: HashMap<i32, &str> = stored.iter().map(|u| (u.id, u.slug.as_str())).collect();
        for u in &stored {
            let parent = u
                .parent_id
                .and_then(|p| slug_of.get(&p))
                .map(|p| p.to_string());
            parent_of.insert(u.slug.clone(), parent);
        }
    }
    for (_, r) in records {
        match r {
            Record::Organization(o) => {
                file_units.insert(o.slug.clone());
                parent_of.insert(o.slug.clone(), o.parent.clone());
            }
            Record::Cluster(c) => {
                file_clusters.insert(c.slug.clone());
            }
            Record::Media(m) => {
                file_media.insert(m.external_id.clone());
            }
            Record::Activity(_) => {}
        }
    }
    let unit_known = |conn: &mut SqliteConnection, slug: &str| -> QueryResult<bool> {
        Ok(file_units.contains(slug) || tree::lookup_organization(conn, slug)?.is_some())
    };
    let mut parents: HashMap<String, String> = HashMap::new();
    for (line, r) in records {
        let (kind, ext, slug) = match r {
            Record::Organization(o) => ("organizations", &o.external_id, &o.slug),
            Record::Cluster(c) => ("clusters", &c.external_id, &c.slug),
            Record::Activity(a) => ("activities", &a.external_id, &a.slug),
            Record::Media(m) => {
                let line = *line;
                if m.external_id.trim().is_empty() || m.external_id.chars().count() > 200 {
                    bad(line, "external_id: must be 1 to 200 characters".into());
                }
                if !seen_ext.insert(("media", m.external_id.clone())) {
                    bad(
                        line,
                        format!("external_id: '{}' is on an earlier line too", m.external_id),
                    );
                }
                let names = std::iter::once(&m.file).chain(m.files.iter().map(|f| &f.name));
                if let Some(name) = names
                    .into_iter()
                    .find(|n| !crate::media::store::valid_name(n))
                {
                    bad(line, format!("file: '{name}' is not a media file name ({{sha256}}.jpg, .png or .pdf)"));
                }
                if !unit_known(conn, &m.organization)? {
                    bad(
                        line,
                        format!("organization: there is no unit '{}'", m.organization),
                    );
                }
                if !m.files.iter().any(|f| f.name == m.file) {
                    bad(line, "files: must list the original (file)".into());
                }
                for problem in media_types(m, store) {
                    bad(line, problem);
                }
                let sizes = std::iter::once(m.bytes).chain(m.files.iter().map(|f| f.bytes));
                if sizes.into_iter().any(|b| b < 0) {
                    bad(line, "bytes: must not be negative".into());
                }
                let dims = [m.width, m.height]
                    .into_iter()
                    .chain(m.files.iter().flat_map(|f| [f.width, f.height]));
                if dims.into_iter().flatten().any(|d| d > 100_000) {
                    bad(line, "width/height: at most 100000 pixels".into());
                }
                if m.content_type.is_empty() || m.content_type.len() > 100 {
                    bad(line, "content_type: must be 1 to 100 characters".into());
                }
                for e in crate::media::dto::text_errors([
                    ("alt", m.alt.as_deref()),
                    ("caption", m.caption.as_deref()),
                    ("credit", m.credit.as_deref()),
                ]) {
                    bad(
                        line,
                        format!("{}: {}", e.field.trim_start_matches('/'), e.message),
                    );
                }
                continue;
            }
        };
        let line = *line;
        if ext.trim().is_empty() || ext.chars().count() > 200 {
            bad(line, "external_id: must be 1 to 200 characters".into());
        }
        if !seen_ext.insert((kind, ext.clone())) {
            bad(
                line,
                format!("external_id: '{ext}' is on an earlier line too"),
            );
        }
        if !text::is_valid_slug(slug) {
            bad(line, format!("slug: {}", text::SLUG_RULE));
        } else if !seen_slug.insert((kind, slug.clone())) {
            bad(line, format!("slug: '{slug}' is on an earlier line too"));
        } else {
            // A stored row may have the slug only if it is the row this line updates; a slug
            // another row had before stays its (old links keep their meaning).
            let target = mapped(conn, kind, ext)?;
            if kind != "clusters" {
                if let Some(current) = crate::db::slugs::renamed_to(conn, kind, slug)? {
                    if stored_slug(conn, kind, &current)? != target || target.is_none() {
                        bad(
                            line,
                            format!("slug: '{slug}' was another stored row's slug"),
                        );
                    }
                }
            }
            if let Some(other) = stored_slug(conn, kind, slug)? {
                if target != Some(other) && target.is_some() {
                    bad(
                        line,
                        format!("slug: '{slug}' belongs to another stored row"),
                    );
                } else if target.is_none() {
                    bad(
                        line,
                        format!("slug: '{slug}' is taken by a stored row this file did not make"),
                    );
                }
            }
        }
        let version = match r {
            Record::Organization(o) => o.version,
            Record::Cluster(c) => c.version,
            Record::Activity(a) => a.version,
            Record::Media(_) => 1,
        };
        if !(1..=i64::from(i32::MAX)).contains(&version) {
            bad(line, "version: must be between 1 and 2147483647".into());
        }
        let times = match r {
            Record::Organization(o) => vec![o.created_at, o.updated_at],
            Record::Cluster(c) => vec![c.created_at, c.updated_at],
            Record::Activity(a) => vec![a.created_at, a.updated_at],
            Record::Media(_) => vec![],
        };
        if times
            .iter()
            .any(|t| crate::http::dates::instant_problem(*t).is_some())
        {
            bad(
                line,
                "created_at/updated_at: years 1900 to 2100 only".into(),
            );
        }
        match r {
            Record::Organization(o) => {
                for e in unit_fields(o).validate() {
                    bad(
                        line,
                        format!("{}: {}", e.field.trim_start_matches('/'), e.message),
                    );
                }
                for (what, other) in [("parent", &o.parent), ("successor", &o.successor)] {
                    if let Some(s) = other {
                        if !unit_known(conn, s)? {
                            bad(line, format!("{what}: there is no unit '{s}'"));
                        }
                    }
                }
                if let Some(p) = &o.parent {
                    parents.insert(o.slug.clone(), p.clone());
                }
                if o.successor.as_deref() == Some(o.slug.as_str()) {
                    bad(line, "successor: a unit cannot succeed itself".into());
                }
            }
            Record::Cluster(c) => {
                use crate::clusters::dto as rules;
                let mut errors: Vec<crate::error::FieldError> = [
                    rules::name_problem(&text::clean(&c.name)),
                    rules::number_problem(c.number),
                ]
                .into_iter()
                .flatten()
                .chain(
                    c.description
                        .as_deref()
                        .and_then(|d| rules::description_problem(&text::clean(d))),
                )
                .collect();
                if !unit_known(conn, &c.bloc)? {
                    bad(line, format!("bloc: there is no unit '{}'", c.bloc));
                }
                let named = c
                    .members
                    .iter()
                    .map(|m| (m.year, &m.organization))
                    .chain(c.results.iter().map(|r| (r.year, &r.organization)));
                for (year, unit) in named {
                    if crate::http::dates::year_problem(year).is_some() {
                        bad(line, format!("year {year}: years 1900 to 2100 only"));
                    }
                    if !unit_known(conn, unit)? {
                        bad(line, format!("members/results: there is no unit '{unit}'"));
                    }
                }
                // Each year's roster and results under the API's rules (positions are the
                // line's own).
                let below = |unit: &&String| {
                    let mut at = parent_of.get(unit.as_str()).cloned().flatten();
                    for _ in 0..=parent_of.len() {
                        match at {
                            Some(p) if p == c.bloc => return true,
                            Some(p) => at = parent_of.get(&p).cloned().flatten(),
                            None => return false,
                        }
                    }
                    false
                };
                let years: std::collections::BTreeSet<i32> = c
                    .members
                    .iter()
                    .map(|m| m.year)
                    .chain(c.results.iter().map(|r| r.year))
                    .collect();
                for year in years {
                    let roster: Vec<rules::RosterEntry<&String>> = c
                        .members
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.year == year)
                        .map(|(at, m)| rules::RosterEntry {
                            at,
                            unit: &m.organization,
                            role: m.role,
                        })
                        .collect();
                    errors.extend(rules::roster_problems(&roster, below));
                    let results: Vec<rules::ResultEntryCheck<'_, &String>> = c
                        .results
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.year == year)
                        .map(|(at, r)| rules::ResultEntryCheck {
                            at,
                            unit: &r.organization,
                            self_score: r.self_score,
                            agreed_score: r.agreed_score,
                            award: r.award,
                            note: r.note.as_deref(),
                        })
                        .collect();
                    errors.extend(rules::result_problems(&results, year, |unit| {
                        roster.iter().any(|m| m.unit == *unit)
                    }));
                }
                for e in errors {
                    bad(
                        line,
                        format!("{}: {}", e.field.trim_start_matches('/'), e.message),
                    );
                }
            }
            // Checked above.
            Record::Media(_) => {}
            Record::Activity(a) => {
                // Stand-in ids, one per distinct unit: the rules between units (a partner is
                // not the organizer, no unit twice) hold on slugs as on ids.
                let mut stand_in: HashMap<&str, i32> = HashMap::new();
                for slug in
                    std::iter::once(&a.organizer).chain(a.partners.iter().map(|p| &p.organization))
                {
                    let next = stand_in.len() as i32 + 1;
                    stand_in.entry(slug.as_str()).or_insert(next);
                }
                // A medium named must be a line of the file or one imported before (a stand-in
                // id: the rules only need to know there is one).
                let mut known_media = HashSet::new();
                for m in media_refs(a) {
                    if file_media.contains(m) || mapped(conn, "media", m)?.is_some() {
                        known_media.insert(m.to_string());
                    } else {
                        bad(
                            line,
                            format!("photos/documents: there is no media line '{m}'"),
                        );
                    }
                }
                let mut fields = activity_fields(a, &|s| stand_in.get(s).copied(), &|m| {
                    known_media.contains(m).then_some(0)
                });
                local_media(conn, &mut fields)?;
                for e in fields.validate() {
                    bad(
                        line,
                        format!("{}: {}", e.field.trim_start_matches('/'), e.message),
                    );
                }
                let mut units = vec![("organizer", &a.organizer)];
                units.extend(a.partners.iter().map(|p| ("partners", &p.organization)));
                for (what, slug) in units {
                    if !unit_known(conn, slug)? {
                        bad(line, format!("{what}: there is no unit '{slug}'"));
                    }
                }
                if let Some(c) = &a.cluster {
                    if !file_clusters.contains(c) && tree::lookup_cluster(conn, c)?.is_none() {
                        bad(line, format!("cluster: there is no cluster '{c}'"));
                    }
                }
                let public = matches!(
                    a.status,
                    Status::Published | Status::Scheduled | Status::Archived
                );
                if public && a.published_at.is_none() {
                    bad(line, "published_at: required for this status".into());
                }
                if a.featured_until.is_some() && !a.featured {
                    bad(line, "featured_until: needs featured: true".into());
                }
                if a.review_comment
                    .as_deref()
                    .is_some_and(|c| c.chars().count() > 2000)
                {
                    bad(
                        line,
                        "review_comment: must be at most 2000 characters".into(),
                    );
                }
                if let Some(revisions) = &a.revisions {
                    let mut versions = HashSet::new();
                    for r in revisions {
                        if !(1..=a.version).contains(&r.version) {
                            bad(line, format!("revisions: version {} is not between 1 and the activity's version {}", r.version, a.version));
                        }
                        if !versions.insert(r.version) {
                            bad(
                                line,
                                format!("revisions: version {} is there twice", r.version),
                            );
                        }
                        if serde_json::from_value::<crate::activities::dto::Activity>(
                            r.state.clone(),
                        )
                        .is_err()
                        {
                            bad(
                                line,
                                format!(
                                    "revisions: version {} does not hold an activity",
                                    r.version
                                ),
                            );
                        }
                        if crate::http::dates::instant_problem(r.changed_at).is_some() {
                            bad(line, "revisions: changed_at years 1900 to 2100 only".into());
                        }
                    }
                }
                if let Some(t) = a.deleted_at {
                    if crate::http::dates::instant_problem(t).is_some() {
                        bad(line, "deleted_at: years 1900 to 2100 only".into());
                    }
                }
            }
        }
    }
    // A parent chain within the file must end: no unit below itself.
    for (line, r) in records {
        if let Record::Organization(o) = r {
            let mut at = o.slug.clone();
            let mut steps = 0;
            while let Some(p) = parents.get(&at) {
                steps += 1;
                if *p == o.slug || steps > parents.len() {
                    bad(*line, "parent: the unit would be below itself".into());
                    break;
                }
                at = p.clone();
            }
        }
    }
    problems.sort_by_key(|p| p.line);
    Ok(problems)
}

/// Import `input` (NDJSON). With `dry_run`, only check it. `progress` hears of each line.
pub fn import(
    conn: &mut SqliteConnection,
    input: &str,
    dry_run: bool,
    store: Option<&dyn MediaStore>,
    progress: &mut dyn FnMut(usize),
) -> Result<Imported, ImportError> {
    let (records, mut problems) = parse(input);
    problems.extend(check(conn, &records, store)?);
    problems.sort_by_key(|p| p.line);
    if !problems.is_empty() {
        return Err(ImportError::Lines(problems));
    }
    if dry_run {
        return Ok(Imported {
            lines: records.len(),
            ..Imported::default()
        });
    }
    let mut done = Imported {
        lines: records.len(),
        ..Imported::default()
    };
    crate::db::write(conn, |conn| -> Result<(), ImportError> {
        // Units first (their neighbours once all exist), then clusters, then activities.
        let mut units: HashMap<String, i32> = HashMap::new();
        let mut links = Vec::new();
        for (line, r) in &records {
            let Record::Organization(o) = r else { continue };
            let at_line = |e: AppError| {
                ImportError::Lines(vec![LineProblem {
                    line: *line,
                    problem: e.to_string(),
                }])
            };
            let existing = mapped(conn, "organizations", &o.external_id)?;
            let fields = unit_fields(o);
            let same = match existing {
                Some(id) => {
                    let row = orgs::row(conn, id)?;
                    row.is_some_and(|u| {
                        let mut stored = u.writable();
                        stored.parent_id = None;
                        stored.successor_id = None;
                        stored == fields
                            && u.slug == o.slug
                            && u.created_at == o.created_at.naive_utc()
                            && u.updated_at == o.updated_at.naive_utc()
                            && i64::from(u.version) == o.version
                    })
                }
                None => false,
            };
            let id = if same {
                existing.unwrap_or_default()
            } else {
                let unit = orgs::ImportedUnit {
                    id: o.id,
                    slug: &o.slug,
                    fields: &fields,
                    created_at: o.created_at.naive_utc(),
                    updated_at: o.updated_at.naive_utc(),
                    version: o.version,
                };
                orgs::import_row(conn, existing, &unit).map_err(at_line)?
            };
            count(&mut done, existing.is_some(), same);
            remember(conn, "organizations", &o.external_id, id)?;
            units.insert(o.slug.clone(), id);
            links.push((id, o.parent.clone(), o.successor.clone()));
            progress(1);
        }
        let unit = |conn: &mut SqliteConnection, slug: &str| -> QueryResult<Option<i32>> {
            match units.get(slug) {
                Some(id) => Ok(Some(*id)),
                None => tree::lookup_organization(conn, slug),
            }
        };
        for (id, parent, successor) in &links {
            let parent = match parent {
                Some(s) => unit(conn, s)?,
                None => None,
            };
            let successor = match successor {
                Some(s) => unit(conn, s)?,
                None => None,
            };
            let row = orgs::row(conn, *id)?;
            if row.is_some_and(|u| u.parent_id != parent || u.successor_id != successor) {
                orgs::import_links(conn, *id, parent, successor)?;
            }
        }
        let mut cluster_ids: HashMap<String, i32> = HashMap::new();
        for (line, r) in &records {
            let Record::Cluster(c) = r else { continue };
            let at_line = |e: AppError| {
                ImportError::Lines(vec![LineProblem {
                    line: *line,
                    problem: e.to_string(),
                }])
            };
            let bloc = unit(conn, &c.bloc)?.unwrap_or_default();
            let mut members = Vec::new();
            for (position, m) in c.members.iter().enumerate() {
                members.push(clusters::StoredMember {
                    year: m.year,
                    organization_id: unit(conn, &m.organization)?.unwrap_or_default(),
                    role: m.role.as_str().to_string(),
                    position: position as i32,
                });
            }
            let mut results = Vec::new();
            for r in &c.results {
                results.push(clusters::StoredResult {
                    year: r.year,
                    organization_id: unit(conn, &r.organization)?.unwrap_or_default(),
                    self_score: r.self_score,
                    agreed_score: r.agreed_score,
                    grade: r.grade.map(|g| g.as_str().to_string()),
                    award: r.award.map(|a| a.as_str().to_string()),
                    note: r.note.clone(),
                });
            }
            let existing = mapped(conn, "clusters", &c.external_id)?;
            let description = text::clean_opt(c.description.as_deref());
            let name = text::clean(&c.name);
            let same = match existing {
                Some(id) => {
                    let row = clusters::find(conn, &id.to_string()).ok();
                    let stored_members = clusters::stored_members(conn, id)?;
                    let stored_results = clusters::stored_results(conn, id)?;
                    row.is_some_and(|r| {
                        r.slug == c.slug
                            && r.name == name
                            && i64::from(r.number) == c.number
                            && r.bloc_id == bloc
                            && r.description == description
                            && r.active == c.active
                            && r.created_at == c.created_at.naive_utc()
                            && r.updated_at == c.updated_at.naive_utc()
                            && i64::from(r.version) == c.version
                    }) && stored_members == members
                        && stored_results == results
                }
                None => false,
            };
            let id = if same {
                existing.unwrap_or_default()
            } else {
                let imported = clusters::ImportedCluster {
                    id: c.id,
                    slug: &c.slug,
                    name: &name,
                    number: c.number as i32,
                    bloc_id: bloc,
                    description: description.as_deref(),
                    active: c.active,
                    created_at: c.created_at.naive_utc(),
                    updated_at: c.updated_at.naive_utc(),
                    version: i32::try_from(c.version).unwrap_or(1),
                    members: &members,
                    results: &results,
                };
                clusters::import_row(conn, existing, &imported).map_err(at_line)?
            };
            count(&mut done, existing.is_some(), same);
            remember(conn, "clusters", &c.external_id, id)?;
            cluster_ids.insert(c.slug.clone(), id);
            progress(1);
        }
        let mut media_ids: HashMap<String, i32> = HashMap::new();
        for (line, r) in &records {
            let Record::Media(m) = r else { continue };
            let owner = unit(conn, &m.organization)?.ok_or_else(|| {
                ImportError::Lines(vec![LineProblem {
                    line: *line,
                    problem: format!("organization: there is no unit '{}'", m.organization),
                }])
            })?;
            let existing = mapped(conn, "media", &m.external_id)?;
            let (id, outcome) = crate::media::repo::import_row(conn, existing, owner, m)?;
            count(&mut done, outcome.existed, outcome.same);
            remember(conn, "media", &m.external_id, id)?;
            media_ids.insert(m.external_id.clone(), id);
            progress(1);
        }
        for (line, r) in &records {
            let Record::Activity(a) = r else { continue };
            let at_line = |e: AppError| {
                ImportError::Lines(vec![LineProblem {
                    line: *line,
                    problem: e.to_string(),
                }])
            };
            let mut slugs = vec![a.organizer.clone()];
            slugs.extend(a.partners.iter().map(|p| p.organization.clone()));
            let mut ids = HashMap::new();
            for s in slugs {
                let id = unit(conn, &s)?;
                ids.insert(s, id);
            }
            let mut media = HashMap::new();
            for m in media_refs(a) {
                let id = match media_ids.get(m) {
                    Some(id) => Some(*id),
                    None => mapped(conn, "media", m)?,
                };
                media.insert(m.to_string(), id);
            }
            let mut fields = activity_fields(a, &|s| ids.get(s).copied().flatten(), &|m| {
                media.get(m).copied().flatten().map(i64::from)
            });
            local_media(conn, &mut fields)?;
            fields.cluster_id = match &a.cluster {
                Some(c) => match cluster_ids.get(c) {
                    Some(id) => Some(i64::from(*id)),
                    None => tree::lookup_cluster(conn, c)?.map(i64::from),
                },
                None => None,
            };
            let user = |conn: &mut SqliteConnection, id: Option<i64>| -> QueryResult<Option<i32>> {
                let Some(id) = id.and_then(|i| i32::try_from(i).ok()) else {
                    return Ok(None);
                };
                let exists: bool =
                    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)?;
                Ok(exists.then_some(id))
            };
            let created_by = user(conn, a.created_by)?;
            let updated_by = user(conn, a.updated_by)?;
            let revisions: Option<Vec<acts::StoredRevision>> = a.revisions.as_ref().map(|list| {
                list.iter()
                    .map(|r| acts::StoredRevision {
                        version: i32::try_from(r.version).unwrap_or(1),
                        state: r.state.to_string(),
                        changed_by: r.changed_by.clone(),
                        changed_at: r.changed_at.naive_utc(),
                        note: r.note.clone(),
                    })
                    .collect()
            });
            let existing = mapped(conn, "activities", &a.external_id)?;
            let same = match existing {
                Some(id) => {
                    let row = acts::find_row(conn, &id.to_string()).ok();
                    match row {
                        Some(row) => {
                            let current = acts::detail(conn, &row)?;
                            let mut stored = ActivityFields::from_activity(&current);
                            stored.status = current.status;
                            let same_revisions = match &revisions {
                                None => true,
                                Some(list) => {
                                    let kept = acts::stored_revisions(conn, id)?;
                                    kept.len() == list.len()
                                        && kept.iter().zip(list).all(|(k, n)| {
                                            k.version == n.version
                                                && k.changed_at == n.changed_at
                                                && serde_json::from_str::<serde_json::Value>(
                                                    &k.state,
                                                )
                                                .ok()
                                                    == serde_json::from_str(&n.state).ok()
                                        })
                                }
                            };
                            stored == fields
                                && current.slug == a.slug
                                && current.review_comment == a.review_comment
                                && row.deleted_at == a.deleted_at.map(|t| t.naive_utc())
                                && current.created_at == a.created_at
                                && current.updated_at == a.updated_at
                                && row.created_by == created_by
                                && row.updated_by == updated_by
                                && current.version == a.version
                                && same_revisions
                        }
                        None => false,
                    }
                }
                None => false,
            };
            let id = if same {
                existing.unwrap_or_default()
            } else {
                let imported = acts::ImportedActivity {
                    id: a.id,
                    slug: &a.slug,
                    fields: &fields,
                    status: a.status,
                    review_comment: a.review_comment.as_deref(),
                    deleted_at: a.deleted_at.map(|t| t.naive_utc()),
                    created_at: a.created_at.naive_utc(),
                    updated_at: a.updated_at.naive_utc(),
                    created_by,
                    updated_by,
                    version: i32::try_from(a.version).unwrap_or(1),
                    revisions: revisions.as_deref(),
                };
                acts::import_row(conn, existing, &imported).map_err(at_line)?
            };
            count(&mut done, existing.is_some(), same);
            remember(conn, "activities", &a.external_id, id)?;
            progress(1);
        }
        crate::audit::record(
            conn,
            crate::audit::Entry {
                action: "import",
                resource: "archive",
                resource_id: None,
                detail: Some(format!(
                    "{} lines: {} created, {} updated, {} unchanged",
                    done.lines, done.created, done.updated, done.unchanged
                )),
                ..crate::audit::Entry::default()
            },
        )?;
        Ok(())
    })?;
    Ok(done)
}

fn count(done: &mut Imported, existed: bool, same: bool) {
    match (existed, same) {
        (_, true) => done.unchanged += 1,
        (true, false) => done.updated += 1,
        (false, false) => done.created += 1,
    }
}
