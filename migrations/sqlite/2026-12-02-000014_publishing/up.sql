-- Publishing: scheduled and reviewed activities, featured news, reviewers, old slugs.
--
-- `activities.status` gains `pending_review` (an editor's news waiting for a reviewer of a unit
-- that requires review) and `scheduled` (published with a publication time still ahead: a
-- background task makes it `published` at that moment, in one transaction, so every view
-- changes at once). Both are seen only by those who may edit or review the activity. Activities
-- also get `featured` (tin nổi bật) with an optional end, and the comment of a reviewer who
-- returned it. `users.role` gains `reviewer`. A CHECK constraint cannot be altered in SQLite:
-- both tables are rebuilt by SQLite's documented procedure, as in 000007 (foreign keys off,
-- outside diesel's transaction — see metadata.toml — one transaction, foreign-key check).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

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
    status             TEXT    NOT NULL CHECK (status IN (
                           'draft', 'pending_review', 'scheduled', 'published', 'archived')),
    published_at       TIMESTAMP,
    deleted_at         TIMESTAMP,
    -- Visibility in one indexed value: the status, or 'trash' once deleted.
    state              TEXT    GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN status ELSE 'trash' END) VIRTUAL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    created_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    -- Tin nổi bật: until `featured_until` if set (the background task clears the flag then).
    featured           BOOLEAN NOT NULL DEFAULT 0,
    featured_until     TIMESTAMP,
    -- Why a reviewer returned it to its editors (kept until it is approved).
    review_comment     TEXT,
    CHECK (period_end >= occurred_on),
    CHECK (ends_on IS NULL OR ends_on >= occurred_on),
    CHECK (status NOT IN ('published', 'scheduled', 'archived') OR published_at IS NOT NULL)
);
INSERT INTO activities_new (id, slug, title, title_sort_key, summary, occurred_on, date_precision, period_end, ends_on, part_of_day, location, category, organizer_id, cluster_id, participants_count, byline, status, published_at, deleted_at, created_at, updated_at, created_by, updated_by, version)
SELECT id, slug, title, title_sort_key, summary, occurred_on, date_precision, period_end, ends_on, part_of_day, location, category, organizer_id, cluster_id, participants_count, byline, status, coalesce(published_at, CASE WHEN status = 'draft' THEN NULL ELSE created_at END), deleted_at, created_at, updated_at, created_by, updated_by, version FROM activities;
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
-- `sort=-featured,-published_at`: the featured first, each part newest first.
CREATE INDEX activities_featured ON activities (state, featured, coalesce(published_at, ''), id);
-- The next featured flag to expire (the background task's question).
CREATE INDEX activities_featured_until ON activities (featured_until) WHERE featured = 1 AND featured_until IS NOT NULL;
CREATE TRIGGER data_version_activities_insert AFTER INSERT ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activities_update AFTER UPDATE ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_activities_delete AFTER DELETE ON activities BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;

CREATE TABLE users_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- Stored lower case (usernames are case-insensitive); ASCII letters, digits, . _ -
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT,
    -- A reviewer approves or returns the news of its unit and of the units below it.
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'reviewer')),
    -- The unit whose activities an editor may write or a reviewer review (and those below it).
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
INSERT INTO users_new (id, username, display_name, role, organization_id, active, password_hash, token_version, created_at, updated_at, last_login_at, version, token_key)
SELECT id, username, display_name, role, organization_id, active, password_hash, token_version, created_at, updated_at, last_login_at, version, token_key FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organization ON users (organization_id, username);
CREATE INDEX users_role ON users (role, username);
CREATE INDEX users_active ON users (active, username);
CREATE INDEX users_created_at ON users (created_at, id);
CREATE TRIGGER data_version_users_insert AFTER INSERT ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_users_update AFTER UPDATE ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_users_delete AFTER DELETE ON users BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;

-- Duyệt tin: the news of this unit and of every unit below it waits for a reviewer.
ALTER TABLE organizations ADD COLUMN requires_review BOOLEAN NOT NULL DEFAULT 0;

-- Slugs an activity or unit had before: `GET` by one answers 301 to the current slug. A slug
-- in use now wins over an old one (an entry is removed when a row takes its slug).
CREATE TABLE slug_history (
    resource   TEXT    NOT NULL CHECK (resource IN ('activities', 'organizations')),
    slug       TEXT    NOT NULL,
    target_id  INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, slug)
) WITHOUT ROWID;
CREATE INDEX slug_history_target ON slug_history (resource, target_id);
CREATE TRIGGER slug_history_activity_purged AFTER DELETE ON activities
BEGIN DELETE FROM slug_history WHERE resource = 'activities' AND target_id = old.id; END;
CREATE TRIGGER slug_history_organization_deleted AFTER DELETE ON organizations
BEGIN DELETE FROM slug_history WHERE resource = 'organizations' AND target_id = old.id; END;

UPDATE data_version SET n = n + 1 WHERE id = 1;

CREATE TEMP TABLE fk_violations AS SELECT * FROM pragma_foreign_key_check;
CREATE TEMP TABLE fk_guard (n INTEGER CONSTRAINT every_foreign_key_holds CHECK (n = 0));
INSERT INTO fk_guard SELECT count(*) FROM fk_violations;
DROP TABLE fk_guard;
DROP TABLE fk_violations;
COMMIT;
PRAGMA foreign_keys = ON;
