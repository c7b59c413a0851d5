//! The ranking of a cluster's members by their public activities (published or archived:
//! archived news still happened) in a period.

use super::*;

/// Counts per member of public activities organized / partnered in the period.
pub fn ranking(conn: &mut Conn, key: &str, q: &RankingQuery) -> ApiResult<Ranking> {
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
            crate::db::list::marks(categories.len())
        )
    };
    // Bounds far outside the stored years select as the day just outside them.
    let day = |d: NaiveDate| Bind::date(crate::http::dates::clamp_bound(d));
    let period = [day(from), day(to), day(to)];
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
             WHERE m.cluster_id = ? AND m.year = ? AND a.state IN ('published', 'archived') \
               AND a.occurred_on >= ? AND a.occurred_on <= ? AND a.period_end <= ?{category_clause} \
             GROUP BY 1, 2 \
             UNION ALL \
             SELECT m.organization_id, a.category, 'partnered', count(*) \
             FROM cluster_members m JOIN activity_partners p ON p.organization_id = m.organization_id \
               JOIN activities a ON a.id = p.activity_id \
             WHERE m.cluster_id = ? AND m.year = ? AND a.state IN ('published', 'archived') \
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
                    role_label: m.role.label().to_string(),
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
