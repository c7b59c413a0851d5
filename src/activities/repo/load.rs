//! Loading activities: rows by key, list summaries and the detail with its children (one
//! query per relation for a page).

use super::*;

#[derive(QueryableByName)]
pub(super) struct TagOfActivity {
    #[diesel(sql_type = Integer)]
    activity_id: i32,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name: String,
}

pub(super) use crate::db::list::marks as placeholders;

pub(super) fn tags_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<TagRef>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let stmt = Statement {
        sql: format!(
            "SELECT at.activity_id, t.slug, t.name FROM activity_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.activity_id IN ({}) ORDER BY at.activity_id, at.position",
            placeholders(ids.len())
        ),
        binds: ids.iter().map(|id| Bind::Int(i64::from(*id))).collect(),
    };
    let rows: Vec<TagOfActivity> = sql::load(conn, &stmt)?;
    let mut map: HashMap<i32, Vec<TagRef>> = HashMap::new();
    for r in rows {
        map.entry(r.activity_id).or_default().push(TagRef {
            slug: r.slug,
            name: r.name,
        });
    }
    Ok(map)
}

/// (activity id, url, caption, credit, medium, alt)
pub(super) type PhotoRow = (
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

/// (raw, number, type, issuer, department, issued on)
pub(super) type DocumentRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
    Option<i32>,
);

/// The documents' titles (as written) of each activity, in order.
pub(super) fn document_titles_of(
    conn: &mut Conn,
    ids: &[i32],
) -> QueryResult<HashMap<i32, Vec<String>>> {
    let rows: Vec<(i32, String)> = activity_documents::table
        .filter(activity_documents::activity_id.eq_any(ids))
        .order((
            activity_documents::activity_id,
            activity_documents::position,
        ))
        .select((activity_documents::activity_id, activity_documents::raw))
        .load(conn)?;
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    for (id, raw) in rows {
        out.entry(id).or_default().push(raw);
    }
    Ok(out)
}

pub(super) fn photos_of(
    conn: &mut Conn,
    ids: &[i32],
    first_only: bool,
) -> QueryResult<HashMap<i32, Vec<Photo>>> {
    let mut q = activity_photos::table
        .filter(activity_photos::activity_id.eq_any(ids))
        .order((activity_photos::activity_id, activity_photos::position))
        .select((
            activity_photos::activity_id,
            activity_photos::url,
            activity_photos::caption,
            activity_photos::credit,
            activity_photos::media_id,
            activity_photos::alt,
        ))
        .into_boxed();
    if first_only {
        q = q.filter(activity_photos::position.eq(0));
    }
    let rows: Vec<PhotoRow> = q.load(conn)?;
    let media_ids: Vec<i32> = rows.iter().filter_map(|r| r.4).collect();
    let media = crate::media::repo::by_ids(conn, &media_ids)?;
    let mut map: HashMap<i32, Vec<Photo>> = HashMap::new();
    for (id, url, caption, credit, media_id, alt) in rows {
        let photo = match media_id.and_then(|m| media.get(&m)) {
            Some(m) => {
                let files = m.view();
                Photo {
                    media_id: Some(i64::from(m.id)),
                    url: Some(files.original),
                    src: Some(files.src),
                    srcset: files.srcset,
                    webp_srcset: files.webp_srcset,
                    width: m.width(),
                    height: m.height(),
                    bytes: Some(m.bytes),
                    alt,
                    caption,
                    credit,
                    blurhash: m.blurhash.clone(),
                    renditions: files.renditions,
                    thumbnail: files.thumbnail,
                }
            }
            None => Photo {
                src: url.clone(),
                url,
                alt,
                caption,
                credit,
                ..Photo::default()
            },
        };
        map.entry(id).or_default().push(photo);
    }
    Ok(map)
}

/// The body of an activity: Markdown as written and the sanitised HTML rendered from it.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub body: Option<String>,
    pub body_html: Option<String>,
}

/// The bodies of some activities, in one query (they live in their own table so that lists and
/// index scans of `activities` stay small).
pub fn bodies_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, Body>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, Option<String>, Option<String>)> = activity_bodies::table
        .filter(activity_bodies::activity_id.eq_any(ids))
        .select((
            activity_bodies::activity_id,
            activity_bodies::body,
            activity_bodies::body_html,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, body, body_html)| (id, Body { body, body_html }))
        .collect())
}

