-- Who a widget visitor is, as far as it is proven. A portal (applicant or student portal) that signs its
-- logged-in user's identity (HMAC-SHA256 with the site's identity secret) proves it; an e-mail or phone typed
-- by the visitor proves nothing. The visitor row holds the identity of the latest open, the dialog the one it
-- was bound with, so the agent sees whether that dialog's person was verified.
ALTER TABLE visitor ADD COLUMN verified_user_id text CHECK (length(verified_user_id) BETWEEN 1 AND 128);
ALTER TABLE visitor ADD COLUMN verified_email text CHECK (length(verified_email) BETWEEN 3 AND 254);
ALTER TABLE dialog ADD COLUMN verified_user_id text;

-- portal_ids: 'site:userId' of the verified portal users this card is; a verified identity binds here.
-- unproven: the card was made from contacts the person typed (an e-mail in the widget, an offline form);
--   a verified identity never binds to such a card by its e-mail, only an agent joins them.
-- possible_matches: cards that share the typed e-mail or phone; an agent confirms one (merge) or dismisses.
ALTER TABLE card ADD COLUMN portal_ids text[] NOT NULL DEFAULT '{}';
ALTER TABLE card ADD COLUMN unproven boolean NOT NULL DEFAULT false;
ALTER TABLE card ADD COLUMN possible_matches uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX card_portal_ids ON card USING gin (portal_ids);

-- The audit record covers every read of personal data, not only of one card: searches (the query and the
-- cards found), task lists, task reads and file downloads. card_ids lists every card an entry touched.
ALTER TABLE card_audit ALTER COLUMN card_id DROP NOT NULL;
ALTER TABLE card_audit ADD COLUMN card_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE card_audit ADD COLUMN query text CHECK (length(query) <= 500);
ALTER TABLE card_audit DROP CONSTRAINT card_audit_action_check;
ALTER TABLE card_audit ADD CONSTRAINT card_audit_action_check CHECK (action IN ('READ', 'UPDATE', 'MERGE',
    'MERGED_AWAY', 'SEARCH', 'MATCH_CONFIRMED', 'MATCH_DISMISSED', 'TASK_READ', 'TASK_LIST', 'TASK_COMPLETED',
    'FILE_READ'));
UPDATE card_audit SET card_ids = ARRAY[card_id] WHERE card_id IS NOT NULL;
CREATE INDEX card_audit_by_cards ON card_audit USING gin (card_ids);
CREATE INDEX card_audit_by_agent ON card_audit (agent_id, id DESC);
