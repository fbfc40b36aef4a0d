-- The report benchmark's data (bench/reports.sh): 1,000,000 dialogs and 10,000,000 messages over 2026 on the four
-- configured lines, made with generate_series in the gateway's own schema (migrated by the gateway at its start).
-- The number of dialogs is the psql variable dialogs (psql -v dialogs=N; bench/reports.sh passes DIALOGS), default
-- 1,000,000; there are ten messages per dialog, and the dialogs are spread over the same year whatever their number.
-- Dialog i opens 31.5 s (times 1,000,000 / dialogs) after dialog i-1; 90 % are answered (wait 0-10 min, first
-- reply 20 s later, 5-20 min handled, 8 chat messages and the system messages waiting/assigned/closed), 10 % never
-- taken (half missed with the offline form, half abandoned). A third of the answered are rated; every answered one is classified, 1 in 7 late.
\set ON_ERROR_STOP on
\if :{?dialogs}
\else
\set dialogs 1000000
\endif
-- the seconds between two dialogs' openings, so that they fill 2026 (31.5 s for a million)
SELECT 31500000.0 / :dialogs AS spacing \gset
\timing on
SET synchronous_commit = off;
-- The bulk rows go in with the dialog and message indexes dropped and rebuilt afterwards, and with the triggers and
-- foreign-key checks off (session_replication_role, the data is consistent by construction): a row-by-row load
-- into a dozen live indexes took longer than this 2-core machine could give. offered_line_id, which the trigger
-- sets, is written directly.
CREATE TEMP TABLE bench_index AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid IN ('dialog'::regclass, 'message'::regclass)
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name FROM bench_index LOOP
        EXECUTE 'DROP INDEX ' || r.name;
    END LOOP;
END $$;

INSERT INTO agent (login, display_name, password_hash, roles, lines, max_dialogs)
SELECT 'bench' || a, 'Оператор ' || a, '{noop}x', ARRAY['AGENT'],
       ARRAY[(ARRAY['applicant-recruitment','student-affairs','dispatcher','marketing'])[1 + a % 4]], 5
FROM generate_series(1, 40) a;

CREATE TEMP TABLE bench_agent AS
SELECT row_number() OVER (PARTITION BY lines[1] ORDER BY id) - 1 AS n, lines[1] AS line, id FROM agent
WHERE login LIKE 'bench%';

INSERT INTO visitor (id, site_id, token_hash, name, created_at)
SELECT md5('v' || i)::uuid, 'applicant', sha256(('v' || i)::bytea), 'Посетитель ' || i,
       timestamptz '2026-01-01 00:00+04' + make_interval(secs => i * :spacing)
FROM generate_series(0::bigint, :dialogs - 1) i;

SET session_replication_role = replica;

CREATE TEMP TABLE bench_dialog AS
SELECT i,
       md5('d' || i)::uuid AS id,
       (ARRAY['applicant-recruitment','student-affairs','dispatcher','marketing'])[1 + i % 4] AS line,
       (ARRAY['applicant','student','main','applicant'])[1 + i % 4] AS site,
       CASE WHEN i % 4 = 3 THEN 'TELEGRAM' ELSE 'WIDGET' END AS channel,
       timestamptz '2026-01-01 00:00+04' + make_interval(secs => i * :spacing) AS opened,
       i % 10 <> 0 AS answered,
       (i * 7919) % 600 AS wait_s,
       300 + (i * 104729) % 900 AS handle_s
FROM generate_series(0::bigint, :dialogs - 1) i;

INSERT INTO dialog (id, visitor_id, site_id, line_id, offered_line_id, channel, state, agent_id, last_seq, opened_at, queued_at,
                    assigned_at, closed_at, closed_by, close_reason, offline_offered_at, rating, rating_comment,
                    rated_at, appeal_type, classified_at, triage, triaged_at, visitor_count)
