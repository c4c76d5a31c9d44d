-- USSD over SMPP: one row per dialogue the SMSC names (the subscriber's address and the session
-- number of its_session_info). session_id is the USSD engine's session (ussd_sessions), new at every dialogue begun;
-- history is every answer taken, '*'-joined, which drives the engine exactly as an aggregator's 'text' does;
-- last_key is a hash of the deliver_sm last taken, and accepted says the SMSC accepted the screen it caused: until
-- then the same deliver_sm again is a redelivery (its deliver_sm_resp may have been lost), after it a new answer.
-- Every change is conditional on version. Written durably before the deliver_sm is answered.
CREATE TABLE smpp_ussd_dialogues (
    dialogue_key TEXT    NOT NULL PRIMARY KEY,
    session_id   TEXT    NOT NULL,
    history      TEXT    NOT NULL,
    last_key     TEXT    NOT NULL,
    response     TEXT    NOT NULL,
    ended        INTEGER NOT NULL,
    accepted     INTEGER NOT NULL,
    version      $bigint$  NOT NULL,
    updated_at   $bigint$  NOT NULL
);
CREATE INDEX ix_smpp_ussd_dialogues_updated ON smpp_ussd_dialogues (updated_at);
