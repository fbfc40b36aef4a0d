-- What the reports read per dialog (docs/reports.md), kept on the dialog row as it happens, so that a report reads
-- dialog rows only instead of every dialog's messages: the first assignment (time and agent), the first message an
-- agent wrote, how many messages the person and the agents wrote, and why the offline form was offered (the
-- author of the first offline_offered message: 'hours', 'busy', ...). append_message keeps them in the row update
-- it makes anyway, so the chat path gains no statement. None of them is indexed: message_count changes with every
-- message, and an indexed column would cost each append its heap-only update.
ALTER TABLE dialog
    ADD COLUMN first_assigned_at timestamptz,
    ADD COLUMN first_agent_id bigint REFERENCES agent (id),
    ADD COLUMN first_reply_at timestamptz,
    ADD COLUMN message_count bigint NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    ADD COLUMN offline_reason text;

-- The facts computed from the messages, for the dialogs given (null: every dialog). The migration fills the existing
-- dialogs with it; data written into message directly, past append_message (the report benchmark's generator, the
-- reports' test data set), calls it too. The messages are read from the primary key's included columns (V55).
CREATE FUNCTION fill_dialog_facts(p_dialogs uuid[]) RETURNS bigint
    LANGUAGE sql AS
$$
    WITH f AS (
        SELECT m.dialog_id,
               min(m.created_at) FILTER (WHERE m.event = 'assigned') AS first_assigned_at,
               (array_agg(m.agent_id ORDER BY m.seq) FILTER (WHERE m.event = 'assigned'))[1] AS first_agent_id,
               min(m.created_at) FILTER (WHERE m.sender = 'AGENT') AS first_reply_at,
               count(*) FILTER (WHERE m.sender <> 'SYSTEM') AS message_count,
               min(m.seq) FILTER (WHERE m.event = 'offline_offered') AS offline_seq
        FROM message m
        WHERE p_dialogs IS NULL OR m.dialog_id = ANY (p_dialogs)
        GROUP BY m.dialog_id
    ),
    changed AS (
        UPDATE dialog d
        SET first_assigned_at = f.first_assigned_at,
            first_agent_id = f.first_agent_id,
            first_reply_at = f.first_reply_at,
            message_count = f.message_count,
            offline_reason = CASE WHEN f.offline_seq IS NOT NULL THEN (SELECT o.author_name
                                                                       FROM message o
                                                                       WHERE o.dialog_id = f.dialog_id
                                                                         AND o.seq = f.offline_seq) END
        FROM f
        WHERE d.id = f.dialog_id
        RETURNING 1
    )
    SELECT count(*) FROM changed;
$$;

SELECT fill_dialog_facts(NULL);

-- As in V15, and keeps the facts above: the first assigned message sets the first assignment, the first message of
-- an agent the first reply, the first offline_offered its reason; every message but a system one counts.
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
                        visitor_count = d.visitor_count + CASE WHEN p_sender = 'VISITOR' THEN 1 ELSE 0 END,
                        first_assigned_at = CASE WHEN p_event = 'assigned' THEN coalesce(d.first_assigned_at, v_now)
                                                 ELSE d.first_assigned_at END,
                        first_agent_id = CASE WHEN p_event = 'assigned' AND d.first_assigned_at IS NULL THEN p_agent
                                              ELSE d.first_agent_id END,
                        first_reply_at = CASE WHEN p_sender = 'AGENT' THEN coalesce(d.first_reply_at, v_now)
                                              ELSE d.first_reply_at END,
                        message_count = d.message_count + CASE WHEN p_sender = 'SYSTEM' THEN 0 ELSE 1 END,
                        offline_reason = CASE WHEN p_event = 'offline_offered' THEN coalesce(d.offline_reason, p_author)
                                              ELSE d.offline_reason END
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
