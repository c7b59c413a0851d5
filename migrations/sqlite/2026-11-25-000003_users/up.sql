-- Accounts that may write. Reading published content needs none.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY NOT NULL,
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
    CHECK (role = 'admin' OR organization_id IS NOT NULL)
);

CREATE INDEX users_organization ON users (organization_id, username);
CREATE INDEX users_role ON users (role, username);
CREATE INDEX users_active ON users (active, username);
CREATE INDEX users_created_at ON users (created_at, id);
