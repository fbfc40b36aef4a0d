-- A widget dialog joins its line's waiting line with the visitor's first message, not when it is opened: an
-- opened dialog nobody wrote in is not routed and takes nobody's place. queued_at is when it joined; messenger
-- dialogs join at once (they open with a message).
ALTER TABLE dialog ADD COLUMN queued_at timestamptz;
UPDATE dialog SET queued_at = opened_at;

DROP INDEX dialog_waiting_by_line;
CREATE INDEX dialog_waiting_by_line ON dialog (line_id, requeued DESC, queued_at, id)
    WHERE state = 'WAITING' AND queued_at IS NOT NULL;

-- Why a dialog was closed when neither side closed it: ABANDONED, a waiting dialog whose visitor was gone
-- (no socket) for gateway.widget.abandon-after. Kept for the reports.
ALTER TABLE dialog ADD COLUMN close_reason text CHECK (close_reason IN ('ABANDONED'));
ALTER TABLE dialog ADD CONSTRAINT dialog_close_reason_only_closed CHECK (close_reason IS NULL OR state = 'CLOSED');
CREATE INDEX dialog_waiting_widget ON dialog (opened_at) WHERE state = 'WAITING' AND channel = 'WIDGET';

-- The one address a copy of the dialog's transcript may be mailed to: the e-mail the visitor gave in this
-- dialog before it closed (in open, or in the transcript request while it was open). transcript_wanted: the
-- visitor asked for the copy while the dialog was open; it is mailed when the dialog closes.
ALTER TABLE dialog ADD COLUMN transcript_email text CHECK (length(transcript_email) <= 254);
ALTER TABLE dialog ADD COLUMN transcript_wanted boolean NOT NULL DEFAULT false;
CREATE INDEX dialog_transcript_due ON dialog (closed_at) WHERE transcript_wanted AND state = 'CLOSED';

-- append_message as in V1, and a visitor's first message in a dialog that has not joined the waiting line puts
-- it there (status QUEUED instead of STORED, so the caller can route it at once).
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
    UPDATE dialog d SET last_seq = d.last_seq + 1,
                        queued_at = CASE WHEN v_queue THEN clock_timestamp() ELSE d.queued_at END
    WHERE d.id = p_dialog RETURNING d.last_seq INTO v_seq;
    INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body)
    VALUES (p_dialog, v_seq, p_sender, p_agent, p_author, p_client_msg_id, p_event, p_body)
    RETURNING message.created_at INTO v_at;
    RETURN QUERY SELECT CASE WHEN v_queue THEN 'QUEUED' ELSE 'STORED' END::text, v_seq, v_at;
END;
$$;
