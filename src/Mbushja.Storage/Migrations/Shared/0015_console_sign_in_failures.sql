-- Failed console sign-ins (docs/design/console-sign-in.md), counted per client address and per name from an address,
-- so that wrong passwords from one address stop that address, and lock a name out for that address alone: nobody
-- outside locks a user out of the console. console_users.failed_attempts and locked_until are no longer read.
-- address: the client's address, an IPv6 client's /64; '-' for a sign-in from no address (the command line).
-- username: the name tried, lower-case, whether a user has it or not; '' for the address's count of every name.
-- failures: tries counted (each before its password is checked) since window_start (ms); a window older than the
-- configured one is forgotten. blocked_until (ms): refused until then, right password or not.
CREATE TABLE console_sign_in_failures (
    address       TEXT     NOT NULL,
    username      TEXT     NOT NULL,
    failures      INTEGER  NOT NULL,
    window_start  $bigint$ NOT NULL,
    blocked_until $bigint$ NULL,
    PRIMARY KEY (address, username),
    CHECK (failures >= 0)
);
CREATE INDEX ix_console_sign_in_failures_user ON console_sign_in_failures (username);
CREATE INDEX ix_console_sign_in_failures_window ON console_sign_in_failures (window_start);
