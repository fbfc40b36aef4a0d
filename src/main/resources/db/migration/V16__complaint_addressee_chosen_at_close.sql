-- The complaint's addressee the agent confirmed or changed when classifying (regulation 4.3.2c, 3); null: the
-- gateway decides from the card, the triage, the line and the site.
ALTER TABLE dialog ADD COLUMN complaint_addressee text
    CHECK (complaint_addressee IN ('MARKETING_DIRECTOR', 'HEAD_OF_STUDENT_AFFAIRS'));
