package ru.rosdistant.gateway.card;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.RandomIds;

/**
 * Cards of the people who appeal, and identification by e-mail or phone (regulation 4.2: "e-mail appeals
 * are matched to a card by the sender's address; when none matches, a new lead is created").
 */
@Component
public class Cards {

    static final String COLUMNS =
            "id, kind, contact_type, name, emails, phones, handles, site_id, status, responsible_agent_id, "
                    + "merged_into, created_at, updated_at, portal_ids, unproven, "
                    + "cardinality(possible_matches) > 0 AS possible_match, study_group, specialty";

    private final DatabaseClient db;

    Cards(DatabaseClient db) {
        this.db = db;
    }

    /**
     * The card with this e-mail (case-insensitive) or, failing that, this phone (E.164); when there is
     * none, a new LEAD with them. A card that is found is not changed: a contact typed into a form does not
     * prove who owns it. Call it inside a transaction: it takes transaction-scoped advisory locks on the
     * e-mail and phone, so two simultaneous appeals of a new person create one lead.
     *
     * @param siteId the site the person came from; may be null
     * @param email may be null when the phone is given
     * @param phoneE164 may be null when the e-mail is given
     */
    public Mono<Card> findOrCreateLead(String name, String email, String phoneE164, String siteId) {
        String address = email == null || email.isBlank() ? null : email.strip().toLowerCase(Locale.ROOT);
        String phone = phoneE164 == null || phoneE164.isBlank() ? null : phoneE164.strip();
        if (name == null || name.isBlank()) {
            return Mono.error(new IllegalArgumentException("A lead needs a name"));
        }
        if (address == null && phone == null) {
            return Mono.error(new IllegalArgumentException("An e-mail or a phone is needed to identify a person"));
        }
        return lock(address, phone)
                .then(find(address, phone))
                .switchIfEmpty(Mono.defer(() -> createLead(name.strip(), address, phone, siteId)));
    }

    /**
     * A new LEAD from contacts the person typed (the widget's e-mail, an offline form): typing an address
     * proves nothing, so it never binds to an existing card. The cards that share the e-mail or phone are
     * recorded as its possible matches, for an agent to confirm (merge) or dismiss.
     *
     * @param leadOfDialog the dialog this lead is made for alone (deleted with it when it is spam); may be null
     */
    public Mono<Card> unprovenLead(String name, String email, String phoneE164, String siteId, UUID leadOfDialog) {
        String address = email == null || email.isBlank() ? null : email.strip().toLowerCase(Locale.ROOT);
        String phone = phoneE164 == null || phoneE164.isBlank() ? null : phoneE164.strip();
        if (name == null || name.isBlank()) {
            return Mono.error(new IllegalArgumentException("A lead needs a name"));
        }
        String[] emails = address == null ? new String[0] : new String[] { address };
        String[] phones = phone == null ? new String[0] : new String[] { phone };
        return db.sql("""
                        INSERT INTO card (id, kind, name, emails, phones, site_id, lead_of_dialog, unproven,
                                          possible_matches)
                        VALUES (:id, 'LEAD', :name, :emails, :phones, :site, :dialog, true,
                                ARRAY(SELECT m.id FROM card m WHERE m.merged_into IS NULL
                                        AND (m.emails && CAST(:emails AS text[]) OR m.phones && CAST(:phones AS text[]))
                                      ORDER BY m.created_at, m.id LIMIT 10))
                        RETURNING\s""" + COLUMNS)
                .bind("id", RandomIds.uuid())
                .bind("name", name.strip().length() > 200 ? name.strip().substring(0, 200) : name.strip())
                .bind("emails", emails)
                .bind("phones", phones)
                .bind("site", Parameter.fromOrEmpty(siteId, String.class))
                .bind("dialog", Parameter.fromOrEmpty(leadOfDialog, UUID.class))
                .map(Cards::card)
                .one();
    }

