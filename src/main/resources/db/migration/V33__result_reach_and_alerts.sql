-- Regulation 3 and 4.3.2d: the result also reaches the person in the widget on their next visit, and a «да»/«нет»
-- typed in the messenger answers it. visitor_id: the visitor of the dialog or appeal the task came from; shown_at:
-- when the widget first showed it; tell_alerted_at: when the line's supervisor was told it had not reached the
-- person by tell_by (once).
ALTER TABLE task_result_report ADD COLUMN visitor_id uuid REFERENCES visitor (id);
ALTER TABLE task_result_report ADD COLUMN shown_at timestamptz;
ALTER TABLE task_result_report ADD COLUMN tell_alerted_at timestamptz;
CREATE INDEX task_result_report_pending ON task_result_report (visitor_id) WHERE answer IS NULL;
CREATE INDEX task_result_report_untold ON task_result_report (tell_by) WHERE answer IS NULL AND tell_alerted_at IS NULL;
