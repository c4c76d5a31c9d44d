-- The targets of messages recorded before sms_targets (0016), from the plan each kept (TopUpPlan as JSON): a mobile
-- credit's ledger account is 'sub:' and the number; a package or balance credit names its service account.
INSERT INTO sms_targets (target, received_at, transaction_id)
SELECT DISTINCT
    CASE WHEN json_extract(c.value, '$.kind') = 'Mobile'
         THEN substr(json_extract(c.value, '$.ledgerAccount'), 5)
         ELSE json_extract(c.value, '$.serviceAccountId') END,
    t.received_at,
    t.id
FROM sms_transactions t, json_each(t.plan, '$.credits') c
WHERE t.plan IS NOT NULL
  AND (json_extract(c.value, '$.kind') = 'Mobile' OR json_extract(c.value, '$.serviceAccountId') IS NOT NULL);
