-- The hand-counted data set of report.ReportFiguresTests (lines lab140, lab141, and the main site's dispatcher
-- line), in May 2026, Europe/Samara (+04). Fri 8 May is followed by the weekend and the holiday of Mon 11 May.
-- Runs again on every test start: it removes what an earlier run left, then writes everything anew, all in one
-- transaction. The dialogs are locked first, so that the gateway's sweeps (transcripts, cards, tasks) cannot add a
-- row that refers to them between the deletes.
SELECT 1 FROM dialog WHERE id::text LIKE '00000140-%' FOR UPDATE;
DELETE FROM agent_presence_log WHERE agent_id IN (SELECT id FROM agent WHERE login LIKE 'lab140-%');
DELETE FROM task_history WHERE task_id::text LIKE '00000140-%';
DELETE FROM task WHERE id::text LIKE '00000140-%' OR dialog_id::text LIKE '00000140-%';
DELETE FROM transcript WHERE dialog_id::text LIKE '00000140-%';
DELETE FROM message WHERE dialog_id::text LIKE '00000140-%';
DELETE FROM dialog_forward WHERE dialog_id::text LIKE '00000140-%';
DELETE FROM outbox WHERE dedup_key LIKE '%00000140-%';
DELETE FROM dialog WHERE id::text LIKE '00000140-%';
DELETE FROM visitor WHERE id::text LIKE '00000140-%';

INSERT INTO agent (login, display_name, password_hash, roles, lines)
VALUES ('lab140-anna', 'Анна Lab140', '{noop}x', ARRAY['AGENT'], ARRAY['lab140']),
       ('lab140-boris', 'Борис Lab140', '{noop}x', ARRAY['AGENT'], ARRAY['lab140'])
ON CONFLICT (login) DO UPDATE SET lines = EXCLUDED.lines, roles = EXCLUDED.roles;

INSERT INTO card (id, kind, name, site_id)
VALUES ('00000140-0000-0000-0000-00000000c001', 'LEAD', 'Lab140 visitor', 'lab140')
ON CONFLICT (id) DO NOTHING;

INSERT INTO visitor (id, site_id, token_hash, name)
VALUES ('00000140-0000-0000-0000-00000000f001', 'lab140', decode(md5('lab140-visitor'), 'hex'), 'Lab140 visitor');

-- d1..d8: dialogs; t1..t3: main-site dialogs for the dispatcher's triage
INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, last_seq, opened_at, queued_at,
                    assigned_at, closed_at, closed_by, close_reason, offline_offered_at, rating, rating_comment,
                    rated_at, appeal_type, request_number, classified_at, triage, triaged_at, card_id)
