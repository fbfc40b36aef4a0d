-- The ticket desk (iTop): the agent may have the gateway register the request instead of typing its number; the
-- task then waits for the number (ticket_state CREATING), follows the request by iTop's key, and is completed with
-- iTop's solution when the request is resolved.
ALTER TABLE dialog ADD COLUMN ticket_wanted boolean NOT NULL DEFAULT false;
ALTER TABLE dialog DROP CONSTRAINT dialog_request_number_needed;
ALTER TABLE dialog ADD CONSTRAINT dialog_request_number_needed
    CHECK (appeal_type IS NULL OR appeal_type = 'CONSULTATION' OR request_number IS NOT NULL OR ticket_wanted);

ALTER TABLE task ALTER COLUMN request_number DROP NOT NULL;
-- one rule for the number (V31's allowed none only to the «Снова обращается» notices)
ALTER TABLE task DROP CONSTRAINT task_request_number_needed;
-- iTop's key of the request, when the desk said it
ALTER TABLE task ADD COLUMN ticket_id bigint CHECK (ticket_id > 0);
ALTER TABLE task ADD COLUMN ticket_state text CHECK (ticket_state IN ('CREATING', 'OPEN', 'RESOLVED', 'FAILED'));
ALTER TABLE task ADD COLUMN ticket_polled_at timestamptz;
ALTER TABLE task ADD CONSTRAINT task_request_number_known
    CHECK (request_number IS NOT NULL OR kind = 'PERSON_WROTE_AGAIN' OR ticket_state IN ('CREATING', 'FAILED'));
CREATE INDEX task_ticket_to_poll ON task (ticket_polled_at NULLS FIRST, created_at)
    WHERE state = 'OPEN' AND ticket_id IS NOT NULL;

ALTER TABLE task_history DROP CONSTRAINT task_history_event_check;
ALTER TABLE task_history ADD CONSTRAINT task_history_event_check
    CHECK (event IN ('CREATED', 'ESCALATED', 'COMPLETED', 'RESULT_SENT', 'RECEIVED', 'NOT_RECEIVED', 'REOPENED',
        'TICKET_CREATED', 'TICKET_FAILED'));
