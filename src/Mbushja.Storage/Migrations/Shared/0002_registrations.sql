-- Registrations at partner banks: holder, IBAN, contract accounts and up to 4 authorised persons.
-- The constraints decide every rule that concurrent requests could race on; the code only picks values.
CREATE TABLE bank_registrations (
    id            TEXT    NOT NULL PRIMARY KEY,
    bank_code     TEXT    NOT NULL,
    holder_msisdn TEXT    NOT NULL,
    account_ref   TEXT    NOT NULL,
    created_at    $bigint$ NOT NULL,
    UNIQUE (bank_code, id)
);

-- Everyone a registration admits: the holder in slot 0, authorised persons in slots 1 to 4.
-- The primary key makes one MSISDN a member of at most one registration per bank, whatever its role; the unique
-- slot and its CHECK make a 5th authorised person impossible, also under concurrent additions.
CREATE TABLE registration_members (
    bank_code       TEXT    NOT NULL,
    msisdn          TEXT    NOT NULL,
    registration_id TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    slot            INTEGER NOT NULL,
    added_at        $bigint$ NOT NULL,
    PRIMARY KEY (bank_code, msisdn),
    UNIQUE (registration_id, slot),
    FOREIGN KEY (bank_code, registration_id) REFERENCES bank_registrations (bank_code, id),
    CHECK ((role = 'holder' AND slot = 0) OR (role = 'authorized' AND slot BETWEEN 1 AND 4))
);

-- The holder's own service accounts, in the order the bank gave them.
CREATE TABLE registration_contract_accounts (
    registration_id    TEXT    NOT NULL REFERENCES bank_registrations (id),
    service_account_id TEXT    NOT NULL REFERENCES service_accounts (id),
    position           INTEGER NOT NULL,
    PRIMARY KEY (registration_id, service_account_id)
);

-- Every change to a registration: who, when (ms), what. details is short JSON with full E.164 numbers: this
-- table is an access-controlled record, unlike the application log.
CREATE TABLE registration_audit (
    seq             $identity$,
    registration_id TEXT    NOT NULL REFERENCES bank_registrations (id),
    bank_code       TEXT    NOT NULL,
    at              $bigint$ NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    details         TEXT    NOT NULL
);
CREATE INDEX ix_registration_audit_registration ON registration_audit (registration_id, seq);
