-- The reports read, per dialog, the times, senders, events and agents of its messages (the first assignment, the
-- first reply, the count, whether the offline form was offered). The primary key now carries those columns, so that the read is an
-- index-only scan of adjacent entries instead of one heap page per message: on the benchmark's million dialogs
-- (docs/benchmarks.md) one line's month of dialog figures went from 7.8 s to 4.2 s on the same loaded machine. The
-- key stays the same, so the chat path keeps its three indexes; each entry is wider (510 MB to 706 MB for 10
-- million messages). Nothing references the key. The texts (body, author) stay out: an index entry has a size limit
-- a long name could pass.
ALTER TABLE message
    DROP CONSTRAINT message_pkey,
    ADD CONSTRAINT message_pkey PRIMARY KEY (dialog_id, seq) INCLUDE (created_at, event, sender, agent_id);
