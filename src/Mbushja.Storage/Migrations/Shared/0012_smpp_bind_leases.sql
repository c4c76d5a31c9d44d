-- SMPP binds shared among servers by lease (docs/design/smpp-bind-leases.md). An SMSC allows a system_id only so many
-- binds; each is a slot, numbered from 0 per system_id, that one server at a time holds until expires_at_ms
-- (milliseconds since 1970, by the holder's clock) and renews well before. A slot is taken by one statement: inserted
-- when absent, or updated when its lease ran out or is already the taker's. holder is a random id the server made at
-- its start; holder_host and bind (the bind's name) are for people. The row is deleted when the holder lets go.
CREATE TABLE smpp_bind_leases (
    system_id     TEXT     NOT NULL,
    slot          INTEGER  NOT NULL,
    holder        TEXT     NOT NULL,
    holder_host   TEXT     NOT NULL,
    bind          TEXT     NOT NULL,
    expires_at_ms $bigint$ NOT NULL,
    PRIMARY KEY (system_id, slot)
);
