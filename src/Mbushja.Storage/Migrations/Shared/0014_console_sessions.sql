-- The console's sessions on the server (docs/design/console-sign-in.md): a session's cookie names its row, and a
-- session is open while its row is there. Sign-out deletes the row, so the cookie, wherever it was copied, opens nothing
-- more, on any server of the database. id is random (256 bits, hex); seen_at (ms) is rewritten at most every sixth of
-- the idle timeout, and a row not seen for longer than the timeout and that sixth is over (and purged at a sign-in).
CREATE TABLE console_sessions (
    id         TEXT     NOT NULL PRIMARY KEY,
    username   TEXT     NOT NULL,
    created_at $bigint$ NOT NULL,
    seen_at    $bigint$ NOT NULL
);
CREATE INDEX ix_console_sessions_seen ON console_sessions (seen_at);
