DROP TRIGGER activities_public_update;
DROP TRIGGER activities_public_insert;
DROP INDEX activities_public_changed;
ALTER TABLE activities DROP COLUMN public_changed_at;
