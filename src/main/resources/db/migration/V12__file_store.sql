-- File content lives in the file store (gateway.files.store.dir); a row keeps the file's key there, its size
-- and its SHA-256. Rows written by earlier versions keep their content in the bytea column until
-- files.StoredContentMover moves it (and sets content to NULL); nothing writes that column any more.
ALTER TABLE visitor_file
    ALTER COLUMN content DROP NOT NULL,
    ADD COLUMN storage_key    text CHECK (storage_key ~ '^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$'),
    ADD COLUMN sha256         text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- the uploading client's address, for its quota (gateway.files.quota.per-address)
    ADD COLUMN client_address text CHECK (length(client_address) <= 64),
    ADD CONSTRAINT visitor_file_content_in_one_place CHECK ((content IS NULL) <> (storage_key IS NULL));

CREATE INDEX visitor_file_by_visitor ON visitor_file (visitor_id, created_at);
CREATE INDEX visitor_file_by_address ON visitor_file (client_address, created_at) WHERE client_address IS NOT NULL;
CREATE INDEX visitor_file_content_to_move ON visitor_file (id) WHERE content IS NOT NULL;

ALTER TABLE messenger_file
    DROP CONSTRAINT messenger_file_check,
    ADD COLUMN storage_key text CHECK (storage_key ~ '^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$'),
    ADD COLUMN sha256      text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- a blocked file (over the size limit) has no content anywhere; any other has it in one place
    ADD CONSTRAINT messenger_file_content_in_one_place
        CHECK (blocked = (content IS NULL AND storage_key IS NULL) AND (content IS NULL OR storage_key IS NULL));

CREATE INDEX messenger_file_content_to_move ON messenger_file (id) WHERE content IS NOT NULL;
