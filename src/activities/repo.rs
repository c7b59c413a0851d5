//! Activity rows, writes (with their inline children, search index and revision, in one
//! transaction), the detail, and the lists.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::SqliteConnection;

use crate::auth::AuthUser;
use crate::db::list::{self as sql, Bind, ListSql, Statement};
use crate::db::schema::{
    activities, activity_bodies, activity_documents, activity_photos, activity_revisions, clusters,
    organizations, tags,
};
use crate::db::{self, search, tree, ts_text};
use crate::error::{ApiResult, AppError, FieldError};
use crate::http::body::Patch;
use crate::http::etag;
use crate::http::list::{KeysetRow, ListRequest, Sortable};
use crate::organizations::dto::OrgRef;
use crate::organizations::repo as orgs;
use crate::text;

use super::dto::*;
use super::render;

pub const SEARCH_TABLE: &str = "activities_fts";

pub const SORTS: Sortable = Sortable {
    fields: &[
        ("occurred_on", "a.occurred_on"),
        ("published_at", "coalesce(a.published_at, '')"),
        ("title", "a.title_sort_key"),
        ("updated_at", "a.updated_at"),
        ("relevance", "f.rank"),
    ],
    default: "-occurred_on",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = activities)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct ActivityRow {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub title_sort_key: Vec<u8>,
    pub summary: Option<String>,
    pub occurred_on: NaiveDate,
    pub date_precision: String,
    pub period_end: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub part_of_day: Option<String>,
    pub location: Option<String>,
    pub category: String,
    pub organizer_id: i32,
    pub cluster_id: Option<i32>,
    pub participants_count: Option<i32>,
    pub byline: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub updated_by: Option<i32>,
    pub version: i32,
}

/// A list row: the activity and, with `sort=relevance`, its rank.
#[derive(Debug, Clone, QueryableByName)]
pub struct ListRow {
    // (not named `row`: the derive uses that name internally)
    #[diesel(embed)]
    pub activity: ActivityRow,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub rank: Option<f64>,
}

impl KeysetRow for ListRow {
    fn id(&self) -> i64 {
        i64::from(self.activity.id)
    }
    fn sort_value(&self, sort_name: &str) -> Bind {
        let r = &self.activity;
        match sort_name {
            "occurred_on" => Bind::Text(r.occurred_on.format("%F").to_string()),
            "published_at" => Bind::Text(r.published_at.map(ts_text).unwrap_or_default()),
            "title" => Bind::blob(r.title_sort_key.clone()),
            "updated_at" => Bind::Text(ts_text(r.updated_at)),
            "deleted_at" => Bind::Text(r.deleted_at.map(ts_text).unwrap_or_default()),
            _ => Bind::Float(self.rank.unwrap_or(0.0)),
        }
    }
}

const ROW_COLUMNS: &str = "a.id, a.slug, a.title, a.title_sort_key, a.summary, \
    a.occurred_on, a.date_precision, a.period_end, a.ends_on, a.part_of_day, a.location, a.category, \
    a.organizer_id, a.cluster_id, a.participants_count, a.byline, a.status, a.published_at, \
    a.deleted_at, a.created_at, a.updated_at, a.created_by, a.updated_by, a.version";

/// Who is looking: decides which states are visible.
#[derive(Debug, Clone)]
pub enum Viewer {
    Public,
    /// An editor, with the units whose activities it may edit (its own and those below).
    Editor {
        scope: Vec<i32>,
    },
    Admin,
}

impl Viewer {
    pub fn of(conn: &mut SqliteConnection, user: Option<&AuthUser>) -> QueryResult<Self> {
        Ok(match user {
            None => Viewer::Public,
            Some(u) if u.is_admin() => Viewer::Admin,
            Some(u) => match u.organization_id {
                Some(own) => {
                    let mut scope = tree::descendants(conn, own)?;
                    scope.push(own);
                    Viewer::Editor { scope }
                }
                None => Viewer::Public,
            },
        })
    }

    /// SQL condition (over a tag aliased `t`) for the tags this viewer may know of: anyone,
    /// those of public activities (published or archived); an editor, also those of the
    /// drafts it may edit; an admin, every tag. A tag carried only by drafts or the trash is
    /// nobody else's business, not even its name.
    pub fn tag_condition(&self) -> String {
        let public = "a.state IN ('published', 'archived')";
        let seen = match self {
            Viewer::Admin => return "1".into(),
            Viewer::Public => public.to_string(),
            Viewer::Editor { scope } => {
                // Unit ids come from the database, never from input: inlined as numbers.
                let ids: Vec<String> = scope.iter().map(i32::to_string).collect();
                format!(
                    "({public} OR (a.state = 'draft' AND a.organizer_id IN ({})))",
                    ids.join(", ")
                )
            }
        };
        format!(
            "EXISTS (SELECT 1 FROM activity_tags at JOIN activities a ON a.id = at.activity_id \
             WHERE at.tag_id = t.id AND {seen})"
        )
    }

    fn may_edit_organizer(&self, organizer: i32) -> bool {
        match self {
            Viewer::Admin => true,
            Viewer::Editor { scope } => scope.contains(&organizer),
            Viewer::Public => false,
        }
    }

    /// May this viewer see the row at all (drafts and trash only for its editors)?
    fn may_see(&self, row: &ActivityRow) -> bool {
        let public = row.deleted_at.is_none() && row.status != "draft";
        public || self.may_edit_organizer(row.organizer_id)
    }
}

