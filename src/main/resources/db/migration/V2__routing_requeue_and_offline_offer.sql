-- A dialog whose agent was lost goes back to the head of its line's waiting line.
ALTER TABLE dialog ADD COLUMN requeued boolean NOT NULL DEFAULT false;
-- When the visitor was offered the offline form (maximum wait reached, or outside working hours).
ALTER TABLE dialog ADD COLUMN offline_offered_at timestamptz;

DROP INDEX dialog_waiting_by_line;
CREATE INDEX dialog_waiting_by_line ON dialog (line_id, requeued DESC, opened_at, id) WHERE state = 'WAITING';
