DROP INDEX activity_documents_media;
DROP INDEX activity_photos_media;
ALTER TABLE activity_documents DROP COLUMN media_id;
ALTER TABLE activity_photos DROP COLUMN media_id;
