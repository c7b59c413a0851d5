-- Ids are never reused. Without AUTOINCREMENT SQLite gives a new row max(id) + 1, so deleting
-- the newest user, activity, organization… handed its id to the next one created: a deleted
-- editor's saved token named the next account (an admin, if one was made next), a purged
-- activity's URL showed an unrelated one. Each table with a rowid id is rebuilt with
-- AUTOINCREMENT (sqlite_sequence keeps the highest id ever given), by SQLite's documented
-- procedure: foreign keys off (this migration runs outside diesel's transaction, see
-- metadata.toml, because the pragma is a no-op inside one), one transaction, new table, copy,
-- drop, rename, indexes, then a foreign-key check before the commit.
--
-- Users also get `token_key`: a random value per account, carried by every token and compared
-- on each request, so a token names exactly one account, whatever happens to ids.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- organizations
CREATE TABLE organizations_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
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
INSERT INTO organizations_new (id, slug, name, short_name, kind, parent_id, secretary_name, address, phone, email, website, established_on, dissolved_on, successor_id, sort_key, created_at, updated_at, version)
SELECT id, slug, name, short_name, kind, parent_id, secretary_name, address, phone, email, website, established_on, dissolved_on, successor_id, sort_key, created_at, updated_at, version FROM organizations;
DROP TABLE organizations;
ALTER TABLE organizations_new RENAME TO organizations;
CREATE INDEX organizations_sort_key ON organizations (sort_key, id);
CREATE INDEX organizations_created_at ON organizations (created_at, id);
CREATE INDEX organizations_updated_at ON organizations (updated_at, id);
CREATE INDEX organizations_parent ON organizations (parent_id, sort_key, id);
CREATE INDEX organizations_kind ON organizations (kind, sort_key, id);
CREATE INDEX organizations_successor ON organizations (successor_id);
CREATE INDEX organizations_active ON organizations ((dissolved_on IS NULL), sort_key, id);

-- users
CREATE TABLE users_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- Stored lower case (usernames are case-insensitive); ASCII letters, digits, . _ -
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT,
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'editor')),
    -- The unit whose activities an editor may write (and the units below it).
    organization_id INTEGER REFERENCES organizations (id),
    active          BOOLEAN NOT NULL DEFAULT 1,
    -- argon2id PHC string; never returned, never logged.
    password_hash   TEXT    NOT NULL,
    -- Bumped on password change, deactivation or role change: earlier tokens stop working.
    token_version   INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    last_login_at   TIMESTAMP,
    version         INTEGER NOT NULL DEFAULT 1,
    -- Random per account, in every token: no later account can share it.
    token_key       TEXT    NOT NULL DEFAULT (lower(hex(randomblob(16)))),
    CHECK (role = 'admin' OR organization_id IS NOT NULL)
);
INSERT INTO users_new (id, username, display_name, role, organization_id, active, password_hash, token_version, created_at, updated_at, last_login_at, version)
SELECT id, username, display_name, role, organization_id, active, password_hash, token_version, created_at, updated_at, last_login_at, version FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organization ON users (organization_id, username);
CREATE INDEX users_role ON users (role, username);
CREATE INDEX users_active ON users (active, username);
CREATE INDEX users_created_at ON users (created_at, id);

-- clusters
CREATE TABLE clusters_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    number      INTEGER NOT NULL CHECK (number > 0),
    bloc_id     INTEGER NOT NULL REFERENCES organizations (id),
    description TEXT,
    active      BOOLEAN NOT NULL DEFAULT 1,
    sort_key    BLOB    NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (bloc_id, number)
);
INSERT INTO clusters_new (id, slug, name, number, bloc_id, description, active, sort_key, created_at, updated_at, version)
SELECT id, slug, name, number, bloc_id, description, active, sort_key, created_at, updated_at, version FROM clusters;
DROP TABLE clusters;
ALTER TABLE clusters_new RENAME TO clusters;
CREATE INDEX clusters_number ON clusters (number, id);
CREATE INDEX clusters_sort_key ON clusters (sort_key, id);

-- tags
CREATE TABLE tags_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    sort_key   BLOB    NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO tags_new (id, slug, name, sort_key, created_at)
SELECT id, slug, name, sort_key, created_at FROM tags;
DROP TABLE tags;
ALTER TABLE tags_new RENAME TO tags;
CREATE INDEX tags_sort_key ON tags (sort_key, id);

