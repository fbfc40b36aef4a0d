-- How the agent classified the appeal when closing (regulation 4.3, 2): its type, the ticket-desk
-- request or complaint number, and the service's own deadline when it has one.
ALTER TABLE dialog ADD COLUMN appeal_type text
    CHECK (appeal_type IN ('CONSULTATION', 'SERVICE_REQUEST', 'COMPLAINT', 'CHANGE_REQUEST'));
ALTER TABLE dialog ADD COLUMN request_number text CHECK (length(request_number) BETWEEN 1 AND 64);
ALTER TABLE dialog ADD COLUMN service_due date;
ALTER TABLE dialog ADD COLUMN classified_by bigint REFERENCES agent (id);
ALTER TABLE dialog ADD COLUMN classified_at timestamptz;
ALTER TABLE dialog ADD CONSTRAINT dialog_request_number_needed
    CHECK (appeal_type IS NULL OR appeal_type = 'CONSULTATION' OR request_number IS NOT NULL);
CREATE INDEX dialog_unclassified_by_agent ON dialog (agent_id) WHERE state = 'CLOSED' AND appeal_type IS NULL;
