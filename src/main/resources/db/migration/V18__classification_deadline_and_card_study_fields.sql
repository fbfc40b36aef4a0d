-- Regulation 4.3.2c: an appeal is classified within one working day of the end of the dialog. A dialog that
-- ended unclassified past that day is escalated to its line's supervisor once; this is when.
ALTER TABLE dialog ADD COLUMN classify_escalated_at timestamptz;
CREATE INDEX dialog_unclassified_by_line ON dialog (line_id, closed_at)
    WHERE state = 'CLOSED' AND appeal_type IS NULL;

-- Regulation 4.2.1: agents find a card by the study group and the specialty too.
ALTER TABLE card ADD COLUMN study_group text CHECK (length(study_group) BETWEEN 1 AND 40);
ALTER TABLE card ADD COLUMN specialty text CHECK (length(specialty) BETWEEN 1 AND 200);
CREATE INDEX card_by_study_group ON card (lower(study_group)) WHERE study_group IS NOT NULL;
