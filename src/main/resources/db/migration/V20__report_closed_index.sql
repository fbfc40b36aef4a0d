-- The deadline reports select closed dialogs by the time they closed, of every site (classification) or of the
-- dispatcher's sites (triage): one index by close time serves both, where (site_id, closed_at) served only the second.
DROP INDEX dialog_report_closed;
CREATE INDEX dialog_report_closed ON dialog (closed_at) WHERE state = 'CLOSED';
