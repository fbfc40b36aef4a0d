-- Every message rewrites its dialog's row (append_message: the sequence, the preview, the person's count and the
-- report facts of V59). That update is heap-only (HOT: no entry added to any of the dialog's 14 indexes) only when
-- the new row version fits on the page of the old one. At the default fillfactor (100) the pages of the open
-- dialogs are packed, and under chat load a share of the updates wrote the new version on another page and an entry
-- into every index whose condition it meets (docs/benchmarks.md, "The chat path while reports run"). New dialog rows
-- now leave a fifth of each page free for the versions of their updates, and PostgreSQL prunes a page's dead versions
-- as soon as less than that is free. The existing pages (closed dialogs, rarely updated) stay as they are until a
-- rewrite. No rewrite here: the setting takes effect for the rows inserted from now on.
ALTER TABLE dialog SET (fillfactor = 80);
