//! Yearly rosters: who is in a cluster in a year, in which role; a unit's memberships.

use super::*;

/// "This year" in Vietnam.
pub fn current_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .year()
}

pub(super) fn members(conn: &mut Conn, cluster: i32, year: i32) -> QueryResult<Vec<Member>> {
    let rows: Vec<crate::organizations::repo::OrgWithRole> = crate::db::sql(conn,
        "SELECT o.id, o.slug, o.name, m.role FROM cluster_members m JOIN organizations o ON o.id = m.organization_id \
         WHERE m.cluster_id = ? AND m.year = ? \
         ORDER BY CASE m.role WHEN 'head' THEN 0 WHEN 'standing_deputy' THEN 1 WHEN 'deputy' THEN 2 ELSE 3 END, o.sort_key",
    )
    .bind::<Integer, _>(cluster)
    .bind::<Integer, _>(year)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let role = MemberRole::parse(&r.role).unwrap_or(MemberRole::Member);
            Member {
                organization: r.organization.into(),
                role,
                role_label: role.label().to_string(),
            }
        })
        .collect())
}

pub fn roster(conn: &mut Conn, key: &str, year: i32) -> ApiResult<Roster> {
    let row = find(conn, key)?;
    Ok(Roster {
        cluster: cluster_ref(&row),
        year,
        members: members(conn, row.id, year)?,
    })
}

/// Replace a year's roster in one transaction, checking its rules.
pub fn put_roster(conn: &mut Conn, key: &str, year: i32, input: &PutRoster) -> ApiResult<Roster> {
    crate::db::write(conn, |conn| {
        let row = find(conn, key)?;
        let below: Vec<i32> = tree::descendants(conn, row.bloc_id)?;
        let entries: Vec<RosterEntry<i64>> = input
            .members
            .iter()
            .enumerate()
            .map(|(at, m)| RosterEntry {
                at,
                unit: m.organization_id,
                role: m.role,
            })
            .collect();
        let errors = roster_problems(&entries, |unit| {
            i32::try_from(*unit).is_ok_and(|id| below.contains(&id))
        });
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        // The same roster again: nothing to write, no audit entry.
        let stored: Vec<(i32, String)> = cluster_members::table
            .filter(cluster_members::cluster_id.eq(row.id))
            .filter(cluster_members::year.eq(year))
            .order(cluster_members::position.asc())
            .select((cluster_members::organization_id, cluster_members::role))
            .load(conn)?;
        let wanted: Vec<(i32, String)> = input
            .members
            .iter()
            .map(|m| (m.organization_id as i32, m.role.as_str().to_string()))
            .collect();
        if stored == wanted {
            return Ok(Roster {
                cluster: cluster_ref(&row),
                year,
                members: members(conn, row.id, year)?,
            });
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
                        "unit {} is already in '{other}' in {year}; \
                         a unit is in at most one cluster of its bloc a year",
                        m.organization_id
                    ),
                    errors: vec![FieldError::new(
                        format!("/members/{i}/organization_id"),
                        format!("is in '{other}' in {year}"),
                    )],
                });
            }
        }
        diesel::delete(
            cluster_members::table
                .filter(cluster_members::cluster_id.eq(row.id))
                .filter(cluster_members::year.eq(year)),
        )
        .execute(conn)?;
        for (pos, m) in input.members.iter().enumerate() {
            let member = StoredMember {
                year,
                organization_id: m.organization_id as i32,
                role: m.role.as_str().to_string(),
                position: pos as i32,
            };
            diesel::insert_into(cluster_members::table)
                .values((
                    cluster_members::cluster_id.eq(row.id),
                    cluster_members::bloc_id.eq(row.bloc_id),
                    member,
                ))
                .execute(conn)?;
        }
        crate::audit::record(
            conn,
            crate::audit::Entry::new("update", "clusters", row.id)
                .detail(format!("members of {year}")),
        )?;
        Ok(Roster {
            cluster: cluster_ref(&row),
            year,
            members: members(conn, row.id, year)?,
        })
    })
}

/// A unit's cluster and role, year by year (newest first).
pub fn memberships(conn: &mut Conn, org_key: &str) -> ApiResult<Vec<Membership>> {
    let org = crate::organizations::repo::find_id(conn, org_key)?;
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
        .map(|(year, role, id, slug, name)| {
            let role = MemberRole::parse(&role).unwrap_or(MemberRole::Member);
            Membership {
                year,
                cluster: ClusterRef {
                    id: i64::from(id),
                    slug,
                    name,
                },
                role,
                role_label: role.label().to_string(),
            }
        })
        .collect())
}
