-- SMPP: what an SMSC delivers, and the replies it is sent. (0005: 0004 is the USSD branch's.)

-- An SMSC's deliver_sm names no message: when its deliver_sm_resp was lost or late it delivers the same message again,
-- on any bind. The first delivery takes the message's key (a hash of its addresses and content, and of the SMSC's own
-- id when it gives one) in the same transaction that records the message; the same key again within the redelivery
-- window is that message again. After the window the key may be taken over: two identical messages sent further
-- apart are two messages.
CREATE TABLE sms_redeliveries (
    key            TEXT    NOT NULL PRIMARY KEY,
    transaction_id TEXT    NOT NULL,
    first_at       $bigint$ NOT NULL
);
CREATE INDEX ix_sms_redeliveries_first ON sms_redeliveries (first_at);

-- A long message that arrives in parts (UDH or SAR). Each part is stored here before it is acknowledged, so a part
-- the SMSC was told is safe survives a crash. key names the message (addresses, reference, number of parts); done is 1
-- once the message (whole, or what came of it by the reassembly timeout) is recorded in sms_transactions, whose
-- message_id is 'smpp:long:' || id; its parts are then deleted, and the row stays for the redelivery window so that
-- parts delivered again are known.
CREATE TABLE smpp_long_messages (
    id        TEXT    NOT NULL PRIMARY KEY,
    key       TEXT    NOT NULL UNIQUE,
    total     INTEGER NOT NULL,
    first_at  $bigint$ NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_smpp_long_messages_open ON smpp_long_messages (first_at) WHERE done = 0;

CREATE TABLE smpp_long_parts (
    message_id  TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    pdu         $blob$    NOT NULL,
    received_at $bigint$ NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- Each part of a reply the SMSC accepted (submit_sm_resp 0), with the SMSC's id for it: a reply sent again after a
-- failure sends only the parts not here, and a delivery receipt finds its reply through message_key (the id in lower
-- case without leading zeros; see SmscMessageId).
CREATE TABLE sms_submits (
    transaction_id  TEXT    NOT NULL,
    part            INTEGER NOT NULL,
    parts           INTEGER NOT NULL,
    smsc_message_id TEXT    NOT NULL,
    message_key     TEXT    NOT NULL,
    bind            TEXT    NOT NULL,
    submitted_at    $bigint$ NOT NULL,
    receipt_state   TEXT    NULL,
    receipt_at      $bigint$ NULL,
    PRIMARY KEY (transaction_id, part)
);
CREATE INDEX ix_sms_submits_key ON sms_submits (message_key);
