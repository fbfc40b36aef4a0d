-- Singleton jobs (sweeps, escalation, mailbox readers, pollers of outside services) run on one node at a time: the
-- node that holds the job's lease. A lease that is not renewed before expires_at may be taken by another node, and
-- every change of holder raises the fencing token, so a node that lost its lease (paused, cut off) is refused when it
-- writes with the old token.
CREATE TABLE job_lease (
    job        text        PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    holder     text        NOT NULL CHECK (length(holder) BETWEEN 1 AND 100),
    token      bigint      NOT NULL CHECK (token > 0),
    expires_at timestamptz NOT NULL
);
