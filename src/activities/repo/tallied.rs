//! Which activity totals the tallies answer ([`crate::db::tallies`]): filters on at most one
//! scope (a unit or its subtree, an organizer or its subtree, a cluster, a tag), any states the
//! viewer sees whole, categories, and whole months. Anything else (a search, two scopes, a
//! date inside a month, `featured`, an editor's own drafts) is counted.

use chrono::{Datelike, NaiveDate};

use crate::db::tallies::{Scope, TallyFilter};

use super::*;

/// The tally question of `filters` as `viewer` sees them, when the tallies answer it exactly.
pub fn tally_filter(filters: &ResolvedFilters, viewer: &Viewer) -> Option<TallyFilter> {
    if filters.search.is_some()
        || filters.ranking.is_some()
        || filters.featured.is_some()
        || filters.unit_roots.len() > 1
    {
        return None;
    }
    let wanted = &filters.statuses;
    let states: Vec<String> = match (viewer, viewer.private_scope()) {
        (Viewer::Admin, _) => wanted.iter().map(|s| s.as_str().to_string()).collect(),
        // An editor's own drafts among the public rows: counted.
        (_, Some(_)) if wanted.iter().any(|s| !s.is_public()) => return None,
        _ => wanted
            .iter()
            .filter(|s| s.is_public())
            .map(|s| s.as_str().to_string())
            .collect(),
    };
    if states.is_empty() {
        return None;
    }
    let mut scopes = Vec::new();
    if let Some(&(id, below)) = filters.unit_roots.first() {
        scopes.push(if below {
            Scope::Tree(id)
        } else {
            Scope::Unit(id)
        });
    }
    if let Some((id, below)) = filters.organizer_root {
        scopes.push(if below {
            Scope::OrganizerTree(id)
        } else {
            Scope::Organizer(id)
        });
    }
    scopes.extend(filters.cluster.map(Scope::Cluster));
    scopes.extend(filters.tags.iter().map(|t| Scope::Tag(*t)));
    let scope = match scopes.as_slice() {
        [] => Scope::All,
        [one] => *one,
        _ => return None,
    };
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let clamp = crate::http::dates::clamp_bound;
    let from_month = match filters.occurred_from.map(clamp) {
        None => None,
        Some(from) if from.day() == 1 => Some(month(from)),
        Some(_) => return None,
    };
    let to_month = match filters.occurred_to.map(clamp) {
        None => None,
        Some(to) if to.succ_opt().is_some_and(|next| next.day() == 1) => Some(month(to)),
        Some(_) => return None,
    };
    Some(TallyFilter {
        scope,
        states,
        categories: filters
            .categories
            .as_ref()
            .map(|cs| cs.iter().map(|c| c.as_str().to_string()).collect()),
        from_month,
        to_month,
    })
}

/// The exact total of `filters` for `viewer` from the tallies, when they answer it and are
/// exact now; read it in the transaction of the page it totals.
pub fn tallied_total(
    conn: &mut Conn,
    filters: &ResolvedFilters,
    viewer: &Viewer,
) -> QueryResult<Option<i64>> {
    match tally_filter(filters, viewer) {
        Some(t) => t.total(conn),
        None => Ok(None),
    }
}
