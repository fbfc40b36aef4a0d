-- Messenger bridges (issue 5): Telegram, Viber and WhatsApp bots feed dialogs like the widget does.

-- A person writing to one bot. Each gets a visitor row of its own (with a token nobody is ever handed), so
-- dialogs, messages and routing work exactly as for the widget; dialog.site_id holds the bot's id.
CREATE TABLE messenger_user (
    bot_id          text        NOT NULL CHECK (bot_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    external_id     text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    platform        text        NOT NULL CHECK (platform IN ('TELEGRAM', 'VIBER', 'WHATSAPP')),
    visitor_id      uuid        NOT NULL UNIQUE REFERENCES visitor (id),
    display_name    text CHECK (length(display_name) <= 200),
    -- identification (regulation 4.4): a name and a phone bind the person to a card
    stage           text        NOT NULL DEFAULT 'NEW'
        CHECK (stage IN ('NEW', 'ASKED_NAME', 'ASKED_PHONE', 'IDENTIFIED')),
    full_name       text CHECK (length(full_name) BETWEEN 1 AND 200),
    phone           text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    card_id         uuid REFERENCES card (id),
    -- what the person wrote before they were identified; it opens their first dialog afterwards
    pending_text    text CHECK (length(pending_text) <= 4000),
    -- WhatsApp lets a business send free text only within 24 hours of the person's last message
    last_inbound_at timestamptz,
    -- the template sent in place of a reply outside that window: one until the person writes again
    template_sent_at timestamptz,
    unsubscribed_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, external_id),
    CHECK (stage <> 'IDENTIFIED' OR card_id IS NOT NULL)
);

-- Platforms deliver at least once (Telegram update_id, Viber message_token, WhatsApp message id): an
-- update is processed only if its key is not here; the key is written once the update's effect is stored.
CREATE TABLE messenger_update (
    bot_id      text        NOT NULL,
    update_key  text        NOT NULL CHECK (length(update_key) BETWEEN 1 AND 200),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, update_key)
);

-- Delivery statuses the platforms report for what we sent (WhatsApp statuses, Viber delivered/seen/failed).
CREATE TABLE messenger_status (
    id          bigserial PRIMARY KEY,
    bot_id      text        NOT NULL,
    message_id  text        NOT NULL CHECK (length(message_id) BETWEEN 1 AND 200),
    recipient   text,
    status      text        NOT NULL CHECK (length(status) BETWEEN 1 AND 40),
    detail      text,
    reported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bot_id, message_id, status)
);

-- Files people send. Up to the size limit (16 MB, regulation 4.2) the content is kept here; a larger file
-- is recorded as blocked, with where the original can be found (the platform's file id).
CREATE TABLE messenger_file (
    id          uuid PRIMARY KEY,
    dialog_id   uuid        NOT NULL REFERENCES dialog (id),
    bot_id      text        NOT NULL,
    platform_id text        NOT NULL,
    file_name   text CHECK (length(file_name) <= 255),
    mime_type   text CHECK (length(mime_type) <= 255),
    size_bytes  bigint CHECK (size_bytes >= 0),
    content     bytea CHECK (octet_length(content) <= 16 * 1024 * 1024),
    blocked     boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (blocked = (content IS NULL))
);

CREATE INDEX messenger_file_by_dialog ON messenger_file (dialog_id);

-- Whatever the agent or the system says in a messenger dialog must reach the messenger even if the node
-- dies right after the commit: the outbox row is written by the same INSERT that stores the message, so
-- in the same transaction, whoever appended it (console, routing, closing). The visitor's own messages and
-- notices meant only for staff (delivery failures, the widget's offline-form offer) stay here.
CREATE FUNCTION messenger_outbound() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    v_channel text;
    v_user    messenger_user%ROWTYPE;
BEGIN
    IF NEW.sender = 'VISITOR' OR NEW.event IN ('delivery_failed', 'offline_offered', 'staff_notice') THEN
        RETURN NEW;
    END IF;
    SELECT d.channel INTO v_channel FROM dialog d WHERE d.id = NEW.dialog_id;
    IF v_channel NOT IN ('TELEGRAM', 'VIBER', 'WHATSAPP') THEN
        RETURN NEW;
    END IF;
    SELECT mu.* INTO v_user
    FROM messenger_user mu JOIN dialog d ON d.visitor_id = mu.visitor_id
    WHERE d.id = NEW.dialog_id;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    INSERT INTO outbox (kind, dedup_key, payload)
    VALUES (lower(v_channel) || '.send', 'message:' || NEW.dialog_id || ':' || NEW.seq,
            jsonb_build_object('bot', v_user.bot_id, 'chat', v_user.external_id, 'text', NEW.body,
                               'dialogId', NEW.dialog_id, 'seq', NEW.seq,
                               'to', lower(v_channel) || ':' || v_user.external_id))
    ON CONFLICT (dedup_key) DO NOTHING;
    RETURN NEW;
END;
$$;

CREATE TRIGGER message_to_messenger
    AFTER INSERT ON message
    FOR EACH ROW EXECUTE FUNCTION messenger_outbound();
