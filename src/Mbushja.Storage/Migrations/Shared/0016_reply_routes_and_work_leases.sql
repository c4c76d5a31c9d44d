-- Exactly one reply, and answers within seconds after a crash (docs/design/replies-and-leases.md).

-- A reply an HTTP answer to a repeat of its message carried (the gateway sent the message again): taken from the
-- response the first request's caller may never read, or back from the outbox before any attempt to send it. From
-- then on it is the HTTP answers' alone: it is never handed to the outbound gateway. NULL: no repeat carried it.
ALTER TABLE sms_outbox ADD COLUMN answered_at $bigint$ NULL;

-- Who holds a lease on unfinished work: the server instance (--instance-id) that took it. A restarted server ends
-- its own leases at start, and its heartbeat renews those of the work it runs.
ALTER TABLE sms_transactions ADD COLUMN lease_holder TEXT NULL;
ALTER TABLE sms_reversals ADD COLUMN lease_holder TEXT NULL;

-- The servers on this database, one row per instance id. boot_id is random per start: a start whose instance id a
-- live server holds (its heartbeat recent, and not known dead) is refused, and a server whose row another start took
-- over stops. heartbeat_at (ms) is renewed with the leases; 0 once the server stopped cleanly. host and pid are for
-- people, and for a restarted server to recognise its own previous run.
CREATE TABLE server_instances (
    instance_id  TEXT     NOT NULL PRIMARY KEY,
    boot_id      TEXT     NOT NULL,
    host         TEXT     NOT NULL,
    pid          INTEGER  NOT NULL,
    started_at   $bigint$ NOT NULL,
    heartbeat_at $bigint$ NOT NULL
);
