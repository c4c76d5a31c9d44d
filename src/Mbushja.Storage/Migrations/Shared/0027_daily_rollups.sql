-- The dashboard's figures, kept per operator-local day (docs/design/dashboard-rollups.md): one row per day, kind
-- ('sms': a message by the day it was received; 'ussd': a payment by the day it was made; 'reversal': a reversal by the
-- day it was asked), bank ('' for none), state and code ('' for none), with how many and their value in cents.
-- Each commit that moves a message, a payment or a refund from one state to another adds its change here in the same
-- transaction (CommitContext.AddToRollup); `mbushja rollups rebuild` writes the table again from the rows themselves.
-- A bucket a message left stays, with count 0.
CREATE TABLE daily_rollups (
    day       TEXT     NOT NULL,
    kind      TEXT     NOT NULL,
    bank_code TEXT     NOT NULL,
    state     TEXT     NOT NULL,
    code      TEXT     NOT NULL,
    count     $bigint$ NOT NULL,
    value     $bigint$ NOT NULL,
    PRIMARY KEY (day, kind, bank_code, state, code)
);
