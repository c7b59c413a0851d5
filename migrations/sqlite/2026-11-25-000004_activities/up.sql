-- Emulation clusters (cụm thi đua): the resource itself comes with its own endpoints; activities
-- already point at the cluster that ran them.
CREATE TABLE clusters (
    id          INTEGER PRIMARY KEY NOT NULL,
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
CREATE INDEX clusters_number ON clusters (number, id);
CREATE INDEX clusters_sort_key ON clusters (sort_key, id);

-- Campaigns and movements ("Tháng Thanh niên", "Thanh niên tình nguyện"…).
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY NOT NULL,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    sort_key   BLOB    NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tags_sort_key ON tags (sort_key, id);

CREATE TABLE activities (
    id                 INTEGER PRIMARY KEY NOT NULL,
    slug               TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    title_sort_key     BLOB    NOT NULL,
    summary            TEXT,
    body               TEXT,
    -- body rendered from Markdown and sanitised, kept with the row.
    body_html          TEXT,
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

-- Every list filters on `state` (visibility) and sorts by a key with the id as tie-break.
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

CREATE TABLE activity_partners (
    activity_id     INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    role            TEXT    NOT NULL CHECK (role IN ('co_organizer', 'chair', 'host', 'participant')),
    position        INTEGER NOT NULL,
    PRIMARY KEY (activity_id, organization_id)
) WITHOUT ROWID;
CREATE INDEX activity_partners_organization ON activity_partners (organization_id, activity_id);

CREATE TABLE activity_tags (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX activity_tags_tag ON activity_tags (tag_id, activity_id);

-- Referenced directives, always kept as written; the parsed parts where they parse.
CREATE TABLE activity_documents (
    id          INTEGER PRIMARY KEY NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    number      TEXT,
    doc_type    TEXT,
    issuer      TEXT,
    department  TEXT,
    issued_on   DATE
);
CREATE INDEX activity_documents_activity ON activity_documents (activity_id, position);

CREATE TABLE activity_photos (
    id          INTEGER PRIMARY KEY NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    url         TEXT,
    caption     TEXT,
    credit      TEXT
);
CREATE INDEX activity_photos_activity ON activity_photos (activity_id, position);

-- Every saved state of an activity (nothing an editor saves is lost).
CREATE TABLE activity_revisions (
    id          INTEGER PRIMARY KEY NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    -- The full representation at that version, as JSON.
    state       TEXT    NOT NULL,
    changed_by  TEXT,
    changed_at  TIMESTAMP NOT NULL,
    note        TEXT,
    UNIQUE (activity_id, version)
);

-- Full-text search (see organizations_fts): title, summary, body, location, tags, organizer.
CREATE VIRTUAL TABLE activities_fts USING fts5(
    exact, folded,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
