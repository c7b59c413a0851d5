-- What the entries of each search index hold, so that the server rebuilds them once when the
-- code indexes more (version 1: the texts before bylines, captions and documents were added).
CREATE TABLE index_versions (
    name    TEXT    PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO index_versions (name, version) VALUES ('activities_fts', 1);
