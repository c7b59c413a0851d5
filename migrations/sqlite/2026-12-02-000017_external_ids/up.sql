-- Import is idempotent by an external id: each imported row remembers the id it had in the
-- file (an old site's, or ours — "organizations/12" — when it came from an export), and a
-- second import of the same line finds it again instead of adding a copy.
CREATE TABLE external_ids (
    resource    TEXT    NOT NULL CHECK (resource IN ('organizations', 'clusters', 'activities')),
    external_id TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    PRIMARY KEY (resource, external_id)
) WITHOUT ROWID;
CREATE INDEX external_ids_target ON external_ids (resource, target_id);
CREATE TRIGGER external_ids_activity_purged AFTER DELETE ON activities
BEGIN DELETE FROM external_ids WHERE resource = 'activities' AND target_id = old.id; END;
CREATE TRIGGER external_ids_organization_deleted AFTER DELETE ON organizations
BEGIN DELETE FROM external_ids WHERE resource = 'organizations' AND target_id = old.id; END;
CREATE TRIGGER external_ids_cluster_deleted AFTER DELETE ON clusters
BEGIN DELETE FROM external_ids WHERE resource = 'clusters' AND target_id = old.id; END;
