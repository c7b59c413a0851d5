-- Lists of users and of clusters by year (their rosters) are counted once per data version
-- too: writes to these tables move it forward as well.
CREATE TRIGGER data_version_users_insert AFTER INSERT ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_users_update AFTER UPDATE ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_users_delete AFTER DELETE ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_cluster_members_insert AFTER INSERT ON cluster_members BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_cluster_members_update AFTER UPDATE ON cluster_members BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_cluster_members_delete AFTER DELETE ON cluster_members BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
