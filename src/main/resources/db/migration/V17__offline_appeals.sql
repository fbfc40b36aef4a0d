-- Offline appeals (regulation 4.3): an offline form, a messenger question out of hours and a messenger question
-- nobody took within the line's maximum wait are work on the line's list, not only mail. Each is shown from the
-- line's next opening (shown_from), triaged on the main site, answered (by e-mail through the outbox or in the
-- messenger used) and classified within one working day (classify_by), like a dialog.
CREATE TABLE offline_appeal (
    id              uuid PRIMARY KEY,
    source          text        NOT NULL CHECK (source IN ('FORM', 'MESSENGER_HOURS', 'MESSENGER_BUSY')),
    line_id         text        NOT NULL,
    site_id         text        NOT NULL,
    channel         text        NOT NULL,
    -- the messenger dialog that waited too long (MESSENGER_BUSY) or the form's row (FORM)
    dialog_id       uuid UNIQUE REFERENCES dialog (id),
    offline_form_id uuid UNIQUE REFERENCES offline_form (id),
    -- the messenger user's visitor, to answer in their messenger
    visitor_id      uuid REFERENCES visitor (id),
    card_id         uuid REFERENCES card (id),
    name            text CHECK (length(name) <= 200),
    email           text CHECK (length(email) BETWEEN 3 AND 254),
    phone           text CHECK (length(phone) <= 32),
    question        text        NOT NULL CHECK (length(question) BETWEEN 1 AND 8000),
    dedup_key       text        NOT NULL UNIQUE CHECK (length(dedup_key) <= 300),
    created_at      timestamptz NOT NULL DEFAULT now(),
    shown_from      timestamptz NOT NULL,
    -- what the person was told: the answer comes by the end of this working day
    answer_by       date        NOT NULL,
    triage          text CHECK (triage IN ('SPAM', 'PARTNER', 'APPLICANT', 'STUDENT')),
    triaged_at      timestamptz,
    agent_id        bigint REFERENCES agent (id),
    answer          text CHECK (length(answer) BETWEEN 1 AND 8000),
    answered_at     timestamptz,
    appeal_type     text CHECK (appeal_type IN ('CONSULTATION', 'SERVICE_REQUEST', 'COMPLAINT', 'CHANGE_REQUEST')),
    request_number  text CHECK (length(request_number) <= 64),
    classified_at   timestamptz,
    CHECK (appeal_type IS NULL OR appeal_type = 'CONSULTATION' OR request_number IS NOT NULL)
);

CREATE INDEX offline_appeal_open_by_line ON offline_appeal (line_id, shown_from) WHERE classified_at IS NULL;
