-- Every forward (to an agent or a line) and every triage decision, for the transcript and the audit.
CREATE TABLE dialog_forward (
    id            bigserial PRIMARY KEY,
    dialog_id     uuid        NOT NULL REFERENCES dialog (id),
    kind          text        NOT NULL CHECK (kind IN ('FORWARD', 'TRIAGE')),
    from_agent_id bigint REFERENCES agent (id),
    to_agent_id   bigint REFERENCES agent (id),
    from_line_id  text        NOT NULL,
    to_line_id    text,
    triage        text CHECK (triage IN ('SPAM', 'PARTNER', 'APPLICANT', 'STUDENT')),
    note          text CHECK (length(note) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'TRIAGE' OR to_agent_id IS NOT NULL OR to_line_id IS NOT NULL)
);
CREATE INDEX dialog_forward_by_dialog ON dialog_forward (dialog_id, created_at);

-- The latest forward, shown to the agent who receives the dialog.
ALTER TABLE dialog ADD COLUMN forward_note text;
ALTER TABLE dialog ADD COLUMN forwarded_by text;
ALTER TABLE dialog ADD COLUMN forwarded_at timestamptz;
-- The dispatcher's decision on a main-site dialog (regulation 4.3, 1).
ALTER TABLE dialog ADD COLUMN triage text CHECK (triage IN ('SPAM', 'PARTNER', 'APPLICANT', 'STUDENT'));
ALTER TABLE dialog ADD COLUMN triaged_at timestamptz;
CREATE INDEX dialog_untriaged ON dialog (line_id, opened_at) WHERE triage IS NULL;
