-- The task check (gateway.tasks.check-interval) looks for classified dialogs and offline appeals of the types that
-- get a task (a service or change request, a complaint) and have none yet, oldest first, within the last
-- gateway.tasks.sweep-window (all of them in the first check after a start). Without these indexes it read every
-- dialog of the table (710 ms cold on a million dialogs); with them it reads the window's part of the classified
-- ones by classification time, and each one's task by task.dialog_id (unique). A message's update of its dialog does
-- not touch appeal_type or classified_at, so it stays heap-only (V63).
CREATE INDEX dialog_task_sweep ON dialog (classified_at)
    WHERE appeal_type IN ('SERVICE_REQUEST', 'CHANGE_REQUEST', 'COMPLAINT');
CREATE INDEX offline_appeal_task_sweep ON offline_appeal (classified_at)
    WHERE appeal_type IN ('SERVICE_REQUEST', 'CHANGE_REQUEST', 'COMPLAINT');
