-- Automatic renewals of service accounts' packages from a registration's bank account (docs/design/renewals.md).
-- One per service account (the last to set it pays). No foreign key to service_accounts: a renewal whose account is
-- gone is ended with an SMS that says so, not kept from the account's deletion.
--   msisdn          who set it (E.164): the renewal's top-ups are sent as theirs, and the reminders go to them.
--   text            what follows the bank's AUTO words, as its grammar reads it: the text each renewal sends.
--   set_by          'sms', or the console user who set it.
--   round_no        tries of a period are numbered per round; setting a renewal again after a period was given up
--                   starts the next round (the ids of a round's tries are renew:<account>:<period>:<round_no>:<try>).
--   notified_for    the period (the account's paid_until, ms; 0 for none) whose amount the subscriber was told
--   notified_cents  ... the amount told (the reminder's, or the AUTO reply's)
--   notified_at     ... when (0: told in the answer to the subscriber's own AUTO, no notice to wait for)
--   closed_for      a period whose tries all failed and were reported (-1: none)
CREATE TABLE renewals (
    service_account_id TEXT     NOT NULL PRIMARY KEY,
    bank_code          TEXT     NOT NULL,
    msisdn             TEXT     NOT NULL,
    text               TEXT     NOT NULL,
    set_by             TEXT     NOT NULL,
    set_at             $bigint$ NOT NULL,
    round_no           INTEGER  NOT NULL DEFAULT 0,
    notified_for       $bigint$ NOT NULL DEFAULT -1,
    notified_cents     $bigint$ NOT NULL DEFAULT 0,
    notified_at        $bigint$ NOT NULL DEFAULT 0,
    closed_for         $bigint$ NOT NULL DEFAULT -1
);
CREATE INDEX ix_renewals_msisdn ON renewals (msisdn, bank_code);