-- activities
CREATE TABLE activities_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug               TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    title_sort_key     BLOB    NOT NULL,
    summary            TEXT,
    occurred_on        DATE    NOT NULL,
    date_precision     TEXT    NOT NULL DEFAULT 'day' CHECK (date_precision IN ('day', 'month', 'year')),
    -- Last day the activity covers (end of its month/year for coarse dates, or ends_on):
    -- a date range holds an activity when it covers occurred_on .. period_end.
    period_end         DATE    NOT NULL,
    ends_on            DATE,
    part_of_day        TEXT    CHECK (part_of_day IN ('morning', 'afternoon', 'evening')),
    location           TEXT,
    category           TEXT    NOT NULL CHECK (category IN (
                           'volunteering', 'thematic_session', 'conference', 'education_outreach',
                           'culture_sports', 'social_welfare', 'digital_transformation',
                           'innovation', 'environment', 'other')),
    organizer_id       INTEGER NOT NULL REFERENCES organizations (id),
    cluster_id         INTEGER REFERENCES clusters (id),
    participants_count INTEGER CHECK (participants_count >= 0),
    byline             TEXT,
    status             TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at       TIMESTAMP,
    deleted_at         TIMESTAMP,
    -- Visibility in one indexed value: the status, or 'trash' once deleted.
    state              TEXT    GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN status ELSE 'trash' END) VIRTUAL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    created_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK (period_end >= occurred_on),
    CHECK (ends_on IS NULL OR ends_on >= occurred_on)
);
INSERT INTO activities_new (id, slug, title, title_sort_key, summary, occurred_on, date_precision, period_end, ends_on, part_of_day, location, category, organizer_id, cluster_id, participants_count, byline, status, published_at, deleted_at, created_at, updated_at, created_by, updated_by, version)
SELECT id, slug, title, title_sort_key, summary, occurred_on, date_precision, period_end, ends_on, part_of_day, location, category, organizer_id, cluster_id, participants_count, byline, status, published_at, deleted_at, created_at, updated_at, created_by, updated_by, version FROM activities;
DROP TABLE activities;
ALTER TABLE activities_new RENAME TO activities;
CREATE INDEX activities_occurred ON activities (state, occurred_on, id);
CREATE INDEX activities_organizer ON activities (organizer_id, state, occurred_on, id);
CREATE INDEX activities_category ON activities (category, state, occurred_on, id);
CREATE INDEX activities_cluster ON activities (cluster_id, state, occurred_on, id);
CREATE INDEX activities_published ON activities (state, coalesce(published_at, ''), id);
CREATE INDEX activities_title ON activities (state, title_sort_key, id);
CREATE INDEX activities_updated ON activities (state, updated_at, id);
CREATE INDEX activities_deleted ON activities (state, deleted_at, id);
CREATE INDEX activities_created_by ON activities (created_by);
CREATE INDEX activities_updated_by ON activities (updated_by);

-- activity_documents
CREATE TABLE activity_documents_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    number      TEXT,
    doc_type    TEXT,
    issuer      TEXT,
    department  TEXT,
    issued_on   DATE
);
INSERT INTO activity_documents_new (id, activity_id, position, raw, number, doc_type, issuer, department, issued_on)
SELECT id, activity_id, position, raw, number, doc_type, issuer, department, issued_on FROM activity_documents;
DROP TABLE activity_documents;
ALTER TABLE activity_documents_new RENAME TO activity_documents;
CREATE INDEX activity_documents_activity ON activity_documents (activity_id, position);

-- activity_photos
CREATE TABLE activity_photos_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    url         TEXT,
    caption     TEXT,
    credit      TEXT
);
INSERT INTO activity_photos_new (id, activity_id, position, url, caption, credit)
SELECT id, activity_id, position, url, caption, credit FROM activity_photos;
DROP TABLE activity_photos;
ALTER TABLE activity_photos_new RENAME TO activity_photos;
CREATE INDEX activity_photos_activity ON activity_photos (activity_id, position);

-- activity_revisions
CREATE TABLE activity_revisions_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    -- The full representation at that version, as JSON.
    state       TEXT    NOT NULL,
    changed_by  TEXT,
    changed_at  TIMESTAMP NOT NULL,
    note        TEXT,
    UNIQUE (activity_id, version)
);
INSERT INTO activity_revisions_new (id, activity_id, version, state, changed_by, changed_at, note)
SELECT id, activity_id, version, state, changed_by, changed_at, note FROM activity_revisions;
DROP TABLE activity_revisions;
ALTER TABLE activity_revisions_new RENAME TO activity_revisions;

-- A dangling reference would make the commit fail loudly rather than land: every row is
-- checked against its parents (foreign_key_check returns nothing when all hold, and the
-- CHECK-like trick below turns a returned row into an error).
CREATE TEMP TABLE fk_violations AS SELECT * FROM pragma_foreign_key_check;
CREATE TEMP TABLE fk_guard (n INTEGER CONSTRAINT every_foreign_key_holds CHECK (n = 0));
INSERT INTO fk_guard SELECT count(*) FROM fk_violations;
DROP TABLE fk_guard;
DROP TABLE fk_violations;
COMMIT;
PRAGMA foreign_keys = ON;
