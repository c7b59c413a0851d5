-- Totals kept in the write's own transaction (issue 28): how many activities each scope holds,
-- per state, category, month of `occurred_on` and month of `period_end`, so a filtered total
-- (a unit, its subtree, an organizer, a cluster, a tag, categories, months) is a sum over a
-- few rows instead of a count of the matching activities. Scopes (`scope`, `scope_id`):
--   all 0             every activity
--   organizer u       organized by u;        organizer_tree a: by u or a unit below it
--   unit u            u organizes it or is a partner (once, whatever the roles)
--   tree a            a or a unit below it organizes it or is a partner (once)
--   cluster c         in cluster c (0: in none)
--   tag t             tagged t
-- One row per (scope, facet values): writers of different units, categories or months touch
-- different rows; no row that every write must update.
CREATE TABLE activity_tallies (
    scope     TEXT    NOT NULL,
    scope_id  INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    month     TEXT    NOT NULL,
    end_month TEXT    NOT NULL,
    n         INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (scope, scope_id, state, category, month, end_month)
) WITHOUT ROWID;

-- Activities changed since the tallies last counted them, each with what the tallies hold for
-- it (`counted` = 1: the image in the other columns; 0: nothing, it is new). Filled by the
-- triggers below (the image as it was before the transaction's first change to the activity),
-- emptied by the writer before its commit (db::tallies::settle): the old image is taken out of
-- the tallies, the activity as it is now put in.
CREATE TABLE activity_tally_changes (
    activity_id  INTEGER PRIMARY KEY NOT NULL,
    counted      INTEGER NOT NULL,
    state        TEXT,
    category     TEXT,
    month        TEXT,
    end_month    TEXT,
    organizer_id INTEGER,
    cluster_id   INTEGER,
    partners     TEXT,
    tags         TEXT
);

-- `rebuild` = 1: the tallies must be counted again from the rows (a unit moved or went, a
-- database from before this migration, a bulk load); until then readers count, and the
-- triggers record nothing (a bulk load sets it first, so its rows cost no bookkeeping).
CREATE TABLE activity_tally_state (
    id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    rebuild INTEGER NOT NULL
);
INSERT INTO activity_tally_state (id, rebuild) VALUES (1, 1);

-- An activity as the tallies count it (read by the triggers before a change).
CREATE VIEW activity_tally_images AS
    SELECT a.id AS activity_id, 1 AS counted, a.state, a.category,
           strftime('%Y-%m', a.occurred_on) AS month, strftime('%Y-%m', a.period_end) AS end_month,
           a.organizer_id, a.cluster_id,
           (SELECT group_concat(organization_id) FROM activity_partners WHERE activity_id = a.id) AS partners,
           (SELECT group_concat(tag_id) FROM activity_tags WHERE activity_id = a.id) AS tags
    FROM activities a;
-- Each change records the activity's image before the transaction's first change to it.
CREATE TRIGGER activity_tallies_update BEFORE UPDATE ON activities
    WHEN (old.status IS NOT new.status OR (old.deleted_at IS NULL) IS NOT (new.deleted_at IS NULL)
      OR old.category IS NOT new.category OR old.occurred_on IS NOT new.occurred_on
      OR old.period_end IS NOT new.period_end OR old.organizer_id IS NOT new.organizer_id
      OR old.cluster_id IS NOT new.cluster_id)
      AND (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = old.id;
END;
CREATE TRIGGER activity_tallies_delete BEFORE DELETE ON activities
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = old.id;
END;
CREATE TRIGGER activity_tallies_insert AFTER INSERT ON activities
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes (activity_id, counted) VALUES (new.id, 0);
END;

-- A partner or a tag added, changed or taken away.
CREATE TRIGGER activity_tallies_partner_insert BEFORE INSERT ON activity_partners
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = new.activity_id;
END;
CREATE TRIGGER activity_tallies_partner_update BEFORE UPDATE OF activity_id, organization_id ON activity_partners
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id IN (old.activity_id, new.activity_id);
END;
CREATE TRIGGER activity_tallies_partner_delete BEFORE DELETE ON activity_partners
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = old.activity_id;
END;
CREATE TRIGGER activity_tallies_tag_insert BEFORE INSERT ON activity_tags
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = new.activity_id;
END;
CREATE TRIGGER activity_tallies_tag_update BEFORE UPDATE OF activity_id, tag_id ON activity_tags
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id IN (old.activity_id, new.activity_id);
END;
CREATE TRIGGER activity_tallies_tag_delete BEFORE DELETE ON activity_tags
    WHEN (SELECT rebuild FROM activity_tally_state WHERE id = 1) = 0
BEGIN
    INSERT OR IGNORE INTO activity_tally_changes SELECT * FROM activity_tally_images WHERE activity_id = old.activity_id;
END;

-- The hierarchy changed: subtree scopes are counted again.
CREATE TRIGGER activity_tallies_unit_moved AFTER UPDATE OF parent_id ON organizations
    WHEN old.parent_id IS NOT new.parent_id
BEGIN
    UPDATE activity_tally_state SET rebuild = 1 WHERE id = 1;
END;
CREATE TRIGGER activity_tallies_unit_deleted AFTER DELETE ON organizations
BEGIN
    UPDATE activity_tally_state SET rebuild = 1 WHERE id = 1;
END;
