-- The targets of messages recorded before sms_targets (0016), from the plan each kept (TopUpPlan as JSON): a mobile
-- credit's ledger account is 'sub:' and the number; a package or balance credit names its service account.
INSERT INTO sms_targets (target, received_at, transaction_id)
SELECT DISTINCT
    CASE WHEN c ->> 'kind' = 'Mobile' THEN substr(c ->> 'ledgerAccount', 5) ELSE c ->> 'serviceAccountId' END,
    t.received_at,
    t.id
FROM sms_transactions t
CROSS JOIN LATERAL jsonb_array_elements(t.plan::jsonb -> 'credits') AS c
WHERE t.plan IS NOT NULL
  AND (c ->> 'kind' = 'Mobile' OR c ->> 'serviceAccountId' IS NOT NULL);
