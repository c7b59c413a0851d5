//! Year-end results (bình xét) of a cluster's members.

use super::*;

/// Record the annual review of a year (replacing that year's results).
pub fn put_results(
    conn: &mut Conn,
    key: &str,
    year: i32,
    input: &PutResults,
) -> ApiResult<Vec<ResultEntry>> {
    crate::db::write(conn, |conn| {
        let row = find(conn, key)?;
        let roster: Vec<i64> = members(conn, row.id, year)?
            .iter()
            .map(|m| m.organization.id)
            .collect();
        let entries: Vec<ResultEntryCheck<'_, i64>> = input
            .results
            .iter()
            .enumerate()
            .map(|(at, r)| ResultEntryCheck {
                at,
                unit: r.organization_id,
                self_score: r.self_score,
                agreed_score: r.agreed_score,
                award: r.award,
                note: r.note.as_deref(),
            })
            .collect();
        let errors = result_problems(&entries, year, |unit| roster.contains(unit));
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        // The same results again: nothing to write, no audit entry.
        let mut stored: Vec<StoredResult> = cluster_results::table
            .filter(cluster_results::cluster_id.eq(row.id))
            .filter(cluster_results::year.eq(year))
            .select(StoredResult::as_select())
            .load(conn)?;
        let wanted: Vec<StoredResult> = input
            .results
            .iter()
            .map(|r| StoredResult {
                year,
                organization_id: r.organization_id as i32,
                self_score: r.self_score,
                agreed_score: r.agreed_score,
                grade: r.grade.map(|g| g.as_str().to_string()),
                award: r.award.map(|a| a.as_str().to_string()),
                note: text::clean_opt(r.note.as_deref()),
            })
            .collect();
        let mut sorted = wanted.clone();
        stored.sort_by_key(|s| s.organization_id);
        sorted.sort_by_key(|w| w.organization_id);
        if stored == sorted {
            return results(conn, ResultScope::Cluster(row.id, year));
        }
        diesel::delete(
            cluster_results::table
                .filter(cluster_results::cluster_id.eq(row.id))
                .filter(cluster_results::year.eq(year)),
        )
        .execute(conn)?;
        for r in &wanted {
            diesel::insert_into(cluster_results::table)
                .values((cluster_results::cluster_id.eq(row.id), r))
                .execute(conn)?;
        }
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "clusters", row.id)
                .detail(format!("results of {year}")),
        )?;
        results(conn, ResultScope::Cluster(row.id, year))
    })
}

pub enum ResultScope {
    Cluster(i32, i32),
    Organization(i32),
}

#[derive(QueryableByName)]
pub(super) struct ResultRow {
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

pub fn results(conn: &mut Conn, scope: ResultScope) -> ApiResult<Vec<ResultEntry>> {
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
             WHERE {clause} ORDER BY r.year DESC, r.agreed_score DESC NULLS LAST, o.sort_key"
        ),
        binds,
    };
    let rows: Vec<ResultRow> = sql::load(conn, &stmt)?;
    // The database's CHECK constraints allow only these codes.
    let grade = |s: &str| Grade::parse(s).unwrap_or(Grade::Weak);
    let award = |s: &str| Award::parse(s).unwrap_or(Award::Commendation);
    Ok(rows
        .into_iter()
        .map(|r| {
            let (grade, award) = (r.grade.as_deref().map(grade), r.award.as_deref().map(award));
            ResultEntry {
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
                grade,
                grade_label: grade.map(|g| g.label().to_string()),
                award,
                award_label: award.map(|a| a.label().to_string()),
                note: r.note,
            }
        })
        .collect())
}
