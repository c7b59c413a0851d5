DROP INDEX clusters_active;