VALUES
('00000140-0000-0000-0000-0000000000d1', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 (SELECT id FROM agent WHERE login = 'lab140-anna'), 5, '2026-05-04 10:00+04', '2026-05-04 10:00+04',
 '2026-05-04 10:00:30+04', '2026-05-04 10:10:30+04', 'AGENT', NULL, NULL, 5, 'Спасибо, "отлично"; всё ясно',
 '2026-05-04 10:11+04', 'CONSULTATION', NULL, '2026-05-04 11:00+04', NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d2', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 (SELECT id FROM agent WHERE login = 'lab140-boris'), 3, '2026-05-04 12:00+04', '2026-05-04 12:00+04',
 '2026-05-04 12:02+04', '2026-05-04 12:12+04', 'AGENT', NULL, NULL, 3, NULL,
 '2026-05-04 12:13+04', 'SERVICE_REQUEST', 'R-140', '2026-05-06 09:00+04', NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d3', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 NULL, 2, '2026-05-05 09:00+04', '2026-05-05 09:00+04', NULL, '2026-05-05 09:10+04', 'VISITOR', NULL,
 '2026-05-05 09:05+04', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d4', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 NULL, 1, '2026-05-05 10:00+04', '2026-05-05 10:00+04', NULL, '2026-05-05 10:01+04', 'SYSTEM', 'ABANDONED',
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d5', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 (SELECT id FROM agent WHERE login = 'lab140-anna'), 4, '2026-05-08 19:00+04', '2026-05-08 19:00+04',
 '2026-05-08 19:05+04', '2026-05-08 19:30+04', 'AGENT', NULL, NULL, 4, NULL,
 '2026-05-08 19:31+04', 'COMPLAINT', 'C-140', '2026-05-12 10:00+04', NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d6', '00000140-0000-0000-0000-00000000f001', 'lab141', 'lab141', 'TELEGRAM', 'CLOSED',
 NULL, 2, '2026-05-06 10:00+04', '2026-05-06 10:00+04', NULL, '2026-05-06 10:30+04', 'SYSTEM', NULL,
 '2026-05-06 10:00:01+04', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d7', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 (SELECT id FROM agent WHERE login = 'lab140-boris'), 3, '2026-05-13 10:00+04', '2026-05-13 10:00+04',
 '2026-05-13 10:01+04', '2026-05-13 10:20+04', 'AGENT', NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000d8', '00000140-0000-0000-0000-00000000f001', 'lab140', 'lab140', 'WIDGET', 'CLOSED',
 (SELECT id FROM agent WHERE login = 'lab140-boris'), 3, '2026-05-13 10:05+04', '2026-05-13 10:05+04',
 '2026-05-13 10:05:20+04', '2026-05-13 10:15+04', 'AGENT', NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000e1', '00000140-0000-0000-0000-00000000f001', 'main', 'dispatcher', 'WIDGET', 'CLOSED',
 NULL, 1, '2026-05-04 09:00+04', '2026-05-04 09:00+04', NULL, '2026-05-04 09:05+04', 'VISITOR', NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'PARTNER', '2026-05-04 09:12+04', '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000e2', '00000140-0000-0000-0000-00000000f001', 'main', 'dispatcher', 'WIDGET', 'CLOSED',
 NULL, 1, '2026-05-04 09:30+04', '2026-05-04 09:30+04', NULL, '2026-05-04 09:40+04', 'VISITOR', NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'SPAM', '2026-05-04 09:55+04', '00000140-0000-0000-0000-00000000c001'),
('00000140-0000-0000-0000-0000000000e3', '00000140-0000-0000-0000-00000000f001', 'main', 'dispatcher', 'WIDGET', 'CLOSED',
 NULL, 1, '2026-05-08 16:55+04', '2026-05-08 16:55+04', NULL, '2026-05-08 17:00+04', 'VISITOR', NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '00000140-0000-0000-0000-00000000c001');

-- messages: (dialog, seq, sender, agent, author, event, at)
INSERT INTO message (dialog_id, seq, sender, agent_id, author_name, event, body, created_at)
SELECT ('00000140-0000-0000-0000-0000000000' || m.dialog)::uuid, m.seq, m.sender,
       (SELECT id FROM agent WHERE login = m.agent), m.author, m.event, 'text', m.at::timestamptz
