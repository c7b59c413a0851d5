ALTER TABLE activities ADD COLUMN body TEXT;
ALTER TABLE activities ADD COLUMN body_html TEXT;
UPDATE activities SET
    body = (SELECT b.body FROM activity_bodies b WHERE b.activity_id = activities.id),
    body_html = (SELECT b.body_html FROM activity_bodies b WHERE b.activity_id = activities.id);
DROP TABLE activity_bodies;
