-- An activity's photos and documents may be uploaded media: `media_id` names the medium (its
-- files and sizes come from it); the alt text, caption, credit and a document's title are the
-- activity's own (taken from the medium when not given). A photo with neither `media_id` nor `url` is a caption alone (as on the seed
-- page). A medium in use is not deleted (409) unless an admin forces it, which clears these.
ALTER TABLE activity_photos ADD COLUMN media_id INTEGER REFERENCES media (id);
-- The medium's alt text as it was when the photo was placed (the activity's own, like the
-- caption: a later edit of the medium does not change a published, reviewed activity).
ALTER TABLE activity_photos ADD COLUMN alt TEXT;
ALTER TABLE activity_documents ADD COLUMN media_id INTEGER REFERENCES media (id);
CREATE INDEX activity_photos_media ON activity_photos (media_id) WHERE media_id IS NOT NULL;
CREATE INDEX activity_documents_media ON activity_documents (media_id) WHERE media_id IS NOT NULL;

-- An export carries the media library's rows too: imported ones remember their external id.
-- The triggers naming the table go while it is rebuilt (a rename checks them), then come back.
DROP TRIGGER external_ids_activity_purged;
DROP TRIGGER external_ids_organization_deleted;
DROP TRIGGER external_ids_cluster_deleted;
CREATE TABLE external_ids_new (
    resource    TEXT    NOT NULL CHECK (resource IN ('organizations', 'clusters', 'activities', 'media')),
    external_id TEXT    NOT NULL,
    target_id   INTEGER NOT NULL,
    PRIMARY KEY (resource, external_id)
) WITHOUT ROWID;
INSERT INTO external_ids_new SELECT resource, external_id, target_id FROM external_ids;
DROP TABLE external_ids;
ALTER TABLE external_ids_new RENAME TO external_ids;
CREATE INDEX external_ids_target ON external_ids (resource, target_id);
CREATE TRIGGER external_ids_activity_purged AFTER DELETE ON activities
BEGIN DELETE FROM external_ids WHERE resource = 'activities' AND target_id = old.id; END;
CREATE TRIGGER external_ids_organization_deleted AFTER DELETE ON organizations
BEGIN DELETE FROM external_ids WHERE resource = 'organizations' AND target_id = old.id; END;
CREATE TRIGGER external_ids_cluster_deleted AFTER DELETE ON clusters
BEGIN DELETE FROM external_ids WHERE resource = 'clusters' AND target_id = old.id; END;
CREATE TRIGGER external_ids_media_deleted AFTER DELETE ON media
BEGIN DELETE FROM external_ids WHERE resource = 'media' AND target_id = old.id; END;
