//! The writing of a checked archive, in one transaction: each line creates its row, updates
//! the one it made before (found by `external_id`), or leaves it when equal.

use crate::db::Conn;
use std::collections::HashMap;

use diesel::prelude::*;

use super::*;

/// Import `input` (NDJSON). With `dry_run`, only check it. An activity without revisions gets
/// one, written for a reader of `site`. `progress` hears of each line.
pub fn import(
    conn: &mut Conn,
    input: &str,
    dry_run: bool,
    store: Option<&dyn MediaStore>,
    site: &crate::context::Site,
    progress: &mut dyn FnMut(usize),
) -> Result<Imported, ImportError> {
    let (records, mut problems) = parse(input);
    problems.extend(check::check(conn, &records, store)?);
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
        let unit = |conn: &mut Conn, slug: &str| -> QueryResult<Option<i32>> {
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
            let user = |conn: &mut Conn, id: Option<i64>| -> QueryResult<Option<i32>> {
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
                acts::import_row(conn, existing, &imported, site).map_err(at_line)?
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
        // Rows kept their ids: the next ones made here come after them.
        crate::db::ids_follow_rows(conn)?;
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