    /**
     * The card of a portal user whose identity the site signed: the card that already holds this user id,
     * else the proven card with this e-mail (not one made from typed contacts) that holds no other user of
     * the site, which takes the user id; else a new LEAD with both, its possible matches being the cards
     * that share the e-mail. Call it inside a transaction (advisory lock on the user id).
     */
    public Mono<Card> verifiedCard(PortalIdentity identity) {
        String portalId = identity.portalId();
        String address = identity.email() == null ? null : identity.email().strip().toLowerCase(Locale.ROOT);
        Mono<Card> byUserId = db.sql("SELECT " + COLUMNS + " FROM card WHERE portal_ids @> ARRAY[CAST(:pid AS text)] "
                        + "AND merged_into IS NULL ORDER BY created_at, id LIMIT 1")
                .bind("pid", portalId)
                .map(Cards::card)
                .one();
        Mono<Card> byEmail = address == null ? Mono.empty() : db.sql("""
                        UPDATE card SET portal_ids = portal_ids || CAST(:pid AS text), updated_at = now()
                        WHERE id = (SELECT id FROM card WHERE emails @> ARRAY[CAST(:email AS text)]
                                      AND merged_into IS NULL AND NOT unproven
                                      AND NOT EXISTS (SELECT 1 FROM unnest(portal_ids) p WHERE p LIKE :site)
                                    ORDER BY created_at, id LIMIT 1)
                        RETURNING\s""" + COLUMNS)
                .bind("pid", portalId)
                .bind("email", address)
                .bind("site", identity.siteId().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%")
                .map(Cards::card)
                .one();
        String name = identity.name() == null || identity.name().isBlank() ? address == null
                ? "Пользователь " + portalId : address : identity.name().strip();
        String[] emails = address == null ? new String[0] : new String[] { address };
        Mono<Card> created = Mono.defer(() -> db.sql("""
                        INSERT INTO card (id, kind, name, emails, site_id, portal_ids, possible_matches)
                        VALUES (:id, 'LEAD', :name, :emails, :site, ARRAY[CAST(:pid AS text)],
                                ARRAY(SELECT m.id FROM card m WHERE m.merged_into IS NULL
                                        AND m.emails && CAST(:emails AS text[]) ORDER BY m.created_at, m.id LIMIT 10))
                        RETURNING\s""" + COLUMNS)
                .bind("id", RandomIds.uuid())
                .bind("name", name.length() > 200 ? name.substring(0, 200) : name)
                .bind("emails", emails)
                .bind("site", identity.siteId())
                .bind("pid", portalId)
                .map(Cards::card)
                .one());
        return db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "card-portal:" + portalId)
                .then()
                .then(lock(address, null))
                .then(byUserId)
                .switchIfEmpty(byEmail)
                .switchIfEmpty(created);
    }

