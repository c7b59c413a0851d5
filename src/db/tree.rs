//! The organization hierarchy as SQL, shared by every resource that filters by a subtree.

/// A subquery (one `?`: the root id) yielding the ids of every unit below the root, at any depth.
/// `UNION` (not `UNION ALL`) stops on a cyclic hierarchy instead of looping.
pub const DESCENDANTS_SQL: &str = "SELECT id FROM (WITH RECURSIVE sub(id) AS (\
    SELECT id FROM organizations WHERE parent_id = ? \
    UNION SELECT c.id FROM organizations c JOIN sub ON c.parent_id = sub.id) \
    SELECT id FROM sub)";
