DROP TRIGGER IF EXISTS data_version_users_insert;
DROP TRIGGER IF EXISTS data_version_users_update;
DROP TRIGGER IF EXISTS data_version_users_delete;
DROP TRIGGER IF EXISTS data_version_cluster_members_insert;
DROP TRIGGER IF EXISTS data_version_cluster_members_update;
DROP TRIGGER IF EXISTS data_version_cluster_members_delete;
