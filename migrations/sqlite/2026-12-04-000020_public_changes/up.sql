-- When an activity last changed in a way the public could see: written (by the clock) on any
-- insert, update or deletion of a row that is public (published or archived, not in the
-- trash) before or after it. Feeds' Last-Modified is the latest of these (with units' and
-- clusters' changes), so a draft, a scheduled item or a review moves nothing a reader sees.
-- Deleting a public row is always a move to the trash first (an update), so the trash keeps
-- the time it left the feed; when a row goes for good (purged from the trash, a unit or a
-- cluster deleted), its latest change is kept in `public_change_floor`, so Last-Modified never
-- goes back past a change a reader saw.
ALTER TABLE activities ADD COLUMN public_changed_at TIMESTAMP;
UPDATE activities SET public_changed_at = updated_at
    WHERE deleted_at IS NOT NULL OR status IN ('published', 'archived');
CREATE INDEX activities_public_changed ON activities (public_changed_at);
CREATE TRIGGER activities_public_insert AFTER INSERT ON activities
    WHEN new.deleted_at IS NULL AND new.status IN ('published', 'archived')
BEGIN
    UPDATE activities SET public_changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
        WHERE id = new.id;
END;
CREATE TRIGGER activities_public_update AFTER UPDATE ON activities
    WHEN (old.deleted_at IS NULL AND old.status IN ('published', 'archived'))
      OR (new.deleted_at IS NULL AND new.status IN ('published', 'archived'))
BEGIN
    UPDATE activities SET public_changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
        WHERE id = new.id;
END;

CREATE TABLE public_change_floor (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    at TIMESTAMP NOT NULL
);
INSERT INTO public_change_floor (id, at) VALUES (1, '1970-01-01 00:00:00');
CREATE TRIGGER public_change_floor_activity AFTER DELETE ON activities
    WHEN old.public_changed_at IS NOT NULL
BEGIN
    UPDATE public_change_floor SET at = max(at, old.public_changed_at) WHERE id = 1;
END;
CREATE TRIGGER public_change_floor_organization AFTER DELETE ON organizations
BEGIN
    UPDATE public_change_floor SET at = max(at, old.updated_at) WHERE id = 1;
END;
CREATE TRIGGER public_change_floor_cluster AFTER DELETE ON clusters
BEGIN
    UPDATE public_change_floor SET at = max(at, old.updated_at) WHERE id = 1;
END;

-- An admin acts for every unit and has none of its own (the API now refuses one).
UPDATE users SET organization_id = NULL WHERE role = 'admin' AND organization_id IS NOT NULL;
