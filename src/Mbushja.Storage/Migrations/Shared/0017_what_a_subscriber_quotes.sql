-- Customer care finds a top-up from anything a subscriber can quote (README "Console"; docs/design/lookup.md), each by
-- an index, so that a lookup costs the same at two years of data as on the first day (bench/scale).

-- Whom an SMS top-up pays: one row per distinct target of a validated message's plan, written in the commit that
-- records the message. target is the E.164 number a mobile credit tops up, or the id of the service account a package or
-- balance credit pays (the two never look alike). A number's "received" and an account's SMS payments are read from
-- the primary key, newest first; the message itself by its own.
CREATE TABLE sms_targets (
    target         TEXT     NOT NULL,
    received_at    $bigint$ NOT NULL,
    transaction_id TEXT     NOT NULL REFERENCES sms_transactions (id),
    PRIMARY KEY (target, received_at, transaction_id)
);

-- A USSD receipt quotes its payment's reference (the id's last 8 characters), as an SMS reply quotes its message's
-- (ix_sms_transactions_ref of 0007).
CREATE INDEX ix_ussd_payments_ref ON ussd_payments (substr(id, length(id) - 7));

-- A number's messages and payments, and an account's payments, newest first: indexes in the lists' whole order (time,
-- then id), which replace those by (key, time). With the id left out, the rows of one millisecond had to be put in
-- order after the read, and PostgreSQL then preferred walking the whole table's time index back from now, filtering
-- for the key: quick for a busy number, the whole table for one whose payments are all old (LookupPlanSpec).
CREATE INDEX ix_sms_transactions_sender ON sms_transactions (msisdn, received_at, id);
DROP INDEX ix_sms_transactions_msisdn;
CREATE INDEX ix_ussd_payments_number ON ussd_payments (msisdn, created_at, id);
DROP INDEX ix_ussd_payments_msisdn;
CREATE INDEX ix_ussd_payments_paid ON ussd_payments (service_account_id, created_at, id);
DROP INDEX ix_ussd_payments_account;
