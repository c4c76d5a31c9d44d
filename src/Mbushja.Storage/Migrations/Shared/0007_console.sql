-- The operator console: its users and the audit of every change made through it. (0005_console: the
-- number agreed for the console branch; 0005_smpp is independent of it, and DbUp keys scripts by their full name.)

-- One row per person who signs in. username is stored lower-case: one name, one user, decided by the primary key.
-- role: agent (looks up), supervisor (also reverses), bank-officer (registrations of bank_code only), admin.
-- failed_attempts counts wrong passwords since the last success or lockout; locked_until (ms) refuses sign-in until
-- then. stamp changes whenever the role, bank or password does, so a session signed in before is asked again.
CREATE TABLE console_users (
    username        TEXT    NOT NULL PRIMARY KEY,
    role            TEXT    NOT NULL,
    bank_code       TEXT    NULL,
    password_hash   TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    $bigint$ NULL,
    stamp           TEXT    NOT NULL,
    created_at      $bigint$ NOT NULL,
    updated_at      $bigint$ NOT NULL,
    CHECK (role IN ('agent', 'supervisor', 'bank-officer', 'admin')),
    CHECK ((role = 'bank-officer') = (bank_code IS NOT NULL)),
    CHECK (failed_attempts >= 0)
);

-- Every console action that changes something: who, when (ms), what (action), on what (target), and short JSON.
CREATE TABLE console_audit (
    seq     $identity$,
    at      $bigint$ NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    details TEXT    NOT NULL
);
CREATE INDEX ix_console_audit_at ON console_audit (at);

-- The console finds a message by the short reference its reply quotes (the id's last 8 characters).
CREATE INDEX ix_sms_transactions_ref ON sms_transactions (substr(id, length(id) - 7));
CREATE INDEX ix_sms_transactions_received ON sms_transactions (received_at);
CREATE INDEX ix_ussd_payments_created ON ussd_payments (created_at);
CREATE INDEX ix_ussd_payments_account ON ussd_payments (service_account_id, created_at);
CREATE INDEX ix_bank_registrations_bank ON bank_registrations (bank_code, created_at);
