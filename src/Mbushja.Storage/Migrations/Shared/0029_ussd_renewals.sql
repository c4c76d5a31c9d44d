-- Automatic renewals from prepaid credit, set in USSD *101# "Pagesat automatike" (docs/design/renewals.md, "From
-- mobile credit"). The same table as the SMS ones, one row per service account (the last to set it pays):
--   channel     'sms': paid from the registration's bank account by an SMS top-up; 'ussd': paid from the setter's
--               prepaid credit by a USSD payment (bank_code '' and text the package code chosen)
--   tried_for   ussd: the period (paid_until, ms) whose tries were made and refused (-1: none); an SMS renewal's tries
--               are its messages in sms_transactions, a USSD renewal's paid try its ussd_payments row
--   tries       ... how many (the next try is tries + 1; its payment id a digest of renew:<account>:<period>:<round_no>:<try>)
--   tried_at    ... when the last was refused (the next waits retryHours)
--   tried_code  ... why (INSUFFICIENT_FUNDS, ALREADY_PAID_THIS_MONTH): the report says it
ALTER TABLE renewals ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
ALTER TABLE renewals ADD COLUMN tried_for $bigint$ NOT NULL DEFAULT -1;
ALTER TABLE renewals ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE renewals ADD COLUMN tried_at $bigint$ NOT NULL DEFAULT 0;
ALTER TABLE renewals ADD COLUMN tried_code TEXT NOT NULL DEFAULT '';
