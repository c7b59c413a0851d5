-- Organizations: the Youth Union hierarchy and the partner bodies units work with.
CREATE TABLE organizations (
    id              INTEGER PRIMARY KEY NOT NULL,
    slug            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    short_name      TEXT,
    kind            TEXT    NOT NULL CHECK (kind IN (
                        'provincial_union', 'bloc_union', 'district_union', 'grassroots_union',
                        'grassroots_branch', 'branch_federation', 'branch', 'partner')),
    parent_id       INTEGER REFERENCES organizations (id),
    secretary_name  TEXT,
    address         TEXT,
    phone           TEXT,
    email           TEXT,
    website         TEXT,
    established_on  DATE,
    dissolved_on    DATE,
    successor_id    INTEGER REFERENCES organizations (id),
    -- Vietnamese collation key computed in Rust (text::sort_key): byte-comparable, so a plain index serves `sort=name`.
    sort_key        BLOB    NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    CHECK (parent_id IS NULL OR parent_id <> id),
    CHECK (successor_id IS NULL OR successor_id <> id)
);

-- Every sort ends with the id, so each index carries it for the tie-break.
CREATE INDEX organizations_sort_key ON organizations (sort_key, id);
CREATE INDEX organizations_created_at ON organizations (created_at, id);
CREATE INDEX organizations_updated_at ON organizations (updated_at, id);
CREATE INDEX organizations_parent ON organizations (parent_id, sort_key, id);
CREATE INDEX organizations_kind ON organizations (kind, sort_key, id);
CREATE INDEX organizations_successor ON organizations (successor_id);
-- `active` is derived (dissolved_on IS NULL); this expression index serves `?active=` with the name order.
CREATE INDEX organizations_active ON organizations ((dissolved_on IS NULL), sort_key, id);
