-- Who held which dialog when, for the agents' report (docs/reports.md): a hold starts at an assigned or forwarded
-- message naming an agent and ends at the dialog's next assigned, forwarded or requeued message, or at its close.
-- append_message keeps the table as those (rare) messages are stored, so that the report reads the holds that
-- overlap its period through one index instead of every message of every dialog open in it. The chat messages
-- themselves pass one comparison of their event.
CREATE TABLE dialog_hold (
    dialog_id  uuid        NOT NULL REFERENCES dialog (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    agent_id   bigint      NOT NULL REFERENCES agent (id),
    started_at timestamptz NOT NULL,
    ended_at   timestamptz CHECK (ended_at >= started_at),
    PRIMARY KEY (dialog_id, seq)
);

-- fill_dialog_facts (V59) also rebuilds the holds of the dialogs it is given from their messages
CREATE OR REPLACE FUNCTION fill_dialog_facts(p_dialogs uuid[]) RETURNS bigint
    LANGUAGE plpgsql AS
$$
DECLARE
    v_filled bigint;
BEGIN
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
    )
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
    WHERE d.id = f.dialog_id;
    GET DIAGNOSTICS v_filled = ROW_COUNT;

    DELETE FROM dialog_hold h WHERE p_dialogs IS NULL OR h.dialog_id = ANY (p_dialogs);
    INSERT INTO dialog_hold (dialog_id, seq, agent_id, started_at, ended_at)
    SELECT e.dialog_id, e.seq, e.agent_id, e.created_at,
           CASE WHEN coalesce(e.next_at, d.closed_at) IS NOT NULL
                THEN greatest(e.created_at, coalesce(e.next_at, d.closed_at)) END
    FROM (SELECT m.dialog_id, m.seq, m.agent_id, m.event, m.created_at,
                 lead(m.created_at) OVER (PARTITION BY m.dialog_id ORDER BY m.seq) AS next_at
          FROM message m
          WHERE m.event IN ('assigned', 'forwarded', 'requeued')
            AND (p_dialogs IS NULL OR m.dialog_id = ANY (p_dialogs))) e
    JOIN dialog d ON d.id = e.dialog_id
    WHERE e.event <> 'requeued' AND e.agent_id IS NOT NULL;
    RETURN v_filled;
END;
$$;

INSERT INTO dialog_hold (dialog_id, seq, agent_id, started_at, ended_at)
SELECT e.dialog_id, e.seq, e.agent_id, e.created_at,
       CASE WHEN coalesce(e.next_at, d.closed_at) IS NOT NULL
            THEN greatest(e.created_at, coalesce(e.next_at, d.closed_at)) END
FROM (SELECT m.dialog_id, m.seq, m.agent_id, m.event, m.created_at,
             lead(m.created_at) OVER (PARTITION BY m.dialog_id ORDER BY m.seq) AS next_at
      FROM message m
      WHERE m.event IN ('assigned', 'forwarded', 'requeued')) e
JOIN dialog d ON d.id = e.dialog_id
WHERE e.event <> 'requeued' AND e.agent_id IS NOT NULL;

-- the holds that overlap a period (an open hold's range has no end)
CREATE INDEX dialog_hold_span ON dialog_hold USING gist (tstzrange(started_at, ended_at));

-- As in V59, and keeps the holds: an assigned, forwarded or requeued message ends the dialog's open hold (at its
-- time), closed ends it at the dialog's close; an assigned or forwarded one naming an agent starts the next.
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
    IF p_event IN ('assigned', 'forwarded', 'requeued', 'closed') THEN
        UPDATE dialog_hold h
        SET ended_at = greatest(h.started_at, CASE WHEN p_event = 'closed' THEN coalesce(v_dialog.closed_at, v_now)
                                                   ELSE v_now END)
        WHERE h.dialog_id = p_dialog AND h.ended_at IS NULL;
        IF p_event IN ('assigned', 'forwarded') AND p_agent IS NOT NULL THEN
            INSERT INTO dialog_hold (dialog_id, seq, agent_id, started_at) VALUES (p_dialog, v_seq, p_agent, v_now);
        END IF;
    END IF;
    RETURN QUERY SELECT CASE WHEN v_queue THEN 'QUEUED' ELSE 'STORED' END::text, v_seq, v_at;
END;
$$;
