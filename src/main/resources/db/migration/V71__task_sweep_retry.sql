-- A classified dialog or offline appeal whose task the check's sweep could not create (its processing failed, or
-- created nothing): how often it failed, the last error, and when the sweep may try it again. The sweep passes over
-- one until next_try, so that failures which repeat at every pass cannot hold the oldest places of its page and keep
-- newer dialogs from their tasks; the wait doubles with each failure from gateway.tasks.check-interval up to a day.
-- source_id is the dialog's or the appeal's id (both random UUIDs); the row goes when the task is created.
CREATE TABLE task_sweep_retry (
    source_id  uuid PRIMARY KEY,
    attempts   int         NOT NULL CHECK (attempts > 0),
    next_try   timestamptz NOT NULL,
    last_error text        NOT NULL CHECK (length(last_error) <= 500),
    failed_at  timestamptz NOT NULL DEFAULT now()
);
