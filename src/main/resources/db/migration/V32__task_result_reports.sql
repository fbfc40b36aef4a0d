-- Regulation 3 and 4.3.2d: the service ends with the applicant. When a task is completed with its result, the
-- result goes to the person within one working day (tell_by) through the channel they used, and they are asked
-- whether they received it; their answer is kept here (and shown on the card). A «no» reopens the task.
CREATE TABLE task_result_report (
    id          uuid PRIMARY KEY,
    task_id     uuid        NOT NULL REFERENCES task (id),
    card_id     uuid        NOT NULL REFERENCES card (id),
    -- sha-256 of the secret in the person's links
    token_hash  bytea       NOT NULL UNIQUE,
    result      text        NOT NULL CHECK (length(result) BETWEEN 1 AND 4000),
    channels    text[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    tell_by     timestamptz NOT NULL,
    answer      text CHECK (answer IN ('RECEIVED', 'NOT_RECEIVED')),
    answered_at timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX task_result_report_by_task ON task_result_report (task_id, created_at DESC);

ALTER TABLE task_history DROP CONSTRAINT task_history_event_check;
ALTER TABLE task_history ADD CONSTRAINT task_history_event_check
    CHECK (event IN ('CREATED', 'ESCALATED', 'COMPLETED', 'RESULT_SENT', 'RECEIVED', 'NOT_RECEIVED', 'REOPENED'));
