-- USSD *101#: sessions that any server can continue, and payments from prepaid credit.

-- The outbox also carries SMS that answer no inbound message: the receipt of a USSD payment. A row names what it
-- belongs to in transaction_id (an SMS transaction or a USSD payment), and source says which; only SMS rows have a
-- trail in sms_events.
ALTER TABLE sms_outbox DROP CONSTRAINT sms_outbox_transaction_id_fkey;
ALTER TABLE sms_outbox ADD COLUMN source TEXT NOT NULL DEFAULT 'sms' CHECK (source IN ('sms', 'ussd'));

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
    ended       BOOLEAN NOT NULL,
    version     BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
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
    amount             BIGINT  NOT NULL CHECK (amount > 0),
    fee                BIGINT  NOT NULL CHECK (fee >= 0),
    paid_until         BIGINT  NULL,
    balance            BIGINT  NULL,
    created_at         BIGINT  NOT NULL,
    UNIQUE (msisdn, month)
);
CREATE INDEX ix_ussd_payments_msisdn ON ussd_payments (msisdn, created_at);
