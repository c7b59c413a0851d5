-- Webhooks: admin-managed subscriptions, an outbox of events written in the same transaction
-- as the change they describe (a change that rolls back leaves none; one that commits is
-- delivered even across a restart), and one delivery per subscription and event with its log.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url             TEXT    NOT NULL,
    -- JSON array of event names.
    events          TEXT    NOT NULL,
    description     TEXT,
    active          BOOLEAN NOT NULL DEFAULT 1,
    -- HMAC-SHA256 key of the signatures; shown once, when the subscription is created.
    secret          TEXT    NOT NULL,
    -- Failed attempts in a row; past the setting the subscription is switched off.
    failures        INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX webhooks_active ON webhooks (active, id);

CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event       TEXT    NOT NULL,
    resource    TEXT    NOT NULL,
    resource_id INTEGER NOT NULL,
    -- The public representation (JSON) at the moment of the change.
    data        TEXT    NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    -- pending (to be tried at next_attempt_at), delivered, failed (retries used up).
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    response_code   INTEGER,
    latency_ms      INTEGER,
    error           TEXT,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Their lists are counted once per data version, like every other list.
CREATE TRIGGER data_version_webhooks_insert AFTER INSERT ON webhooks BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_webhooks_update AFTER UPDATE ON webhooks BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_webhooks_delete AFTER DELETE ON webhooks BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_webhook_deliveries_insert AFTER INSERT ON webhook_deliveries BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER data_version_webhook_deliveries_delete AFTER DELETE ON webhook_deliveries BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END;
