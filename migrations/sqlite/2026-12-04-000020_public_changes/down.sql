DROP TRIGGER public_change_floor_cluster;
DROP TRIGGER public_change_floor_organization;
DROP TRIGGER public_change_floor_activity;
DROP TABLE public_change_floor;
DROP TRIGGER activities_public_update;
DROP TRIGGER activities_public_insert;
DROP INDEX activities_public_changed;
ALTER TABLE activities DROP COLUMN public_changed_at;