/// The summaries of a page of rows: organizers, tags and first photos in one query each (and,
/// for a search, the bodies the highlights are cut from). File URLs are paths from the root,
/// `url` and `links` empty: the edge makes them ([`ActivitySummary::linked`]).
pub(super) fn summaries(
    conn: &mut Conn,
    rows: &[ActivityRow],
    terms: Option<&[String]>,
) -> QueryResult<Vec<ActivitySummary>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let organizer_ids: Vec<i32> = rows.iter().map(|r| r.organizer_id).collect();
    let orgs = orgs::refs(conn, &organizer_ids)?;
    let mut cluster_ids: Vec<i32> = rows.iter().filter_map(|r| r.cluster_id).collect();
    cluster_ids.sort_unstable();
    cluster_ids.dedup();
    let clusters = clusters_of(conn, &cluster_ids)?;
    let mut tags = tags_of(conn, &ids)?;
    let mut photos = photos_of(conn, &ids, true)?;
    let bodies = match terms {
        Some(_) => bodies_of(conn, &ids)?,
        None => HashMap::new(),
    };
    Ok(rows
        .iter()
        .map(|r| {
            let tag_list = tags.remove(&r.id).unwrap_or_default();
            let organizer = orgs.get(&r.organizer_id).cloned().unwrap_or(OrgRef {
                id: i64::from(r.organizer_id),
                slug: String::new(),
                name: String::new(),
            });
            let highlight = terms.and_then(|terms| {
                let tag_names = tag_list
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                render::highlight(
                    &[
                        Some(r.title.as_str()),
                        r.summary.as_deref(),
                        bodies.get(&r.id).and_then(|b| b.body.as_deref()),
                        r.location.as_deref(),
                        Some(tag_names.as_str()),
                        Some(organizer.name.as_str()),
                    ],
                    terms,
                )
            });
            let category = parse_enum(&r.category, Category::parse, Category::Other);
            let status = parse_enum(&r.status, Status::parse, Status::Draft);
            let part_of_day = r.part_of_day.as_deref().and_then(PartOfDay::parse);
            ActivitySummary {
                id: i64::from(r.id),
                slug: r.slug.clone(),
                url: String::new(),
                title: r.title.clone(),
                summary: r.summary.clone(),
                occurred_on: r.occurred_on,
                date_precision: parse_enum(
                    &r.date_precision,
                    DatePrecision::parse,
                    DatePrecision::Day,
                ),
                ends_on: r.ends_on,
                part_of_day,
                part_of_day_label: part_of_day.map(|p| p.label().to_string()),
                location: r.location.clone(),
                category,
                category_label: category.label().to_string(),
                organizer,
                cluster: r.cluster_id.and_then(|c| clusters.get(&c).cloned()),
                cluster_id: r.cluster_id.map(i64::from),
                tags: tag_list,
                photo: photos.remove(&r.id).and_then(|p| p.into_iter().next()),
                status,
                status_label: status.label().to_string(),
                published_at: r.published_at.map(utc),
                featured: r.featured,
                updated_at: utc(r.updated_at),
                version: i64::from(r.version),
                links: ActivityLinks::default(),
                highlight,
            }
        })
        .collect())
}

pub(super) fn load_row(conn: &mut Conn, id: i32) -> ApiResult<ActivityRow> {
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .first(conn)?)
}

/// Resolve an id-or-slug to a row, whatever its state.
pub fn find_row(conn: &mut Conn, key: &str) -> ApiResult<ActivityRow> {
    let q = activities::table
        .select(ActivityRow::as_select())
        .into_boxed();
    let q = match db::Key::parse(key) {
        db::Key::Id(id) => q.filter(activities::id.eq(id)),
        db::Key::Slug(slug) => q.filter(activities::slug.eq(slug)),
    };
    if let Some(row) = q.first(conn).optional()? {
        return Ok(row);
    }
    // A slug the activity had before still names it (a GET answers 301 to the current one).
    if let db::Key::Slug(old) = db::Key::parse(key) {
        if let Some(current) = crate::db::slugs::renamed_to(conn, "activities", old)? {
            return Ok(activities::table
                .filter(activities::slug.eq(current))
                .select(ActivityRow::as_select())
                .first(conn)?);
        }
    }
    Err(AppError::not_found(format!("there is no activity '{key}'")))
}

/// A row the viewer may see, not in the trash; 404 otherwise (never 403: a draft stays secret).
pub fn find_visible(conn: &mut Conn, key: &str, viewer: &Viewer) -> ApiResult<ActivityRow> {
    let row = find_row(conn, key)?;
    if row.deleted_at.is_some() || !viewer.may_see(&row) {
        return Err(AppError::not_found(format!("there is no activity '{key}'")));
    }
    Ok(row)
}

