//! Cluster rows, rosters, rankings and annual results.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::SqliteConnection;

use crate::db::list::{self as sql, Bind, ListSql, Statement};
use crate::db::schema::{cluster_members, cluster_results, clusters};
use crate::db::{self, search, tree};
use crate::error::{ApiResult, AppError, FieldError};
use crate::http::body::Patch;
use crate::http::etag;
use crate::http::list::{KeysetRow, ListRequest, Sortable};
use crate::text;
use crate::vocab::OrgRef;
use crate::vocab::{Category, ClusterRef};

use super::dto::*;

pub const SEARCH_TABLE: &str = "clusters_fts";

pub const SORTS: Sortable = Sortable {
    fields: &[("number", "c.number"), ("name", "c.sort_key")],
    default: "number",
};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = clusters)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct ClusterRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub number: i32,
    pub bloc_id: i32,
    pub description: Option<String>,
    pub active: bool,
    pub sort_key: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl KeysetRow for ClusterRow {
    fn id(&self) -> i64 {
        i64::from(self.id)
    }
    fn sort_value(&self, sort_name: &str) -> Bind {
        match sort_name {
            "number" => Bind::Int(i64::from(self.number)),
            _ => Bind::blob(self.sort_key.clone()),
        }
    }
}

fn cluster_ref(row: &ClusterRow) -> ClusterRef {
    ClusterRef {
        id: i64::from(row.id),
        slug: row.slug.clone(),
        name: row.name.clone(),
    }
}

pub fn to_dto(conn: &mut SqliteConnection, row: &ClusterRow, base: &str) -> QueryResult<Cluster> {
    Ok(dtos(conn, std::slice::from_ref(row), base)?.remove(0))
}

/// The representations of some clusters, their blocs loaded in one query (no N+1 on lists).
fn dtos(conn: &mut SqliteConnection, rows: &[ClusterRow], base: &str) -> QueryResult<Vec<Cluster>> {
    let blocs = crate::organizations::repo::refs(
        conn,
        &rows.iter().map(|r| r.bloc_id).collect::<Vec<_>>(),
    )?;
    rows.iter()
        .map(|row| {
            Ok(Cluster {
                id: i64::from(row.id),
                slug: row.slug.clone(),
                name: row.name.clone(),
                number: i64::from(row.number),
                bloc_id: i64::from(row.bloc_id),
                bloc: blocs
                    .get(&row.bloc_id)
                    .cloned()
                    .ok_or(diesel::result::Error::NotFound)?,
                description: row.description.clone(),
                active: row.active,
                created_at: row.created_at.and_utc(),
                updated_at: row.updated_at.and_utc(),
                version: i64::from(row.version),
                feeds: crate::http::links::FeedLinks::filtered(base, "cluster", &row.slug),
            })
        })
        .collect()
}

pub fn find(conn: &mut SqliteConnection, key: &str) -> ApiResult<ClusterRow> {
    let q = clusters::table.select(ClusterRow::as_select()).into_boxed();
    let q = match db::Key::parse(key) {
        db::Key::Id(id) => q.filter(clusters::id.eq(id)),
        db::Key::Slug(slug) => q.filter(clusters::slug.eq(slug)),
    };
    q.first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("there is no cluster '{key}'")))
}

pub fn list(
    conn: &mut SqliteConnection,
    query: &ListClustersQuery,
    list: &ListRequest,
    base: &str,
) -> ApiResult<(Vec<Cluster>, i64, Option<Vec<Bind>>)> {
    let mut q = ListSql::new("c.*", "clusters c", "c.id");
    if let Some(bloc) = &query.bloc {
        let id = tree::lookup_organization(conn, bloc)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "query parameter `bloc`: there is no organization '{bloc}'"
            ))
        })?;
        q.filter("c.bloc_id = ?", [Bind::Int(i64::from(id))]);
    }
    if let Some(year) = query.year {
        q.filter_in_set(
            "c.id",
            "SELECT cluster_id FROM cluster_members WHERE year = ?",
            [Bind::Int(i64::from(year))],
        );
    }
    if let Some(active) = query.active {
        q.filter("c.active = ?", [Bind::Int(i64::from(active))]);
    }
    if let Some(s) = query.q.as_deref().map(search::parse).transpose()?.flatten() {
        search::filter(&mut q, "c.id", SEARCH_TABLE, &s);
    }
    let rows: Vec<ClusterRow> = sql::load(conn, &q.page(&list.order(), &list.window()))?;
    let total = sql::count(conn, &q.count())?;
    let (rows, next) = list.split(rows);
    Ok((dtos(conn, &rows, base)?, total, next))
}

