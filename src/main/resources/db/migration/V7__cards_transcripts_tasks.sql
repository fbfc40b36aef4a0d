-- Cards grow into the person's file (regulation 4.2): messenger handles, status, the responsible agent;
-- a merged duplicate keeps its row (nothing is lost) and points at the card it went into.
ALTER TABLE card ADD COLUMN IF NOT EXISTS handles text[] NOT NULL DEFAULT '{}';
ALTER TABLE card ADD COLUMN status text NOT NULL DEFAULT 'NEW' CHECK (length(status) BETWEEN 1 AND 40);
ALTER TABLE card ADD COLUMN responsible_agent_id bigint REFERENCES agent (id);
ALTER TABLE card ADD COLUMN merged_into uuid REFERENCES card (id);
-- set on a lead that was created for one anonymous dialog only: when that dialog is spam, the lead goes too
ALTER TABLE card ADD COLUMN lead_of_dialog uuid;
CREATE INDEX IF NOT EXISTS card_handles ON card USING gin (handles);
CREATE INDEX card_by_name ON card (lower(name) text_pattern_ops);

-- Which card a dialog belongs to; bound when it opens (or by the sweep, should that fail).
ALTER TABLE dialog ADD COLUMN card_id uuid REFERENCES card (id);
CREATE INDEX dialog_by_card ON dialog (card_id, opened_at DESC);
CREATE INDEX dialog_unbound ON dialog (opened_at) WHERE card_id IS NULL;

-- The transcript of a closed dialog, saved on its card: every message with time and author, the
-- forwards, the triage and the appeal type. Rewritten when the appeal type comes after the close.
CREATE TABLE transcript (
    dialog_id   uuid PRIMARY KEY REFERENCES dialog (id),
    card_id     uuid        NOT NULL REFERENCES card (id),
    appeal_type text,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transcript_by_card ON transcript (card_id, created_at DESC);

-- Follow-up tasks (regulation 4.3): report the result of a ticket-desk request, or the answer to a
-- complaint, by a due date counted in working days. One task per dialog.
CREATE TABLE task (
    id             uuid PRIMARY KEY,
    card_id        uuid        NOT NULL REFERENCES card (id),
    dialog_id      uuid UNIQUE REFERENCES dialog (id),
    kind           text        NOT NULL CHECK (kind IN ('REQUEST_RESULT', 'COMPLAINT_ANSWER')),
    title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    request_number text        NOT NULL CHECK (length(request_number) BETWEEN 1 AND 64),
    line_id        text        NOT NULL,
    owner_agent_id bigint      NOT NULL REFERENCES agent (id),
    -- a complaint is addressed to the director of the marketing centre or the head of student affairs
    addressee      text CHECK (addressee IN ('MARKETING_DIRECTOR', 'HEAD_OF_STUDENT_AFFAIRS')),
    due            date        NOT NULL,
    state          text        NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'DONE')),
    result         text CHECK (length(result) <= 4000),
    escalations    int         NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    CHECK ((state = 'DONE') = (completed_at IS NOT NULL AND result IS NOT NULL))
);
CREATE INDEX task_open_by_owner ON task (owner_agent_id, due) WHERE state = 'OPEN';
CREATE INDEX task_open_by_due ON task (due) WHERE state = 'OPEN';
CREATE INDEX task_by_card ON task (card_id, created_at DESC);

CREATE TABLE task_history (
    id       bigserial PRIMARY KEY,
    task_id  uuid        NOT NULL REFERENCES task (id),
    at       timestamptz NOT NULL DEFAULT now(),
    event    text        NOT NULL CHECK (event IN ('CREATED', 'ESCALATED', 'COMPLETED')),
    agent_id bigint REFERENCES agent (id),
    old_due  date,
    new_due  date,
    detail   text
);
CREATE INDEX task_history_by_task ON task_history (task_id, id);

-- Personal data (152-FZ): every read and change of a card by a member of staff, visible to an ADMIN.
-- No foreign key to card: the record outlives a spam lead that is deleted.
CREATE TABLE card_audit (
    id       bigserial PRIMARY KEY,
    card_id  uuid        NOT NULL,
    agent_id bigint REFERENCES agent (id),
    action   text        NOT NULL CHECK (action IN ('READ', 'UPDATE', 'MERGE', 'MERGED_AWAY')),
    detail   text,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_audit_by_card ON card_audit (card_id, id DESC);
