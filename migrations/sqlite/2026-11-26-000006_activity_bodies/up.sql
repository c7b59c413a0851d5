-- The body of an activity (Markdown, and the sanitised HTML rendered from it) moves to a table
-- of its own, one row per activity. Lists, counts, feeds' ordering and index builds read the
-- activities table alone; with a body of a few kilobytes beside ~0.5 kB of fields, keeping it
-- in the row made every scan of `activities` read ~4 kB per activity.
CREATE TABLE activity_bodies (
    activity_id INTEGER PRIMARY KEY NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    body        TEXT,
    -- body rendered from Markdown and sanitised, kept with it.
    body_html   TEXT
);

INSERT INTO activity_bodies (activity_id, body, body_html)
SELECT id, body, body_html FROM activities;

ALTER TABLE activities DROP COLUMN body;
ALTER TABLE activities DROP COLUMN body_html;