fn index(conn: &mut SqliteConnection, row: &ClusterRow) -> QueryResult<()> {
    search::index(
        conn,
        SEARCH_TABLE,
        i64::from(row.id),
        &[Some(&row.name), row.description.as_deref()],
        2,
    )
}

fn check(name: &str, number: i64, description: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("/name", "must be 1 to 200 characters"));
    }
    if !(1..=1000).contains(&number) {
        errors.push(FieldError::new("/number", "must be between 1 and 1000"));
    }
    if description.is_some_and(|d| d.chars().count() > 2000) {
        errors.push(FieldError::new(
            "/description",
            "must be at most 2000 characters",
        ));
    }
    errors
}

fn number_taken(
    conn: &mut SqliteConnection,
    bloc: i32,
    number: i32,
    except: Option<i32>,
) -> ApiResult<()> {
    let other: Option<String> = clusters::table
        .filter(clusters::bloc_id.eq(bloc))
        .filter(clusters::number.eq(number))
        .filter(clusters::id.ne(except.unwrap_or(0)))
        .select(clusters::name)
        .first(conn)
        .optional()?;
    match other {
        Some(name) => Err(AppError::Conflict {
            detail: format!("the bloc already has cluster number {number}: '{name}'"),
            errors: vec![FieldError::new("/number", "is taken in this bloc")],
        }),
        None => Ok(()),
    }
}

pub fn create(conn: &mut SqliteConnection, input: &CreateCluster) -> ApiResult<ClusterRow> {
    let name = text::clean(&input.name);
    let description = text::clean_opt(input.description.as_deref());
    let mut errors = check(&name, input.number, description.as_deref());
    if let Some(s) = &input.slug {
        if !text::is_valid_slug(s) {
            errors.push(FieldError::new(
                "/slug",
                "must match ^[a-z0-9]+(-[a-z0-9]+)*$, be at most 100 characters and not all digits",
            ));
        }
    }
    conn.immediate_transaction(|conn| {
        // A database error is a 500 (propagated), not a "no such organization".
        let bloc = match i32::try_from(input.bloc_id) {
            Ok(id) => tree::lookup_organization(conn, &id.to_string())?.map(|_| id),
            Err(_) => None,
        };
        if bloc.is_none() {
            errors.push(FieldError::new(
                "/bloc_id",
                format!("there is no organization {}", input.bloc_id),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let bloc = bloc.unwrap_or_default();
        number_taken(conn, bloc, input.number as i32, None)?;
        let slug = crate::db::slugs::choose(conn, "clusters", input.slug.clone(), &name)?;
        let now = db::now();
        let id: i32 = diesel::insert_into(clusters::table)
            .values((
                clusters::slug.eq(&slug),
                clusters::name.eq(&name),
                clusters::number.eq(input.number as i32),
                clusters::bloc_id.eq(bloc),
                clusters::description.eq(&description),
                clusters::active.eq(input.active),
                clusters::sort_key.eq(text::sort_key(&name)),
                clusters::created_at.eq(now),
                clusters::updated_at.eq(now),
                clusters::version.eq(1),
            ))
            .returning(clusters::id)
            .get_result(conn)?;
        let row = find(conn, &id.to_string())?;
        index(conn, &row)?;
        Ok(row)
    })
}

pub fn update(
    conn: &mut SqliteConnection,
    key: &str,
    patch: UpdateCluster,
    if_match: Option<String>,
    base: &str,
) -> ApiResult<ClusterRow> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, key)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&to_dto(conn, &row, base)?)?)?;
        let name = match &patch.name {
            Patch::Value(v) => text::clean(v),
            _ => row.name.clone(),
        };
        let number = patch
            .number
            .as_value()
            .copied()
            .unwrap_or(i64::from(row.number));
        let description = match patch.description {
            Patch::Absent => row.description.clone(),
            Patch::Null => None,
            Patch::Value(v) => text::clean_opt(Some(&v)),
        };
        let active = patch.active.as_value().copied().unwrap_or(row.active);
        let errors = check(&name, number, description.as_deref());
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        number_taken(conn, row.bloc_id, number as i32, Some(row.id))?;
        diesel::update(clusters::table.find(row.id))
            .set((
                clusters::name.eq(&name),
                clusters::number.eq(number as i32),
                clusters::description.eq(&description),
                clusters::active.eq(active),
                clusters::sort_key.eq(text::sort_key(&name)),
                clusters::updated_at.eq(db::now()),
                clusters::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        let row = find(conn, &row.id.to_string())?;
        index(conn, &row)?;
        Ok(row)
    })
}

