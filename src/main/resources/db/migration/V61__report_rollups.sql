-- Per-day roll-ups of the dialog, deadline and agent figures (docs/reports.md, "Roll-ups"): for every whole past day
-- (in the report zone) whose dialogs are all closed, one row per day and offered line, site, channel and first agent
-- holds the counts, sums and maxima of the dialogs that joined a line that day and the arrays of their waits, first
-- responses and handle times; one row per day, rule, line, site, channel and agent holds the deadlines started that
-- day (closes, tasks created) by status; one row per day and agent the dialogs they held, for how long, their peak
-- at once, and their presence. A report merges a few rows per day instead of reading every dialog. The
-- rows are written by one node's job (report.ReportRollups) with the same SQL a report runs on the days not rolled
-- up; report_day lists the days whose rows are valid.
CREATE TABLE report_day (
    zone                 text        NOT NULL,
    day                  date        NOT NULL,
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    rolled_at            timestamptz NOT NULL DEFAULT now(),
    -- the latest due instant of a deadline of the day not done when it was rolled up (null: none): until the
    -- reports' clock passes it, and unless it had passed at rolled_at, the deadline figures count the day anew
    deadlines_settled_at timestamptz,
    -- a digest of the working time the deadlines were judged on (the production calendar and the triage settings
    -- around the day): the job rolls the day up again when it changes
    calendar             text        NOT NULL,
    PRIMARY KEY (zone, day)
);
-- a late change finds the days it falls in from their end (a change of today's dialog finds none at once)
CREATE INDEX report_day_by_end ON report_day (ends_at);

CREATE TABLE report_dialog_day (
    zone                       text    NOT NULL,
    day                        date    NOT NULL,
    offered_line_id            text    NOT NULL,
    site_id                    text    NOT NULL,
    channel                    text    NOT NULL,
    first_agent_id             bigint,
    offered                    bigint  NOT NULL,
    answered                   bigint  NOT NULL,
    abandoned                  bigint  NOT NULL,
    missed                     bigint  NOT NULL,
    out_of_hours               bigint  NOT NULL,
    waiting                    bigint  NOT NULL,
    wait_max                   float8,
    first_response_max         float8,
    handle_n                   bigint  NOT NULL,
    handle_sum                 numeric NOT NULL,
    messages_n                 bigint  NOT NULL,
    messages_sum               numeric NOT NULL,
    rated                      bigint  NOT NULL,
    rating_sum                 numeric NOT NULL,
    rating1                    bigint  NOT NULL,
    rating2                    bigint  NOT NULL,
    rating3                    bigint  NOT NULL,
    rating4                    bigint  NOT NULL,
    rating5                    bigint  NOT NULL,
    rating_comments            bigint  NOT NULL,
    consultations              bigint  NOT NULL,
    service_requests           bigint  NOT NULL,
    complaints                 bigint  NOT NULL,
    change_requests            bigint  NOT NULL,
    to_marketing_director      bigint  NOT NULL,
    to_head_of_student_affairs bigint  NOT NULL,
    wait_bar0                  bigint  NOT NULL,
    wait_bar1                  bigint  NOT NULL,
    wait_bar2                  bigint  NOT NULL,
    wait_bar3                  bigint  NOT NULL,
    wait_bar4                  bigint  NOT NULL,
    wait_bar5                  bigint  NOT NULL,
    waits                      float8[],
    first_responses            float8[],
    handles                    float8[]
);
CREATE INDEX report_dialog_day_by_day ON report_dialog_day (zone, day);

CREATE TABLE report_deadline_day (
    zone        text   NOT NULL,
    day         date   NOT NULL,
    rule        text   NOT NULL,
    line_id     text,
    site_id     text,
    channel     text,
    agent_id    bigint,
    total       bigint NOT NULL,
    kept        bigint NOT NULL,
    missed      bigint NOT NULL,
    pending     bigint NOT NULL,
    escalations bigint NOT NULL,
    undone_due  timestamptz
);
CREATE INDEX report_deadline_day_by_day ON report_deadline_day (zone, day);

CREATE TABLE report_agent_day (
    zone            text    NOT NULL,
    day             date    NOT NULL,
    agent_id        bigint  NOT NULL,
    dialog_ids      uuid[],
    dialog_seconds  numeric,
    peak_at_once    bigint,
    online_seconds  numeric,
    away_seconds    numeric,
    offline_seconds numeric
);
CREATE INDEX report_agent_day_by_day ON report_agent_day (zone, day);

-- Forgets the rolled-up day that an instant (a dialog's queued_at) falls in, in every zone, so that the job rolls it
-- up again and the reports count it from the dialogs until then. The shared lock (per UTC date) makes the job's
-- roll-up of that day wait for this transaction, or this transaction wait for the roll-up's end: a roll-up never
-- misses a change that commits after it read the day.
CREATE FUNCTION report_rollup_forget(p_at timestamptz) RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    IF p_at IS NULL THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(61061, (p_at AT TIME ZONE 'UTC')::date - date '2000-01-01');
    DELETE FROM report_day r WHERE r.ends_at > p_at AND r.starts_at <= p_at;
END;
$$;

-- Forgets every rolled-up day that a span (a hold, a stretch of presence) overlaps, up to now (no later day is rolled
-- up), as report_rollup_forget does for an instant.
CREATE FUNCTION report_rollup_forget_span(p_from timestamptz, p_to timestamptz) RETURNS void
    LANGUAGE plpgsql AS
$$
DECLARE
    v_to timestamptz := least(coalesce(p_to, 'infinity'), now());
BEGIN
    IF p_from IS NULL OR p_from > v_to THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(61061, k)
    FROM generate_series((p_from AT TIME ZONE 'UTC')::date - date '2000-01-01',
                         (v_to AT TIME ZONE 'UTC')::date - date '2000-01-01') k;
    DELETE FROM report_day r WHERE r.ends_at > p_from AND r.starts_at <= v_to;
END;
$$;

-- A hold counts on every day it overlaps; a change of presence from its instant on (until the next change, or now).
CREATE FUNCTION report_hold_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_rollup_forget_span(OLD.started_at, OLD.ended_at);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM report_rollup_forget_span(NEW.started_at, NEW.ended_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_hold_changed
    AFTER INSERT OR DELETE OR UPDATE ON dialog_hold
    FOR EACH ROW EXECUTE FUNCTION report_hold_changed();

CREATE FUNCTION report_presence_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_rollup_forget_span(OLD.at, NULL);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM report_rollup_forget_span(NEW.at, NULL);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_presence_changed
    AFTER INSERT OR DELETE OR UPDATE ON agent_presence_log
    FOR EACH ROW EXECUTE FUNCTION report_presence_changed();

-- A closed dialog's figures change with its close, rating, classification and triage, or its removal: the day it
-- joined the line (the dialog figures) and the day it closed (the deadlines) are forgotten. A day is rolled up only
-- when all its dialogs are closed, and no message reaches a closed dialog but a system one (which changes no figure),
-- so the chat path's row updates (append_message) fire nothing: its columns are not in the list below.
CREATE FUNCTION report_dialog_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_rollup_forget(OLD.queued_at);
        PERFORM report_rollup_forget(OLD.closed_at);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.queued_at IS DISTINCT FROM OLD.queued_at) THEN
        PERFORM report_rollup_forget(NEW.queued_at);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.closed_at IS DISTINCT FROM OLD.closed_at) THEN
        PERFORM report_rollup_forget(NEW.closed_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_dialog_inserted
    AFTER INSERT ON dialog
    FOR EACH ROW WHEN (NEW.queued_at IS NOT NULL OR NEW.closed_at IS NOT NULL)
    EXECUTE FUNCTION report_dialog_changed();
CREATE TRIGGER report_dialog_updated
    AFTER UPDATE OF state, closed_at, offered_line_id, line_id, site_id, channel, agent_id, rating, rating_comment,
        appeal_type, classified_at, triage, triaged_at ON dialog
    FOR EACH ROW WHEN (OLD.state = 'CLOSED' OR NEW.state = 'CLOSED') EXECUTE FUNCTION report_dialog_changed();
CREATE TRIGGER report_dialog_deleted
    AFTER DELETE ON dialog
    FOR EACH ROW WHEN (OLD.queued_at IS NOT NULL OR OLD.closed_at IS NOT NULL)
    EXECUTE FUNCTION report_dialog_changed();

-- A task counts on the day it was created (the deadlines); a complaint-answer task also on the day its dialog joined
-- the line (the complaints by addressee).
CREATE FUNCTION report_task_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_rollup_forget(OLD.created_at);
        IF OLD.dialog_id IS NOT NULL AND OLD.kind = 'COMPLAINT_ANSWER' THEN
            PERFORM report_rollup_forget((SELECT d.queued_at FROM dialog d WHERE d.id = OLD.dialog_id));
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'INSERT' OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
            PERFORM report_rollup_forget(NEW.created_at);
        END IF;
        IF NEW.dialog_id IS NOT NULL AND NEW.kind = 'COMPLAINT_ANSWER' THEN
            PERFORM report_rollup_forget((SELECT d.queued_at FROM dialog d WHERE d.id = NEW.dialog_id));
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_task_changed
    AFTER INSERT OR DELETE OR UPDATE ON task
    FOR EACH ROW EXECUTE FUNCTION report_task_changed();

-- A task's deadline is its first due date, from its CREATED history.
CREATE FUNCTION report_task_history_changed() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.event = 'CREATED' THEN
        PERFORM report_rollup_forget((SELECT t.created_at FROM task t WHERE t.id = OLD.task_id));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.event = 'CREATED' THEN
        PERFORM report_rollup_forget((SELECT t.created_at FROM task t WHERE t.id = NEW.task_id));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_task_history_changed
    AFTER INSERT OR DELETE OR UPDATE ON task_history
    FOR EACH ROW EXECUTE FUNCTION report_task_history_changed();
