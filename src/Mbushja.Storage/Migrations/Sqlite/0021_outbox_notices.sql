-- The outbox also carries notices that answer no inbound message and belong to no payment: the SMS that tells a
-- registration's holder of an authorised person's SIM change (docs/design/controls.md). source 'notice'; no trail.
-- SQLite cannot change a CHECK, so the table is rebuilt as 0004 and 0016 left it, with the wider one.
CREATE TABLE sms_outbox_new (
    transaction_id TEXT    NOT NULL PRIMARY KEY,
    recipient      TEXT    NOT NULL,
    sender         TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    source         TEXT    NOT NULL DEFAULT 'sms',
    answered_at    INTEGER NULL,
    CHECK (state IN ('inline', 'pending', 'sent', 'failed')),
    CHECK (source IN ('sms', 'ussd', 'notice'))
);
INSERT INTO sms_outbox_new (transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source, answered_at)
    SELECT transaction_id, recipient, sender, text, state, attempts, next_at, created_at, source, answered_at FROM sms_outbox;
DROP TABLE sms_outbox;
ALTER TABLE sms_outbox_new RENAME TO sms_outbox;
CREATE INDEX ix_sms_outbox_pending ON sms_outbox (next_at) WHERE state = 'pending';
