-- The e-mail channel, continued (issue 21).

-- BLOCKED: a mail larger than gateway.email.max-message-size, not downloaded. Recorded from its header (sender,
-- subject, Message-ID, threading headers) with its size (raw_size) and where the original is (mailbox, uid_validity,
-- uid); its dialog gets a notice. Listed for supervisors with the failed ones.
ALTER TABLE email_message DROP CONSTRAINT email_message_state_check;
ALTER TABLE email_message ADD CONSTRAINT email_message_state_check
    CHECK (state IN ('RECEIVED', 'DELIVERED', 'OWN', 'NOTICE', 'BOUNCE', 'LIMITED', 'FAILED', 'BLOCKED'));
CREATE INDEX email_message_blocked ON email_message (received_at) WHERE state = 'BLOCKED';

-- Files an agent attaches to an answer in an e-mail dialog, uploaded before the answer is sent: the answer is the
-- agent's message with the same client id, and its mail carries them as MIME attachments. A name appears once per
-- answer (a retried upload stores nothing new); the count and the total size per answer are bounded by
-- gateway.email.max-reply-files and max-reply-attachments.
CREATE TABLE email_reply_file (
    id            uuid PRIMARY KEY,
    dialog_id     uuid        NOT NULL REFERENCES dialog (id),
    client_msg_id text        NOT NULL CHECK (length(client_msg_id) BETWEEN 1 AND 64),
    position      int         NOT NULL CHECK (position >= 0),
    file_name     text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    mime_type     text        NOT NULL CHECK (length(mime_type) BETWEEN 1 AND 255),
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    storage_key   text        NOT NULL CHECK (storage_key ~ '^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$'),
    sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    agent_id      bigint      NOT NULL REFERENCES agent (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dialog_id, client_msg_id, position),
    UNIQUE (dialog_id, client_msg_id, file_name)
);
