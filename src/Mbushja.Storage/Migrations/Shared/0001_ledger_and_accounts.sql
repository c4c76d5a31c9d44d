-- Ledger: balances move only through transfers. balance is credits minus debits, so the sum over all
-- accounts is zero after every commit. An account flagged no_negative can never have its available balance
-- (balance minus pending debits) below zero: the CHECK makes that true inside the database, whatever the code does.
CREATE TABLE ledger_accounts (
    id              TEXT    NOT NULL PRIMARY KEY,
    kind            TEXT    NOT NULL,
    no_negative     $boolean$ NOT NULL,
    balance         $bigint$ NOT NULL DEFAULT 0,
    pending_debits  $bigint$ NOT NULL DEFAULT 0,
    pending_credits $bigint$ NOT NULL DEFAULT 0,
    created_at      $bigint$ NOT NULL,
    CHECK (pending_debits >= 0 AND pending_credits >= 0),
    CHECK (no_negative = $false$ OR balance - pending_debits >= 0)
);

-- One row per transfer. The primary key is the caller's idempotency id: a duplicate is decided by the constraint.
-- kind: single | pending | post | void. state: posted | pending | voided.
CREATE TABLE ledger_transfers (
    id             TEXT    NOT NULL PRIMARY KEY,
    kind           TEXT    NOT NULL,
    debit_account  TEXT    NOT NULL REFERENCES ledger_accounts (id),
    credit_account TEXT    NOT NULL REFERENCES ledger_accounts (id),
    amount         $bigint$ NOT NULL CHECK (amount > 0),
    pending_id     TEXT    NULL REFERENCES ledger_transfers (id),
    state          TEXT    NOT NULL,
    code           TEXT    NOT NULL,
    linked_id      TEXT    NULL,
    created_at     $bigint$ NOT NULL,
    CHECK (debit_account <> credit_account)
);

-- A pending transfer is posted or voided at most once.
CREATE UNIQUE INDEX ux_ledger_transfers_pending ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ix_ledger_transfers_debit ON ledger_transfers (debit_account, created_at);
CREATE INDEX ix_ledger_transfers_credit ON ledger_transfers (credit_account, created_at);

-- Rows that name a ledger account are written by a ledger effect before the batch writes its new accounts:
-- their foreign keys are checked at commit.
CREATE TABLE subscribers (
    msisdn     TEXT    NOT NULL PRIMARY KEY,
    language   TEXT    NOT NULL,
    account_id TEXT    NOT NULL REFERENCES ledger_accounts (id) DEFERRABLE INITIALLY DEFERRED,
    created_at $bigint$ NOT NULL
);

CREATE TABLE service_accounts (
    id           TEXT    NOT NULL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    package_code TEXT    NOT NULL,
    username     TEXT    NULL,
    contract     TEXT    NULL,
    smart_card   TEXT    NULL,
    number       TEXT    NULL,
    paid_until   $bigint$ NULL,
    account_id   TEXT    NOT NULL REFERENCES ledger_accounts (id) DEFERRABLE INITIALLY DEFERRED,
    created_at   $bigint$ NOT NULL
);

-- Every way of naming a service account, lower-cased: one name, one account, decided by the primary key.
CREATE TABLE service_account_identifiers (
    key        TEXT NOT NULL PRIMARY KEY,
    kind       TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES service_accounts (id)
);
CREATE INDEX ix_service_account_identifiers_account ON service_account_identifiers (account_id);