pub fn delete(
    conn: &mut SqliteConnection,
    key: &str,
    if_match: Option<String>,
    base: &str,
) -> ApiResult<()> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, key)?;
        etag::check_if_match(if_match.as_deref(), &etag::of(&to_dto(conn, &row, base)?)?)?;
        let activities: i64 = crate::db::schema::activities::table
            .filter(crate::db::schema::activities::cluster_id.eq(row.id))
            .count()
            .get_result(conn)?;
        if activities > 0 {
            return Err(AppError::conflict(format!(
                "'{}' is referenced by {activities} activities it ran; change their cluster_id first",
                row.name
            )));
        }
        diesel::delete(clusters::table.find(row.id)).execute(conn)?;
        search::unindex(conn, SEARCH_TABLE, i64::from(row.id))?;
        Ok(())
    })
}

/// "This year" in Vietnam.
pub fn current_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .year()
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    role: String,
}

fn members(conn: &mut SqliteConnection, cluster: i32, year: i32) -> QueryResult<Vec<Member>> {
    let rows: Vec<MemberRow> = diesel::sql_query(
        "SELECT o.id, o.slug, o.name, m.role FROM cluster_members m JOIN organizations o ON o.id = m.organization_id \
         WHERE m.cluster_id = ? AND m.year = ? \
         ORDER BY CASE m.role WHEN 'head' THEN 0 WHEN 'standing_deputy' THEN 1 WHEN 'deputy' THEN 2 ELSE 3 END, o.sort_key",
    )
    .bind::<Integer, _>(cluster)
    .bind::<Integer, _>(year)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            organization: OrgRef {
                id: i64::from(r.id),
                slug: r.slug,
                name: r.name,
            },
            role: MemberRole::parse(&r.role).unwrap_or(MemberRole::Member),
        })
        .collect())
}

pub fn roster(conn: &mut SqliteConnection, key: &str, year: i32) -> ApiResult<Roster> {
    let row = find(conn, key)?;
    Ok(Roster {
        cluster: cluster_ref(&row),
        year,
        members: members(conn, row.id, year)?,
    })
}

