-- The e-mail channel (issue 21, regulation 4.2): mail to the sites' mailboxes becomes dialogs on cards, and agents
-- answer by mail through the outbox.

-- Where the reader of each mailbox stands: the highest UID stored, valid while the folder's UIDVALIDITY is the same.
-- Written only by the holder of the mailbox's lease (job_lease, with its fencing token).
CREATE TABLE email_cursor (
    mailbox      text        PRIMARY KEY CHECK (mailbox ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    uid_validity bigint      NOT NULL,
    last_uid     bigint      NOT NULL CHECK (last_uid >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every mail read, once: by its place in the mailbox and by its Message-ID. The raw message is kept in the file
-- store (raw_key); what the gateway made of it is kept beside it. state:
--   RECEIVED  stored, not yet in a dialog (the delivery step and its sweep put it there)
--   DELIVERED in a dialog (dialog_id)
--   OWN       the gateway's own mail (an offline form, a transcript, an escalation) found in the mailbox: skipped
--   NOTICE    an auto-reply or bulk mail: kept, shown in its dialog when it threads into one, never answered
--   BOUNCE    a delivery report (RFC 3464): the dialog and the address are marked as bouncing
--   LIMITED   the sender opened too many dialogs within the hour: kept, no dialog
--   FAILED    could not be parsed: kept for a supervisor, the reader moves on
CREATE TABLE email_message (
    id           uuid PRIMARY KEY,
    mailbox      text        NOT NULL,
    uid_validity bigint      NOT NULL,
    uid          bigint      NOT NULL,
    message_id   text CHECK (length(message_id) BETWEEN 3 AND 998),
    state        text        NOT NULL
        CHECK (state IN ('RECEIVED', 'DELIVERED', 'OWN', 'NOTICE', 'BOUNCE', 'LIMITED', 'FAILED')),
    from_address text CHECK (length(from_address) <= 320),
    from_name    text CHECK (length(from_name) <= 200),
    subject      text CHECK (length(subject) <= 1000),
    in_reply_to  text CHECK (length(in_reply_to) <= 998),
    refs         text[]      NOT NULL DEFAULT '{}',
    recipients   text[]      NOT NULL DEFAULT '{}',
    body         text CHECK (length(body) <= 100000),
    reason       text CHECK (length(reason) <= 2000),
    raw_key      text CHECK (raw_key ~ '^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$'),
    raw_size     bigint CHECK (raw_size >= 0),
    -- the visitor a new dialog of this mail is opened for (one per e-mail dialog), so a repeat opens the same one
    visitor_id   uuid        NOT NULL,
    -- when the delivery step is done with it (a dialog, a notice, a bounce mark, the limit)
    handled_at   timestamptz,
    dialog_id    uuid REFERENCES dialog (id),
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mailbox, uid_validity, uid)
);

CREATE UNIQUE INDEX email_message_by_message_id ON email_message (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX email_message_unhandled ON email_message (mailbox, received_at) WHERE handled_at IS NULL;
CREATE INDEX email_message_failed ON email_message (received_at) WHERE state = 'FAILED';
CREATE INDEX email_message_by_dialog ON email_message (dialog_id);

-- Attachments of a mail: up to the size limit in the file store, larger ones recorded as blocked (regulation 4.2,
-- requirement 2). Shown in the dialog through messenger_file (same id), so the agent downloads them like any file.
CREATE TABLE email_attachment (
    id               uuid PRIMARY KEY,
    email_message_id uuid    NOT NULL REFERENCES email_message (id),
    position         int     NOT NULL CHECK (position >= 0),
    file_name        text CHECK (length(file_name) <= 255),
    mime_type        text CHECK (length(mime_type) <= 255),
    size_bytes       bigint  NOT NULL CHECK (size_bytes >= 0),
    storage_key      text CHECK (storage_key ~ '^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$'),
    sha256           text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    blocked          boolean NOT NULL,
    CHECK (blocked = (storage_key IS NULL)),
    UNIQUE (email_message_id, position)
);

-- A dialog that came by e-mail: its mailbox, the person's address, the subject it started with, the dialog it
-- continues (a reply to a closed one) and whether mail to the person bounces.
CREATE TABLE email_dialog (
    dialog_id       uuid PRIMARY KEY REFERENCES dialog (id),
    mailbox         text        NOT NULL,
    mailbox_address text        NOT NULL CHECK (length(mailbox_address) BETWEEN 3 AND 320),
    contact_address text        NOT NULL CHECK (length(contact_address) BETWEEN 3 AND 320),
    subject         text CHECK (length(subject) <= 1000),
    previous_dialog_id uuid REFERENCES dialog (id),
    bouncing_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX email_dialog_by_contact ON email_dialog (contact_address, created_at);

-- The Message-IDs the gateway sent in e-mail dialogs, so that a reply's In-Reply-To / References finds its dialog.
CREATE TABLE email_sent (
    message_id text        PRIMARY KEY CHECK (length(message_id) BETWEEN 3 AND 998),
    dialog_id  uuid        NOT NULL REFERENCES dialog (id),
    seq        bigint      NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);

-- Addresses whose mail came back (a delivery report): shown to staff with the card.
CREATE TABLE email_bouncing_address (
    address    text        PRIMARY KEY CHECK (length(address) BETWEEN 3 AND 320),
    detail     text CHECK (length(detail) <= 2000),
    bounced_at timestamptz NOT NULL DEFAULT now()
);

-- An agent's message in an e-mail dialog is mailed to the person even if the node dies right after the commit:
-- the outbox row is written by the INSERT that stores the message. System notices and the person's own mail stay.
CREATE FUNCTION email_outbound() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    v_email email_dialog%ROWTYPE;
BEGIN
    IF NEW.sender <> 'AGENT' OR NEW.event IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT * INTO v_email FROM email_dialog WHERE dialog_id = NEW.dialog_id;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    INSERT INTO outbox (kind, dedup_key, payload)
    VALUES ('email.reply', 'email-reply:' || NEW.dialog_id || ':' || NEW.seq,
            jsonb_build_object('dialogId', NEW.dialog_id, 'seq', NEW.seq, 'to', v_email.contact_address,
                               'subject', coalesce(v_email.subject, '')))
    ON CONFLICT (dedup_key) DO NOTHING;
    RETURN NEW;
END;
$$;

CREATE TRIGGER message_to_email
    AFTER INSERT ON message
    FOR EACH ROW EXECUTE FUNCTION email_outbound();
