-- Cards (regulation 4.2): the people who appeal. Issue 4 grows this table; here only what the offline
-- form needs to bind a question to a person. E-mails are stored lowercase and phones in E.164, so that
-- identification is an exact array match served by the GIN indexes.
CREATE TABLE card (
    id           uuid PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('LEAD', 'CONTACT')),
    contact_type text CHECK (contact_type IN ('APPLICANT', 'STUDENT', 'PARTNER')),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    emails       text[]      NOT NULL DEFAULT '{}' CHECK (emails::text = lower(emails::text)),
    phones       text[]      NOT NULL DEFAULT '{}'
        CHECK (array_to_string(phones, ',') ~ '^(\+[1-9][0-9]{6,14}(,\+[1-9][0-9]{6,14})*)?$'),
    site_id      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- a lead is not yet known to be an applicant, a student or a partner
    CHECK (kind = 'CONTACT' OR contact_type IS NULL)
);

CREATE INDEX card_emails ON card USING gin (emails);
CREATE INDEX card_phones ON card USING gin (phones);

-- An offline question (regulation 4.3): stored before it is acknowledged, bound to its card. The mail to
-- the site's mailbox is an outbox row written in the same transaction.
CREATE TABLE offline_form (
    id             uuid PRIMARY KEY,
    site_id        text        NOT NULL,
    card_id        uuid        NOT NULL REFERENCES card (id),
    -- the widget dialog the visitor had before, only when their token proved it theirs
    dialog_id      uuid REFERENCES dialog (id),
    -- the widget's own id for the submission, so that a retried POST stores nothing twice
    client_form_id text CHECK (length(client_form_id) BETWEEN 1 AND 64),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email          text CHECK (length(email) BETWEEN 3 AND 254),
    phone          text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    question       text        NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
    -- consent to the processing of personal data (152-FZ) is required to store the form at all
    consent_at     timestamptz NOT NULL,
    state          text        NOT NULL DEFAULT 'NEW' CHECK (state IN ('NEW', 'ANSWERED', 'SPAM')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR phone IS NOT NULL),
    UNIQUE (site_id, client_form_id)
);

CREATE INDEX offline_form_by_card ON offline_form (card_id, created_at DESC);

-- Every outbound side effect (mail now; messengers, CRM, tickets later) is a row here, written in the
-- transaction that decided it, and delivered by the relay with retries. dedup_key names the side effect,
-- so the same one is never queued twice. A row being delivered is DELIVERING with a lease (locked_until);
-- when the lease runs out without an outcome (the node died mid-delivery) the row is claimed again.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9._-]{0,63}$'),
    dedup_key       text        NOT NULL UNIQUE CHECK (length(dedup_key) BETWEEN 1 AND 200),
    payload         jsonb       NOT NULL,
    state           text        NOT NULL DEFAULT 'PENDING'
        CHECK (state IN ('PENDING', 'DELIVERING', 'DELIVERED', 'FAILED')),
    attempts        int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    CHECK ((state = 'DELIVERING') = (locked_until IS NOT NULL)),
    CHECK ((state = 'DELIVERED') = (delivered_at IS NOT NULL))
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX outbox_leased ON outbox (locked_until) WHERE state = 'DELIVERING';
CREATE INDEX outbox_by_state ON outbox (state, id DESC);
