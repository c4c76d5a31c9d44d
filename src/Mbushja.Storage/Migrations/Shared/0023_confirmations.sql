-- Confirmation of larger SMS top-ups (README "Confirmation above a threshold"; docs/design/confirmation.md).

-- A top-up that waits for its sender's confirmation. The message that asked for it is recorded rejected with the code
-- CONFIRMATION_REQUIRED (nothing held, nothing charged); this row keeps its plan to carry on with and what proves the
-- confirmation: a salted hash of the one-time code (NULL once closed, and for a bank that asks for the PIN). state:
-- pending, then confirmed (confirmed_by: the message that carried it on, in the same commit), expired, failed (wrong
-- codes) or superseded (a newer one of the sender at the same short code). Only a pending row is ever changed, by a
-- statement conditional on it and on its attempts, so a confirmation is used once whichever server takes it.
CREATE TABLE sms_confirmations (
    transaction_id TEXT     NOT NULL PRIMARY KEY REFERENCES sms_transactions (id),
    bank_code      TEXT     NOT NULL,
    short_code     TEXT     NOT NULL,
    msisdn         TEXT     NOT NULL,
    amount         $bigint$ NOT NULL,
    plan           TEXT     NOT NULL,
    method         TEXT     NOT NULL,
    secret_hash    TEXT     NULL,
    state          TEXT     NOT NULL,
    attempts       INTEGER  NOT NULL DEFAULT 0,
    created_at     $bigint$ NOT NULL,
    expires_at     $bigint$ NOT NULL,
    closed_at      $bigint$ NULL,
    confirmed_by   TEXT     NULL REFERENCES sms_transactions (id),
    CHECK (method IN ('code', 'pin')),
    CHECK (state IN ('pending', 'confirmed', 'expired', 'failed', 'superseded')),
    CHECK (attempts >= 0)
);
-- A sender's newest confirmation at a short code (what a reply "YES 123456" is checked against), and the pending ones
-- by expiry (the sweep that closes them).
CREATE INDEX ix_sms_confirmations_sender ON sms_confirmations (msisdn, short_code, created_at);
CREATE INDEX ix_sms_confirmations_pending ON sms_confirmations (expires_at) WHERE state = 'pending';

-- What a sender paid at a bank without confirming since the last confirmation (PSD2's count and sum): counted in the
-- commit that holds each payment, by an upsert that changes no row past the bank's limits (the payment then asks for a
-- confirmation instead); set back to zero by a confirmation.
CREATE TABLE sms_unconfirmed (
    bank_code TEXT     NOT NULL,
    msisdn    TEXT     NOT NULL,
    payments  INTEGER  NOT NULL,
    amount    $bigint$ NOT NULL,
    since     $bigint$ NOT NULL,
    PRIMARY KEY (bank_code, msisdn)
);

-- A sender's confirmation PIN at a bank that asks for one instead of a code: set at the branch (registration API,
-- console), kept as a salted PBKDF2 hash only, never logged.
CREATE TABLE sms_confirmation_pins (
    bank_code TEXT     NOT NULL,
    msisdn    TEXT     NOT NULL,
    pin_hash  TEXT     NOT NULL,
    set_at    $bigint$ NOT NULL,
    set_by    TEXT     NOT NULL,
    PRIMARY KEY (bank_code, msisdn)
);
