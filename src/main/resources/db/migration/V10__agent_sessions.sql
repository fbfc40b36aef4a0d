-- Console sessions (the SESSION cookie) that survive a restart or a crash of the gateway: only the SHA-256 of
-- the session id and whose session it is; the security context is rebuilt from the agent's current record.
CREATE TABLE agent_session (
    id_hash    bytea       PRIMARY KEY,
    login      text        NOT NULL REFERENCES agent (login) ON UPDATE CASCADE ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX agent_session_last_seen ON agent_session (last_seen);