fn parse_enum<T>(value: &str, parse: fn(&str) -> Option<T>, fallback: T) -> T {
    parse(value).unwrap_or(fallback)
}

fn utc(t: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

#[derive(QueryableByName)]
struct TagOfActivity {
    #[diesel(sql_type = Integer)]
    activity_id: i32,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name: String,
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn tags_of(conn: &mut SqliteConnection, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<TagRef>>> {
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

/// (activity id, url, caption, credit)
type PhotoRow = (i32, Option<String>, Option<String>, Option<String>);

/// (raw, number, type, issuer, department, issued on)
type DocumentRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

fn photos_of(
    conn: &mut SqliteConnection,
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
        ))
        .into_boxed();
    if first_only {
        q = q.filter(activity_photos::position.eq(0));
    }
    let rows: Vec<PhotoRow> = q.load(conn)?;
    let mut map: HashMap<i32, Vec<Photo>> = HashMap::new();
    for (id, url, caption, credit) in rows {
        map.entry(id).or_default().push(Photo {
            url,
            caption,
            credit,
        });
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
pub fn bodies_of(conn: &mut SqliteConnection, ids: &[i32]) -> QueryResult<HashMap<i32, Body>> {
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
/// for a search, the bodies the highlights are cut from).
fn summaries(
    conn: &mut SqliteConnection,
    rows: &[ActivityRow],
    terms: Option<&[String]>,
) -> QueryResult<Vec<ActivitySummary>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let organizer_ids: Vec<i32> = rows.iter().map(|r| r.organizer_id).collect();
    let orgs = orgs::refs(conn, &organizer_ids)?;
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
            ActivitySummary {
                id: i64::from(r.id),
                slug: r.slug.clone(),
                title: r.title.clone(),
                summary: r.summary.clone(),
                occurred_on: r.occurred_on,
                date_precision: parse_enum(
                    &r.date_precision,
                    DatePrecision::parse,
                    DatePrecision::Day,
                ),
                ends_on: r.ends_on,
                part_of_day: r.part_of_day.as_deref().and_then(PartOfDay::parse),
                location: r.location.clone(),
                category: parse_enum(&r.category, Category::parse, Category::Other),
                organizer,
                cluster_id: r.cluster_id.map(i64::from),
                tags: tag_list,
                photo: photos.remove(&r.id).and_then(|p| p.into_iter().next()),
                status: parse_enum(&r.status, Status::parse, Status::Draft),
                published_at: r.published_at.map(utc),
                updated_at: utc(r.updated_at),
                version: i64::from(r.version),
                highlight,
            }
        })
        .collect())
}

fn load_row(conn: &mut SqliteConnection, id: i32) -> ApiResult<ActivityRow> {
    Ok(activities::table
        .find(id)
        .select(ActivityRow::as_select())
        .first(conn)?)
}

/// Resolve an id-or-slug to a row, whatever its state.
pub fn find_row(conn: &mut SqliteConnection, key: &str) -> ApiResult<ActivityRow> {
    let q = activities::table
        .select(ActivityRow::as_select())
        .into_boxed();
    let q = match db::Key::parse(key) {
        db::Key::Id(id) => q.filter(activities::id.eq(id)),
        db::Key::Slug(slug) => q.filter(activities::slug.eq(slug)),
    };
    q.first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no activity '{key}'")))
}

/// A row the viewer may see, not in the trash; 404 otherwise (never 403: a draft stays secret).
pub fn find_visible(
    conn: &mut SqliteConnection,
    key: &str,
    viewer: &Viewer,
) -> ApiResult<ActivityRow> {
    let row = find_row(conn, key)?;
    if row.deleted_at.is_some() || !viewer.may_see(&row) {
        return Err(AppError::not_found(format!("there is no activity '{key}'")));
    }
    Ok(row)
}

/// A row the viewer may change: 404 if it cannot even see it, 403 if it can see but not edit.
fn find_editable(
    conn: &mut SqliteConnection,
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

/// The full representation of one activity.
pub fn detail(conn: &mut SqliteConnection, row: &ActivityRow) -> ApiResult<Activity> {
    let organizer = orgs::refs(conn, &[row.organizer_id])?
        .remove(&row.organizer_id)
        .ok_or_else(|| AppError::internal("organizer missing"))?;
    let body = bodies_of(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_default();
    #[derive(QueryableByName)]
    struct PartnerRow {
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        slug: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        role: String,
    }
    let partners: Vec<PartnerRow> = diesel::sql_query(
        "SELECT o.id, o.slug, o.name, p.role FROM activity_partners p JOIN organizations o ON o.id = p.organization_id \
         WHERE p.activity_id = ? ORDER BY p.position",
    )
    .bind::<Integer, _>(row.id)
    .load(conn)?;
    let cluster = match row.cluster_id {
        Some(cid) => clusters::table
            .find(cid)
            .select((clusters::id, clusters::slug, clusters::name))
            .first::<(i32, String, String)>(conn)
            .optional()?
            .map(|(id, slug, name)| ClusterRef {
                id: i64::from(id),
                slug,
                name,
            }),
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
        ))
        .load(conn)?;
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
                organization: OrgRef {
                    id: i64::from(p.id),
                    slug: p.slug,
                    name: p.name,
                },
                role: parse_enum(&p.role, PartnerRole::parse, PartnerRole::Participant),
            })
            .collect(),
        cluster,
        tags: tags_of(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default(),
        documents: documents
            .into_iter()
            .map(
                |(raw, number, doc_type, issuer, department, issued_on)| Document {
                    raw,
                    number,
                    doc_type,
                    issuer,
                    department,
                    issued_on,
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
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        created_by: row.created_by.map(i64::from),
        updated_by: row.updated_by.map(i64::from),
        version: i64::from(row.version),
    })
}

/// Resolve a filter's reference (organization, cluster, tag) or 404 naming the parameter.
fn resolve<T>(found: Option<T>, param: &str, value: &str, what: &str) -> ApiResult<T> {
    found.ok_or_else(|| {
        AppError::NotFound(format!(
            "query parameter `{param}`: there is no {what} '{value}'"
        ))
    })
}

/// The set of units a filter names: the unit, and with `include_descendants` those below it.
fn unit_set(conn: &mut SqliteConnection, id: i32, descendants: bool) -> QueryResult<Vec<i32>> {
    let mut set = vec![id];
    if descendants {
        set.extend(tree::descendants(conn, id)?);
    }
    Ok(set)
}

fn int_binds(ids: &[i32]) -> Vec<Bind> {
    ids.iter().map(|i| Bind::Int(i64::from(*i))).collect()
}

/// Build the list query (also used by the query-plan test and the feeds).
pub fn list_sql(
    conn: &mut SqliteConnection,
    query: &ListActivitiesQuery,
    viewer: &Viewer,
    sort_by_relevance: bool,
    scope_organization: Option<i32>,
) -> ApiResult<(ListSql, Option<search::SearchQuery>)> {
    let search = query.q.as_deref().map(search::parse).transpose()?.flatten();
    let columns = if sort_by_relevance && search.is_some() {
        format!("{ROW_COLUMNS}, f.rank AS rank")
    } else {
        format!("{ROW_COLUMNS}, NULL AS rank")
    };
    let mut q = ListSql::new(&columns, "activities a", "a.id");
    if sort_by_relevance {
        match &search {
            Some(s) => search::join_ranked(&mut q, "a.id", SEARCH_TABLE, "f", s),
            None => {
                return Err(AppError::bad_param(
                    "sort",
                    "'relevance' needs a search: give `q`",
                ));
            }
        }
    }
    // Visibility: which states, for whom.
    let wanted: Vec<Status> = query
        .status
        .clone()
        .unwrap_or_else(|| vec![Status::Published]);
    let public: Vec<&str> = wanted
        .iter()
        .filter(|s| **s != Status::Draft)
        .map(|s| s.as_str())
        .collect();
    let drafts = wanted.contains(&Status::Draft);
    let state_clause = |states: &[&str]| -> (String, Vec<Bind>) {
        match states {
            [one] => ("a.state = ?".to_string(), vec![Bind::from(*one)]),
            many => (
                format!("a.state IN ({})", placeholders(many.len())),
                many.iter().map(|s| Bind::from(*s)).collect(),
            ),
        }
    };
    match (viewer, drafts) {
        (Viewer::Admin, _) => {
            let all: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
            let (c, b) = state_clause(&all);
            q.filter(c, b);
        }
        (Viewer::Editor { scope }, true) => {
            let (c, mut b) = if public.is_empty() {
                ("0".to_string(), vec![])
            } else {
                state_clause(&public)
            };
            b.extend(int_binds(scope));
            q.filter(
                format!(
                    "({c} OR (a.state = 'draft' AND a.organizer_id IN ({})))",
                    placeholders(scope.len())
                ),
                b,
            );
        }
        _ => {
            if public.is_empty() {
                q.filter("0", []);
            } else {
                let (c, b) = state_clause(&public);
                q.filter(c, b);
            }
        }
    }
    if let Some(scope_id) = scope_organization {
        let set = unit_set(conn, scope_id, query.include_descendants == Some(true))?;
        organization_filter(&mut q, &set);
    }
    if let Some(org) = &query.organization {
        let id = resolve(
            tree::lookup_organization(conn, org)?,
            "organization",
            org,
            "organization",
        )?;
        let set = unit_set(conn, id, query.include_descendants == Some(true))?;
        organization_filter(&mut q, &set);
    }
    if let Some(org) = &query.organizer {
        let id = resolve(
            tree::lookup_organization(conn, org)?,
            "organizer",
            org,
            "organization",
        )?;
        if query.include_descendants == Some(true) {
            let set = unit_set(conn, id, true)?;
            let marks = placeholders(set.len());
            q.filter_split(
                format!("+a.organizer_id IN ({marks})"),
                format!("a.organizer_id IN ({marks})"),
                int_binds(&set),
            );
        } else {
            q.filter("a.organizer_id = ?", [Bind::Int(i64::from(id))]);
        }
    }
    if query.include_descendants.is_some()
        && query.organization.is_none()
        && query.organizer.is_none()
        && scope_organization.is_none()
    {
        return Err(AppError::bad_param(
            "include_descendants",
            "needs `organization` or `organizer`: the unit whose subtree to include",
        ));
    }
    if let Some(cluster) = &query.cluster {
        let id = resolve(
            tree::lookup_cluster(conn, cluster)?,
            "cluster",
            cluster,
            "cluster",
        )?;
        q.filter("a.cluster_id = ?", [Bind::Int(i64::from(id))]);
    }
    if let Some(categories) = &query.category {
        let binds: Vec<Bind> = categories.iter().map(|c| Bind::from(c.as_str())).collect();
        if let [one] = binds.as_slice() {
            q.filter("a.category = ?", [one.clone()]);
        } else {
            q.filter_in("+a.category", binds);
        }
    }
    if let Some(slugs) = &query.tag {
        for slug in slugs {
            let id = resolve(
                visible_tag(conn, slug, viewer)?.map(|(id, _)| id),
                "tag",
                slug,
                "tag",
            )?;
            q.filter_in_set(
                "a.id",
                "SELECT activity_id FROM activity_tags WHERE tag_id = ?",
                [Bind::Int(i64::from(id))],
            );
        }
    }
    if let Some(from) = query.occurred_from {
        q.filter(
            "a.occurred_on >= ?",
            [Bind::Text(from.format("%F").to_string())],
        );
    }
    if let Some(to) = query.occurred_to {
        let to = Bind::Text(to.format("%F").to_string());
        q.filter("a.occurred_on <= ? AND a.period_end <= ?", [to.clone(), to]);
    }
    if let (Some(from), Some(to)) = (query.occurred_from, query.occurred_to) {
        if to < from {
            return Err(AppError::bad_param(
                "occurred_to",
                "must not be before occurred_from",
            ));
        }
    }
    if let Some(s) = &search {
        if !sort_by_relevance {
            search::filter(&mut q, "a.id", SEARCH_TABLE, s);
        }
    }
    Ok((q, search))
}

/// As organizer or in any partner role, for a set of units: one set of ids from two index
/// lookups, probed from the sort index on pages and driving the count. (`UNION ALL`: the `IN`
/// set removes duplicates without a sort.)
fn organization_filter(q: &mut ListSql, set: &[i32]) {
    let marks = placeholders(set.len());
    let mut binds = int_binds(set);
    binds.extend(int_binds(set));
    q.filter_in_set(
        "a.id",
        &format!(
            "SELECT id FROM activities WHERE organizer_id IN ({marks}) \
             UNION ALL SELECT activity_id FROM activity_partners WHERE organization_id IN ({marks})"
        ),
        binds,
    );
}

/// One page of activities, the exact total and the keyset of the next page.
pub fn list(
    conn: &mut SqliteConnection,
    query: &ListActivitiesQuery,
    list: &ListRequest,
    viewer: &Viewer,
    scope_organization: Option<i32>,
) -> ApiResult<(Vec<ActivitySummary>, i64, Option<Vec<Bind>>)> {
    let relevance = list.sort.iter().any(|k| k.name == "relevance");
    let (q, search) = list_sql(conn, query, viewer, relevance, scope_organization)?;
    let rows: Vec<ListRow> = sql::load(conn, &q.page(&list.order(), &list.window()))?;
    let total = sql::count(conn, &q.count())?;
    let (rows, next) = list.split(rows);
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    let data = summaries(conn, &rows, search.as_ref().map(|s| s.terms.as_slice()))?;
    Ok((data, total, next))
}

/// The time of the latest change to any activity or organization (whatever its state): a
/// feed's `Last-Modified`, which must move forward when an entry leaves a feed too. One index
/// seek per state.
pub fn last_change(conn: &mut SqliteConnection) -> QueryResult<Option<NaiveDateTime>> {
    // Names shown in a feed (its title, each entry's organizer) change with these rows too.
    let mut latest: Option<NaiveDateTime> = organizations::table
        .select(diesel::dsl::max(organizations::updated_at))
        .first(conn)?;
    let cluster: Option<NaiveDateTime> = clusters::table
        .select(diesel::dsl::max(clusters::updated_at))
        .first(conn)?;
    latest = latest.max(cluster);
    for state in ["draft", "published", "archived", "trash"] {
        let t: Option<NaiveDateTime> = activities::table
            .filter(activities::state.eq(state))
            .select(diesel::dsl::max(activities::updated_at))
            .first(conn)?;
        latest = latest.max(t);
    }
    Ok(latest)
}

/// An entry of a feed: the row (for the times), its body and its summary.
pub struct FeedItem {
    pub row: ActivityRow,
    pub body_html: Option<String>,
    pub summary: ActivitySummary,
}

/// The newest published activities under the list's filters, for the feeds: newest
/// publication first, at most `limit`.
pub fn feed(
    conn: &mut SqliteConnection,
    query: &ListActivitiesQuery,
    limit: i64,
) -> ApiResult<Vec<FeedItem>> {
    let (q, _) = list_sql(conn, query, &Viewer::Public, false, None)?;
    let order = [(
        "coalesce(a.published_at, '')".to_string(),
        crate::db::list::Dir::Desc,
    )];
    let stmt = q.page(
        &order,
        &crate::db::list::Window::Offset { offset: 0, limit },
    );
    let rows: Vec<ListRow> = sql::load(conn, &stmt)?;
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    let summaries = summaries(conn, &rows, None)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut bodies = bodies_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .zip(summaries)
        .map(|(row, summary)| FeedItem {
            body_html: bodies.remove(&row.id).and_then(|b| b.body_html),
            row,
            summary,
        })
        .collect())
}

