-- Per-request reads that must not grow with the data (bench/scale measures them).

-- Settlement of one bank's day. PostgreSQL would not use (bank_code, received_at) of 0008: it costs an index's heap
-- reads by the correlation of its first column, and bank_code, unlike received_at, is scattered over the table. So it
-- read the whole day of every bank through ix_sms_transactions_received and filtered the other banks away. An index
-- that holds every column the settlement reads is answered from the index alone (an index-only scan on PostgreSQL, a
-- covering index on SQLite): the bank's own day and nothing else. It has the old index's leading columns, so it
-- serves whatever used that one, and replaces it.
CREATE INDEX ix_sms_transactions_bank_day ON sms_transactions (bank_code, received_at, state, amount, id, msisdn, sender, plan);
DROP INDEX ix_sms_transactions_bank;

-- The console's audit log by actor, newest first: the actor's own entries, not a walk back through everyone's.
CREATE INDEX ix_console_audit_actor ON console_audit (actor, seq);
