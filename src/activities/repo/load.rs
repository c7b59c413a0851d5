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

/// The photos' rows of some activities, in order (only each one's first with `first_only`).
fn photo_rows(conn: &mut Conn, ids: &[i32], first_only: bool) -> QueryResult<Vec<PhotoRow>> {
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
    q.load(conn)
}

/// What a page of summaries shows besides the rows: (organizers, clusters, tags, first photos).
type PageParts = (
    HashMap<i32, OrgRef>,
    HashMap<i32, ClusterRef>,
    HashMap<i32, Vec<TagRef>>,
    Vec<PhotoRow>,
);

/// The page's parts as [`page_parts_in_one`] aggregates them.
#[derive(serde::Deserialize)]
struct PagePartsJson {
    orgs: Option<Vec<(i32, String, String)>>,
    clusters: Option<Vec<(i32, String, String)>>,
    tags: Option<Vec<(i32, String, String)>>,
    photos: Option<Vec<PhotoRow>>,
}

#[derive(QueryableByName)]
struct PartsText {
    #[diesel(sql_type = Text)]
    parts: String,
}

/// A page's organizers, clusters, tags and first photos in one prepared statement
/// (PostgreSQL): one round trip, not four. The ids go as array literals.
fn page_parts_in_one(
    conn: &mut Conn,
    ids: &[i32],
    organizer_ids: &[i32],
    cluster_ids: &[i32],
) -> QueryResult<PageParts> {
    let array = |ids: &[i32]| {
        let items: Vec<String> = ids.iter().map(i32::to_string).collect();
        format!("{{{}}}", items.join(","))
    };
    let query = crate::db::sql(
        conn,
        "SELECT json_build_object(\
           'orgs', (SELECT json_agg(json_build_array(o.id, o.slug, o.name)) FROM organizations o \
                    WHERE o.id = ANY(CAST(? AS integer[]))), \
           'clusters', (SELECT json_agg(json_build_array(c.id, c.slug, c.name)) FROM clusters c \
                        WHERE c.id = ANY(CAST(? AS integer[]))), \
           'tags', (SELECT json_agg(json_build_array(x.activity_id, t.slug, t.name) \
                      ORDER BY x.activity_id, x.position) \
                    FROM activity_tags x JOIN tags t ON t.id = x.tag_id \
                    WHERE x.activity_id = ANY(CAST(? AS integer[]))), \
           'photos', (SELECT json_agg(json_build_array(ph.activity_id, ph.url, ph.caption, \
                        ph.credit, ph.media_id, ph.alt)) \
                      FROM activity_photos ph \
                      WHERE ph.activity_id = ANY(CAST(? AS integer[])) AND ph.position = 0)\
         )::text AS parts",
    )
    .bind::<Text, _>(array(organizer_ids))
    .bind::<Text, _>(array(cluster_ids))
    .bind::<Text, _>(array(ids))
    .bind::<Text, _>(array(ids));
    let found: PartsText = db::prepared(query).get_result(conn)?;
    let json: PagePartsJson = serde_json::from_str(&found.parts)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    let refs = |rows: Option<Vec<(i32, String, String)>>| {
        rows.unwrap_or_default()
            .into_iter()
            .map(|(id, slug, name)| (id, (i64::from(id), slug, name)))
            .collect::<HashMap<_, _>>()
    };
    let orgs = refs(json.orgs)
        .into_iter()
        .map(|(k, (id, slug, name))| (k, OrgRef { id, slug, name }))
        .collect();
    let clusters = refs(json.clusters)
        .into_iter()
        .map(|(k, (id, slug, name))| (k, ClusterRef { id, slug, name }))
        .collect();
    let mut tags: HashMap<i32, Vec<TagRef>> = HashMap::new();
    for (id, slug, name) in json.tags.unwrap_or_default() {
        tags.entry(id).or_default().push(TagRef { slug, name });
    }
    Ok((orgs, clusters, tags, json.photos.unwrap_or_default()))
}

pub(super) fn photos_of(
    conn: &mut Conn,
    ids: &[i32],
    first_only: bool,
) -> QueryResult<HashMap<i32, Vec<Photo>>> {
    let rows = photo_rows(conn, ids, first_only)?;
    photos_from(conn, rows)
}

