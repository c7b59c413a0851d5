-- Who changed what: every write through the API (and what the clock does, and logins, failed
-- ones included), recorded in the same transaction as the change it describes. Append-only:
-- no row is ever updated, and none younger than a day can be deleted (the retention setting
-- removes older ones). No foreign keys: an entry outlives the user and the row it names.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at             TIMESTAMP NOT NULL,
    -- Null for the clock (scheduled publications) and the command line.
    actor_id       INTEGER,
    -- The username (for a failed login: the one tried, lower-cased).
    actor          TEXT,
    role           TEXT,
    -- create, update, delete, restore, purge, approve, return, publish, unfeature, login,
    -- login_failed, password_change…
    action         TEXT    NOT NULL,
    -- activities, organizations, clusters, users, auth
    resource       TEXT    NOT NULL,
    resource_id    TEXT,
    -- What the change concerned beyond the row, e.g. the roster's year.
    detail         TEXT,
    request_id     TEXT,
    client_addr    TEXT,
    version_before INTEGER,
    version_after  INTEGER
);
-- Each filter's index ends with the id: a filtered page reads in recording order.
CREATE INDEX audit_log_resource ON audit_log (resource, id);
CREATE INDEX audit_log_resource_id ON audit_log (resource, resource_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
WHEN old.at > datetime('now', '-1 day')
BEGIN SELECT RAISE(ABORT, 'audit entries are kept at least a day'); END;
-- Its lists are counted once per data version, like every other list.
CREATE TRIGGER data_version_audit_log_insert AFTER INSERT ON audit_log BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_audit_log_delete AFTER DELETE ON audit_log BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
