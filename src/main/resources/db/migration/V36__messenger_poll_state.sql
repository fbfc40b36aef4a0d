-- Where a bot's long polling stands (VK Bots Long Poll: server, key and ts), so that a restart resumes
-- from the last batch whose updates were stored and neither loses nor repeats more than that batch.
CREATE TABLE messenger_poll_state (
    bot_id     text        PRIMARY KEY CHECK (bot_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    server     text        CHECK (length(server) <= 500),
    poll_key   text        CHECK (length(poll_key) <= 500),
    position   text        NOT NULL CHECK (length(position) BETWEEN 1 AND 100),
    updated_at timestamptz NOT NULL DEFAULT now()
);
