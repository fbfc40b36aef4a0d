-- Where a bot's long polling stands (VK Bots Long Poll: server, key and ts; MAX /updates: the marker), so
-- that a restart resumes after the last batch whose updates were stored and repeats at most one batch.
CREATE TABLE messenger_poll_state (
    bot_id     text        PRIMARY KEY CHECK (bot_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    server     text        CHECK (length(server) <= 500),
    poll_key   text        CHECK (length(poll_key) <= 500),
    position   text        NOT NULL CHECK (length(position) BETWEEN 1 AND 100),
    updated_at timestamptz NOT NULL DEFAULT now()
);
