-- Back to the four roles: a beneficiary becomes a participant (the nearest of them).
CREATE TABLE activity_partners_old (
    activity_id     INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    role            TEXT    NOT NULL CHECK (role IN ('co_organizer', 'chair', 'host', 'participant')),
    position        INTEGER NOT NULL,
    PRIMARY KEY (activity_id, organization_id)
) WITHOUT ROWID;
INSERT INTO activity_partners_old (activity_id, organization_id, role, position)
    SELECT activity_id, organization_id,
           CASE role WHEN 'beneficiary' THEN 'participant' ELSE role END, position
    FROM activity_partners;
DROP TABLE activity_partners;
ALTER TABLE activity_partners_old RENAME TO activity_partners;
CREATE INDEX activity_partners_organization ON activity_partners (organization_id, activity_id);
CREATE TRIGGER data_version_activity_partners_insert AFTER INSERT ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_partners_update AFTER UPDATE ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activity_partners_delete AFTER DELETE ON activity_partners BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
UPDATE data_version SET n = n + 1 WHERE id = 1;
