-- Regulation 4.2: free-text notes on a card, kept by staff; each note names who wrote it and when. Notes move with
-- the card when it is merged.
CREATE TABLE card_note (
    id         bigserial PRIMARY KEY,
    card_id    uuid        NOT NULL REFERENCES card (id),
    agent_id   bigint      NOT NULL REFERENCES agent (id),
    body       text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_note_by_card ON card_note (card_id, id DESC);

-- The person's kind: lead, or a contact who is an applicant, a student, a partner or someone else.
ALTER TABLE card DROP CONSTRAINT card_contact_type_check;
ALTER TABLE card ADD CONSTRAINT card_contact_type_check
    CHECK (contact_type IN ('APPLICANT', 'STUDENT', 'PARTNER', 'OTHER'));

-- Regulation 4.2: the card's responsible person is told of every new appeal of that person from the moment they
-- became responsible (earlier appeals are not news to them).
ALTER TABLE card ADD COLUMN responsible_since timestamptz;
UPDATE card SET responsible_since = updated_at WHERE responsible_agent_id IS NOT NULL;

ALTER TABLE card_audit DROP CONSTRAINT card_audit_action_check;
ALTER TABLE card_audit ADD CONSTRAINT card_audit_action_check CHECK (action IN ('READ', 'UPDATE', 'MERGE',
    'MERGED_AWAY', 'SEARCH', 'MATCH_CONFIRMED', 'MATCH_DISMISSED', 'TASK_READ', 'TASK_LIST', 'TASK_COMPLETED',
    'FILE_READ', 'NOTE_ADDED', 'DIALOG_MOVED', 'FORM_MOVED'));
