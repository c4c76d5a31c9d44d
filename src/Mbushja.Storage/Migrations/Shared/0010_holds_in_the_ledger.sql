-- A bank's hold is now a pending ledger transfer, bank:<BANK> → clearing:<BANK>, made when the message is recorded;
-- credits leave the clearing account, and the capture posts the hold (docs/money.md). Messages in flight at upgrade
-- get their hold here, so that the capture or void that finishes them finds it. A message already credited took its
-- credits from bank:<BANK> under the earlier scheme: a carry transfer, clearing → bank, puts them where the post of its
-- hold will take them from. Messages already finished keep the transfers they made.
INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at)
SELECT DISTINCT 'bank:' || bank_code, 'bank', $false$, 0, 0, 0, $now_ms$
FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding') AND bank_code IS NOT NULL AND amount IS NOT NULL
ON CONFLICT (id) DO NOTHING;

INSERT INTO ledger_accounts (id, kind, no_negative, balance, pending_debits, pending_credits, created_at)
SELECT DISTINCT 'clearing:' || bank_code, 'clearing', $false$, 0, 0, 0, $now_ms$
FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding') AND bank_code IS NOT NULL AND amount IS NOT NULL
ON CONFLICT (id) DO NOTHING;

INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at)
SELECT 'sms:' || id || ':hold', 'pending', 'bank:' || bank_code, 'clearing:' || bank_code, amount, NULL, 'pending', 'sms.hold', NULL, received_at
FROM sms_transactions WHERE state IN ('holding', 'credited', 'voiding') AND bank_code IS NOT NULL AND amount IS NOT NULL;

INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount, pending_id, state, code, linked_id, created_at)
SELECT 'sms:' || id || ':carry', 'single', 'clearing:' || bank_code, 'bank:' || bank_code, amount, NULL, 'posted', 'sms.carry', NULL, updated_at
FROM sms_transactions WHERE state = 'credited' AND bank_code IS NOT NULL AND amount IS NOT NULL;

UPDATE ledger_accounts SET
    pending_debits = pending_debits + (
        SELECT COALESCE(SUM(t.amount), 0) FROM sms_transactions t
        WHERE 'bank:' || t.bank_code = ledger_accounts.id AND t.state IN ('holding', 'credited', 'voiding') AND t.amount IS NOT NULL),
    balance = balance + (
        SELECT COALESCE(SUM(t.amount), 0) FROM sms_transactions t
        WHERE 'bank:' || t.bank_code = ledger_accounts.id AND t.state = 'credited' AND t.amount IS NOT NULL)
WHERE id LIKE 'bank:%';

UPDATE ledger_accounts SET
    pending_credits = pending_credits + (
        SELECT COALESCE(SUM(t.amount), 0) FROM sms_transactions t
        WHERE 'clearing:' || t.bank_code = ledger_accounts.id AND t.state IN ('holding', 'credited', 'voiding') AND t.amount IS NOT NULL),
    balance = balance - (
        SELECT COALESCE(SUM(t.amount), 0) FROM sms_transactions t
        WHERE 'clearing:' || t.bank_code = ledger_accounts.id AND t.state = 'credited' AND t.amount IS NOT NULL)
WHERE id LIKE 'clearing:%';
