-- A counter every write to what a list, count or feed shows moves forward (triggers, so a
-- write from any process counts): totals and stats are remembered per (filters, version).
-- `instance` tells databases apart in one process (tests run many).
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    n INTEGER NOT NULL,
    instance BLOB NOT NULL
);
INSERT INTO data_version (id, n, instance) VALUES (1, 0, randomblob(8));
CREATE TRIGGER data_version_activities_insert AFTER INSERT ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activities_update AFTER UPDATE ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activities_delete AFTER DELETE ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_partners_insert AFTER INSERT ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_partners_update AFTER UPDATE ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_partners_delete AFTER DELETE ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_tags_insert AFTER INSERT ON activity_tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_tags_update AFTER UPDATE ON activity_tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_tags_delete AFTER DELETE ON activity_tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_tags_insert AFTER INSERT ON tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_tags_update AFTER UPDATE ON tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_tags_delete AFTER DELETE ON tags BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_organizations_insert AFTER INSERT ON organizations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_organizations_update AFTER UPDATE ON organizations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_organizations_delete AFTER DELETE ON organizations BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_clusters_insert AFTER INSERT ON clusters BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_clusters_update AFTER UPDATE ON clusters BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_clusters_delete AFTER DELETE ON clusters BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
