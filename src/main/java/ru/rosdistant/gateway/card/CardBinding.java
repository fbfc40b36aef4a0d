package ru.rosdistant.gateway.card;

import java.time.OffsetDateTime;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.shared.RandomIds;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.dialog.DialogClassified;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.dialog.DialogForwarded;
import ru.rosdistant.gateway.dialog.Triage;
import ru.rosdistant.gateway.dialog.DialogOpened;
import ru.rosdistant.gateway.site.Sites;

/**
 * Puts every dialog on a card (regulation 4.2) and its transcript there when it closes.
 * <ul>
 * <li>A widget dialog is bound when it opens: a portal identity the site signed binds to that user's card;
 * otherwise to the card of the visitor's earlier unverified dialog, else to a new lead made for this dialog
 * alone (flagged as a possible match when the e-mail the visitor typed is on other cards: typed contacts
 * never bind to an existing card). A messenger dialog is bound by its
 * bridge (by handle, after identification); one the bridge left unbound is given a lead by the sweep.</li>
 * <li>When a dialog closes, its transcript is saved on the card, and saved again once the agent gives the
 * appeal type. A dialog closed as spam takes the lead made only for it along (the lead is deleted).</li>
 * </ul>
 * Events drive it; a periodic sweep redoes whatever an event missed (a restart, a database outage), so no
 * dialog stays without its card or transcript. Every step is idempotent.
 */
@Component
public class CardBinding {

    private static final Log log = LogFactory.getLog(CardBinding.class);

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final Cards cards;

    private final Transcripts transcripts;

    private final Sites sites;

    private final CardProperties properties;

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private volatile Disposable sweeper;

    CardBinding(DatabaseClient db, TransactionalOperator tx, Cards cards, Transcripts transcripts, Sites sites,
            CardProperties properties, ru.rosdistant.gateway.cluster.SingletonJobs jobs) {
        this.jobs = jobs;
        this.db = db;
        this.tx = tx;
        this.cards = cards;
        this.transcripts = transcripts;
        this.sites = sites;
        this.properties = properties;
    }

    @EventListener
    void opened(DialogOpened event) {
        if ("WIDGET".equals(event.dialog().channel())) {
            cardOf(event.dialog().id()).subscribe(null,
                    error -> log.warn("Could not bind dialog " + event.dialog().id() + " to a card yet; the sweep "
                            + "will: " + error));
        }
    }

    @EventListener
    void closed(DialogClosed event) {
        afterClose(event.dialog().id()).subscribe(null, error -> log.warn("Could not file the transcript of "
                + event.dialog().id() + " yet; the sweep will: " + error));
    }

    @EventListener
    void classified(DialogClassified event) {
        afterClose(event.dialog().id()).subscribe(null, error -> log.warn("Could not file the transcript of "
                + event.dialog().id() + " yet; the sweep will: " + error));
    }

