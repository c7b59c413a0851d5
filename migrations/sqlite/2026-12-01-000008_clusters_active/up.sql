-- `GET /clusters?active=` is a filter like any other: backed by an index (the count scanned
-- the table; found when the query-plan test grew to cover clusters, users and the trash).
CREATE INDEX clusters_active ON clusters (active, number, id);
