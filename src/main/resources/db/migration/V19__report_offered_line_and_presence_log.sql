-- Reports (docs/reports.md) count a dialog on the line it was offered to first, before any forward or triage,
-- so that the dispatcher's line keeps the main-site dialogs it passed on. The column is set once, on insert;
-- for older dialogs it is the line their first forward left, or else their line.
ALTER TABLE dialog ADD COLUMN offered_line_id text;

UPDATE dialog d
SET offered_line_id = coalesce((SELECT f.from_line_id
                                FROM dialog_forward f
                                WHERE f.dialog_id = d.id
                                ORDER BY f.created_at, f.id
                                LIMIT 1), d.line_id);

ALTER TABLE dialog ALTER COLUMN offered_line_id SET NOT NULL;

CREATE FUNCTION dialog_offered_line() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    NEW.offered_line_id := NEW.line_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER dialog_offered_line
    BEFORE INSERT ON dialog
    FOR EACH ROW EXECUTE FUNCTION dialog_offered_line();

-- The report queries select dialogs by the time they joined the waiting line, or by the time they closed.
CREATE INDEX dialog_report_offered ON dialog (offered_line_id, queued_at) WHERE queued_at IS NOT NULL;
CREATE INDEX dialog_report_closed ON dialog (site_id, closed_at) WHERE state = 'CLOSED';
-- an agent's assignments in a period (the agents' report)
CREATE INDEX message_report_assigned ON message (agent_id, created_at) WHERE event = 'assigned';
CREATE INDEX task_report_created ON task (line_id, created_at);
CREATE INDEX offline_form_report ON offline_form (site_id, created_at);

-- Every change of an agent's presence as routing sees it (ONLINE, AWAY, OFFLINE), for the time-online figures.
-- Nothing was recorded before this table: presence figures count from the day it was created.
CREATE TABLE agent_presence_log (
    id       bigserial PRIMARY KEY,
    agent_id bigint      NOT NULL REFERENCES agent (id),
    status   text        NOT NULL CHECK (status IN ('ONLINE', 'AWAY', 'OFFLINE')),
    at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX agent_presence_log_by_agent ON agent_presence_log (agent_id, at);
