-- The e-mail channel's bounds on what mail may open and fill (gateway.email.new-dialogs-per-sender-per-hour,
-- new-dialogs-per-mailbox-per-hour, mails-per-dialog-per-hour). A mail past one of them is kept with the state
-- LIMITED: handled for now (it leaves the queue of unhandled mail), with the reason, and held_until the moment the
-- hour that is full frees a place. Each reading pass of its mailbox takes the held mails that are due, oldest first,
-- and puts them where they belong then (into their dialog, a new one, or held again until the next place frees).
ALTER TABLE email_message ADD COLUMN held_until timestamptz;
ALTER TABLE email_message ADD CONSTRAINT email_message_held_is_limited CHECK (held_until IS NULL OR state = 'LIMITED');

-- mail held by earlier versions (they kept it for good): due now, put in its place under the bounds
UPDATE email_message SET held_until = now() WHERE state = 'LIMITED';

CREATE INDEX email_message_held ON email_message (mailbox, held_until) WHERE state = 'LIMITED';
-- the supervisor's list shows the held mails with the failed and blocked ones, newest first
CREATE INDEX email_message_limited ON email_message (received_at) WHERE state = 'LIMITED';
-- the new dialogs of a mailbox within the hour
CREATE INDEX email_dialog_by_mailbox ON email_dialog (mailbox, created_at);
-- the mails a dialog took within the hour
CREATE INDEX email_message_delivered_by_dialog ON email_message (dialog_id, handled_at)
    WHERE state IN ('DELIVERED', 'BLOCKED');
