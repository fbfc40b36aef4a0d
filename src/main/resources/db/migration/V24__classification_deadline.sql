-- Regulation 4.3.2c: an appeal is classified within one working day of the end of the dialog. A dialog that
-- ended unclassified past that day is escalated to its line's supervisor once; this is when.
ALTER TABLE dialog ADD COLUMN classify_escalated_at timestamptz;
CREATE INDEX dialog_unclassified_by_line ON dialog (line_id, closed_at)
    WHERE state = 'CLOSED' AND appeal_type IS NULL;