/// Photos from their rows, with the files of those that are media of ours (one query, none
/// when no photo is).
fn photos_from(conn: &mut Conn, rows: Vec<PhotoRow>) -> QueryResult<HashMap<i32, Vec<Photo>>> {
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
    let mut cluster_ids: Vec<i32> = rows.iter().filter_map(|r| r.cluster_id).collect();
    cluster_ids.sort_unstable();
    cluster_ids.dedup();
    let (orgs, clusters, mut tags, photo_rows) = match db::dialect::Dialect::of(conn) {
        db::dialect::Dialect::Postgres if !ids.is_empty() => {
            page_parts_in_one(conn, &ids, &organizer_ids, &cluster_ids)?
        }
        _ => (
            orgs::refs(conn, &organizer_ids)?,
            clusters_of(conn, &cluster_ids)?,
            tags_of(conn, &ids)?,
            photo_rows(conn, &ids, true)?,
        ),
    };
    let mut photos = photos_from(conn, photo_rows)?;
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

/// What an activity's detail shows besides its row.
pub(super) struct Parts {
    organizer: Option<OrgRef>,
    body: Body,
    /// (partner, role)
    partners: Vec<(OrgRef, String)>,
    cluster: Option<ClusterRef>,
    documents: Vec<DocumentRow>,
    tags: Vec<TagRef>,
    photos: Vec<PhotoRow>,
}

/// The detail of the activity `key` names if the viewer may see it (as [`find_visible`] and
/// [`detail`]). On PostgreSQL, for a current key, the row and all it shows come in one
/// statement (one round trip, not eight); a former slug and SQLite take the general way.
pub fn detail_of(conn: &mut Conn, key: &str, viewer: &Viewer) -> ApiResult<Activity> {
    if db::dialect::Dialect::of(conn) == db::dialect::Dialect::Postgres {
        if let Some((row, parts)) = in_one_statement(conn, db::Key::parse(key))? {
            if row.deleted_at.is_some() || !viewer.may_see(&row) {
                return Err(AppError::not_found(format!("there is no activity '{key}'")));
            }
            return assemble(conn, &row, parts);
        }
    }
    let row = find_visible(conn, key, viewer)?;
    detail(conn, &row)
}

/// The full representation of one activity, less what the edge makes: file URLs are paths
/// from the root, `url` and `links` empty ([`Activity::linked`]).
pub fn detail(conn: &mut Conn, row: &ActivityRow) -> ApiResult<Activity> {
    let parts = match db::dialect::Dialect::of(conn) {
        db::dialect::Dialect::Postgres => in_one_statement(conn, db::Key::Id(row.id))?
            .map(|(_, parts)| parts)
            .ok_or_else(|| AppError::not_found(format!("there is no activity {}", row.id)))?,
        db::dialect::Dialect::Sqlite => parts_of(conn, row)?,
    };
    assemble(conn, row, parts)
}

/// The parts of a detail one query each (SQLite: each is a call into the library).
fn parts_of(conn: &mut Conn, row: &ActivityRow) -> ApiResult<Parts> {
    let partners: Vec<orgs::OrgWithRole> = crate::db::sql(conn,
        "SELECT o.id, o.slug, o.name, p.role FROM activity_partners p JOIN organizations o ON o.id = p.organization_id \
         WHERE p.activity_id = ? ORDER BY p.position",
    )
    .bind::<Integer, _>(row.id)
    .load(conn)?;
    Ok(Parts {
        organizer: orgs::refs(conn, &[row.organizer_id])?.remove(&row.organizer_id),
        body: bodies_of(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default(),
        partners: partners
            .into_iter()
            .map(|p| (p.organization.into(), p.role))
            .collect(),
        cluster: match row.cluster_id {
            Some(cid) => clusters_of(conn, &[cid])?.remove(&cid),
            None => None,
        },
        documents: activity_documents::table
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
            .load(conn)?,
        tags: tags_of(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default(),
        photos: photo_rows(conn, &[row.id], false)?,
    })
}

/// An activity's row and its parts as JSON beside it, in one statement (PostgreSQL).
#[derive(QueryableByName)]
struct RowWithParts {
    #[diesel(embed)]
    activity: ActivityRow,
    #[diesel(sql_type = Text)]
    parts: String,
}

/// The parts as [`in_one_statement`] aggregates them: arrays in the order of the tuples.
#[derive(serde::Deserialize)]
struct PartsJson {
    organizer: Option<(i32, String, String)>,
    body: Option<(Option<String>, Option<String>)>,
    partners: Option<Vec<(i32, String, String, String)>>,
    cluster: Option<(i32, String, String)>,
    documents: Option<Vec<DocumentRow>>,
    tags: Option<Vec<(String, String)>>,
    photos: Option<Vec<PhotoRow>>,
}

/// The row `key` names (by id or current slug) and its parts, in one prepared statement; none
/// if no row has that key.
fn in_one_statement(conn: &mut Conn, key: db::Key) -> ApiResult<Option<(ActivityRow, Parts)>> {
    let by = match key {
        db::Key::Id(_) => "a.id = ?",
        db::Key::Slug(_) => "a.slug = ?",
    };
    let text = format!(
        "SELECT {ROW_COLUMNS}, json_build_object(\
           'organizer', (SELECT json_build_array(o.id, o.slug, o.name) FROM organizations o \
                         WHERE o.id = a.organizer_id), \
           'body', (SELECT json_build_array(b.body, b.body_html) FROM activity_bodies b \
                    WHERE b.activity_id = a.id), \
           'partners', (SELECT json_agg(json_build_array(o.id, o.slug, o.name, p.role) ORDER BY p.position) \
                        FROM activity_partners p JOIN organizations o ON o.id = p.organization_id \
                        WHERE p.activity_id = a.id), \
           'cluster', (SELECT json_build_array(c.id, c.slug, c.name) FROM clusters c WHERE c.id = a.cluster_id), \
           'documents', (SELECT json_agg(json_build_array(d.raw, d.number, d.doc_type, d.issuer, \
                           d.department, d.issued_on, d.media_id) ORDER BY d.position) \
                         FROM activity_documents d WHERE d.activity_id = a.id), \
           'tags', (SELECT json_agg(json_build_array(t.slug, t.name) ORDER BY x.position) \
                    FROM activity_tags x JOIN tags t ON t.id = x.tag_id WHERE x.activity_id = a.id), \
           'photos', (SELECT json_agg(json_build_array(ph.activity_id, ph.url, ph.caption, ph.credit, \
                        ph.media_id, ph.alt) ORDER BY ph.position) \
                      FROM activity_photos ph WHERE ph.activity_id = a.id)\
         )::text AS parts FROM activities a WHERE {by}"
    );
    let query = crate::db::sql(conn, text);
    let found: Option<RowWithParts> = match key {
        db::Key::Id(id) => db::prepared(query.bind::<Integer, _>(id))
            .get_result(conn)
            .optional()?,
        db::Key::Slug(slug) => db::prepared(query.bind::<Text, _>(slug))
            .get_result(conn)
            .optional()?,
    };
    let Some(found) = found else {
        return Ok(None);
    };
    let json: PartsJson = match serde_json::from_str(&found.parts) {
        Ok(json) => json,
        Err(e) => {
            // A stored value JSON carries in a form the reader refuses (a date past 9999,
            // which PostgreSQL writes without a sign): the parts one query each instead.
            tracing::warn!(error = %e, id = found.activity.id, "an activity's parts did not read back as JSON");
            let parts = parts_of(conn, &found.activity)?;
            return Ok(Some((found.activity, parts)));
        }
    };
    let parts = Parts {
        organizer: json.organizer.map(|(id, slug, name)| OrgRef {
            id: i64::from(id),
            slug,
            name,
        }),
        body: json
            .body
            .map(|(body, body_html)| Body { body, body_html })
            .unwrap_or_default(),
        partners: json
            .partners
            .unwrap_or_default()
            .into_iter()
            .map(|(id, slug, name, role)| {
                let org = OrgRef {
                    id: i64::from(id),
                    slug,
                    name,
                };
                (org, role)
            })
            .collect(),
        cluster: json.cluster.map(|(id, slug, name)| ClusterRef {
            id: i64::from(id),
            slug,
            name,
        }),
        documents: json.documents.unwrap_or_default(),
        tags: json
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|(slug, name)| TagRef { slug, name })
            .collect(),
        photos: json.photos.unwrap_or_default(),
    };
    Ok(Some((found.activity, parts)))
}

/// The detail from the row and its parts, with the files of its media (one query, none when
/// no photo or document is a medium of ours).
fn assemble(conn: &mut Conn, row: &ActivityRow, parts: Parts) -> ApiResult<Activity> {
    let Parts {
        organizer,
        body,
        partners,
        cluster,
        documents,
        tags,
        photos,
    } = parts;
    let organizer = organizer.ok_or_else(|| AppError::internal("organizer missing"))?;
    let files = crate::media::repo::by_ids(
        conn,
        &documents.iter().filter_map(|d| d.6).collect::<Vec<_>>(),
    )?;
    let photos = photos_from(conn, photos)?
        .remove(&row.id)
        .unwrap_or_default();
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
            .map(|(organization, role)| Partner {
                organization,
                role: parse_enum(&role, PartnerRole::parse, PartnerRole::Participant),
                role_label: String::new(),
            })
            .collect(),
        cluster,
        tags,
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
        photos,
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
