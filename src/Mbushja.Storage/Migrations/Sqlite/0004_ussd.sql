-- USSD *101#: sessions that any server can continue, and payments from prepaid credit.

-- The outbox also carries SMS that answer no inbound message: the receipt of a USSD payment. A row names what it
-- belongs to in transaction_id (an SMS transaction or a USSD payment), and source says which; only SMS rows have a
-- trail in sms_events. SQLite cannot drop a foreign key, so the table is rebuilt without it.
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
    CHECK (state IN ('inline', 'pending', 'sent', 'failed')),
    CHECK (source IN ('sms', 'ussd'))
);
INSERT INTO sms_outbox_new (transaction_id, recipient, sender, text, state, attempts, next_at, created_at)
    SELECT transaction_id, recipient, sender, text, state, attempts, next_at, created_at FROM sms_outbox;
DROP TABLE sms_outbox;
ALTER TABLE sms_outbox_new RENAME TO sms_outbox;
CREATE INDEX ix_sms_outbox_pending ON sms_outbox (next_at) WHERE state = 'pending';

-- One row per session of the aggregator (its sessionId). history is the input the session has taken, as the gateway
-- writes it ('1*3*drita'); state is the menu's position and choices (JSON); response is the last answer ('CON ...'),
-- given again to a repeated request. Every change is conditional on version, so two servers answering the same
-- session never both move it. session_key is the platform's own id for the session: a payment's id derives from it.
CREATE TABLE ussd_sessions (
    session_id  TEXT    NOT NULL PRIMARY KEY,
    session_key TEXT    NOT NULL,
    msisdn      TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    history     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    response    TEXT    NOT NULL,
    ended       INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX ix_ussd_sessions_updated ON ussd_sessions (updated_at);

-- A payment from prepaid credit; its id is the session's key, so a session pays at most once. month is the
-- operator-local calendar month ('2026-02') when the once-a-month rule is on, NULL when it is off: the unique
-- constraint is what refuses a second payment of the same number in a month, also from two sessions at once.
CREATE TABLE ussd_payments (
    id                 TEXT    NOT NULL PRIMARY KEY,
    session_id         TEXT    NOT NULL,
    msisdn             TEXT    NOT NULL,
    month              TEXT    NULL,
    package_code       TEXT    NOT NULL,
    service_account_id TEXT    NOT NULL REFERENCES service_accounts (id),
    account            TEXT    NOT NULL,
    amount             INTEGER NOT NULL CHECK (amount > 0),
    fee                INTEGER NOT NULL CHECK (fee >= 0),
    paid_until         INTEGER NULL,
    balance            INTEGER NULL,
    created_at         INTEGER NOT NULL,
    UNIQUE (msisdn, month)
);
CREATE INDEX ix_ussd_payments_msisdn ON ussd_payments (msisdn, created_at);