FROM (VALUES
    ('d1', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-04 10:00+04'),
    ('d1', 2, 'SYSTEM', 'lab140-anna', 'Анна', 'assigned', '2026-05-04 10:00:30+04'),
    ('d1', 3, 'AGENT', 'lab140-anna', 'Анна', NULL, '2026-05-04 10:01+04'),
    ('d1', 4, 'VISITOR', NULL, NULL, NULL, '2026-05-04 10:02+04'),
    ('d1', 5, 'AGENT', 'lab140-anna', 'Анна', NULL, '2026-05-04 10:03+04'),
    ('d2', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-04 12:00+04'),
    ('d2', 2, 'SYSTEM', 'lab140-boris', 'Борис', 'assigned', '2026-05-04 12:02+04'),
    ('d2', 3, 'AGENT', 'lab140-boris', 'Борис', NULL, '2026-05-04 12:03+04'),
    ('d3', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-05 09:00+04'),
    ('d3', 2, 'SYSTEM', NULL, 'busy', 'offline_offered', '2026-05-05 09:05+04'),
    ('d4', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-05 10:00+04'),
    ('d5', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-08 19:00+04'),
    ('d5', 2, 'SYSTEM', 'lab140-anna', 'Анна', 'assigned', '2026-05-08 19:05+04'),
    ('d5', 3, 'AGENT', 'lab140-anna', 'Анна', NULL, '2026-05-08 19:06+04'),
    ('d5', 4, 'VISITOR', NULL, NULL, NULL, '2026-05-08 19:07+04'),
    ('d6', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-06 10:00+04'),
    ('d6', 2, 'SYSTEM', NULL, 'hours', 'offline_offered', '2026-05-06 10:00:01+04'),
    ('d7', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-13 10:00+04'),
    ('d7', 2, 'SYSTEM', 'lab140-boris', 'Борис', 'assigned', '2026-05-13 10:01+04'),
    ('d7', 3, 'AGENT', 'lab140-boris', 'Борис', NULL, '2026-05-13 10:01:30+04'),
    ('d8', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-13 10:05+04'),
    ('d8', 2, 'SYSTEM', 'lab140-boris', 'Борис', 'assigned', '2026-05-13 10:05:20+04'),
    ('d8', 3, 'AGENT', 'lab140-boris', 'Борис', NULL, '2026-05-13 10:06+04'),
    ('e1', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-04 09:00+04'),
    ('e2', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-04 09:30+04'),
    ('e3', 1, 'VISITOR', NULL, NULL, NULL, '2026-05-08 16:55+04')
) AS m(dialog, seq, sender, agent, author, event, at);
-- the messages go in past append_message: the facts it keeps on the dialog row (V59) are computed from them
SELECT fill_dialog_facts(ARRAY(SELECT id FROM dialog WHERE id::text LIKE '00000140-%'));

-- d2's request result: due +3 working days (Thu 7, Fri 8, Tue 12 May), reported on Tue 12 May.
-- d5's complaint answer: due Fri 15 May, escalated once to Wed 20 May, answered Mon 18 May (late).
INSERT INTO task (id, card_id, dialog_id, kind, title, request_number, line_id, owner_agent_id, addressee, due, state,
                  result, escalations, created_at, completed_at)
VALUES ('00000140-0000-0000-0000-0000000000a2', '00000140-0000-0000-0000-00000000c001',
        '00000140-0000-0000-0000-0000000000d2', 'REQUEST_RESULT', 'Report the result of request R-140', 'R-140',
        'lab140', (SELECT id FROM agent WHERE login = 'lab140-boris'), NULL, '2026-05-12', 'DONE', 'done', 0,
        '2026-05-06 09:00+04', '2026-05-12 15:00+04'),
       ('00000140-0000-0000-0000-0000000000a5', '00000140-0000-0000-0000-00000000c001',
        '00000140-0000-0000-0000-0000000000d5', 'COMPLAINT_ANSWER', 'Report the answer to complaint C-140', 'C-140',
        'lab140', (SELECT id FROM agent WHERE login = 'lab140-anna'), 'MARKETING_DIRECTOR', '2026-05-20', 'DONE',
        'answered', 1, '2026-05-12 10:00+04', '2026-05-18 10:00+04');

INSERT INTO task_history (task_id, at, event, agent_id, old_due, new_due)
VALUES ('00000140-0000-0000-0000-0000000000a2', '2026-05-06 09:00+04', 'CREATED', NULL, NULL, '2026-05-12'),
       ('00000140-0000-0000-0000-0000000000a5', '2026-05-12 10:00+04', 'CREATED', NULL, NULL, '2026-05-15'),
       ('00000140-0000-0000-0000-0000000000a5', '2026-05-16 00:10+04', 'ESCALATED', NULL, '2026-05-15', '2026-05-20');

-- presence: Anna online 09:00-12:00 and away 12:00-13:00 on Mon 4 May; Boris online from Sun 3 May 20:00 to 02:00
INSERT INTO agent_presence_log (agent_id, status, at)
SELECT (SELECT id FROM agent WHERE login = p.agent), p.status, p.at::timestamptz
FROM (VALUES
    ('lab140-anna', 'ONLINE', '2026-05-04 09:00+04'),
    ('lab140-anna', 'AWAY', '2026-05-04 12:00+04'),
    ('lab140-anna', 'OFFLINE', '2026-05-04 13:00+04'),
    ('lab140-boris', 'ONLINE', '2026-05-03 20:00+04'),
    ('lab140-boris', 'OFFLINE', '2026-05-04 02:00+04')
) AS p(agent, status, at);
