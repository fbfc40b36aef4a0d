package ru.rosdistant.gateway.card;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * What staff do with cards: search, read with the whole history, edit, merge duplicates, confirm or dismiss
 * a possible match. Each caller works within their {@link StaffScope}: a card outside it is "not found".
 * Every read (a search too) and change is written to the audit record (152-FZ), in the same transaction.
 */
@Component
public class CardDesk {

    private static final String COLUMNS = Cards.COLUMNS;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final StaffAccess access;

    private final AccessAudit audit;

    CardDesk(DatabaseClient db, TransactionalOperator tx, StaffAccess access, AccessAudit audit) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.audit = audit;
    }

    /** A change an agent makes; null fields stay as they are. */
    public record CardChange(String name, CardKind kind, ContactType contactType, List<String> emails,
            List<String> phones, List<String> handles, String status, Long responsibleAgentId, String studyGroup,
            String specialty) {
    }

    /**
     * Cards (not merged away) in the caller's scope whose name, e-mail, phone, handle, study group (exact) or
     * specialty (a word's prefix) matches; at most 50,
     * newest first. The query and the cards found go on the audit record.
     */
    public Flux<Card> search(String query, StaffScope scope) {
        String q = query == null ? "" : query.strip();
        if (q.length() < 2) {
            return Flux.error(new IllegalArgumentException("Search for at least 2 characters"));
        }
        if (q.length() > 200) {
            return Flux.error(new IllegalArgumentException("Search for at most 200 characters"));
        }
        String lower = q.toLowerCase(Locale.ROOT);
        String digits = q.replaceAll("[^0-9]", "");
        return access.bind(db.sql("SELECT " + COLUMNS + " FROM card c WHERE merged_into IS NULL AND ("
                        + "lower(name) LIKE :prefix OR lower(name) LIKE :infix "
                        + "OR emails @> ARRAY[CAST(:exact AS text)] OR handles @> ARRAY[CAST(:raw AS text)] "
                        + "OR EXISTS (SELECT 1 FROM unnest(handles) h WHERE h LIKE :handle) "
                        + "OR (length(:digits) >= 5 AND EXISTS (SELECT 1 FROM unnest(phones) p WHERE p LIKE :phone)) "
                        + "OR lower(study_group) = :exact "
                        + "OR lower(specialty) LIKE :prefix OR lower(specialty) LIKE :infix"
                        + ") AND " + StaffAccess.cardVisible("c") + " ORDER BY updated_at DESC LIMIT 50"), scope)
                .bind("prefix", like(lower) + "%")
                .bind("infix", "% " + like(lower) + "%")
                .bind("exact", lower)
                .bind("raw", q)
                .bind("handle", "%:" + like(q))
                .bind("digits", digits)
                .bind("phone", "%" + digits + "%")
                .map(Cards::card)
                .all()
                .collectList()
                .flatMap(found -> audit.record(scope.agentId(), "SEARCH", found.stream().map(Card::id).toList(), q,
                                found.size() + " found")
                        .thenReturn(found))
                .flatMapIterable(found -> found);
    }

    private static String like(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /**
     * The card with its history (dialogs with transcripts, offline forms, tasks) and the possible matches the
     * caller may see; the read is audited.
     */
    public Mono<Map<String, Object>> read(UUID id, StaffScope scope) {
        return card(id, scope)
                .flatMap(card -> possibleMatches(id, scope).collectList()
                        .flatMap(matches -> audit.record(scope.agentId(), "READ", cardsRead(id, matches), null, null)
                                .then(Mono.zip(dialogs(id).collectList(), forms(id).collectList(),
                                        tasks(id).collectList(), CardNotes.of(db, id).collectList(),
                                        bouncing(card.emails()).collectList()))
                                .map(history -> {
                                    Map<String, Object> view = new LinkedHashMap<>();
                                    view.put("card", card);
                                    view.put("possibleMatches", matches);
                                    view.put("dialogs", history.getT1());
                                    view.put("offlineForms", history.getT2());
                                    view.put("tasks", history.getT3());
                                    view.put("notes", history.getT4());
                                    view.put("bouncingEmails", history.getT5());
                                    return view;
                                })))
                .as(tx::transactional);
    }

    /** The card's addresses whose mail came back (a delivery report read from a mailbox), newest first. */
    private Flux<Map<String, Object>> bouncing(List<String> emails) {
        if (emails == null || emails.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT address, detail, bounced_at FROM email_bouncing_address WHERE lower(address) = ANY(:emails) "
                        + "ORDER BY bounced_at DESC")
                .bind("emails", emails.toArray(String[]::new))
                .map(row -> {
                    Map<String, Object> bounce = new LinkedHashMap<>();
                    bounce.put("address", row.get("address", String.class));
                    bounce.put("detail", row.get("detail", String.class));
                    bounce.put("bouncedAt", row.get("bounced_at", OffsetDateTime.class));
                    return bounce;
                })
                .all();
    }

    private static List<UUID> cardsRead(UUID id, List<Map<String, Object>> matches) {
        List<UUID> read = new ArrayList<>();
        read.add(id);
        matches.forEach(match -> read.add((UUID) match.get("id")));
        return read;
    }

    /** The card of a dialog, read as {@link #read}; empty when the dialog has no card yet or lies out of scope. */
    public Mono<Map<String, Object>> readOfDialog(UUID dialogId, StaffScope scope) {
        return access.bind(db.sql("SELECT c.id FROM dialog d JOIN card k ON k.id = d.card_id "
                        + "JOIN card c ON c.id = coalesce(k.merged_into, k.id) WHERE d.id = :id AND "
                        + StaffAccess.cardVisible("c")), scope)
                .bind("id", dialogId)
                .map(row -> row.get("id", UUID.class))
                .one()
                .flatMap(card -> read(card, scope));
    }

    /**
     * Whether the dialog's person still needs identification (regulation 4.4): their card is a lead made from
     * contacts that other cards hold too, and the agent must choose which card, if any, is theirs. Empty when the
     * dialog has no card or lies out of scope.
     */
    public Mono<Map<String, Object>> identificationOf(UUID dialogId, StaffScope scope) {
        return cardOfDialog(dialogId, scope)
                .flatMap(cardId -> card(cardId, scope))
                .flatMap(card -> (card.possibleMatch() ? possibleMatches(card.id(), candidatesScope(scope)).collectList()
                                : Mono.just(List.<Map<String, Object>>of()))
                        .flatMap(candidates -> audit.record(scope.agentId(), "READ", cardsRead(card.id(), candidates),
                                        null, "identification of dialog " + dialogId)
                                .then(Mono.fromCallable(() -> {
                                    Map<String, Object> view = new LinkedHashMap<>();
                                    view.put("dialogId", dialogId);
                                    view.put("cardId", card.id());
                                    view.put("needsIdentification", card.possibleMatch());
                                    view.put("candidates", candidates);
                                    return view;
                                }))))
                .as(tx::transactional);
    }

    /**
     * The agent chooses the card of the dialog's person among the candidates: the lead made for the dialog is
     * merged into it, so the dialog, its person's messenger handle and everything else move there.
     */
    public Mono<Card> identify(UUID dialogId, UUID cardId, StaffScope scope) {
        return cardOfDialog(dialogId, scope)
                .switchIfEmpty(Mono.error(() -> new CardNotFoundException(dialogId)))
                .flatMap(lead -> confirmMatch(lead, cardId, candidatesScope(scope)));
    }

    /**
     * The candidates of a person to identify are shown to staff who see the person's dialog even when the cards
     * belong to other lines: choosing among them is the identification the regulation asks of the agent (4.4).
     * Every such read is audited like any other.
     */
    private static StaffScope candidatesScope(StaffScope scope) {
        return new StaffScope(scope.agentId(), true, scope.lines());
    }

    private Mono<UUID> cardOfDialog(UUID dialogId, StaffScope scope) {
        return access.bind(db.sql("SELECT c.id FROM dialog d JOIN card k ON k.id = d.card_id "
                        + "JOIN card c ON c.id = coalesce(k.merged_into, k.id) WHERE d.id = :id AND "
                        + StaffAccess.cardVisible("c")), scope)
                .bind("id", dialogId)
                .map(row -> row.get("id", UUID.class))
                .one();
    }

    /**
     * The agent confirms that the lead {@code id} is the person of the card {@code into}, one of its possible
     * matches: the lead is merged into that card.
     */
    public Mono<Card> confirmMatch(UUID id, UUID into, StaffScope scope) {
        return card(id, scope)
                .filter(lead -> lead.possibleMatch())
                .filterWhen(lead -> db.sql("SELECT 1 AS one FROM card WHERE id = :id AND possible_matches @> ARRAY[CAST(:into AS uuid)]")
                        .bind("id", id)
                        .bind("into", into)
                        .map(row -> true)
                        .one()
                        .defaultIfEmpty(false))
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("Card " + into
                        + " is not among the possible matches of this card")))
                .then(audit.record(scope.agentId(), "MATCH_CONFIRMED", List.of(id, into), null,
                        "card " + id + " is the person of card " + into))
                .then(merge(into, id, scope))
                .as(tx::transactional);
    }

    /** The agent says the lead {@code id} is not the person of any of its possible matches: the flag goes. */
    public Mono<Card> dismissMatch(UUID id, StaffScope scope) {
        return card(id, scope)
                .flatMap(lead -> db.sql("UPDATE card SET possible_matches = '{}', updated_at = now() WHERE id = :id "
                                + "RETURNING " + COLUMNS)
                        .bind("id", id)
                        .map(Cards::card)
                        .one()
                        .flatMap(after -> audit.record(scope.agentId(), "MATCH_DISMISSED", List.of(id), null,
                                "not the person of " + (lead.possibleMatch() ? "its possible matches" : "any card"))
                                .thenReturn(after)))
                .as(tx::transactional);
    }

    public Mono<Card> update(UUID id, CardChange change, StaffScope scope) {
        Map<String, String> problems = problems(change);
        if (!problems.isEmpty()) {
            return Mono.error(new CardChangeRefused(problems));
        }
        List<String> emails = change.emails() == null ? null
                : change.emails().stream().map(e -> e.strip().toLowerCase(Locale.ROOT)).distinct().toList();
        return card(id, scope)
                .flatMap(before -> responsibleAllowed(change.responsibleAgentId(), scope).thenReturn(before))
                .flatMap(before -> db.sql("""
                                UPDATE card SET name = coalesce(:name, name), kind = coalesce(:kind, kind),
                                    contact_type = CASE WHEN coalesce(:kind, kind) = 'LEAD' THEN NULL
                                                        ELSE coalesce(:type, contact_type) END,
                                    emails = coalesce(:emails, emails), phones = coalesce(:phones, phones),
                                    handles = coalesce(:handles, handles), status = coalesce(:status, status),
                                    responsible_since = CASE WHEN CAST(:responsible AS bigint) IS NOT NULL
                                        AND responsible_agent_id IS DISTINCT FROM :responsible THEN now()
                                        ELSE responsible_since END,
                                    responsible_agent_id = coalesce(:responsible, responsible_agent_id),
                                    study_group = CASE WHEN CAST(:group AS text) = '' THEN NULL
                                                       ELSE coalesce(:group, study_group) END,
                                    specialty = CASE WHEN CAST(:specialty AS text) = '' THEN NULL
                                                     ELSE coalesce(:specialty, specialty) END,
                                    updated_at = now()
                                WHERE id = :id RETURNING\s""" + COLUMNS)
                        .bind("id", id)
                        .bind("name", Parameter.fromOrEmpty(change.name(), String.class))
                        .bind("kind", Parameter.fromOrEmpty(change.kind() == null ? null : change.kind().name(),
                                String.class))
                        .bind("type", Parameter.fromOrEmpty(
                                change.contactType() == null ? null : change.contactType().name(), String.class))
                        .bind("emails", Parameter.fromOrEmpty(emails == null ? null : emails.toArray(String[]::new),
                                String[].class))
                        .bind("phones", Parameter.fromOrEmpty(change.phones() == null ? null
                                : change.phones().toArray(String[]::new), String[].class))
                        .bind("handles", Parameter.fromOrEmpty(change.handles() == null ? null
                                : change.handles().toArray(String[]::new), String[].class))
                        .bind("status", Parameter.fromOrEmpty(change.status(), String.class))
                        .bind("responsible", Parameter.fromOrEmpty(change.responsibleAgentId(), Long.class))
                        .bind("group", Parameter.fromOrEmpty(change.studyGroup() == null ? null
                                : change.studyGroup().strip(), String.class))
                        .bind("specialty", Parameter.fromOrEmpty(change.specialty() == null ? null
                                : change.specialty().strip(), String.class))
                        .map(Cards::card)
                        .one()
                        .flatMap(after -> audit.record(scope.agentId(), "UPDATE", List.of(id), null, diff(before, after))
                                .thenReturn(after)))
                .as(tx::transactional);
    }

    /**
     * The responsible agent must be an enabled member of staff; an ADMIN names anyone, others a colleague of one of
     * their lines.
     */
    private Mono<Void> responsibleAllowed(Long agentId, StaffScope scope) {
        if (agentId == null) {
            return Mono.empty();
        }
        return db.sql("SELECT lines FROM agent WHERE id = :id AND enabled")
                .bind("id", agentId)
                .map(row -> List.of(row.get("lines", String[].class)))
                .one()
                .filter(lines -> scope.everything() || lines.stream().anyMatch(scope::coversLine))
                .switchIfEmpty(Mono.error(() -> new CardChangeRefused(Map.of("responsibleAgentId",
                        "an enabled colleague of your lines"))))
                .then();
    }

    /**
     * Merges the duplicate {@code fromId} into {@code intoId}: its e-mails, phones and handles are added, its
     * dialogs, transcripts, offline forms and tasks move over, and it stays on record as merged. Nothing is
     * deleted.
     */
    public Mono<Card> merge(UUID intoId, UUID fromId, StaffScope scope) {
        if (intoId.equals(fromId)) {
            return Mono.error(new IllegalArgumentException("A card cannot be merged into itself"));
        }
        return card(intoId, scope)
                .zipWith(card(fromId, scope))
                .flatMap(both -> {
                    Card into = both.getT1();
                    Card from = both.getT2();
                    if (into.mergedInto() != null || from.mergedInto() != null) {
                        return Mono.error(new IllegalStateException("A card already merged cannot take part in "
                                + "another merge"));
                    }
                    return Flux.concat(
                                    move("dialog", fromId, intoId), move("transcript", fromId, intoId),
                                    move("offline_form", fromId, intoId), move("task", fromId, intoId),
                                    move("messenger_user", fromId, intoId), move("offline_appeal", fromId, intoId),
                                    move("card_note", fromId, intoId),
                                    db.sql("""
                                            UPDATE card SET
                                                emails = ARRAY(SELECT DISTINCT unnest(emails || :emails)),
                                                phones = ARRAY(SELECT DISTINCT unnest(phones || :phones)),
                                                handles = ARRAY(SELECT DISTINCT unnest(handles || :handles)),
                                                portal_ids = ARRAY(SELECT DISTINCT unnest(portal_ids || :portalIds)),
                                                unproven = unproven AND :fromUnproven,
                                                possible_matches = array_remove(possible_matches, :from),
                                                kind = CASE WHEN kind = 'LEAD' AND :fromKind = 'CONTACT'
                                                            THEN 'CONTACT' ELSE kind END,
                                                contact_type = coalesce(contact_type, :fromType),
                                                study_group = coalesce(study_group, :fromGroup),
                                                specialty = coalesce(specialty, :fromSpecialty),
                                                status = CASE WHEN status = 'NEW' THEN :fromStatus ELSE status END,
                                                responsible_since = CASE WHEN responsible_agent_id IS NULL
                                                    THEN (SELECT f.responsible_since FROM card f WHERE f.id = :from)
                                                    ELSE responsible_since END,
                                                responsible_agent_id = coalesce(responsible_agent_id, :fromResponsible),
                                                lead_of_dialog = NULL, updated_at = now()
                                            WHERE id = :id""")
                                            .bind("id", intoId)
                                            .bind("emails", from.emails().toArray(String[]::new))
                                            .bind("phones", from.phones().toArray(String[]::new))
                                            .bind("handles", from.handles().toArray(String[]::new))
                                            .bind("portalIds", from.portalIds().toArray(String[]::new))
                                            .bind("fromUnproven", from.unproven())
                                            .bind("from", fromId)
                                            .bind("fromKind", from.kind().name())
                                            .bind("fromType", Parameter.fromOrEmpty(from.contactType() == null ? null
                                                    : from.contactType().name(), String.class))
                                            .bind("fromGroup", Parameter.fromOrEmpty(from.studyGroup(), String.class))
                                            .bind("fromSpecialty", Parameter.fromOrEmpty(from.specialty(), String.class))
                                            .bind("fromStatus", from.status())
                                            .bind("fromResponsible", Parameter.fromOrEmpty(from.responsibleAgentId(),
                                                    Long.class))
                                            .then(),
                                    db.sql("UPDATE card SET merged_into = :into, lead_of_dialog = NULL, "
                                                    + "possible_matches = '{}', "
                                                    + "updated_at = now() WHERE id = :from OR merged_into = :from")
                                            .bind("into", intoId)
                                            .bind("from", fromId)
                                            .then(),
                                    audit.record(scope.agentId(), "MERGE", List.of(intoId), null,
                                            "merged card " + fromId + " (" + from.name() + ") into this one"),
                                    audit.record(scope.agentId(), "MERGED_AWAY", List.of(fromId), null,
                                            "merged into card " + intoId))
                            .then(card(intoId, scope));
                })
                .as(tx::transactional);
    }

    private Mono<Void> move(String table, UUID from, UUID into) {
        return db.sql("UPDATE " + table + " SET card_id = :into WHERE card_id = :from")
                .bind("into", into)
                .bind("from", from)
                .then();
    }

    /** The audit record of a card, newest first. */
    public Flux<Map<String, Object>> auditOf(UUID cardId) {
        return db.sql("""
                        SELECT a.id, a.action, a.query, a.detail, a.at, a.agent_id, ag.login, ag.display_name
                        FROM card_audit a LEFT JOIN agent ag ON ag.id = a.agent_id
                        WHERE a.card_ids @> ARRAY[CAST(:card AS uuid)] ORDER BY a.id DESC LIMIT 1000""")
                .bind("card", cardId)
                .map(row -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("action", row.get("action", String.class));
                    entry.put("at", instant(row, "at"));
                    entry.put("agentId", row.get("agent_id", Long.class));
                    entry.put("agentLogin", row.get("login", String.class));
                    entry.put("agentName", row.get("display_name", String.class));
                    entry.put("query", row.get("query", String.class));
                    entry.put("detail", row.get("detail", String.class));
                    return entry;
                })
                .all();
    }

    /** The card when it lies in the caller's scope; "not found" otherwise, as for an id that does not exist. */
    Mono<Card> card(UUID id, StaffScope scope) {
        return access.bind(db.sql("SELECT " + COLUMNS + " FROM card c WHERE id = :id AND "
                        + StaffAccess.cardVisible("c")), scope)
                .bind("id", id)
                .map(Cards::card)
                .one()
                .switchIfEmpty(Mono.error(() -> new CardNotFoundException(id)));
    }

    /** The cards the lead may be (sharing a typed e-mail or phone), those in the caller's scope. */
    private Flux<Map<String, Object>> possibleMatches(UUID id, StaffScope scope) {
        return access.bind(db.sql("""
                        SELECT c.id, c.kind, c.name, c.emails, c.phones, cardinality(c.portal_ids) > 0 AS verified
                        FROM card lead JOIN card c ON c.id = ANY(lead.possible_matches)
                        WHERE lead.id = :id AND c.merged_into IS NULL AND\s""" + StaffAccess.cardVisible("c")
                        + " ORDER BY c.created_at LIMIT 10"), scope)
                .bind("id", id)
                .map(row -> {
                    Map<String, Object> match = new LinkedHashMap<>();
                    match.put("id", row.get("id", UUID.class));
                    match.put("kind", row.get("kind", String.class));
                    match.put("name", row.get("name", String.class));
                    match.put("emails", List.of(row.get("emails", String[].class)));
                    match.put("phones", List.of(row.get("phones", String[].class)));
                    match.put("identityVerified", row.get("verified", Boolean.class));
                    return match;
                })
                .all();
    }

    /**
     * What is wrong with a change, field by field (empty when nothing is): phones in E.164, plausible e-mails, a
     * name of 1–200 characters, a contact with its type.
     */
    static Map<String, String> problems(CardChange change) {
        Map<String, String> problems = new LinkedHashMap<>();
        if (change.name() != null && (change.name().isBlank() || change.name().length() > 200)) {
            problems.put("name", "1 to 200 characters");
        }
        if (change.phones() != null && !change.phones().stream().allMatch(p -> p != null && p.matches("\\+[1-9][0-9]{6,14}"))) {
            problems.put("phones", "each in E.164, e.g. +78482123456");
        }
        if (change.emails() != null && !change.emails().stream()
                .allMatch(e -> e != null && e.length() <= 254 && e.strip().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+"))) {
            problems.put("emails", "each a valid address");
        }
        if (change.handles() != null && !change.handles().stream()
                .allMatch(h -> h != null && h.matches("[a-z]{2,16}:.{1,128}"))) {
            problems.put("handles", "each platform:id, e.g. telegram:123456");
        }
        if (change.status() != null && (change.status().isBlank() || change.status().length() > 40)) {
            problems.put("status", "1 to 40 characters");
        }
        // an empty study group or specialty clears it
        if (change.studyGroup() != null && change.studyGroup().strip().length() > 40) {
            problems.put("studyGroup", "at most 40 characters (empty clears it)");
        }
        if (change.specialty() != null && change.specialty().strip().length() > 200) {
            problems.put("specialty", "at most 200 characters (empty clears it)");
        }
        if (change.kind() == CardKind.CONTACT && change.contactType() == null) {
            problems.put("contactType", "a contact is an APPLICANT, a STUDENT, a PARTNER or OTHER");
        }
        return problems;
    }

    private static String diff(Card before, Card after) {
        List<String> changes = new ArrayList<>();
        change(changes, "name", before.name(), after.name());
        change(changes, "kind", before.kind(), after.kind());
        change(changes, "contactType", before.contactType(), after.contactType());
        change(changes, "emails", before.emails(), after.emails());
        change(changes, "phones", before.phones(), after.phones());
        change(changes, "handles", before.handles(), after.handles());
        change(changes, "status", before.status(), after.status());
        change(changes, "responsibleAgentId", before.responsibleAgentId(), after.responsibleAgentId());
        change(changes, "studyGroup", before.studyGroup(), after.studyGroup());
        change(changes, "specialty", before.specialty(), after.specialty());
        return changes.isEmpty() ? "no change" : String.join("; ", changes);
    }

    private static void change(List<String> changes, String field, Object before, Object after) {
        if (!java.util.Objects.equals(before, after)) {
            changes.add(field + ": " + before + " → " + after);
        }
    }

    private Flux<Map<String, Object>> dialogs(UUID cardId) {
        return db.sql("""
                        SELECT d.id, d.channel, d.site_id, d.line_id, d.state, d.opened_at, d.closed_at, d.appeal_type,
                               d.request_number, a.display_name AS agent_name, t.body AS transcript,
                               d.rating::int AS rating, d.rating_comment, d.verified_user_id
                        FROM dialog d LEFT JOIN agent a ON a.id = d.agent_id LEFT JOIN transcript t ON t.dialog_id = d.id
                        WHERE d.card_id = :card ORDER BY d.opened_at DESC LIMIT 200""")
                .bind("card", cardId)
                .map(row -> {
                    Map<String, Object> dialog = new LinkedHashMap<>();
                    dialog.put("dialogId", row.get("id", UUID.class));
                    dialog.put("channel", row.get("channel", String.class));
                    dialog.put("site", row.get("site_id", String.class));
                    dialog.put("line", row.get("line_id", String.class));
                    dialog.put("state", row.get("state", String.class));
                    dialog.put("openedAt", instant(row, "opened_at"));
                    dialog.put("closedAt", instant(row, "closed_at"));
                    dialog.put("appealType", row.get("appeal_type", String.class));
                    dialog.put("requestNumber", row.get("request_number", String.class));
                    dialog.put("agentName", row.get("agent_name", String.class));
                    dialog.put("transcript", row.get("transcript", String.class));
                    dialog.put("rating", row.get("rating", Integer.class));
                    dialog.put("ratingComment", row.get("rating_comment", String.class));
                    String verified = row.get("verified_user_id", String.class);
                    dialog.put("identityVerified", verified != null);
                    dialog.put("verifiedUserId", verified);
                    return dialog;
                })
                .all();
    }

    private Flux<Map<String, Object>> forms(UUID cardId) {
        return db.sql("""
                        SELECT id, site_id, name, email, phone, question, state, created_at FROM offline_form
                        WHERE card_id = :card ORDER BY created_at DESC LIMIT 200""")
                .bind("card", cardId)
                .map(row -> {
                    Map<String, Object> form = new LinkedHashMap<>();
                    form.put("formId", row.get("id", UUID.class));
                    form.put("site", row.get("site_id", String.class));
                    form.put("name", row.get("name", String.class));
                    form.put("email", row.get("email", String.class));
                    form.put("phone", row.get("phone", String.class));
                    form.put("question", row.get("question", String.class));
                    form.put("state", row.get("state", String.class));
                    form.put("createdAt", instant(row, "created_at"));
                    return form;
                })
                .all();
    }

    private Flux<Map<String, Object>> tasks(UUID cardId) {
        return db.sql("""
                        SELECT id, kind, title, request_number, state, due, result, created_at,
                               (SELECT r.answer FROM task_result_report r WHERE r.task_id = task.id
                                ORDER BY r.created_at DESC LIMIT 1) AS receipt
                        FROM task WHERE card_id = :card ORDER BY created_at DESC LIMIT 200""")
                .bind("card", cardId)
                .map(row -> {
                    Map<String, Object> task = new LinkedHashMap<>();
                    task.put("taskId", row.get("id", UUID.class));
                    task.put("kind", row.get("kind", String.class));
                    task.put("title", row.get("title", String.class));
                    task.put("requestNumber", row.get("request_number", String.class));
                    task.put("state", row.get("state", String.class));
                    task.put("due", row.get("due", LocalDate.class));
                    task.put("result", row.get("result", String.class));
                    // the person's answer to «did you receive the result?» (regulation 3): RECEIVED, NOT_RECEIVED or null
                    task.put("receipt", row.get("receipt", String.class));
                    task.put("createdAt", instant(row, "created_at"));
                    return task;
                })
                .all();
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
