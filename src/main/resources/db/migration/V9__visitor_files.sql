-- Files a visitor attaches in the widget (regulation 4.2, requirement 2: up to 16 MB; the widget and the
-- server refuse larger ones, so a blocked file never reaches this table). The file is shown in the dialog by
-- the visitor's message with event 'file' and the same client_msg_id; a retried upload (same id) stores
-- nothing new.
CREATE TABLE visitor_file (
    id            uuid PRIMARY KEY,
    dialog_id     uuid        NOT NULL REFERENCES dialog (id),
    visitor_id    uuid        NOT NULL REFERENCES visitor (id),
    client_msg_id text        NOT NULL CHECK (length(client_msg_id) BETWEEN 1 AND 64),
    file_name     text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    mime_type     text        NOT NULL CHECK (length(mime_type) <= 255),
    size_bytes    bigint      NOT NULL CHECK (size_bytes BETWEEN 0 AND 16 * 1024 * 1024),
    content       bytea       NOT NULL CHECK (octet_length(content) = size_bytes),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dialog_id, client_msg_id)
);
