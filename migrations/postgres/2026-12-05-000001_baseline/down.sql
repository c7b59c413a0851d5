-- Undoes the PostgreSQL baseline (the equivalent of SQLite migrations 000001–000021): drops
-- everything up.sql created, in reverse order. A table's triggers go with it; the functions
-- they called go after the tables.

-- 000021 tallies
DROP TRIGGER activity_tallies_unit_deleted ON organizations;
DROP TRIGGER activity_tallies_unit_moved ON organizations;
DROP FUNCTION activity_tallies_due();
DROP TRIGGER activity_tallies_tag_delete ON activity_tags;
DROP TRIGGER activity_tallies_tag_update ON activity_tags;
DROP TRIGGER activity_tallies_tag_insert ON activity_tags;
DROP TRIGGER activity_tallies_partner_delete ON activity_partners;
DROP TRIGGER activity_tallies_partner_update ON activity_partners;
DROP TRIGGER activity_tallies_partner_insert ON activity_partners;
DROP TRIGGER activity_tallies_insert ON activities;
DROP TRIGGER activity_tallies_delete ON activities;
DROP TRIGGER activity_tallies_update ON activities;
DROP FUNCTION activity_tallies_activity_inserted();
DROP FUNCTION activity_tallies_remember();
DROP VIEW activity_tally_images;
DROP TABLE activity_tally_state;
DROP TABLE activity_tally_changes;
DROP TABLE activity_tallies;

-- 000020 public_changes
DROP TRIGGER public_change_floor_cluster ON clusters;
DROP TRIGGER public_change_floor_organization ON organizations;
DROP TRIGGER public_change_floor_activity ON activities;
DROP FUNCTION public_change_floor_raise();
DROP TABLE public_change_floor;
DROP TRIGGER activities_public_update ON activities;
DROP TRIGGER activities_public_insert ON activities;
DROP FUNCTION activities_public_changed();

-- 000019 media_in_activities (dropping the columns drops their indexes and foreign keys)
DROP TRIGGER external_ids_media_deleted ON media;
DROP INDEX activity_documents_media;
DROP INDEX activity_photos_media;
ALTER TABLE activity_documents DROP COLUMN media_id;
ALTER TABLE activity_photos DROP COLUMN alt;
ALTER TABLE activity_photos DROP COLUMN media_id;

-- 000018 media
DROP TABLE media;

-- 000017 external_ids
DROP TRIGGER external_ids_cluster_deleted ON clusters;
DROP TRIGGER external_ids_organization_deleted ON organizations;
DROP TRIGGER external_ids_activity_purged ON activities;
DROP FUNCTION forget_external_ids();
DROP TABLE external_ids;

-- 000016 webhooks
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhooks;

-- 000015 audit_log
DROP TABLE audit_log;
DROP FUNCTION audit_log_no_early_truncate();
DROP FUNCTION audit_log_no_early_delete();
DROP FUNCTION audit_log_no_update();

-- 000014 publishing
DROP TRIGGER slug_history_organization_deleted ON organizations;
DROP TRIGGER slug_history_activity_purged ON activities;
DROP FUNCTION forget_slug_history();
DROP TABLE slug_history;

-- 000013 index_versions
DROP TABLE index_versions;

-- 000006 activity_bodies
DROP TABLE activity_bodies;

-- 000005 cluster_rosters
DROP TABLE clusters_fts;
DROP TABLE cluster_results;
DROP TABLE cluster_members;

-- 000004 activities
DROP TABLE activities_fts;
DROP TABLE activity_revisions;
DROP TABLE activity_photos;
DROP TABLE activity_documents;
DROP TABLE activity_tags;
DROP TABLE activity_partners;
DROP TABLE activities;
DROP TABLE tags;
DROP TABLE clusters;

-- 000003 users
DROP TABLE users;

-- 000002 organizations_search
DROP TABLE organizations_fts;

-- 000001 organizations
DROP TABLE organizations;
