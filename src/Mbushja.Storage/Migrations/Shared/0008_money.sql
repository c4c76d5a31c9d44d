-- The money side of the console (docs/money.md): reversals with their refunds, and bank statement reconciliations.

-- A reversal of a completed SMS top-up: its credits given back on the ledger (transfers 'reversal:<id>:<n>', the
-- exact inverse of 'sms:<id>:<n>', in the same command that writes this row), then a refund asked of the bank.
-- The primary key makes a second reversal of one transaction impossible; refund_id is what the bank knows the refund
-- by (idempotent there), so asking again after a lost answer never refunds twice.
--   refunding  the ledger side is done; the refund is asked (again by the recovery sweep once the lease runs out)
--   refunded   the bank confirmed the refund
--   rejected   the bank refused it (refund_code says why): finance settles it by hand; never asked again
CREATE TABLE sms_reversals (
    transaction_id TEXT    NOT NULL PRIMARY KEY REFERENCES sms_transactions (id),
    refund_id      TEXT    NOT NULL UNIQUE,
    bank_code      TEXT    NOT NULL,
    account_ref    TEXT    NOT NULL,
    amount         $bigint$ NOT NULL CHECK (amount > 0),
    reason         TEXT    NOT NULL,
    requested_by   TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    refund_code    TEXT    NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    requested_at   $bigint$ NOT NULL,
    updated_at     $bigint$ NOT NULL,
    lease_until    $bigint$ NOT NULL,
    CHECK (state IN ('refunding', 'refunded', 'rejected'))
);
CREATE INDEX ix_sms_reversals_unfinished ON sms_reversals (lease_until) WHERE state = 'refunding';
CREATE INDEX ix_sms_reversals_bank ON sms_reversals (bank_code, requested_at);

-- Settlement reads a bank's top-ups of one local day.
CREATE INDEX ix_sms_transactions_bank ON sms_transactions (bank_code, received_at);

-- A bank statement checked against the platform's settlement of that bank and day: who uploaded it, the counts, and
-- the whole report (JSON). Only well-formed statements are recorded.
CREATE TABLE bank_reconciliations (
    id              TEXT    NOT NULL PRIMARY KEY,
    bank_code       TEXT    NOT NULL,
    statement_date  TEXT    NOT NULL,
    uploaded_by     TEXT    NOT NULL,
    uploaded_at     $bigint$ NOT NULL,
    lines           INTEGER NOT NULL,
    matched         INTEGER NOT NULL,
    missing_at_bank INTEGER NOT NULL,
    missing_here    INTEGER NOT NULL,
    mismatched      INTEGER NOT NULL,
    report          TEXT    NOT NULL
);
CREATE INDEX ix_bank_reconciliations_bank ON bank_reconciliations (bank_code, statement_date);

-- Package prices and the service fee set by an administrator from a future operator-local date on, over the shipped
-- catalog file. Rows are never updated: they are the audit (who, when, why). One change per package (or the fee,
-- package_code '') per date, decided by the unique index.
CREATE TABLE catalog_changes (
    id             TEXT    NOT NULL PRIMARY KEY,
    kind           TEXT    NOT NULL,
    package_code   TEXT    NOT NULL,
    amount         $bigint$ NOT NULL CHECK (amount >= 0),
    effective_from TEXT    NOT NULL,
    changed_by     TEXT    NOT NULL,
    changed_at     $bigint$ NOT NULL,
    reason         TEXT    NOT NULL,
    CHECK (kind IN ('price', 'fee'))
);
CREATE UNIQUE INDEX ux_catalog_changes ON catalog_changes (kind, package_code, effective_from);
