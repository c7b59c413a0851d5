-- Yearly rosters of emulation clusters: roles rotate each year, both years are kept.
CREATE TABLE cluster_members (
    cluster_id      INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    year            INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    -- The cluster's bloc, copied so the database itself refuses a unit in two clusters of one
    -- bloc in one year.
    bloc_id         INTEGER NOT NULL REFERENCES organizations (id),
    role            TEXT    NOT NULL CHECK (role IN ('head', 'standing_deputy', 'deputy', 'member')),
    position        INTEGER NOT NULL,
    PRIMARY KEY (cluster_id, year, organization_id),
    UNIQUE (bloc_id, year, organization_id)
) WITHOUT ROWID;
CREATE INDEX cluster_members_organization ON cluster_members (organization_id, year);
CREATE INDEX cluster_members_year ON cluster_members (year, cluster_id);

-- Year-end review (tổng kết, bình xét) of each member.
CREATE TABLE cluster_results (
    cluster_id      INTEGER NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    year            INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2100),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    self_score      DOUBLE,
    agreed_score    DOUBLE,
    grade           TEXT    CHECK (grade IN ('excellent', 'good', 'average', 'weak')),
    award           TEXT    CHECK (award IN ('emulation_flag', 'merit_certificate', 'commendation')),
    note            TEXT,
    PRIMARY KEY (cluster_id, year, organization_id)
) WITHOUT ROWID;
CREATE INDEX cluster_results_organization ON cluster_results (organization_id, year);

-- Full-text search over cluster names and descriptions (see organizations_fts).
CREATE VIRTUAL TABLE clusters_fts USING fts5(
    exact, folded,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
