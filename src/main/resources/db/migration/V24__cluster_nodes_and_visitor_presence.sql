-- Several nodes: each node's heartbeat, and how many sockets each visitor has on each node (changed by +1/-1, so
-- writes that cross keep the right count). A waiting widget dialog is closed as abandoned only when its visitor
-- has had no socket on any live node for gateway.visitors.abandon-after.
CREATE TABLE cluster_node (
    node_id      text        PRIMARY KEY CHECK (length(node_id) BETWEEN 1 AND 100),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visitor_presence (
    visitor_id uuid        NOT NULL,
    node_id    text        NOT NULL CHECK (length(node_id) BETWEEN 1 AND 100),
    sockets    int         NOT NULL CHECK (sockets >= 0),
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (visitor_id, node_id)
);

CREATE INDEX visitor_presence_node ON visitor_presence (node_id);
