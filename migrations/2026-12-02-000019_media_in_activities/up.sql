-- An activity's photos and documents may be uploaded media: `media_id` names the medium (its
-- files, size and alt text come from it); the caption, credit and a document's title stay the
-- activity's own. A photo with neither `media_id` nor `url` is a caption alone (as on the seed
-- page). A medium in use is not deleted (409) unless an admin forces it, which clears these.
ALTER TABLE activity_photos ADD COLUMN media_id INTEGER REFERENCES media (id);
ALTER TABLE activity_documents ADD COLUMN media_id INTEGER REFERENCES media (id);
CREATE INDEX activity_photos_media ON activity_photos (media_id) WHERE media_id IS NOT NULL;
CREATE INDEX activity_documents_media ON activity_documents (media_id) WHERE media_id IS NOT NULL;
