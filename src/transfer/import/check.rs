//! The check of an archive before anything is written: every line against the API's rules and
//! the references (in the file or stored), media lines against their files.

use crate::db::Conn;
use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::activities::dto::Status;
use crate::db::tree;
use crate::media::store::MediaStore;
use crate::text;

use super::*;

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
pub(super) fn check(
    conn: &mut Conn,
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
    let unit_known = |conn: &mut Conn, slug: &str| -> QueryResult<bool> {
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
                    if crate::db::slugs::id_of(conn, kind, &current)? != target || target.is_none()
                    {
                        bad(
                            line,
                            format!("slug: '{slug}' was another stored row's slug"),
                        );
                    }
                }
            }
            if let Some(other) = crate::db::slugs::id_of(conn, kind, slug)? {
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
