-- The keys that seal the console's session and antiforgery cookies: ASP.NET Core Data Protection's key ring, one XML
-- element a row, as the console's repository of them stores it (src/Mbushja.Console/ConsoleKeys.cs). Kept in the
-- database, not in each server's data folder, so that every server on one database opens the cookies any of them
-- sealed. name is the element's name as Data Protection gives it (key-<id>, revocation-...): the primary key makes a
-- second store of one name, by two servers at once, a no-op. xml holds the key itself: a secret, never logged.
CREATE TABLE console_keys (
    name       TEXT     NOT NULL PRIMARY KEY,
    xml        TEXT     NOT NULL,
    created_at $bigint$ NOT NULL
);