/// Replace a year's roster in one transaction, checking its rules.
pub fn put_roster(
    conn: &mut SqliteConnection,
    key: &str,
    year: i32,
    input: &PutRoster,
) -> ApiResult<Roster> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, key)?;
        let below: Vec<i32> = tree::descendants(conn, row.bloc_id)?;
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for role in [MemberRole::Head, MemberRole::StandingDeputy] {
            let holders: Vec<usize> = input.members.iter().enumerate().filter(|(_, m)| m.role == role).map(|(i, _)| i).collect();
            for i in holders.iter().skip(1) {
                errors.push(FieldError::new(
                    format!("/members/{i}/role"),
                    format!("a cluster has at most one {} a year", role.as_str()),
                ));
            }
        }
        for (i, m) in input.members.iter().enumerate() {
            let id = i32::try_from(m.organization_id).ok();
            if !seen.insert(m.organization_id) {
                errors.push(FieldError::new(format!("/members/{i}/organization_id"), "is given twice"));
            } else if !id.is_some_and(|id| below.contains(&id)) {
                errors.push(FieldError::new(
                    format!("/members/{i}/organization_id"),
                    format!("unit {} is not a unit below the cluster's bloc", m.organization_id),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        for (i, m) in input.members.iter().enumerate() {
            let other: Option<String> = cluster_members::table
                .inner_join(clusters::table)
                .filter(cluster_members::organization_id.eq(m.organization_id as i32))
                .filter(cluster_members::year.eq(year))
                .filter(cluster_members::bloc_id.eq(row.bloc_id))
                .filter(cluster_members::cluster_id.ne(row.id))
                .select(clusters::name)
                .first(conn)
                .optional()?;
            if let Some(other) = other {
                return Err(AppError::Conflict {
                    detail: format!(
                        "unit {} is already in '{other}' in {year}; a unit is in at most one cluster of its bloc a year",
                        m.organization_id
                    ),
                    errors: vec![FieldError::new(format!("/members/{i}/organization_id"), format!("is in '{other}' in {year}"))],
                });
            }
        }
        diesel::delete(cluster_members::table.filter(cluster_members::cluster_id.eq(row.id)).filter(cluster_members::year.eq(year)))
            .execute(conn)?;
        for (pos, m) in input.members.iter().enumerate() {
            diesel::insert_into(cluster_members::table)
                .values((
                    cluster_members::cluster_id.eq(row.id),
                    cluster_members::year.eq(year),
                    cluster_members::organization_id.eq(m.organization_id as i32),
                    cluster_members::bloc_id.eq(row.bloc_id),
                    cluster_members::role.eq(m.role.as_str()),
                    cluster_members::position.eq(pos as i32),
                ))
                .execute(conn)?;
        }
        Ok(Roster { cluster: cluster_ref(&row), year, members: members(conn, row.id, year)? })
    })
}

/// A unit's cluster and role, year by year (newest first).
pub fn memberships(conn: &mut SqliteConnection, org_key: &str) -> ApiResult<Vec<Membership>> {
    let org = tree::lookup_organization(conn, org_key)?
        .ok_or_else(|| AppError::not_found(format!("there is no organization '{org_key}'")))?;
    let rows: Vec<(i32, String, i32, String, String)> = cluster_members::table
        .inner_join(clusters::table)
        .filter(cluster_members::organization_id.eq(org))
        .order(cluster_members::year.desc())
        .select((
            cluster_members::year,
            cluster_members::role,
            clusters::id,
            clusters::slug,
            clusters::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, role, id, slug, name)| Membership {
            year,
            cluster: ClusterRef {
                id: i64::from(id),
                slug,
                name,
            },
            role: MemberRole::parse(&role).unwrap_or(MemberRole::Member),
        })
        .collect())
}

