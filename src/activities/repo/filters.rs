//! [`ActivityFilters`] resolved once: the references it names looked up (404 naming the
//! parameter), the search parsed, the rules between parameters checked. The list SQL, the
//! stats and a feed's title all read the result.

use super::*;

/// The filters of an activity request with every reference looked up.
#[derive(Debug, Clone, Default)]
pub struct ResolvedFilters {
    pub search: Option<search::SearchQuery>,
    /// The states asked for (default: published); who may see drafts is the viewer's business.
    pub statuses: Vec<Status>,
    /// Sets of units each activity must have as organizer or partner: the path's unit and
    /// `organization`, each with the units below it under `include_descendants`.
    pub unit_sets: Vec<Vec<i32>>,
    /// The unit of each of `unit_sets`, and whether the units below it are in the set.
    pub unit_roots: Vec<(i32, bool)>,
    /// `organizer`: the unit, and the units below it under `include_descendants`.
    pub organizers: Option<Vec<i32>>,
    /// The unit of `organizers`, and whether the units below it are in the set.
    pub organizer_root: Option<(i32, bool)>,
    pub cluster: Option<i32>,
    pub featured: Option<bool>,
    pub categories: Option<Vec<Category>>,
    /// Tag ids, all required.
    pub tags: Vec<i32>,
    pub occurred_from: Option<NaiveDate>,
    pub occurred_to: Option<NaiveDate>,
    /// With `sort=relevance`: what ranks, and which matches (see [`Ranking`]).
    pub ranking: Option<Ranking>,
    /// What the filters name, in words (organization, organizer, cluster, categories, tags,
    /// search): a feed's title.
    pub named: Vec<String>,
}

impl ResolvedFilters {
    /// Whether nothing but the states filters the rows (no search, unit, cluster, category,
    /// tag, date or `featured`).
    pub fn only_states(&self) -> bool {
        let Self {
            search,
            statuses: _,
            unit_sets,
            unit_roots: _,
            organizers,
            organizer_root: _,
            cluster,
            featured,
            categories,
            tags,
            occurred_from,
            occurred_to,
            ranking,
            named: _,
        } = self;
        search.is_none()
            && unit_sets.is_empty()
            && organizers.is_none()
            && cluster.is_none()
            && featured.is_none()
            && categories.is_none()
            && tags.is_empty()
            && occurred_from.is_none()
            && occurred_to.is_none()
            && ranking.is_none()
    }
}

/// How `sort=relevance` ranks a search, worked out per request from the index.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// The MATCH expression `bm25` ranks by, its prefixes spelled out where they can be.
    pub expr: String,
    /// On a search matching more than [`search::RANK_BOUND`] of the rows the other filters
    /// keep: the id of the oldest match ranked (the newest that many are).
    pub floor: Option<i32>,
}

fn found<T>(value: Option<T>, param: &str, key: &str, what: &str) -> ApiResult<T> {
    value.ok_or_else(|| {
        AppError::NotFound(format!(
            "query parameter `{param}`: there is no {what} '{key}'"
        ))
    })
}

/// The unit and, with `descendants`, every unit below it.
fn unit_set(conn: &mut Conn, id: i32, descendants: bool) -> QueryResult<Vec<i32>> {
    let mut set = vec![id];
    if descendants {
        set.extend(tree::descendants(conn, id)?);
    }
    Ok(set)
}

impl ActivityFilters {
    /// Check and look up the filters for `viewer` (tags of drafts are private), within the
    /// unit `scope` of a path (`/organizations/{id}/activities`) if any.
    pub fn resolve(
        &self,
        conn: &mut Conn,
        viewer: &Viewer,
        scope: Option<i32>,
    ) -> ApiResult<ResolvedFilters> {
        let descendants = self.include_descendants == Some(true);
        if self.include_descendants.is_some()
            && self.organization.is_none()
            && self.organizer.is_none()
            && scope.is_none()
        {
            return Err(AppError::bad_param(
                "include_descendants",
                "needs `organization` or `organizer`: the unit whose subtree to include",
            ));
        }
        if let (Some(from), Some(to)) = (self.occurred_from, self.occurred_to) {
            if to < from {
                return Err(AppError::bad_param(
                    "occurred_to",
                    "must not be before occurred_from",
                ));
            }
        }
        let mut out = ResolvedFilters {
            search: self.q.as_deref().map(search::parse).transpose()?.flatten(),
            statuses: self
                .status
                .clone()
                .unwrap_or_else(|| vec![Status::Published]),
            categories: self.category.clone(),
            featured: self.featured,
            occurred_from: self.occurred_from,
            occurred_to: self.occurred_to,
            ..ResolvedFilters::default()
        };
        if let Some(id) = scope {
            out.unit_sets.push(unit_set(conn, id, descendants)?);
            out.unit_roots.push((id, descendants));
        }
        if let Some(key) = &self.organization {
            let (id, name) = found(
                tree::lookup_organization_named(conn, key)?,
                "organization",
                key,
                "organization",
            )?;
            out.unit_sets.push(unit_set(conn, id, descendants)?);
            out.unit_roots.push((id, descendants));
            out.named.push(name);
        }
        if let Some(key) = &self.organizer {
            let (id, name) = found(
                tree::lookup_organization_named(conn, key)?,
                "organizer",
                key,
                "organization",
            )?;
            out.organizers = Some(unit_set(conn, id, descendants)?);
            out.organizer_root = Some((id, descendants));
            out.named.push(name);
        }
        if let Some(key) = &self.cluster {
            let (id, name) = found(
                tree::lookup_cluster_named(conn, key)?,
                "cluster",
                key,
                "cluster",
            )?;
            out.cluster = Some(id);
            out.named.push(name);
        }
        if let Some(categories) = &self.category {
            let labels: Vec<&str> = categories.iter().map(|c| c.label()).collect();
            out.named.push(labels.join(", "));
        }
        for slug in self.tag.iter().flatten() {
            let (id, name) = found(visible_tag(conn, slug, viewer)?, "tag", slug, "tag")?;
            out.tags.push(id);
            out.named.push(name);
        }
        if self.featured == Some(true) {
            out.named.push("tin nổi bật".to_string());
        }
        if let Some(text) = self.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            out.named.push(format!("tìm “{text}”"));
        }
        Ok(out)
    }
}
