-- A number typed while the ticket desk could not answer is kept UNCHECKED; the poller checks it once the desk is
-- back: found, the task follows the request (OPEN, with iTop's key); unknown to the desk, UNKNOWN (completed by hand).
ALTER TABLE task DROP CONSTRAINT task_ticket_state_check;
ALTER TABLE task ADD CONSTRAINT task_ticket_state_check
    CHECK (ticket_state IN ('CREATING', 'OPEN', 'RESOLVED', 'FAILED', 'UNCHECKED', 'UNKNOWN'));
CREATE INDEX task_ticket_unchecked ON task (ticket_polled_at NULLS FIRST, created_at)
    WHERE state = 'OPEN' AND ticket_state = 'UNCHECKED';

ALTER TABLE task_history DROP CONSTRAINT task_history_event_check;
ALTER TABLE task_history ADD CONSTRAINT task_history_event_check
    CHECK (event IN ('CREATED', 'ESCALATED', 'COMPLETED', 'RESULT_SENT', 'RECEIVED', 'NOT_RECEIVED', 'REOPENED',
        'TICKET_CREATED', 'TICKET_FAILED', 'TICKET_CHECKED', 'TICKET_UNKNOWN'));
