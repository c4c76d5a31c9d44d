-- Bank-grade controls on SMS Top Up (docs/design/controls.md): caps a bank sets per registration and per authorised
-- person, velocity limits per sender and per target, and the SIM changes an operator reports.

-- The caps a bank set: msisdn '' is the registration as a whole, else one of its authorised persons (E.164). A null
-- cap is none of the registration's own (the bank's default, if any, applies).
CREATE TABLE sms_caps (
    registration_id TEXT     NOT NULL,
    msisdn          TEXT     NOT NULL,
    daily_cents     $bigint$,
    monthly_cents   $bigint$,
    updated_at      $bigint$ NOT NULL,
    updated_by      TEXT     NOT NULL,
    PRIMARY KEY (registration_id, msisdn)
);

-- What is used of each allowance in one window: a cap's day or month (operator time), a velocity limit's minute or
-- hour. Consumed by one conditional upsert in the commit that records a message with the ledger's hold, so two
-- messages at once cannot both pass; a declined, failed or reversed top-up gives its amount back. scope: 'reg:<id>',
-- 'reg:<id>:<msisdn>', 'from:<msisdn>', 'to:<target>'; period: 'd2026-12-07', 'm2026-12', 'i<minute>', 'h<hour>'.
-- limit_cents: the limit in force at the last consumption (null: none). Rows past expires_at are purged.
CREATE TABLE sms_control_counters (
    scope       TEXT     NOT NULL,
    period      TEXT     NOT NULL,
    used        $bigint$ NOT NULL,
    limit_value $bigint$,
    expires_at  $bigint$ NOT NULL,
    PRIMARY KEY (scope, period)
);
CREATE INDEX ix_sms_control_counters_expiry ON sms_control_counters (expires_at);

-- SIM changes the operator reported (POST /api/v1/sim-changes): SMS Top Up from the number is refused until the
-- bank's cool-down after changed_at has passed. One row per number and instant: a report sent twice is one.
CREATE TABLE sms_sim_changes (
    msisdn      TEXT     NOT NULL,
    changed_at  $bigint$ NOT NULL,
    recorded_at $bigint$ NOT NULL,
    source      TEXT     NOT NULL,
    PRIMARY KEY (msisdn, changed_at)
);
