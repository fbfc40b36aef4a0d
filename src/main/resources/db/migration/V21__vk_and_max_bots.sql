-- VK community messages and MAX bots (issue 23) feed dialogs like the other messengers.

ALTER TABLE messenger_user DROP CONSTRAINT messenger_user_platform_check;
ALTER TABLE messenger_user ADD CONSTRAINT messenger_user_platform_check
    CHECK (platform IN ('TELEGRAM', 'VIBER', 'WHATSAPP', 'VK', 'MAX'));

-- Whether a person lets a bot write to them (VK message_allow / message_deny), recorded even before they
-- ever write, with the latest change winning.
CREATE TABLE messenger_consent (
    bot_id      text        NOT NULL CHECK (bot_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    external_id text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    allowed     boolean     NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, external_id)
);

-- The outbox trigger of V6 with the two new channels.
CREATE OR REPLACE FUNCTION messenger_outbound() RETURNS trigger
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
    IF v_channel NOT IN ('TELEGRAM', 'VIBER', 'WHATSAPP', 'VK', 'MAX') THEN
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