/// A row the viewer may change: 404 if it cannot even see it, 403 if it can see but not edit.
pub(super) fn find_editable(
    conn: &mut Conn,
    key: &str,
    viewer: &Viewer,
    in_trash: bool,
) -> ApiResult<ActivityRow> {
    let row = find_row(conn, key)?;
    let hidden = row.deleted_at.is_some() != in_trash;
    if hidden || !viewer.may_see(&row) {
        return Err(AppError::not_found(format!("there is no activity '{key}'")));
    }
    if !viewer.may_edit_organizer(row.organizer_id) {
        return Err(AppError::Forbidden(
            "only editors of the organizing unit (or of a unit above it) may change this activity"
                .into(),
        ));
    }
    Ok(row)
}

/// The full representation of one activity, less what the edge makes: file URLs are paths
/// from the root, `url` and `links` empty ([`Activity::linked`]).
pub fn detail(conn: &mut Conn, row: &ActivityRow) -> ApiResult<Activity> {
    let organizer = orgs::refs(conn, &[row.organizer_id])?
        .remove(&row.organizer_id)
        .ok_or_else(|| AppError::internal("organizer missing"))?;
    let body = bodies_of(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    let partners: Vec<orgs::OrgWithRole> = crate::db::sql(conn,
        "SELECT o.id, o.slug, o.name, p.role FROM activity_partners p JOIN organizations o ON o.id = p.organization_id \
         WHERE p.activity_id = ? ORDER BY p.position",
    )
    .bind::<Integer, _>(row.id)
    .load(conn)?;
    let cluster = match row.cluster_id {
        Some(cid) => clusters_of(conn, &[cid])?.remove(&cid),
        None => None,
    };
    let documents: Vec<DocumentRow> = activity_documents::table
        .filter(activity_documents::activity_id.eq(row.id))
        .order(activity_documents::position)
        .select((
            activity_documents::raw,
            activity_documents::number,
            activity_documents::doc_type,
            activity_documents::issuer,
            activity_documents::department,
            activity_documents::issued_on,
            activity_documents::media_id,
        ))
        .load(conn)?;
    let files = crate::media::repo::by_ids(
        conn,
        &documents.iter().filter_map(|d| d.6).collect::<Vec<_>>(),
    )?;
    Ok(Activity {
        id: i64::from(row.id),
        slug: row.slug.clone(),
        title: row.title.clone(),
        summary: row.summary.clone(),
        body: body.body,
        body_html: body.body_html,
        occurred_on: row.occurred_on,
        date_precision: parse_enum(
            &row.date_precision,
            DatePrecision::parse,
            DatePrecision::Day,
        ),
        ends_on: row.ends_on,
        part_of_day: row.part_of_day.as_deref().and_then(PartOfDay::parse),
        location: row.location.clone(),
        category: parse_enum(&row.category, Category::parse, Category::Other),
        organizer,
        partners: partners
            .into_iter()
            .map(|p| Partner {
                organization: p.organization.into(),
                role: parse_enum(&p.role, PartnerRole::parse, PartnerRole::Participant),
                role_label: String::new(),
            })
            .collect(),
        cluster,
        tags: tags_of(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default(),
        documents: documents
            .into_iter()
            .map(
                |(raw, number, doc_type, issuer, department, issued_on, media_id)| {
                    let file = media_id.and_then(|m| files.get(&m));
                    Document {
                        raw,
                        number,
                        doc_type,
                        issuer,
                        department,
                        issued_on,
                        media_id: file.map(|m| i64::from(m.id)),
                        url: file.map(|m| crate::media::dto::file_path(&m.file)),
                        bytes: file.map(|m| m.bytes),
                        content_type: file.map(|m| m.content_type.clone()),
                    }
                },
            )
            .collect(),
        photos: photos_of(conn, &[row.id], false)?
            .remove(&row.id)
            .unwrap_or_default(),
        byline: row.byline.clone(),
        participants_count: row.participants_count.map(i64::from),
        status: parse_enum(&row.status, Status::parse, Status::Draft),
        published_at: row.published_at.map(utc),
        featured: row.featured,
        featured_until: row.featured_until.map(utc),
        review_comment: row.review_comment.clone(),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        created_by: row.created_by.map(i64::from),
        updated_by: row.updated_by.map(i64::from),
        version: i64::from(row.version),
        url: String::new(),
        links: ActivityLinks::default(),
        category_label: String::new(),
        status_label: String::new(),
        part_of_day_label: None,
    }
    .derive())
}

/// The clusters named by `ids`, for list items.
fn clusters_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, ClusterRef>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(clusters::table
        .filter(clusters::id.eq_any(ids))
        .select((clusters::id, clusters::slug, clusters::name))
        .load::<(i32, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| {
            (
                id,
                ClusterRef {
                    id: i64::from(id),
                    slug,
                    name,
                },
            )
        })
        .collect())
}
