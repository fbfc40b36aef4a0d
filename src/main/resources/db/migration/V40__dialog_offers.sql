-- The open offer of a waiting dialog, shared by all nodes: to one agent with a slot reserved (an offer timeout), or
-- to every available agent of the line (OFFER_TO_ALL). Any node takes an agent's answer: accepting deletes the row in
-- a conditional DELETE inside the assignment's transaction, so of two agents who accept at once exactly one goes on.
-- passed_over keeps who declined or let an offer expire, for the next round to skip; round names one offer, so that
-- the timer of an offer never expires the next one.
CREATE TABLE dialog_offer (
    dialog_id   uuid        PRIMARY KEY REFERENCES dialog (id) ON DELETE CASCADE,
    line_id     text        NOT NULL,
    round       uuid        NOT NULL,
    node_id     text        NOT NULL,
    targets     bigint[]    NOT NULL DEFAULT '{}',
    passed_over bigint[]    NOT NULL DEFAULT '{}',
    reserved    boolean     NOT NULL,
    offered_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE INDEX dialog_offer_line ON dialog_offer (line_id);
CREATE INDEX dialog_offer_open ON dialog_offer (expires_at) WHERE cardinality(targets) > 0;
