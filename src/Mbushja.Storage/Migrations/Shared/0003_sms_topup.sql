-- SMS Top Up: one row per inbound message, from its arrival to its reply. The row is written before the
-- message is acknowledged; its state says what is left to do after a crash:
--   holding   the bank hold was asked (or is about to be): ask its status, then credit or void
--   credited  credits and reply committed: capture the hold
--   voiding   refused after a hold may exist: void it
--   completed | rejected | declined | failed   nothing left to do
-- Every change of state is conditional on the state before it, so two workers never both act on one message.
CREATE TABLE sms_transactions (
    id           TEXT    NOT NULL PRIMARY KEY,
    message_id   TEXT    NULL,
    sender       TEXT    NOT NULL,
    msisdn       TEXT    NULL,
    short_code   TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    bank_code    TEXT    NULL,
    language     TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    code         TEXT    NULL,
    account_ref  TEXT    NULL,
    amount       $bigint$ NULL,
    plan         TEXT    NULL,
    reply        TEXT    NULL,
    reply_route  TEXT    NOT NULL,
    received_at  $bigint$ NOT NULL,
    updated_at   $bigint$ NOT NULL,
    lease_until  $bigint$ NOT NULL,
    CHECK (state IN ('holding', 'credited', 'voiding', 'completed', 'rejected', 'declined', 'failed'))
);

-- The same SMSC message delivered twice is one message.
CREATE UNIQUE INDEX ux_sms_transactions_message ON sms_transactions (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX ix_sms_transactions_unfinished ON sms_transactions (lease_until) WHERE state IN ('holding', 'credited', 'voiding');
CREATE INDEX ix_sms_transactions_msisdn ON sms_transactions (msisdn, received_at);

-- The trail of a message, in the order written: interpretation, bank requests and answers, ledger transfers, reply.
CREATE TABLE sms_events (
    id             $rowid$,
    transaction_id TEXT    NOT NULL REFERENCES sms_transactions (id),
    at             $bigint$ NOT NULL,
    kind           TEXT    NOT NULL,
    detail         TEXT    NOT NULL
);
CREATE INDEX ix_sms_events_transaction ON sms_events (transaction_id, id);

-- Exactly one reply per message, decided by the primary key. Replies that travel in the HTTP response are recorded
-- as 'inline'; the others wait here as 'pending' for the outbound gateway.
CREATE TABLE sms_outbox (
    transaction_id TEXT    NOT NULL PRIMARY KEY REFERENCES sms_transactions (id),
    recipient      TEXT    NOT NULL,
    sender         TEXT    NOT NULL,
    text           TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        $bigint$ NOT NULL,
    created_at     $bigint$ NOT NULL,
    CHECK (state IN ('inline', 'pending', 'sent', 'failed'))
);
CREATE INDEX ix_sms_outbox_pending ON sms_outbox (next_at) WHERE state = 'pending';
