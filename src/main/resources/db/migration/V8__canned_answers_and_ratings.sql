-- Canned answers: ready texts per line that an agent inserts with a shortcut such as /hello.
CREATE TABLE canned_answer (
    id         bigserial PRIMARY KEY,
    line_id    text        NOT NULL CHECK (length(line_id) BETWEEN 1 AND 64),
    title      text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    text       text        NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    shortcut   text        NOT NULL CHECK (shortcut ~ '^/[^[:space:]/]{1,32}$'),
    created_by bigint REFERENCES agent (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- a shortcut means one answer on its line
CREATE UNIQUE INDEX canned_answer_shortcut ON canned_answer (line_id, shortcut);

-- The visitor's rating of a closed dialog: 1 to 5 stars and an optional comment, once per dialog.
ALTER TABLE dialog ADD COLUMN rating smallint CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE dialog ADD COLUMN rating_comment text CHECK (length(rating_comment) <= 1000);
ALTER TABLE dialog ADD COLUMN rated_at timestamptz;
ALTER TABLE dialog ADD CONSTRAINT dialog_rated_once CHECK ((rating IS NULL) = (rated_at IS NULL)
    AND (rating_comment IS NULL OR rating IS NOT NULL));
