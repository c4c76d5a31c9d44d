-- A pending transfer is never changed once written: its post or void is a transfer of its own, found by pending_id
-- (whose unique index lets only one exist). Rows that earlier versions changed to 'posted' or 'voided' read as written.
UPDATE ledger_transfers SET state = 'pending' WHERE kind = 'pending' AND state <> 'pending';