    /**
     * The card of a messenger user (handle {@code platform:id}); when there is none, a new LEAD with that
     * handle. Takes a transaction-scoped advisory lock on the handle, like {@link #findOrCreateLead}.
     */
    public Mono<Card> findOrCreateByHandle(String handle, String name, String siteId) {
        if (handle == null || !handle.matches("[a-z]{2,16}:.{1,128}")) {
            return Mono.error(new IllegalArgumentException("A handle is platform:id"));
        }
        String displayName = name == null || name.isBlank() ? handle : name.strip();
        return db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "card-handle:" + handle)
                .then()
                .then(db.sql("SELECT " + COLUMNS + " FROM card WHERE handles @> ARRAY[CAST(:handle AS text)] "
                                + "AND merged_into IS NULL ORDER BY created_at, id LIMIT 1")
                        .bind("handle", handle)
                        .map(Cards::card)
                        .one())
                .switchIfEmpty(Mono.defer(() -> db.sql("INSERT INTO card (id, kind, name, handles, site_id) "
                                + "VALUES (:id, 'LEAD', :name, :handles, :site) RETURNING " + COLUMNS)
                        .bind("id", RandomIds.uuid())
                        .bind("name", displayName.length() > 200 ? displayName.substring(0, 200) : displayName)
                        .bind("handles", new String[] { handle })
                        .bind("site", Parameter.fromOrEmpty(siteId, String.class))
                        .map(Cards::card)
                        .one()));
    }

    /**
     * The cards that a combination identifies uniquely (regulation 4.4: a messenger author is identified
     * only by name + phone or name + e-mail that no other card shares). Empty when none or several match.
     */
    public Mono<Card> uniqueByNameAnd(String name, String email, String phoneE164) {
        if (name == null || name.isBlank() || (email == null && phoneE164 == null)) {
            return Mono.empty();
        }
        String contact = email != null ? "emails @> ARRAY[CAST(:contact AS text)]"
                : "phones @> ARRAY[CAST(:contact AS text)]";
        return db.sql("SELECT " + COLUMNS + " FROM card WHERE lower(name) = lower(:name) AND " + contact
                        + " AND merged_into IS NULL ORDER BY created_at LIMIT 2")
                .bind("name", name.strip())
                .bind("contact", email != null ? email.strip().toLowerCase(Locale.ROOT) : phoneE164.strip())
                .map(Cards::card)
                .all()
                .collectList()
                .flatMap(found -> found.size() == 1 ? Mono.just(found.get(0)) : Mono.empty());
    }

    /** Whether any card (not merged away) holds this e-mail or phone. */
    public Mono<Boolean> anyWithContact(String email, String phoneE164) {
        String address = email == null || email.isBlank() ? null : email.strip().toLowerCase(Locale.ROOT);
        String phone = phoneE164 == null || phoneE164.isBlank() ? null : phoneE164.strip();
        return db.sql("SELECT EXISTS (SELECT 1 FROM card WHERE merged_into IS NULL AND (emails && CAST(:emails AS "
                        + "text[]) OR phones && CAST(:phones AS text[]))) AS found")
                .bind("emails", address == null ? new String[0] : new String[] { address })
                .bind("phones", phone == null ? new String[0] : new String[] { phone })
                .map(row -> Boolean.TRUE.equals(row.get("found", Boolean.class)))
                .one();
    }

    public Mono<Card> find(UUID id) {
        return db.sql("SELECT " + COLUMNS + " FROM card WHERE id = :id")
                .bind("id", id)
                .map(Cards::card)
                .one();
    }

    /** In a fixed order (e-mail, then phone), so two transactions never wait for each other in a circle. */
    private Mono<Void> lock(String address, String phone) {
        List<String> keys = new ArrayList<>();
        if (address != null) {
            keys.add("card-email:" + address);
        }
        if (phone != null) {
            keys.add("card-phone:" + phone);
        }
        return Flux.fromIterable(keys)
                .concatMap(key -> db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                        .bind("key", key)
                        .then())
                .then();
    }

    /** A match by e-mail wins over one by phone; among equals, the oldest card. */
    private Mono<Card> find(String address, String phone) {
        Mono<Card> byEmail = address == null ? Mono.empty() : db.sql("SELECT " + COLUMNS + " FROM card "
                        + "WHERE emails @> ARRAY[CAST(:email AS text)] AND merged_into IS NULL ORDER BY created_at, id LIMIT 1")
                .bind("email", address)
                .map(Cards::card)
                .one();
        Mono<Card> byPhone = phone == null ? Mono.empty() : db.sql("SELECT " + COLUMNS + " FROM card "
                        + "WHERE phones @> ARRAY[CAST(:phone AS text)] AND merged_into IS NULL ORDER BY created_at, id LIMIT 1")
                .bind("phone", phone)
                .map(Cards::card)
                .one();
        return byEmail.switchIfEmpty(byPhone);
    }

    private Mono<Card> createLead(String name, String address, String phone, String siteId) {
        return db.sql("INSERT INTO card (id, kind, name, emails, phones, site_id) "
                        + "VALUES (:id, 'LEAD', :name, :emails, :phones, :site) RETURNING " + COLUMNS)
                .bind("id", RandomIds.uuid())
                .bind("name", name)
                .bind("emails", address == null ? new String[0] : new String[] { address })
                .bind("phones", phone == null ? new String[0] : new String[] { phone })
                .bind("site", Parameter.fromOrEmpty(siteId, String.class))
                .map(Cards::card)
                .one();
    }

    static Card card(Readable row) {
        String contactType = row.get("contact_type", String.class);
        return new Card(row.get("id", UUID.class), CardKind.valueOf(row.get("kind", String.class)),
                contactType == null ? null : ContactType.valueOf(contactType), row.get("name", String.class),
                List.of(row.get("emails", String[].class)), List.of(row.get("phones", String[].class)),
                List.of(row.get("handles", String[].class)), row.get("site_id", String.class),
                row.get("status", String.class), row.get("responsible_agent_id", Long.class),
                row.get("merged_into", UUID.class), instant(row, "created_at"), instant(row, "updated_at"),
                List.of(row.get("portal_ids", String[].class)), Boolean.TRUE.equals(row.get("unproven", Boolean.class)),
                Boolean.TRUE.equals(row.get("possible_match", Boolean.class)), row.get("study_group", String.class),
                row.get("specialty", String.class));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
