-- The group commit's statement (dialog.AppendBatches): a batch of the messages people write, stored in one call.
-- Each message gets what append_message (V60) would give it, called once per message in the batch's order, with no
-- event and a closed dialog refused; but a dialog that has several messages in the batch has its row locked, read
-- and rewritten once for all of them instead of once per message. Rewriting a row that this transaction already
-- rewrote costs a foreign-key check of each of the dialog's references (visitor, card, agent, first agent...: the
-- row's keys count as new then), a new row version per message on the page (past the page's free room, a version
-- elsewhere and an entry in every index), and WAL for each; at 3,000 msg/s and above, batches of tens to hundreds of
-- messages hold the same dialog many times.
CREATE FUNCTION append_messages(p_dialogs uuid[], p_senders text[], p_visitors uuid[], p_agents bigint[],
                                p_authors text[], p_clients text[], p_bodies text[])
    RETURNS TABLE (ord bigint, status text, seq bigint, created_at timestamptz)
    LANGUAGE plpgsql AS
$$
DECLARE
    v_dialog  dialog%ROWTYPE;
    v_current uuid;          -- the dialog whose row v_dialog holds (locked), if any
    v_found   boolean := false;
    v_dirty   boolean := false;
    v_queue   boolean;
    v_seq     bigint;
    v_at      timestamptz;
    v_now     timestamptz;
    i         int;
    n         int := coalesce(array_length(p_dialogs, 1), 0);
BEGIN
    FOR i IN 1 .. n LOOP
        IF v_current IS NULL OR v_current <> p_dialogs[i] THEN
            IF v_dirty THEN
                UPDATE dialog d SET last_seq = v_dialog.last_seq, queued_at = v_dialog.queued_at,
                                    preview = v_dialog.preview, waiting_since = v_dialog.waiting_since,
                                    visitor_count = v_dialog.visitor_count, first_reply_at = v_dialog.first_reply_at,
                                    message_count = v_dialog.message_count
                WHERE d.id = v_current;
                v_dirty := false;
            END IF;
            v_current := p_dialogs[i];
            SELECT * INTO v_dialog FROM dialog d WHERE d.id = v_current FOR UPDATE;
            v_found := FOUND;
        END IF;
        v_now := clock_timestamp();
        IF NOT v_found OR (p_senders[i] = 'VISITOR' AND v_dialog.visitor_id IS DISTINCT FROM p_visitors[i]) THEN
            RETURN QUERY SELECT i::bigint, 'NO_DIALOG'::text, NULL::bigint, NULL::timestamptz;
            CONTINUE;
        END IF;
        IF p_clients[i] IS NOT NULL THEN
            SELECT m.seq, m.created_at INTO v_seq, v_at
            FROM message m
            WHERE m.dialog_id = v_current AND m.sender = p_senders[i] AND m.client_msg_id = p_clients[i];
            IF FOUND THEN
                RETURN QUERY SELECT i::bigint, 'DUPLICATE'::text, v_seq, v_at;
                CONTINUE;
            END IF;
        END IF;
        IF v_dialog.state = 'CLOSED' THEN
            RETURN QUERY SELECT i::bigint, 'CLOSED'::text, NULL::bigint, NULL::timestamptz;
            CONTINUE;
        END IF;
        IF p_senders[i] = 'AGENT'
                AND (v_dialog.state <> 'ASSIGNED' OR v_dialog.agent_id IS DISTINCT FROM p_agents[i]) THEN
            RETURN QUERY SELECT i::bigint, 'FORBIDDEN'::text, NULL::bigint, NULL::timestamptz;
            CONTINUE;
        END IF;
        -- as append_message's row update, on the row held here
        v_queue := p_senders[i] = 'VISITOR' AND v_dialog.state = 'WAITING' AND v_dialog.queued_at IS NULL;
        v_dialog.last_seq := v_dialog.last_seq + CASE WHEN v_queue THEN 2 ELSE 1 END;
        IF v_queue THEN
            v_dialog.queued_at := v_now;
        END IF;
        IF p_senders[i] <> 'SYSTEM' THEN
            v_dialog.preview := left(btrim(split_part(btrim(p_bodies[i], E' \t\r\n'), E'\n', 1), E' \t\r'), 200);
            v_dialog.message_count := v_dialog.message_count + 1;
        END IF;
        IF p_senders[i] = 'VISITOR' THEN
            v_dialog.waiting_since := coalesce(v_dialog.waiting_since, v_now);
            v_dialog.visitor_count := v_dialog.visitor_count + 1;
        ELSIF p_senders[i] = 'AGENT' THEN
            v_dialog.waiting_since := NULL;
            v_dialog.first_reply_at := coalesce(v_dialog.first_reply_at, v_now);
        END IF;
        v_dirty := true;
        v_seq := v_dialog.last_seq;
        IF v_queue THEN
            v_seq := v_seq - 1;
            INSERT INTO message (dialog_id, seq, sender, event, body, created_at)
            VALUES (v_current, v_seq + 1, 'SYSTEM', 'waiting', 'Пожалуйста, подождите: скоро вам ответит специалист.',
                    v_now);
        END IF;
        INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body, created_at)
        VALUES (v_current, v_seq, p_senders[i], p_agents[i], p_authors[i], p_clients[i], NULL, p_bodies[i], v_now)
        RETURNING message.created_at INTO v_at;
        RETURN QUERY SELECT i::bigint, CASE WHEN v_queue THEN 'QUEUED' ELSE 'STORED' END::text, v_seq, v_at;
    END LOOP;
    IF v_dirty THEN
        UPDATE dialog d SET last_seq = v_dialog.last_seq, queued_at = v_dialog.queued_at,
                            preview = v_dialog.preview, waiting_since = v_dialog.waiting_since,
                            visitor_count = v_dialog.visitor_count, first_reply_at = v_dialog.first_reply_at,
                            message_count = v_dialog.message_count
        WHERE d.id = v_current;
    END IF;
END;
$$;

-- The outbox triggers on message (V6/V21, V45) return at once for the person's own messages, the most of the chat;
-- their conditions now sit on the triggers, so those messages queue no trigger event and call no function.
DROP TRIGGER message_to_messenger ON message;
CREATE TRIGGER message_to_messenger
    AFTER INSERT ON message
    FOR EACH ROW WHEN (NEW.sender <> 'VISITOR'
                       AND NOT coalesce(NEW.event IN ('delivery_failed', 'offline_offered', 'staff_notice'), false))
    EXECUTE FUNCTION messenger_outbound();
DROP TRIGGER message_to_email ON message;
CREATE TRIGGER message_to_email
    AFTER INSERT ON message
    FOR EACH ROW WHEN (NEW.sender = 'AGENT' AND NEW.event IS NULL)
    EXECUTE FUNCTION email_outbound();