/// Counts per member of published activities organized / partnered in the period.
pub fn ranking(conn: &mut SqliteConnection, key: &str, q: &RankingQuery) -> ApiResult<Ranking> {
    let row = find(conn, key)?;
    let year = q.year.unwrap_or_else(current_year);
    let from = q
        .occurred_from
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default());
    let to = q
        .occurred_to
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default());
    if to < from {
        return Err(AppError::bad_param(
            "occurred_to",
            "must not be before occurred_from",
        ));
    }
    let roster = members(conn, row.id, year)?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Integer)]
        organization_id: i32,
        #[diesel(sql_type = Text)]
        category: String,
        #[diesel(sql_type = Text)]
        how: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let categories: Vec<Bind> = q
        .category
        .iter()
        .flatten()
        .map(|c| Bind::from(c.as_str()))
        .collect();
    let category_clause = if categories.is_empty() {
        String::new()
    } else {
        format!(
            " AND a.category IN ({})",
            vec!["?"; categories.len()].join(", ")
        )
    };
    let period = [
        Bind::Text(from.format("%F").to_string()),
        Bind::Text(to.format("%F").to_string()),
        Bind::Text(to.format("%F").to_string()),
    ];
    let mut binds = vec![Bind::Int(i64::from(row.id)), Bind::Int(i64::from(year))];
    binds.extend(period.clone());
    binds.extend(categories.clone());
    binds.push(Bind::Int(i64::from(row.id)));
    binds.push(Bind::Int(i64::from(year)));
    binds.extend(period);
    binds.extend(categories);
    let stmt = Statement {
        sql: format!(
            "SELECT m.organization_id, a.category, 'organized' AS how, count(*) AS n \
             FROM cluster_members m JOIN activities a ON a.organizer_id = m.organization_id \
             WHERE m.cluster_id = ? AND m.year = ? AND a.state = 'published' \
               AND a.occurred_on >= ? AND a.occurred_on <= ? AND a.period_end <= ?{category_clause} \
             GROUP BY 1, 2 \
             UNION ALL \
             SELECT m.organization_id, a.category, 'partnered', count(*) \
             FROM cluster_members m JOIN activity_partners p ON p.organization_id = m.organization_id \
               JOIN activities a ON a.id = p.activity_id \
             WHERE m.cluster_id = ? AND m.year = ? AND a.state = 'published' \
               AND a.occurred_on >= ? AND a.occurred_on <= ? AND a.period_end <= ?{category_clause} \
             GROUP BY 1, 2"
        ),
        binds,
    };
    let counts: Vec<Count> = sql::load(conn, &stmt)?;
    let mut per: HashMap<i32, (i64, i64, BTreeMap<String, i64>)> = HashMap::new();
    for c in counts {
        let entry = per.entry(c.organization_id).or_default();
        if c.how == "organized" {
            entry.0 += c.n;
        } else {
            entry.1 += c.n;
        }
        *entry.2.entry(c.category).or_default() += c.n;
    }
    let mut entries: Vec<(Vec<u8>, RankingEntry)> = roster
        .into_iter()
        .map(|m| {
            let (organized, partnered, mut by_category) =
                per.remove(&(m.organization.id as i32)).unwrap_or_default();
            for c in q.category.clone().unwrap_or_else(|| Category::ALL.to_vec()) {
                by_category.entry(c.as_str().to_string()).or_default();
            }
            let key = text::sort_key(&m.organization.name);
            (
                key,
                RankingEntry {
                    rank: 0,
                    organization: m.organization,
                    role: m.role,
                    organized,
                    partnered,
                    total: organized + partnered,
                    by_category,
                },
            )
        })
        .collect();
    entries.sort_by(|(ka, a), (kb, b)| {
        b.total
            .cmp(&a.total)
            .then(b.organized.cmp(&a.organized))
            .then(ka.cmp(kb))
            .then(a.organization.id.cmp(&b.organization.id))
    });
    let totals: Vec<i64> = entries.iter().map(|(_, e)| e.total).collect();
    let members = entries
        .into_iter()
        .map(|(_, mut e)| {
            e.rank = 1 + totals.iter().filter(|t| **t > e.total).count() as i64;
            e
        })
        .collect();
    Ok(Ranking {
        cluster: cluster_ref(&row),
        year,
        occurred_from: from,
        occurred_to: to,
        members,
    })
}

