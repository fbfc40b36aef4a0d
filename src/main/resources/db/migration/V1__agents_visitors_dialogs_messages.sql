CREATE TABLE agent (
    id            bigserial PRIMARY KEY,
    login         text        NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash text        NOT NULL,
    roles         text[]      NOT NULL CHECK (roles <@ ARRAY['AGENT','DISPATCHER','SUPERVISOR','ADMIN']::text[]),
    lines         text[]      NOT NULL DEFAULT '{}',
    max_dialogs   int         NOT NULL DEFAULT 5 CHECK (max_dialogs BETWEEN 1 AND 100),
    enabled       boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visitor (
    id         uuid PRIMARY KEY,
    site_id    text        NOT NULL,
    token_hash bytea       NOT NULL UNIQUE,
    name       text,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dialog (
    id          uuid PRIMARY KEY,
    visitor_id  uuid        NOT NULL REFERENCES visitor (id),
    site_id     text        NOT NULL,
    line_id     text        NOT NULL,
    channel     text        NOT NULL DEFAULT 'WIDGET',
    state       text        NOT NULL CHECK (state IN ('WAITING', 'ASSIGNED', 'CLOSED')),
    agent_id    bigint REFERENCES agent (id),
    last_seq    bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    opened_at   timestamptz NOT NULL DEFAULT now(),
    assigned_at timestamptz,
    closed_at   timestamptz,
    closed_by   text CHECK (closed_by IN ('VISITOR', 'AGENT', 'SYSTEM')),
    CHECK (state <> 'ASSIGNED' OR agent_id IS NOT NULL),
    CHECK ((state = 'CLOSED') = (closed_at IS NOT NULL))
);

CREATE INDEX dialog_waiting_by_line ON dialog (line_id, opened_at) WHERE state = 'WAITING';
CREATE INDEX dialog_open_by_agent ON dialog (agent_id) WHERE state = 'ASSIGNED';
CREATE INDEX dialog_by_visitor ON dialog (visitor_id, opened_at DESC);
-- a visitor has at most one dialog that is not closed per site: "open" from two tabs yields the same dialog
CREATE UNIQUE INDEX dialog_one_open_per_visitor_site ON dialog (visitor_id, site_id) WHERE state <> 'CLOSED';

CREATE TABLE message (
    dialog_id     uuid        NOT NULL REFERENCES dialog (id),
    seq           bigint      NOT NULL CHECK (seq > 0),
    sender        text        NOT NULL CHECK (sender IN ('VISITOR', 'AGENT', 'SYSTEM')),
    agent_id      bigint REFERENCES agent (id),
    author_name   text,
    client_msg_id text CHECK (length(client_msg_id) <= 64),
    event         text,
    body          text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (dialog_id, seq),
    UNIQUE (dialog_id, sender, client_msg_id)
);

-- Appends one message with the next gap-free seq of its dialog, idempotently by (sender, client_msg_id),
-- after checking in the same round trip that the sender may write there: a visitor only to their own
-- dialog, an agent only to a dialog assigned to them. The dialog row lock serialises appends per dialog,
-- so a retried client id is seen by the later caller and no seq is ever burnt.
CREATE FUNCTION append_message(p_dialog uuid, p_sender text, p_visitor uuid, p_agent bigint, p_author text,
                               p_client_msg_id text, p_event text, p_body text, p_allow_closed boolean)
    RETURNS TABLE (status text, seq bigint, created_at timestamptz)
    LANGUAGE plpgsql AS
$$
DECLARE
    v_dialog dialog%ROWTYPE;
    v_seq    bigint;
    v_at     timestamptz;
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
    UPDATE dialog d SET last_seq = d.last_seq + 1 WHERE d.id = p_dialog RETURNING d.last_seq INTO v_seq;
    INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body)
    VALUES (p_dialog, v_seq, p_sender, p_agent, p_author, p_client_msg_id, p_event, p_body)
    RETURNING message.created_at INTO v_at;
    RETURN QUERY SELECT 'STORED'::text, v_seq, v_at;
END;
$$;
