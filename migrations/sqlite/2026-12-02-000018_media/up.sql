-- The media library: uploaded photos and documents of a unit. A photo is stored already
-- oriented and re-encoded (no metadata block survives: no phone's GPS position is published),
-- with responsive renditions; a document (PDF) as uploaded. Files are content-addressed
-- (`{sha256}.{ext}`) in the media store; `renditions` lists them as JSON.
CREATE TABLE media (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('image', 'document')),
    -- The unit it belongs to: its editors (and those above) see and change it.
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    content_type    TEXT    NOT NULL,
    -- The stored original: `{sha256}.{ext}`.
    file            TEXT    NOT NULL,
    -- The uploaded file's name, cleaned (for Content-Disposition), if one was sent.
    file_name       TEXT,
    bytes           INTEGER NOT NULL CHECK (bytes >= 0),
    width           INTEGER,
    height          INTEGER,
    blurhash        TEXT,
    renditions      TEXT    NOT NULL DEFAULT '[]',
    -- alt, caption and credit folded (case and diacritics removed), for `q`.
    search_text     TEXT    NOT NULL DEFAULT '',
    alt             TEXT,
    caption         TEXT,
    credit          TEXT,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX media_organization ON media (organization_id, id);
CREATE INDEX media_kind ON media (kind, id);
CREATE INDEX media_file ON media (file);
CREATE TRIGGER data_version_media_insert AFTER INSERT ON media BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_media_update AFTER UPDATE ON media BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_media_delete AFTER DELETE ON media BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