    /**
     * The dispatcher's triage says who the person is (regulation 4.3.1): a card whose person's kind is not known
     * yet becomes a contact of that kind (an applicant, a student, a partner).
     */
    @EventListener
    void forwarded(DialogForwarded event) {
        Triage triage = event.dialog().triage();
        if (triage == null || triage == Triage.SPAM) {
            return;
        }
        db.sql("""
                        UPDATE card SET kind = 'CONTACT', contact_type = :type, updated_at = now()
                        WHERE id = (SELECT card_id FROM dialog WHERE id = :dialog) AND contact_type IS NULL
                          AND merged_into IS NULL""")
                .bind("type", triage.name())
                .bind("dialog", event.dialog().id())
                .then()
                .subscribe(null, error -> log.warn("Could not set the kind of the card of dialog "
                        + event.dialog().id() + " from its triage: " + error));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        sweeper = Flux.interval(properties.sweepInterval())
                .onBackpressureDrop()
                .concatMap(tick -> jobs.runAlone("cards.sweep", properties.sweepInterval(), this::sweep)
                        .then()
                        .onErrorResume(error -> {
                    log.warn("The card sweep failed; trying again at the next one: " + error);
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (sweeper != null) {
            sweeper.dispose();
        }
    }

    /** Binds the dialog messaging bridges identified to the person's card (a no-op if it has one). */
    public Mono<Void> bind(UUID dialogId, UUID cardId) {
        return db.sql("UPDATE dialog SET card_id = :card WHERE id = :id AND card_id IS NULL")
                .bind("id", dialogId)
                .bind("card", cardId)
                .then();
    }

    /**
     * What the visitor proved about themselves with their latest {@code open}: the identity their portal
     * signed, or null when they gave none (or a bad one). The dialog that opens is bound by it.
     */
    public Mono<Void> rememberIdentity(UUID visitorId, PortalIdentity identity) {
        return db.sql("UPDATE visitor SET verified_user_id = :user, verified_email = :email WHERE id = :id")
                .bind("id", visitorId)
                .bind("user", Parameter.fromOrEmpty(identity == null ? null : identity.userId(), String.class))
                .bind("email", Parameter.fromOrEmpty(identity == null ? null : identity.email(), String.class))
                .then();
    }

    /** The card of the dialog, binding it first when it has none; empty for an unknown dialog. */
    public Mono<UUID> cardOf(UUID dialogId) {
        return db.sql("""
                        SELECT d.card_id, d.visitor_id, d.site_id, v.name, v.email, v.verified_user_id, v.verified_email
                        FROM dialog d JOIN visitor v ON v.id = d.visitor_id WHERE d.id = :id""")
                .bind("id", dialogId)
                .map(row -> new Unbound(dialogId, row.get("card_id", UUID.class), row.get("visitor_id", UUID.class),
                        row.get("site_id", String.class), row.get("name", String.class),
                        row.get("email", String.class), row.get("verified_user_id", String.class),
                        row.get("verified_email", String.class)))
                .one()
                .flatMap(dialog -> dialog.cardId() != null ? Mono.just(dialog.cardId()) : bindNew(dialog));
    }

    private record Unbound(UUID dialogId, UUID cardId, UUID visitorId, String siteId, String name, String email,
            String verifiedUserId, String verifiedEmail) {
    }

    /**
     * A verified identity binds to that user's card. Otherwise, the visitor's earlier unverified dialog (their
     * token proves it theirs) names the card; an e-mail the visitor typed proves nothing and gets a new
     * lead flagged as a possible match of the cards that share it; with nothing, an anonymous lead.
     */
    private Mono<UUID> bindNew(Unbound dialog) {
        Mono<UUID> chosen = dialog.verifiedUserId() != null
                ? cards.verifiedCard(new PortalIdentity(dialog.siteId(), dialog.verifiedUserId(),
                                dialog.verifiedEmail(), dialog.name()))
                        .map(Card::id)
                        .flatMap(card -> markVerified(dialog).thenReturn(card))
                : earlier(dialog).switchIfEmpty(typedEmail(dialog)).switchIfEmpty(anonymous(dialog));
        return db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "dialog-card:" + dialog.dialogId())
                .then()
                // someone else may have bound it while we waited for the lock
                .then(db.sql("SELECT card_id FROM dialog WHERE id = :id AND card_id IS NOT NULL")
                        .bind("id", dialog.dialogId())
                        .map(row -> row.get("card_id", UUID.class))
                        .one()
                        .switchIfEmpty(chosen.flatMap(card -> bind(dialog.dialogId(), card).thenReturn(card))))
                .as(tx::transactional);
    }

    private Mono<Void> markVerified(Unbound dialog) {
        return db.sql("UPDATE dialog SET verified_user_id = :user WHERE id = :id")
                .bind("id", dialog.dialogId())
                .bind("user", dialog.verifiedUserId())
                .then();
    }

    private Mono<UUID> earlier(Unbound dialog) {
        return db.sql("""
                        SELECT coalesce(c.merged_into, c.id) AS card_id FROM dialog d JOIN card c ON c.id = d.card_id
                        WHERE d.visitor_id = :visitor AND d.id <> :id AND d.verified_user_id IS NULL
                        ORDER BY d.opened_at DESC LIMIT 1""")
                .bind("visitor", dialog.visitorId())
                .bind("id", dialog.dialogId())
                .map(row -> row.get("card_id", UUID.class))
                .one();
    }

    private Mono<UUID> typedEmail(Unbound dialog) {
        boolean plausible = dialog.email() != null && dialog.email().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
        return !plausible ? Mono.empty()
                : Mono.defer(() -> cards.unprovenLead(dialog.name() == null ? "Посетитель сайта" : dialog.name(),
                                dialog.email(), null, dialog.siteId(), dialog.dialogId())
                        .map(Card::id));
    }

    private Mono<UUID> anonymous(Unbound dialog) {
        return Mono.defer(() -> db.sql("""
                        INSERT INTO card (id, kind, name, site_id, lead_of_dialog)
                        VALUES (:id, 'LEAD', :name, :site, :dialog) RETURNING id""")
                .bind("id", RandomIds.uuid())
                .bind("name", leadName(dialog))
                .bind("site", dialog.siteId())
                .bind("dialog", dialog.dialogId())
                .map(row -> row.get("id", UUID.class))
                .one());
    }

    private String leadName(Unbound dialog) {
        if (dialog.name() != null && !dialog.name().isBlank()) {
            return dialog.name();
        }
        return "Посетитель: " + sites.site(dialog.siteId()).map(site -> site.name()).orElse(dialog.siteId());
    }

    /** A closed dialog's transcript goes on its card; a spam dialog takes its own lead along instead. */
    Mono<Void> afterClose(UUID dialogId) {
        return db.sql("SELECT state, triage, card_id FROM dialog WHERE id = :id")
                .bind("id", dialogId)
                .map(row -> new Object[] { row.get("state", String.class), row.get("triage", String.class),
                        row.get("card_id", UUID.class) })
                .one()
                .filter(row -> "CLOSED".equals(row[0]))
                .flatMap(row -> {
                    if ("SPAM".equals(row[1])) {
                        return row[2] == null ? Mono.empty() : dropSpamLead(dialogId, (UUID) row[2]);
                    }
                    return cardOf(dialogId).flatMap(card -> transcripts.save(dialogId, card));
                });
    }

    /**
     * A lead made only for a spam dialog is deleted with nothing else on it; a real person's card keeps
     * the spam dialog's transcript like any other.
     */
    private Mono<Void> dropSpamLead(UUID dialogId, UUID cardId) {
        return db.sql("SELECT lead_of_dialog FROM card WHERE id = :card")
                .bind("card", cardId)
                .map(row -> java.util.Optional.ofNullable(row.get("lead_of_dialog", UUID.class)))
                .one()
                .flatMap(leadOf -> !leadOf.filter(dialogId::equals).isPresent()
                        ? transcripts.save(dialogId, cardId)
                        : db.sql("UPDATE dialog SET card_id = NULL WHERE id = :dialog AND card_id = :card")
                                .bind("dialog", dialogId)
                                .bind("card", cardId)
                                .then()
                                .then(db.sql("""
                                                DELETE FROM card c WHERE c.id = :card AND c.lead_of_dialog = :dialog
                                                  AND NOT EXISTS (SELECT 1 FROM dialog d WHERE d.card_id = c.id)
                                                  AND NOT EXISTS (SELECT 1 FROM offline_form f WHERE f.card_id = c.id)
                                                  AND NOT EXISTS (SELECT 1 FROM task t WHERE t.card_id = c.id)
                                                  AND NOT EXISTS (SELECT 1 FROM transcript t WHERE t.card_id = c.id)
                                                  AND NOT EXISTS (SELECT 1 FROM card m WHERE m.merged_into = c.id)""")
                                        .bind("card", cardId)
                                        .bind("dialog", dialogId)
                                        .then())
                                .as(tx::transactional));
    }

    /** Binds what is unbound and files what is closed but not filed (or filed before its appeal type). */
    Mono<Void> sweep() {
        OffsetDateTime widgetCutoff = OffsetDateTime.now().minus(properties.sweepMinAge());
        OffsetDateTime messengerCutoff = OffsetDateTime.now().minus(properties.messengerBindDelay());
        Flux<UUID> unbound = db.sql("""
                        SELECT id FROM dialog WHERE card_id IS NULL AND triage IS DISTINCT FROM 'SPAM'
                          AND opened_at < CASE WHEN channel = 'WIDGET' THEN :widget ELSE :messenger END
                        ORDER BY opened_at LIMIT 200""")
                .bind("widget", widgetCutoff)
                .bind("messenger", messengerCutoff)
                .map(row -> row.get("id", UUID.class))
                .all();
        Flux<UUID> unfiled = db.sql("""
                        SELECT d.id FROM dialog d LEFT JOIN transcript t ON t.dialog_id = d.id
                        WHERE d.state = 'CLOSED' AND d.closed_at < :cutoff
                          AND (t.dialog_id IS NULL AND d.triage IS DISTINCT FROM 'SPAM'
                               OR t.dialog_id IS NOT NULL AND t.appeal_type IS DISTINCT FROM d.appeal_type)
                        ORDER BY d.closed_at LIMIT 200""")
                .bind("cutoff", widgetCutoff)
                .map(row -> row.get("id", UUID.class))
                .all();
        return unbound.concatMap(this::cardOf)
                .thenMany(unfiled.concatMap(this::afterClose))
                .then();
    }
}