/// The statements a list request runs (page and count), for the query-plan test.
pub fn list_statements(
    conn: &mut SqliteConnection,
    query: &ListActivitiesQuery,
    list: &ListRequest,
    viewer: &Viewer,
) -> ApiResult<Vec<Statement>> {
    let relevance = list.sort.iter().any(|k| k.name == "relevance");
    let (q, _) = list_sql(conn, query, viewer, relevance, None)?;
    Ok(vec![q.page(&list.order(), &list.window()), q.count()])
}

// ---------------------------------------------------------------- writes

fn check_references(conn: &mut SqliteConnection, f: &ActivityFields) -> ApiResult<()> {
    let mut errors = f.validate();
    let org_exists = |conn: &mut SqliteConnection, id: i64| -> QueryResult<bool> {
        match i32::try_from(id) {
            Ok(id) => {
                diesel::select(diesel::dsl::exists(organizations::table.find(id))).get_result(conn)
            }
            Err(_) => Ok(false),
        }
    };
    if !org_exists(conn, f.organizer_id)? {
        errors.push(FieldError::new(
            "/organizer_id",
            format!("there is no organization {}", f.organizer_id),
        ));
    }
    for (i, p) in f.partners.iter().enumerate() {
        if !org_exists(conn, p.organization_id)? {
            errors.push(FieldError::new(
                format!("/partners/{i}/organization_id"),
                format!("there is no organization {}", p.organization_id),
            ));
        }
    }
    if let Some(c) = f.cluster_id {
        let exists = match i32::try_from(c) {
            Ok(c) => {
                diesel::select(diesel::dsl::exists(clusters::table.find(c))).get_result(conn)?
            }
            Err(_) => false,
        };
        if !exists {
            errors.push(FieldError::new(
                "/cluster_id",
                format!("there is no cluster {c}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Find or create the tags named, in order.
fn tag_ids(conn: &mut SqliteConnection, names: &[String]) -> QueryResult<Vec<(i32, String)>> {
    let mut out = Vec::new();
    for name in names {
        let slug = text::slugify(name);
        let found: Option<(i32, String)> = tags::table
            .filter(tags::slug.eq(&slug))
            .select((tags::id, tags::name))
            .first(conn)
            .optional()?;
        let entry = match found {
            Some(t) => t,
            None => {
                let id: i32 = diesel::insert_into(tags::table)
                    .values((
                        tags::slug.eq(&slug),
                        tags::name.eq(name),
                        tags::sort_key.eq(text::sort_key(name)),
                        tags::created_at.eq(db::now()),
                    ))
                    .returning(tags::id)
                    .get_result(conn)?;
                (id, name.clone())
            }
        };
        out.push(entry);
    }
    Ok(out)
}

/// Write the row, its children, its search entry and a revision; returns the new detail.
fn store(
    conn: &mut SqliteConnection,
    existing: Option<&ActivityRow>,
    slug: Option<String>,
    f: &ActivityFields,
    user: &AuthUser,
    note: Option<&str>,
) -> ApiResult<Activity> {
    check_references(conn, f)?;
    let now = db::now();
    let published_at = match (f.status, f.published_at) {
        (_, Some(t)) => Some(t.naive_utc()),
        (Status::Draft, None) => None,
        (_, None) => existing.and_then(|e| e.published_at).or(Some(now)),
    };
    let body_html = f.body.as_deref().map(render::markdown_to_html);
    let values = (
        activities::title.eq(&f.title),
        activities::title_sort_key.eq(text::sort_key(&f.title)),
        activities::summary.eq(&f.summary),
        activities::occurred_on.eq(f.occurred_on),
        activities::date_precision.eq(f.date_precision.as_str()),
        activities::period_end.eq(f.period_end()),
        activities::ends_on.eq(f.ends_on),
        activities::part_of_day.eq(f.part_of_day.map(|p| p.as_str())),
        activities::location.eq(&f.location),
        activities::category.eq(f.category.as_str()),
        activities::organizer_id.eq(f.organizer_id as i32),
        activities::cluster_id.eq(f.cluster_id.map(|c| c as i32)),
        activities::participants_count.eq(f.participants_count.map(|n| n as i32)),
        activities::byline.eq(&f.byline),
        activities::status.eq(f.status.as_str()),
        activities::published_at.eq(published_at),
        activities::updated_at.eq(now),
        activities::updated_by.eq(Some(user.id)),
    );
    let id: i32 = match existing {
        Some(row) => {
            diesel::update(activities::table.find(row.id))
                .set((values, activities::version.eq(row.version + 1)))
                .execute(conn)?;
            row.id
        }
        None => {
            let slug = crate::db::slugs::choose(conn, "activities", slug, &f.title)?;
            diesel::insert_into(activities::table)
                .values((
                    values,
                    activities::slug.eq(slug),
                    activities::created_at.eq(now),
                    activities::created_by.eq(Some(user.id)),
                    activities::version.eq(1),
                ))
                .returning(activities::id)
                .get_result(conn)?
        }
    };
    diesel::insert_into(activity_bodies::table)
        .values((
            activity_bodies::activity_id.eq(id),
            activity_bodies::body.eq(&f.body),
            activity_bodies::body_html.eq(&body_html),
        ))
        .on_conflict(activity_bodies::activity_id)
        .do_update()
        .set((
            activity_bodies::body.eq(&f.body),
            activity_bodies::body_html.eq(&body_html),
        ))
        .execute(conn)?;
    replace_children(conn, id, f)?;
    let row = load_row(conn, id)?;
    let activity = detail(conn, &row)?;
    index(conn, &activity)?;
    diesel::insert_into(activity_revisions::table)
        .values((
            activity_revisions::activity_id.eq(id),
            activity_revisions::version.eq(row.version),
            activity_revisions::state
                .eq(serde_json::to_string(&activity).map_err(AppError::internal)?),
            activity_revisions::changed_by.eq(Some(&user.username)),
            activity_revisions::changed_at.eq(now),
            activity_revisions::note.eq(note),
        ))
        .execute(conn)?;
    Ok(activity)
}

fn replace_children(conn: &mut SqliteConnection, id: i32, f: &ActivityFields) -> ApiResult<()> {
    diesel::sql_query("DELETE FROM activity_partners WHERE activity_id = ?")
        .bind::<Integer, _>(id)
        .execute(conn)?;
    diesel::sql_query("DELETE FROM activity_tags WHERE activity_id = ?")
        .bind::<Integer, _>(id)
        .execute(conn)?;
    diesel::delete(activity_documents::table.filter(activity_documents::activity_id.eq(id)))
        .execute(conn)?;
    diesel::delete(activity_photos::table.filter(activity_photos::activity_id.eq(id)))
        .execute(conn)?;
    for (i, p) in f.partners.iter().enumerate() {
        diesel::sql_query("INSERT INTO activity_partners (activity_id, organization_id, role, position) VALUES (?, ?, ?, ?)")
            .bind::<Integer, _>(id)
            .bind::<BigInt, _>(p.organization_id)
            .bind::<Text, _>(p.role.as_str())
            .bind::<Integer, _>(i as i32)
            .execute(conn)?;
    }
    for (i, (tag_id, _)) in tag_ids(conn, &f.tags)?.into_iter().enumerate() {
        diesel::sql_query(
            "INSERT INTO activity_tags (activity_id, tag_id, position) VALUES (?, ?, ?)",
        )
        .bind::<Integer, _>(id)
        .bind::<Integer, _>(tag_id)
        .bind::<Integer, _>(i as i32)
        .execute(conn)?;
    }
    for (i, raw) in f.documents.iter().enumerate() {
        let parsed = render::parse_document(raw);
        diesel::insert_into(activity_documents::table)
            .values((
                activity_documents::activity_id.eq(id),
                activity_documents::position.eq(i as i32),
                activity_documents::raw.eq(raw),
                activity_documents::number.eq(parsed.number),
                activity_documents::doc_type.eq(parsed.doc_type),
                activity_documents::issuer.eq(parsed.issuer),
                activity_documents::department.eq(parsed.department),
                activity_documents::issued_on.eq(parsed.issued_on),
            ))
            .execute(conn)?;
    }
    for (i, p) in f.photos.iter().enumerate() {
        diesel::insert_into(activity_photos::table)
            .values((
                activity_photos::activity_id.eq(id),
                activity_photos::position.eq(i as i32),
                activity_photos::url.eq(&p.url),
                activity_photos::caption.eq(&p.caption),
                activity_photos::credit.eq(&p.credit),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The searchable text of an activity. The first [`RANKED_TEXTS`] (title, summary, place,
/// organizer) also rank by exact diacritics; tags and the body only match folded.
pub fn search_texts(a: &Activity) -> Vec<String> {
    texts_of(
        &a.title,
        a.summary.as_deref(),
        a.location.as_deref(),
        &a.organizer.name,
        a.tags.iter().map(|t| t.name.as_str()),
        a.body.as_deref(),
    )
}

fn texts_of<'a>(
    title: &str,
    summary: Option<&str>,
    location: Option<&str>,
    organizer: &str,
    tags: impl Iterator<Item = &'a str>,
    body: Option<&str>,
) -> Vec<String> {
    let mut texts = vec![
        title.to_string(),
        summary.unwrap_or_default().to_string(),
        location.unwrap_or_default().to_string(),
        organizer.to_string(),
    ];
    texts.extend(tags.map(str::to_string));
    texts.extend(body.map(str::to_string));
    texts
}

/// How many of [`search_texts`] go into the exact (ranking) column.
pub const RANKED_TEXTS: usize = 4;

/// Re-index the activities a unit organized (its name is part of their searchable text), 500
/// at a time: three queries to read a page, whatever its size (not a detail per activity).
pub fn reindex_organizer(conn: &mut SqliteConnection, organizer_id: i32) -> ApiResult<()> {
    let organizer = orgs::refs(conn, &[organizer_id])?
        .remove(&organizer_id)
        .ok_or_else(|| AppError::internal("organizer missing"))?;
    let mut after = 0;
    loop {
        let rows: Vec<ActivityRow> = activities::table
            .filter(activities::organizer_id.eq(organizer_id))
            .filter(activities::id.gt(after))
            .order(activities::id)
            .limit(500)
            .select(ActivityRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        let tags = tags_of(conn, &ids)?;
        let bodies = bodies_of(conn, &ids)?;
        for r in &rows {
            let texts = texts_of(
                &r.title,
                r.summary.as_deref(),
                r.location.as_deref(),
                &organizer.name,
                tags.get(&r.id)
                    .into_iter()
                    .flatten()
                    .map(|t| t.name.as_str()),
                bodies.get(&r.id).and_then(|b| b.body.as_deref()),
            );
            index_texts(conn, r.id, &texts)?;
        }
    }
}

fn index(conn: &mut SqliteConnection, a: &Activity) -> QueryResult<()> {
    index_texts(conn, a.id, &search_texts(a))
}

fn index_texts(
    conn: &mut SqliteConnection,
    id: impl Into<i64>,
    texts: &[String],
) -> QueryResult<()> {
    let refs: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
    search::index(conn, SEARCH_TABLE, id.into(), &refs, RANKED_TEXTS)
}

fn forbid_unless_may_write_for(viewer: &Viewer, organizer_id: i64) -> ApiResult<()> {
    // An id beyond any row's names no unit: the reference check answers that with a 422.
    let ok = i32::try_from(organizer_id).map_or(true, |id| viewer.may_edit_organizer(id));
    if ok {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "an editor may write only the activities of its own unit and of the units below it"
                .into(),
        ))
    }
}

pub fn create(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    slug: Option<String>,
    f: ActivityFields,
) -> ApiResult<Activity> {
    if let Some(s) = &slug {
        if !text::is_valid_slug(s) {
            return Err(AppError::invalid(
                "/slug",
                "must match ^[a-z0-9]+(-[a-z0-9]+)*$, be at most 100 characters and not all digits",
            ));
        }
    }
    conn.immediate_transaction(|conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        forbid_unless_may_write_for(&viewer, f.organizer_id)?;
        store(conn, None, slug, &f, user, None)
    })
}

pub fn update(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    key: &str,
    patch: UpdateActivity,
    if_match: Option<String>,
) -> ApiResult<Activity> {
    conn.immediate_transaction(|conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        let current = detail(conn, &row)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&current)?)?;
        let clears_published_at = matches!(patch.published_at, Patch::Null);
        let fields = ActivityFields::from_activity(&current).patched(patch);
        forbid_unless_may_write_for(&viewer, fields.organizer_id)?;
        if clears_published_at && fields.status != Status::Draft {
            // Not silently kept (and no empty revision): a public activity has a publication
            // time; unpublishing is `status: draft`.
            return Err(AppError::invalid(
                "/published_at",
                "cannot be cleared while the activity is published or archived; set status to draft to unpublish",
            ));
        }
        if fields == ActivityFields::from_activity(&current) {
            return Ok(current);
        }
        store(conn, Some(&row), None, &fields, user, None)
    })
}

/// Move to the trash.
pub fn trash(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    key: &str,
    if_match: Option<String>,
) -> ApiResult<()> {
    conn.immediate_transaction(|conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&detail(conn, &row)?)?)?;
        diesel::update(activities::table.find(row.id))
            .set((
                activities::deleted_at.eq(Some(db::now())),
                activities::updated_at.eq(db::now()),
                activities::updated_by.eq(Some(user.id)),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Bring one back from the trash.
pub fn restore(conn: &mut SqliteConnection, user: &AuthUser, key: &str) -> ApiResult<Activity> {
    conn.immediate_transaction(|conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, true)?;
        diesel::update(activities::table.find(row.id))
            .set((
                activities::deleted_at.eq(None::<NaiveDateTime>),
                activities::updated_at.eq(db::now()),
                activities::updated_by.eq(Some(user.id)),
            ))
            .execute(conn)?;
        let row = load_row(conn, row.id)?;
        detail(conn, &row)
    })
}

/// Remove from the trash for good (admins only; checked by the handler's extractor).
pub fn purge(conn: &mut SqliteConnection, key: &str) -> ApiResult<()> {
    conn.immediate_transaction(|conn| {
        let row = find_row(conn, key)?;
        if row.deleted_at.is_none() {
            return Err(AppError::not_found(format!(
                "there is no activity '{key}' in the trash"
            )));
        }
        search::unindex(conn, SEARCH_TABLE, i64::from(row.id))?;
        diesel::delete(activities::table.find(row.id)).execute(conn)?;
        Ok(())
    })
}

/// The trash the caller may edit, newest deletion first.
pub fn list_trash(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    list: &ListRequest,
) -> ApiResult<(Vec<ActivitySummary>, i64, Option<Vec<Bind>>)> {
    let viewer = Viewer::of(conn, Some(user))?;
    let mut q = ListSql::new(
        &format!("{ROW_COLUMNS}, NULL AS rank"),
        "activities a",
        "a.id",
    );
    q.filter("a.state = 'trash'", []);
    if let Viewer::Editor { scope } = &viewer {
        q.filter(
            format!("a.organizer_id IN ({})", placeholders(scope.len())),
            int_binds(scope),
        );
    }
    let rows: Vec<ListRow> = sql::load(conn, &q.page(&list.order(), &list.window()))?;
    let total = sql::count(conn, &q.count())?;
    let (rows, next) = list.split(rows);
    let rows: Vec<ActivityRow> = rows.into_iter().map(|r| r.activity).collect();
    Ok((summaries(conn, &rows, None)?, total, next))
}

pub const TRASH_SORTS: Sortable = Sortable {
    fields: &[
        ("deleted_at", "a.deleted_at"),
        ("updated_at", "a.updated_at"),
    ],
    default: "-deleted_at",
};

// ---------------------------------------------------------------- revisions

#[derive(Queryable)]
struct RevisionRow {
    version: i32,
    state: String,
    changed_by: Option<String>,
    changed_at: NaiveDateTime,
    note: Option<String>,
}

impl RevisionRow {
    fn info(&self) -> RevisionInfo {
        RevisionInfo {
            version: i64::from(self.version),
            changed_by: self.changed_by.clone(),
            changed_at: utc(self.changed_at),
            note: self.note.clone(),
        }
    }
}

fn revision_rows(
    conn: &mut SqliteConnection,
    id: i32,
    version: Option<i64>,
) -> QueryResult<Vec<RevisionRow>> {
    let mut q = activity_revisions::table
        .filter(activity_revisions::activity_id.eq(id))
        .order(activity_revisions::version.desc())
        .select((
            activity_revisions::version,
            activity_revisions::state,
            activity_revisions::changed_by,
            activity_revisions::changed_at,
            activity_revisions::note,
        ))
        .into_boxed();
    if let Some(v) = version {
        // A number beyond i32 names no version (a cast would wrap 2^32 + 1 to 1).
        let Ok(v) = i32::try_from(v) else {
            return Ok(Vec::new());
        };
        q = q.filter(activity_revisions::version.eq(v));
    }
    q.load(conn)
}

pub fn revisions(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    key: &str,
) -> ApiResult<Vec<RevisionInfo>> {
    let viewer = Viewer::of(conn, Some(user))?;
    let row = find_editable(conn, key, &viewer, false)?;
    Ok(revision_rows(conn, row.id, None)?
        .iter()
        .map(RevisionRow::info)
        .collect())
}

pub fn revision(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    key: &str,
    n: i64,
) -> ApiResult<Revision> {
    let viewer = Viewer::of(conn, Some(user))?;
    let row = find_editable(conn, key, &viewer, false)?;
    let rev = revision_rows(conn, row.id, Some(n))?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("activity '{key}' has no version {n}")))?;
    let state: Activity = serde_json::from_str(&rev.state).map_err(AppError::internal)?;
    Ok(Revision {
        info: rev.info(),
        state,
    })
}

/// Make version `n` the current state again (itself a new revision).
pub fn restore_revision(
    conn: &mut SqliteConnection,
    user: &AuthUser,
    key: &str,
    n: i64,
    if_match: Option<String>,
) -> ApiResult<Activity> {
    conn.immediate_transaction(|conn| {
        let viewer = Viewer::of(conn, Some(user))?;
        let row = find_editable(conn, key, &viewer, false)?;
        let current = detail(conn, &row)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&current)?)?;
        let rev = revision_rows(conn, row.id, Some(n))?
            .pop()
            .ok_or_else(|| AppError::not_found(format!("activity '{key}' has no version {n}")))?;
        let state: Activity = serde_json::from_str(&rev.state).map_err(AppError::internal)?;
        let fields = ActivityFields::from_activity(&state);
        forbid_unless_may_write_for(&viewer, fields.organizer_id)?;
        // A unit, partner or cluster of the old state may be gone since: that is a 422.
        store(
            conn,
            Some(&row),
            None,
            &fields,
            user,
            Some(&format!("restored from version {n}")),
        )
    })
}

// ---------------------------------------------------------------- vocabularies

pub fn category_counts(conn: &mut SqliteConnection) -> QueryResult<Vec<CategoryCount>> {
    let rows: Vec<(String, i64)> = activities::table
        .filter(activities::state.eq("published"))
        .group_by(activities::category)
        .select((activities::category, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<String, i64> = rows.into_iter().collect();
    Ok(Category::ALL
        .iter()
        .map(|c| CategoryCount {
            code: *c,
            label: c.label(),
            count: counts.get(c.as_str()).copied().unwrap_or(0),
        })
        .collect())
}

/// The tag with this slug, if the viewer may know of it (see [`Viewer::tag_condition`]):
/// its id and name.
pub fn visible_tag(
    conn: &mut SqliteConnection,
    slug: &str,
    viewer: &Viewer,
) -> QueryResult<Option<(i32, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let row: Option<Row> = diesel::sql_query(format!(
        "SELECT t.id, t.name FROM tags t WHERE t.slug = ? AND {}",
        viewer.tag_condition()
    ))
    .bind::<Text, _>(slug)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| (r.id, r.name)))
}

pub fn tag_counts(
    conn: &mut SqliteConnection,
    q: Option<&str>,
    by_name: bool,
    viewer: &Viewer,
) -> ApiResult<Vec<TagCount>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        slug: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let order = if by_name {
        "t.sort_key, t.id"
    } else {
        "count DESC, t.sort_key, t.id"
    };
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT t.slug, t.name, (SELECT count(*) FROM activity_tags at JOIN activities a ON a.id = at.activity_id \
             WHERE at.tag_id = t.id AND a.state = 'published') AS count \
         FROM tags t WHERE {visible} ORDER BY {order}",
        visible = viewer.tag_condition()
    ))
    .load(conn)?;
    let terms: Vec<String> = q
        .map(|q| {
            text::words(&text::fold(q))
                .into_iter()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter(|r| {
            let words = text::fold(&r.name);
            let words: Vec<&str> = text::words(&words);
            terms
                .iter()
                .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        })
        .map(|r| TagCount {
            slug: r.slug,
            name: r.name,
            count: r.count,
        })
        .collect())
}
