-- One audit log for every change, whether made in the console, through the admin API (/api/v1) or on the command line
-- (docs/design/audit-log.md): console_audit, searched by actor, by object (target) and by day, newest first.
-- address: the client's address as the server saw it (through a trusted proxy, the client's own); NULL for the command
-- line and for entries written before this column.
ALTER TABLE console_audit ADD COLUMN address TEXT NULL;

-- Newest first by time (seq breaks ties), for the whole log, an actor or an object, each within a day when asked.
DROP INDEX ix_console_audit_at;
DROP INDEX ix_console_audit_actor;
CREATE INDEX ix_console_audit_time ON console_audit (at, seq);
CREATE INDEX ix_console_audit_actor_time ON console_audit (actor, at, seq);
CREATE INDEX ix_console_audit_target_time ON console_audit (target, at, seq);

-- Registration changes made through the API before now are only in registration_audit (each registration's own
-- history, which stays as it is): they join the log as the API's. The API's caller was named 'admin' then; a console
-- change of the same registration and action by a console user so named was recorded here too, within moments of it,
-- and is not copied twice.
INSERT INTO console_audit (at, actor, action, target, details)
SELECT r.at, 'api', 'registration.' || r.action, r.bank_code || '/' || r.registration_id, r.details
FROM registration_audit r
WHERE r.actor = 'admin'
  AND NOT EXISTS (
      SELECT 1 FROM console_audit c
      WHERE c.target = r.bank_code || '/' || r.registration_id AND c.action = 'registration.' || r.action AND c.actor = 'admin'
        AND c.at >= r.at AND c.at < r.at + 60000)
ORDER BY r.seq;
