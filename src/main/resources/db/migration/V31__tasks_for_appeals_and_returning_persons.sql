-- Regulation 4.2: the card's responsible person is told of every new appeal of that person: a task
-- «Снова обращается: …» for them, one per dialog or offline appeal (notice_key), with no ticket-desk number.
-- Regulation 4.3.2c: a classified offline appeal gets the same follow-up task as a dialog, one per appeal.
ALTER TABLE task DROP CONSTRAINT task_kind_check;
ALTER TABLE task ADD CONSTRAINT task_kind_check
    CHECK (kind IN ('REQUEST_RESULT', 'COMPLAINT_ANSWER', 'PERSON_WROTE_AGAIN'));
ALTER TABLE task ALTER COLUMN request_number DROP NOT NULL;
ALTER TABLE task ADD CONSTRAINT task_request_number_needed
    CHECK (kind = 'PERSON_WROTE_AGAIN' OR request_number IS NOT NULL);
ALTER TABLE task ADD COLUMN offline_appeal_id uuid UNIQUE REFERENCES offline_appeal (id);
ALTER TABLE task ADD COLUMN notice_key text UNIQUE CHECK (length(notice_key) <= 100);
ALTER TABLE task ADD CONSTRAINT task_notice_has_key CHECK ((kind = 'PERSON_WROTE_AGAIN') = (notice_key IS NOT NULL));

-- Regulation 4.3.2c: an offline appeal left unclassified past its working day is escalated once, like a dialog.
ALTER TABLE offline_appeal ADD COLUMN classify_escalated_at timestamptz;
-- the service's own deadline an agent gives when classifying an offline appeal as a service request
ALTER TABLE offline_appeal ADD COLUMN service_due date;
