-- Several nodes: which agents have a console open on which node, written by that node and refreshed by its
-- heartbeat. A row whose heartbeat is older than gateway.cluster.presence-timeout is ignored: its node died.
CREATE TABLE agent_presence (
    agent_id     bigint      NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
    node_id      text        NOT NULL CHECK (length(node_id) BETWEEN 1 AND 100),
    status       text        NOT NULL CHECK (status IN ('ONLINE', 'AWAY', 'OFFLINE')),
    connections  int         NOT NULL CHECK (connections >= 0),
    max_dialogs  int         NOT NULL CHECK (max_dialogs BETWEEN 1 AND 100),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, node_id)
);

CREATE INDEX agent_presence_node ON agent_presence (node_id);
