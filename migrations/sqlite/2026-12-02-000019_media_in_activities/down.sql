DROP TRIGGER external_ids_media_deleted;
DELETE FROM external_ids WHERE resource = 'media';
-- The triggers naming the table go while it is rebuilt (a rename checks them), then come back.
DROP TRIGGER external_ids_activity_purged;
DROP TRIGGER external_ids_organization_deleted;
DROP TRIGGER external_ids_cluster_deleted;
CREATE TABLE external_ids_old (
    resource    TEXT    NOT NULL CHECK (resource IN ('organizations', 'clusters', 'activities')),
    external_id TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    PRIMARY KEY (resource, external_id)
) WITHOUT ROWID;
INSERT INTO external_ids_old SELECT resource, external_id, target_id FROM external_ids;
DROP TABLE external_ids;
ALTER TABLE external_ids_old RENAME TO external_ids;
CREATE INDEX external_ids_target ON external_ids (resource, target_id);
CREATE TRIGGER external_ids_activity_purged AFTER DELETE ON activities
BEGIN DELETE FROM external_ids WHERE resource = 'activities' AND target_id = old.id; END;
CREATE TRIGGER external_ids_organization_deleted AFTER DELETE ON organizations
BEGIN DELETE FROM external_ids WHERE resource = 'organizations' AND target_id = old.id; END;
CREATE TRIGGER external_ids_cluster_deleted AFTER DELETE ON clusters
BEGIN DELETE FROM external_ids WHERE resource = 'clusters' AND target_id = old.id; END;
-- A photo that was an upload alone keeps a caption (the older code needs a url or a caption).
UPDATE activity_photos SET caption = coalesce(caption, alt, 'Ảnh')
WHERE media_id IS NOT NULL AND url IS NULL;
-- A column with REFERENCES cannot be dropped: both tables are rebuilt (as in 000007).
CREATE TABLE activity_documents_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    number      TEXT,
    doc_type    TEXT,
    issuer      TEXT,
    department  TEXT,
    issued_on   DATE
);
INSERT INTO activity_documents_old (id, activity_id, position, raw, number, doc_type, issuer, department, issued_on)
SELECT id, activity_id, position, raw, number, doc_type, issuer, department, issued_on FROM activity_documents;
DROP TABLE activity_documents;
ALTER TABLE activity_documents_old RENAME TO activity_documents;
CREATE INDEX activity_documents_activity ON activity_documents (activity_id, position);
CREATE TABLE activity_photos_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    url         TEXT,
    caption     TEXT,
    credit      TEXT
);
INSERT INTO activity_photos_old (id, activity_id, position, url, caption, credit)
SELECT id, activity_id, position, url, caption, credit FROM activity_photos;
DROP TABLE activity_photos;
ALTER TABLE activity_photos_old RENAME TO activity_photos;
CREATE INDEX activity_photos_activity ON activity_photos (activity_id, position);