SELECT d.id, md5('v' || d.i)::uuid, d.site, d.line, d.line, d.channel, 'CLOSED', CASE WHEN d.answered THEN a.id END, 10,
       d.opened, d.opened + interval '5 seconds',
       CASE WHEN d.answered THEN d.opened + (5 + d.wait_s) * interval '1 second' END,
       d.opened + (5 + d.wait_s + d.handle_s) * interval '1 second',
       CASE WHEN d.answered THEN 'AGENT' ELSE 'SYSTEM' END,
       CASE WHEN NOT d.answered AND d.i % 20 = 0 THEN 'ABANDONED' END,
       CASE WHEN NOT d.answered AND d.i % 20 = 10 THEN d.opened + interval '305 seconds' END,
       CASE WHEN d.answered AND d.i % 3 = 0 THEN 1 + d.i % 5 END,
       CASE WHEN d.answered AND d.i % 30 = 0 THEN 'Спасибо' END,
       CASE WHEN d.answered AND d.i % 3 = 0 THEN d.opened + (65 + d.wait_s + d.handle_s) * interval '1 second' END,
       CASE WHEN d.answered THEN 'CONSULTATION' END,
       CASE WHEN d.answered THEN d.opened + (5 + d.wait_s + d.handle_s) * interval '1 second'
           + CASE WHEN d.i % 7 = 0 THEN interval '3 days' ELSE interval '1 hour' END END,
       CASE WHEN d.line = 'dispatcher' THEN 'APPLICANT' END,
       CASE WHEN d.line = 'dispatcher' THEN d.opened + (65 + d.wait_s + d.handle_s) * interval '1 second'
           + CASE WHEN d.i % 11 = 0 THEN interval '1 hour' ELSE interval '0' END END,
       4
FROM bench_dialog d
JOIN bench_agent a ON a.line = d.line AND a.n = (d.i / 4) % 10;

INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body, created_at)
SELECT d.id, s,
       CASE WHEN s IN (1, 3, 10) THEN 'SYSTEM' WHEN s % 2 = 0 OR NOT d.answered THEN 'VISITOR' ELSE 'AGENT' END,
       CASE WHEN d.answered AND (s = 3 OR (s % 2 = 1 AND s NOT IN (1, 10))) THEN a.id END,
       CASE WHEN s = 3 AND NOT d.answered THEN 'busy' END,
       CASE WHEN s NOT IN (1, 3, 10) THEN 'c' || s END,
       CASE s WHEN 1 THEN 'waiting' WHEN 3 THEN CASE WHEN d.answered THEN 'assigned' ELSE 'offline_offered' END
           WHEN 10 THEN 'closed' END,
       'Сообщение ' || s,
       CASE WHEN s = 1 THEN d.opened
            WHEN s = 2 THEN d.opened + interval '5 seconds'
            WHEN s = 3 THEN d.opened + (5 + CASE WHEN d.answered THEN d.wait_s ELSE 300 END) * interval '1 second'
            ELSE d.opened + (5 + d.wait_s + 20 * (s - 3)) * interval '1 second' END
FROM bench_dialog d
JOIN bench_agent a ON a.line = d.line AND a.n = (d.i / 4) % 10
CROSS JOIN generate_series(1, 10) s;

SET session_replication_role = DEFAULT;
\echo rebuilding the dropped indexes
SET maintenance_work_mem = '512MB';
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT def FROM bench_index LOOP
        EXECUTE r.def;
    END LOOP;
END $$;
\echo the report facts of the dialogs and their holds, which append_message keeps as messages are stored (V59, V60)
-- (past the triggers that forget rolled-up days, V61: every roll-up is dropped below)
SET session_replication_role = replica;
SELECT fill_dialog_facts(NULL);
SET session_replication_role = DEFAULT;
-- the gateway that migrated the empty database rolled up its (empty) past days: those roll-ups are void now, and the
-- gateway's next start rolls up the generated days (V61; a database of a gateway without roll-ups has none)
DO $$
BEGIN
    IF to_regclass('report_day') IS NOT NULL THEN
        TRUNCATE report_day, report_dialog_day, report_deadline_day, report_agent_day;
    END IF;
END $$;
VACUUM ANALYZE agent, visitor, dialog, message, dialog_hold;
SELECT count(*) AS dialogs FROM dialog;
SELECT count(*) AS messages FROM message;
