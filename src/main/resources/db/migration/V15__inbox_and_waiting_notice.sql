-- What the agent's dialog list shows without reading the messages: the last message's first line (preview), since
-- when the person waits for an answer (waiting_since: their oldest message after the latest agent message; null
-- when the agent spoke last) and how many messages the person sent (visitor_count), kept by append_message in the
-- row update it makes anyway.
ALTER TABLE dialog ADD COLUMN preview text CHECK (length(preview) <= 200);
ALTER TABLE dialog ADD COLUMN waiting_since timestamptz;
ALTER TABLE dialog ADD COLUMN visitor_count bigint NOT NULL DEFAULT 0 CHECK (visitor_count >= 0);

UPDATE dialog d SET visitor_count = m.n
FROM (SELECT dialog_id, count(*) AS n FROM message WHERE sender = 'VISITOR' GROUP BY dialog_id) m
WHERE m.dialog_id = d.id;

UPDATE dialog d SET preview = (SELECT left(btrim(split_part(btrim(m.body, E' \t\r\n'), E'\n', 1), E' \t\r'), 200)
                               FROM message m
                               WHERE m.dialog_id = d.id AND m.sender <> 'SYSTEM'
                               ORDER BY m.seq DESC LIMIT 1),
                    waiting_since = (SELECT min(m.created_at)
                                     FROM message m
                                     WHERE m.dialog_id = d.id AND m.sender = 'VISITOR'
                                       AND m.seq > coalesce((SELECT max(a.seq) FROM message a
                                                             WHERE a.dialog_id = d.id AND a.sender = 'AGENT'), 0))
WHERE d.state <> 'CLOSED' OR d.appeal_type IS NULL;

-- How far each agent has read a dialog: up to read_seq, which held read_count of the person's messages. The
-- unread count of the dialog's agent is dialog.visitor_count - read_count, without counting messages.
CREATE TABLE dialog_read (
    dialog_id  uuid        NOT NULL REFERENCES dialog (id),
    agent_id   bigint      NOT NULL REFERENCES agent (id),
    read_seq   bigint      NOT NULL CHECK (read_seq >= 0),
    read_count bigint      NOT NULL CHECK (read_count >= 0),
    read_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dialog_id, agent_id)
);

-- A dialog that joins the waiting line with the visitor's first message says «please wait» after that message,
-- not before it: the notice is stored at the next seq in the same call (status QUEUED tells the caller, who
-- announces it). Its text is SystemTexts.WAITING. Otherwise append_message is as in V13, and keeps the columns above.
CREATE OR REPLACE FUNCTION append_message(p_dialog uuid, p_sender text, p_visitor uuid, p_agent bigint,
                                          p_author text, p_client_msg_id text, p_event text, p_body text,
                                          p_allow_closed boolean)
    RETURNS TABLE (status text, seq bigint, created_at timestamptz)
    LANGUAGE plpgsql AS
$$
DECLARE
    v_dialog dialog%ROWTYPE;
    v_seq    bigint;
    v_at     timestamptz;
    v_queue  boolean;
    v_now    timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO v_dialog FROM dialog d WHERE d.id = p_dialog FOR UPDATE;
    IF NOT FOUND OR (p_sender = 'VISITOR' AND v_dialog.visitor_id IS DISTINCT FROM p_visitor) THEN
        RETURN QUERY SELECT 'NO_DIALOG'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
    END IF;
    IF p_client_msg_id IS NOT NULL THEN
        SELECT m.seq, m.created_at INTO v_seq, v_at
        FROM message m
        WHERE m.dialog_id = p_dialog AND m.sender = p_sender AND m.client_msg_id = p_client_msg_id;
        IF FOUND THEN
            RETURN QUERY SELECT 'DUPLICATE'::text, v_seq, v_at;
            RETURN;
        END IF;
    END IF;
    IF v_dialog.state = 'CLOSED' AND NOT p_allow_closed THEN
        RETURN QUERY SELECT 'CLOSED'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
    END IF;
    IF p_sender = 'AGENT' AND (v_dialog.state <> 'ASSIGNED' OR v_dialog.agent_id IS DISTINCT FROM p_agent) THEN
        RETURN QUERY SELECT 'FORBIDDEN'::text, NULL::bigint, NULL::timestamptz;
        RETURN;
    END IF;
    v_queue := p_sender = 'VISITOR' AND v_dialog.state = 'WAITING' AND v_dialog.queued_at IS NULL;
    UPDATE dialog d SET last_seq = d.last_seq + CASE WHEN v_queue THEN 2 ELSE 1 END,
                        queued_at = CASE WHEN v_queue THEN v_now ELSE d.queued_at END,
                        preview = CASE WHEN p_sender = 'SYSTEM' THEN d.preview
                                       ELSE left(btrim(split_part(btrim(p_body, E' \t\r\n'), E'\n', 1), E' \t\r'), 200)
                                  END,
                        waiting_since = CASE p_sender WHEN 'VISITOR' THEN coalesce(d.waiting_since, v_now)
                                                      WHEN 'AGENT' THEN NULL
                                                      ELSE d.waiting_since END,
                        visitor_count = d.visitor_count + CASE WHEN p_sender = 'VISITOR' THEN 1 ELSE 0 END
    WHERE d.id = p_dialog RETURNING d.last_seq INTO v_seq;
    IF v_queue THEN
        v_seq := v_seq - 1;
        INSERT INTO message (dialog_id, seq, sender, event, body, created_at)
        VALUES (p_dialog, v_seq + 1, 'SYSTEM', 'waiting', 'Пожалуйста, подождите: скоро вам ответит специалист.',
                v_now);
    END IF;
    INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body, created_at)
    VALUES (p_dialog, v_seq, p_sender, p_agent, p_author, p_client_msg_id, p_event, p_body, v_now)
    RETURNING message.created_at INTO v_at;
    RETURN QUERY SELECT CASE WHEN v_queue THEN 'QUEUED' ELSE 'STORED' END::text, v_seq, v_at;
END;
$$;
