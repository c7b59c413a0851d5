//! Export: every unit (parents before children), cluster and activity as NDJSON lines.

use crate::db::Conn;
use std::collections::HashMap;
use std::io::Write;

use diesel::prelude::*;

use crate::activities::repo as acts;
use crate::clusters::repo as clusters;
use crate::db::schema::external_ids;
use crate::error::{ApiResult, AppError};
use crate::organizations::repo as orgs;
use crate::vocab::OrgKind;

use super::records::*;

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Written {
    pub organizations: usize,
    pub clusters: usize,
    pub media: usize,
    pub activities: usize,
}

/// The external ids rows of `resource` were imported under.
fn external(conn: &mut Conn, resource: &str) -> QueryResult<HashMap<i32, String>> {
    let rows: Vec<(i32, String)> = external_ids::table
        .filter(external_ids::resource.eq(resource))
        .select((external_ids::target_id, external_ids::external_id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn line(out: &mut impl Write, record: &Record) -> ApiResult<()> {
    serde_json::to_writer(&mut *out, record).map_err(AppError::internal)?;
    out.write_all(b"\n").map_err(AppError::internal)
}

/// Write every unit, cluster and activity (with their revisions if asked) to `out`, in one
/// read transaction (a consistent snapshot); `progress` hears of each line.
pub fn export(
    conn: &mut Conn,
    revisions: bool,
    out: &mut impl Write,
    progress: &mut dyn FnMut(usize),
) -> ApiResult<Written> {
    conn.transaction(|conn| {
        let mut written = Written::default();
        let units = orgs::all_rows(conn)?;
        let slug_of: HashMap<i32, String> = units.iter().map(|u| (u.id, u.slug.clone())).collect();
        let parent_of: HashMap<i32, Option<i32>> =
            units.iter().map(|u| (u.id, u.parent_id)).collect();
        let depth = |mut id: i32| {
            let mut d = 0;
            while let Some(Some(parent)) = parent_of.get(&id) {
                d += 1;
                id = *parent;
                if d > units.len() {
                    break;
                }
            }
            d
        };
        let mut ordered: Vec<&orgs::OrganizationRow> = units.iter().collect();
        ordered.sort_by_key(|u| (depth(u.id), u.id));
        let ext = external(conn, "organizations")?;
        for u in ordered {
            let f = u.writable();
            let record = Record::Organization(OrganizationRecord {
                external_id: ext
                    .get(&u.id)
                    .cloned()
                    .unwrap_or_else(|| format!("organizations/{}", u.id)),
                id: i64::from(u.id),
                slug: u.slug.clone(),
                name: f.name,
                short_name: f.short_name,
                kind: OrgKind::parse(&u.kind).unwrap_or(OrgKind::Partner),
                parent: u.parent_id.and_then(|p| slug_of.get(&p).cloned()),
                secretary_name: f.secretary_name,
                address: f.address,
                phone: f.phone,
                email: f.email,
                website: f.website,
                established_on: f.established_on,
                dissolved_on: f.dissolved_on,
                successor: u.successor_id.and_then(|s| slug_of.get(&s).cloned()),
                requires_review: u.requires_review,
                created_at: u.created_at.and_utc(),
                updated_at: u.updated_at.and_utc(),
                version: i64::from(u.version),
            });
            line(out, &record)?;
            written.organizations += 1;
            progress(1);
        }
        let ext = external(conn, "clusters")?;
        for c in clusters::all_rows(conn)? {
            let members = clusters::stored_members(conn, c.id)?
                .into_iter()
                .map(|m| MemberRecord {
                    year: m.year,
                    organization: slug_of.get(&m.organization_id).cloned().unwrap_or_default(),
                    role: crate::clusters::dto::MemberRole::parse(&m.role)
                        .unwrap_or(crate::clusters::dto::MemberRole::Member),
                })
                .collect();
            let results = clusters::stored_results(conn, c.id)?
                .into_iter()
                .map(|r| ResultRecord {
                    year: r.year,
                    organization: slug_of.get(&r.organization_id).cloned().unwrap_or_default(),
                    self_score: r.self_score,
                    agreed_score: r.agreed_score,
                    grade: r
                        .grade
                        .as_deref()
                        .and_then(crate::clusters::dto::Grade::parse),
                    award: r
                        .award
                        .as_deref()
                        .and_then(crate::clusters::dto::Award::parse),
                    note: r.note,
                })
                .collect();
            let record = Record::Cluster(ClusterRecord {
                external_id: ext
                    .get(&c.id)
                    .cloned()
                    .unwrap_or_else(|| format!("clusters/{}", c.id)),
                id: i64::from(c.id),
                slug: c.slug.clone(),
                name: c.name.clone(),
                number: i64::from(c.number),
                bloc: slug_of.get(&c.bloc_id).cloned().unwrap_or_default(),
                description: c.description.clone(),
                active: c.active,
                created_at: c.created_at.and_utc(),
                updated_at: c.updated_at.and_utc(),
                version: i64::from(c.version),
                members,
                results,
            });
            line(out, &record)?;
            written.clusters += 1;
            progress(1);
        }
        let media_ext = external(conn, "media")?;
        let ext = &media_ext;
        for m in crate::media::repo::all_rows(conn)? {
            let record = Record::Media(MediaRecord {
                external_id: ext
                    .get(&m.id)
                    .cloned()
                    .unwrap_or_else(|| format!("media/{}", m.id)),
                kind: crate::media::dto::MediaKind::parse(&m.kind)
                    .unwrap_or(crate::media::dto::MediaKind::Document),
                organization: slug_of.get(&m.organization_id).cloned().unwrap_or_default(),
                content_type: m.content_type.clone(),
                file: m.file.clone(),
                file_name: m.file_name.clone(),
                bytes: m.bytes,
                width: m.width(),
                height: m.height(),
                blurhash: m.blurhash.clone(),
                files: m.files()?,
                alt: m.alt.clone(),
                caption: m.caption.clone(),
                credit: m.credit.clone(),
                created_at: m.created_at.and_utc(),
                updated_at: m.updated_at.and_utc(),
            });
            line(out, &record)?;
            written.media += 1;
            progress(1);
        }
        let media_ref = |id: i64| {
            i32::try_from(id)
                .ok()
                .and_then(|id| media_ext.get(&id).cloned())
                .unwrap_or_else(|| format!("media/{id}"))
        };
        let ext = external(conn, "activities")?;
        for row in acts::all_rows(conn)? {
            let a = acts::detail(conn, &row)?;
            let revisions = if revisions {
                let mut list = Vec::new();
                for r in acts::stored_revisions(conn, row.id)? {
                    list.push(RevisionRecord {
                        version: i64::from(r.version),
                        state: serde_json::from_str(&r.state).map_err(AppError::internal)?,
                        changed_by: r.changed_by,
                        changed_at: r.changed_at.and_utc(),
                        note: r.note,
                    });
                }
                Some(list)
            } else {
                None
            };
            let record = Record::Activity(ActivityRecord {
                external_id: ext
                    .get(&row.id)
                    .cloned()
                    .unwrap_or_else(|| format!("activities/{}", row.id)),
                id: a.id,
                slug: a.slug,
                title: a.title,
                summary: a.summary,
                body: a.body,
                occurred_on: a.occurred_on,
                date_precision: a.date_precision,
                ends_on: a.ends_on,
                part_of_day: a.part_of_day,
                location: a.location,
                category: a.category,
                organizer: a.organizer.slug,
                partners: a
                    .partners
                    .into_iter()
                    .map(|p| PartnerRecord {
                        organization: p.organization.slug,
                        role: p.role,
                    })
                    .collect(),
                cluster: a.cluster.map(|c| c.slug),
                tags: a.tags.into_iter().map(|t| t.name).collect(),
                documents: a
                    .documents
                    .into_iter()
                    .map(|d| match d.media_id {
                        Some(m) => DocumentRecord::WithFile {
                            raw: d.raw,
                            media: Some(media_ref(m)),
                        },
                        None => DocumentRecord::Title(d.raw),
                    })
                    .collect(),
                photos: a
                    .photos
                    .into_iter()
                    .map(|p| PhotoRecord {
                        media: p.media_id.map(media_ref),
                        url: p.url,
                        alt: p.alt,
                        caption: p.caption,
                        credit: p.credit,
                    })
                    .collect(),
                byline: a.byline,
                participants_count: a.participants_count,
                status: a.status,
                published_at: a.published_at,
                featured: a.featured,
                featured_until: a.featured_until,
                review_comment: a.review_comment,
                deleted_at: row.deleted_at.map(|t| t.and_utc()),
                created_at: a.created_at,
                updated_at: a.updated_at,
                created_by: a.created_by,
                updated_by: a.updated_by,
                version: a.version,
                revisions,
            });
            line(out, &record)?;
            written.activities += 1;
            progress(1);
        }
        Ok(written)
    })
}