/// Record the annual review of a year (replacing that year's results).
pub fn put_results(
    conn: &mut SqliteConnection,
    key: &str,
    year: i32,
    input: &PutResults,
) -> ApiResult<Vec<ResultEntry>> {
    conn.immediate_transaction(|conn| {
        let row = find(conn, key)?;
        let roster: Vec<i64> = members(conn, row.id, year)?
            .iter()
            .map(|m| m.organization.id)
            .collect();
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let flags: Vec<usize> = input
            .results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.award == Some(Award::EmulationFlag))
            .map(|(i, _)| i)
            .collect();
        for i in flags.iter().skip(1) {
            errors.push(FieldError::new(
                format!("/results/{i}/award"),
                "a cluster awards at most one emulation flag a year",
            ));
        }
        for (i, r) in input.results.iter().enumerate() {
            if !seen.insert(r.organization_id) {
                errors.push(FieldError::new(
                    format!("/results/{i}/organization_id"),
                    "is given twice",
                ));
            } else if !roster.contains(&r.organization_id) {
                errors.push(FieldError::new(
                    format!("/results/{i}/organization_id"),
                    format!(
                        "unit {} is not in the cluster's {year} roster",
                        r.organization_id
                    ),
                ));
            }
            for (field, score) in [
                ("self_score", r.self_score),
                ("agreed_score", r.agreed_score),
            ] {
                if score.is_some_and(|s| !(0.0..=1000.0).contains(&s) || s.is_nan()) {
                    errors.push(FieldError::new(
                        format!("/results/{i}/{field}"),
                        "must be between 0 and 1000",
                    ));
                }
            }
            if r.note.as_deref().is_some_and(|n| n.chars().count() > 1000) {
                errors.push(FieldError::new(
                    format!("/results/{i}/note"),
                    "must be at most 1000 characters",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        diesel::delete(
            cluster_results::table
                .filter(cluster_results::cluster_id.eq(row.id))
                .filter(cluster_results::year.eq(year)),
        )
        .execute(conn)?;
        for r in &input.results {
            diesel::insert_into(cluster_results::table)
                .values((
                    cluster_results::cluster_id.eq(row.id),
                    cluster_results::year.eq(year),
                    cluster_results::organization_id.eq(r.organization_id as i32),
                    cluster_results::self_score.eq(r.self_score),
                    cluster_results::agreed_score.eq(r.agreed_score),
                    cluster_results::grade.eq(r.grade.map(Grade::as_str)),
                    cluster_results::award.eq(r.award.map(Award::as_str)),
                    cluster_results::note.eq(text::clean_opt(r.note.as_deref())),
                ))
                .execute(conn)?;
        }
        results(conn, ResultScope::Cluster(row.id, year))
    })
}

pub enum ResultScope {
    Cluster(i32, i32),
    Organization(i32),
}

#[derive(QueryableByName)]
struct ResultRow {
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Integer)]
    cluster_id: i32,
    #[diesel(sql_type = Text)]
    cluster_slug: String,
    #[diesel(sql_type = Text)]
    cluster_name: String,
    #[diesel(sql_type = Integer)]
    org_id: i32,
    #[diesel(sql_type = Text)]
    org_slug: String,
    #[diesel(sql_type = Text)]
    org_name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    self_score: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    agreed_score: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    grade: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    award: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    note: Option<String>,
}

pub fn results(conn: &mut SqliteConnection, scope: ResultScope) -> ApiResult<Vec<ResultEntry>> {
    let (clause, binds) = match scope {
        ResultScope::Cluster(c, y) => (
            "r.cluster_id = ? AND r.year = ?",
            vec![Bind::Int(i64::from(c)), Bind::Int(i64::from(y))],
        ),
        ResultScope::Organization(o) => ("r.organization_id = ?", vec![Bind::Int(i64::from(o))]),
    };
    let stmt = Statement {
        sql: format!(
            "SELECT r.year, c.id AS cluster_id, c.slug AS cluster_slug, c.name AS cluster_name, \
                    o.id AS org_id, o.slug AS org_slug, o.name AS org_name, \
                    r.self_score, r.agreed_score, r.grade, r.award, r.note \
             FROM cluster_results r JOIN clusters c ON c.id = r.cluster_id JOIN organizations o ON o.id = r.organization_id \
             WHERE {clause} ORDER BY r.year DESC, r.agreed_score DESC, o.sort_key"
        ),
        binds,
    };
    let rows: Vec<ResultRow> = sql::load(conn, &stmt)?;
    // The database's CHECK constraints allow only these codes.
    let grade = |s: &str| Grade::parse(s).unwrap_or(Grade::Weak);
    let award = |s: &str| Award::parse(s).unwrap_or(Award::Commendation);
    Ok(rows
        .into_iter()
        .map(|r| ResultEntry {
            year: r.year,
            cluster: ClusterRef {
                id: i64::from(r.cluster_id),
                slug: r.cluster_slug,
                name: r.cluster_name,
            },
            organization: OrgRef {
                id: i64::from(r.org_id),
                slug: r.org_slug,
                name: r.org_name,
            },
            self_score: r.self_score,
            agreed_score: r.agreed_score,
            grade: r.grade.as_deref().map(grade),
            award: r.award.as_deref().map(award),
            note: r.note,
        })
        .collect())
}
