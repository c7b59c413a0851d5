//! A cluster as export and import see it: the row, its rosters and results by year, with
//! units by id (the caller maps them to and from slugs).

use super::*;

/// One roster member or result, as stored (its cluster, and a member's bloc, aside): what an
/// export reads, and an import or a new roster or review writes.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = cluster_members)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct StoredMember {
    pub year: i32,
    pub organization_id: i32,
    pub role: String,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = cluster_results)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct StoredResult {
    pub year: i32,
    pub organization_id: i32,
    pub self_score: Option<f64>,
    pub agreed_score: Option<f64>,
    pub grade: Option<String>,
    pub award: Option<String>,
    pub note: Option<String>,
}

/// Every cluster, oldest id first.
pub fn all_rows(conn: &mut Conn) -> QueryResult<Vec<ClusterRow>> {
    clusters::table
        .order(clusters::id.asc())
        .select(ClusterRow::as_select())
        .load(conn)
}

/// A cluster's roster members, every year, in stored order.
pub fn stored_members(conn: &mut Conn, id: i32) -> QueryResult<Vec<StoredMember>> {
    cluster_members::table
        .filter(cluster_members::cluster_id.eq(id))
        .order((cluster_members::year, cluster_members::position))
        .select(StoredMember::as_select())
        .load(conn)
}

/// A cluster's results, every year.
pub fn stored_results(conn: &mut Conn, id: i32) -> QueryResult<Vec<StoredResult>> {
    cluster_results::table
        .filter(cluster_results::cluster_id.eq(id))
        .order((cluster_results::year, cluster_results::organization_id))
        .select(StoredResult::as_select())
        .load(conn)
}

/// A cluster written as an import gives it.
pub struct ImportedCluster<'a> {
    pub id: i64,
    pub slug: &'a str,
    pub name: &'a str,
    pub number: i32,
    pub bloc_id: i32,
    pub description: Option<&'a str>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub members: &'a [StoredMember],
    pub results: &'a [StoredResult],
}

/// Write `c` over row `existing` or as a new row (keeping its id when free), its rosters and
/// results replaced; returns its id.
pub fn import_row(
    conn: &mut Conn,
    existing: Option<i32>,
    c: &ImportedCluster<'_>,
) -> ApiResult<i32> {
    let errors = check(c.name, i64::from(c.number), c.description);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    number_taken(conn, c.bloc_id, c.number, existing)?;
    let values = (
        ClusterColumns::of(c.name, c.number, c.description, c.active),
        clusters::slug.eq(c.slug),
        clusters::bloc_id.eq(c.bloc_id),
        clusters::created_at.eq(c.created_at),
        clusters::updated_at.eq(c.updated_at),
        clusters::version.eq(c.version),
    );
    let id = match existing {
        Some(id) => {
            diesel::update(clusters::table.find(id))
                .set(values)
                .execute(conn)?;
            id
        }
        None => {
            let wanted = i32::try_from(c.id).ok().filter(|id| *id > 0);
            let free = match wanted {
                Some(id) => !diesel::select(diesel::dsl::exists(clusters::table.find(id)))
                    .get_result::<bool>(conn)?,
                None => false,
            };
            match wanted.filter(|_| free) {
                Some(id) => diesel::insert_into(clusters::table)
                    .values((values, clusters::id.eq(id)))
                    .returning(clusters::id)
                    .get_result(conn)?,
                None => diesel::insert_into(clusters::table)
                    .values(values)
                    .returning(clusters::id)
                    .get_result(conn)?,
            }
        }
    };
    diesel::delete(cluster_members::table.filter(cluster_members::cluster_id.eq(id)))
        .execute(conn)?;
    for m in c.members {
        diesel::insert_into(cluster_members::table)
            .values((
                cluster_members::cluster_id.eq(id),
                cluster_members::bloc_id.eq(c.bloc_id),
                m,
            ))
            .execute(conn)?;
    }
    diesel::delete(cluster_results::table.filter(cluster_results::cluster_id.eq(id)))
        .execute(conn)?;
    for r in c.results {
        diesel::insert_into(cluster_results::table)
            .values((cluster_results::cluster_id.eq(id), r))
            .execute(conn)?;
    }
    let row = find(conn, &id.to_string())?;
    index(conn, &row)?;
    Ok(id)
}
