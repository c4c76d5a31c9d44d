-- The outbox also carries notices that answer no inbound message and belong to no payment: the SMS that tells a
-- registration's holder of an authorised person's SIM change (docs/design/controls.md). source 'notice'; no trail.
ALTER TABLE sms_outbox DROP CONSTRAINT sms_outbox_source_check;
ALTER TABLE sms_outbox ADD CONSTRAINT sms_outbox_source_check CHECK (source IN ('sms', 'ussd', 'notice'));
