package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.ids.RandomIds;
import ru.rosdistant.gateway.site.Site;

/**
 * Dialogs and their messages, with PostgreSQL as the source of truth: every change is stored before it
 * is announced, and announced on the {@link DialogBus} for the live sockets.
 */
@Component
public class DialogManagement {

    /** card_name: null while the card has only the placeholder name of an anonymous lead (card.CardBinding) */
    private static final String DIALOG_COLUMNS = """
            d.id, d.visitor_id, d.site_id, d.line_id, d.channel, d.state, d.agent_id, a.display_name AS agent_name,
            v.name AS visitor_name, d.last_seq, d.opened_at, d.assigned_at, d.closed_at, d.closed_by,
            d.forward_note, d.forwarded_by, d.forwarded_at, d.triage, d.appeal_type, d.request_number,
            CASE WHEN c.name LIKE 'Посетитель: %' OR c.name = 'Посетитель сайта' THEN NULL ELSE c.name END
                AS card_name, d.preview, d.waiting_since, d.visitor_count - coalesce(r.read_count, 0) AS unread
            FROM dialog d JOIN visitor v ON v.id = d.visitor_id LEFT JOIN agent a ON a.id = d.agent_id
            LEFT JOIN card c ON c.id = d.card_id
            LEFT JOIN dialog_read r ON r.dialog_id = d.id AND r.agent_id = d.agent_id""";

    private static final String MESSAGE_COLUMNS =
            "dialog_id, seq, sender, agent_id, author_name, client_msg_id, event, body, created_at";

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final DialogBus bus;

    private final ApplicationEventPublisher events;

    private final AppendBatches batches;

    DialogManagement(DatabaseClient db, TransactionalOperator tx, DialogBus bus, ApplicationEventPublisher events,
            AppendBatches batches) {
        this.db = db;
        this.tx = tx;
        this.bus = bus;
        this.events = events;
        this.batches = batches;
    }

    /**
     * Opens a dialog for the visitor on the site's line, or returns the visitor's dialog there that is not
     * closed yet (two tabs share one dialog).
     */
    public Mono<Dialog> open(Visitor visitor, Site site, String name, String email) {
        return open(visitor, site, name, email, false);
    }

    /**
     * The same; a new dialog joins the waiting line at once when {@code queueNow}, else with the visitor's first
     * message ({@link DialogQueued}).
     */
    public Mono<Dialog> open(Visitor visitor, Site site, String name, String email, boolean queueNow) {
        return open(visitor, site.id(), site.line(), "WIDGET", name, email, queueNow);
    }

    /**
     * Opens a dialog for a messenger user on the bot's line, or returns their dialog there that is not
     * closed yet. {@code sourceId} (the bot) takes the place of the site; {@code channel} is e.g. TELEGRAM.
     */
    public Mono<Dialog> openFromChannel(Visitor visitor, String channel, String sourceId, String lineId,
            String name) {
        // it opens with the person's first message, which puts it in the waiting line (and «please wait» after it)
        return open(visitor, sourceId, lineId, channel, name, null, false);
    }

    private Mono<Dialog> open(Visitor visitor, String siteId, String lineId, String channel, String name,
            String email, boolean queueNow) {
        UUID id = RandomIds.uuid();
        return rememberContact(visitor, name, email)
                .then(db.sql("""
                        INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, queued_at,
                            transcript_email)
                        VALUES (:id, :visitor, :site, :line, :channel, 'WAITING',
                            CASE WHEN :queue THEN now() END, :email)
                        ON CONFLICT (visitor_id, site_id) WHERE state <> 'CLOSED' DO NOTHING""")
                        .bind("id", id)
                        .bind("email", Parameter.fromOrEmpty(email == null ? null : email.toLowerCase(Locale.ROOT),
                                String.class))
                        .bind("visitor", visitor.id())
                        .bind("site", siteId)
                        .bind("line", lineId)
                        .bind("channel", channel)
                        .bind("queue", queueNow)
                        .fetch()
                        .rowsUpdated())
                .filter(inserted -> inserted > 0)
                .flatMap(inserted -> waitingNotice(id, queueNow))
                .as(tx::transactional)
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(opened -> giveTranscriptAddress(visitor, siteId, opened.isEmpty() ? email : null)
                        .then(openDialogOf(visitor, siteId))
                        .doOnNext(dialog -> opened.ifPresent(waiting -> announceOpened(dialog, waiting))))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * A dialog that joins the waiting line at once says «please wait» at once; one that joins with the person's
     * first message says it after that message (append_message stores it then).
     */
    private Mono<Optional<Message>> waitingNotice(UUID dialogId, boolean queueNow) {
        if (!queueNow) {
            return Mono.just(Optional.empty());
        }
        return insert(dialogId, Sender.SYSTEM, null, null, null, null, "waiting", SystemTexts.WAITING, false)
                .map(Optional::of);
    }

    /** An e-mail given in {@code open} again, to a dialog opened before, is its transcript address if it has none. */
    private Mono<Void> giveTranscriptAddress(Visitor visitor, String siteId, String email) {
        if (email == null) {
            return Mono.empty();
        }
        return db.sql("UPDATE dialog SET transcript_email = :email WHERE visitor_id = :visitor AND site_id = :site "
                        + "AND state <> 'CLOSED' AND transcript_email IS NULL")
                .bind("email", email.toLowerCase(Locale.ROOT))
                .bind("visitor", visitor.id())
                .bind("site", siteId)
                .then();
    }

    private void announceOpened(Dialog dialog, Optional<Message> waiting) {
        waiting.ifPresent(message -> bus.publish(new DialogEvent.MessageAppended(message)));
        events.publishEvent(new DialogOpened(dialog));
    }

    private Mono<Void> rememberContact(Visitor visitor, String name, String email) {
        if (name == null && email == null) {
            return Mono.empty();
        }
        return db.sql("UPDATE visitor SET name = coalesce(:name, name), email = coalesce(:email, email) WHERE id = :id")
                .bind("id", visitor.id())
                .bind("name", Parameter.fromOrEmpty(name, String.class))
                .bind("email", Parameter.fromOrEmpty(email, String.class))
                .then();
    }

    /** Appends a visitor's message to one of their own dialogs. */
    public Mono<Appended> appendFromVisitor(Visitor visitor, UUID dialogId, String clientMsgId, String text) {
        return append(dialogId, Sender.VISITOR, visitor.id(), null, null, clientMsgId, text);
    }

    /**
     * Appends the visitor's message that shows a file they attached (event {@code file}); the file itself is
     * stored by the widget under the same client id.
     */
    public Mono<Appended> appendFileFromVisitor(Visitor visitor, UUID dialogId, String clientMsgId, String fileName,
            String text) {
        // like other events, the file message keeps its own detail, the file's name, as its author
        return appendRow(dialogId, Sender.VISITOR, visitor.id(), null, fileName, clientMsgId, "file", text, false)
                .flatMap(this::announced)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Appends a system notice for staff to a dialog, even a closed one (e.g. a messenger refused a reply);
     * {@code event} names it for the clients.
     */
    public Mono<Message> appendNotice(UUID dialogId, String event, String text) {
        return insert(dialogId, Sender.SYSTEM, null, null, null, null, event, text, true)
                .doOnNext(message -> bus.publish(new DialogEvent.MessageAppended(message)))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** Appends an agent's message to a dialog assigned to them. */
    public Mono<Appended> appendFromAgent(long agentId, String agentName, UUID dialogId, String clientMsgId,
            String text) {
        return append(dialogId, Sender.AGENT, null, agentId, agentName, clientMsgId, text);
    }

    private Mono<Appended> append(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String text) {
        return batches.append(dialogId, sender, visitorId, agentId, author, clientMsgId, text)
                .map(stored -> new Row(stored, outcome(stored, dialogId, sender, agentId, author, clientMsgId, null,
                        text)))
                .flatMap(this::announced)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** What append_message answered, and the message it stands for. */
    private record Row(AppendBatches.Stored stored, Appended appended) {
    }

    /** A new message (not a repeat of one stored before) goes to everyone following its dialog. */
    private Mono<Appended> announced(Row row) {
        if (!row.appended().duplicate()) {
            bus.publish(new DialogEvent.MessageAppended(row.appended().message()));
        }
        return joined(row.stored(), row.appended());
    }

    /**
     * The visitor's first message put the dialog in the waiting line, and «please wait» after it (the next seq):
     * the notice goes out after the message, and routing hears of it at once (and from its sweep, should this
     * fail). The message is stored either way, so a failure here does not fail the append.
     */
    private Mono<Appended> joined(AppendBatches.Stored stored, Appended appended) {
        if (!"QUEUED".equals(stored.status())) {
            return Mono.just(appended);
        }
        UUID dialogId = appended.message().dialogId();
        return messagesAfter(dialogId, stored.seq(), stored.seq() + 1)
                .doOnNext(notice -> bus.publish(new DialogEvent.MessageAppended(notice)))
                .then(find(dialogId))
                .doOnNext(dialog -> events.publishEvent(new DialogQueued(dialog)))
                .then(Mono.just(appended))
                .onErrorReturn(appended);
    }

    private Mono<Message> insert(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String event, String text, boolean allowClosed) {
        return appendRow(dialogId, sender, visitorId, agentId, author, clientMsgId, event, text, allowClosed)
                .map(row -> row.appended().message());
    }

    private Mono<Row> appendRow(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String event, String text, boolean allowClosed) {
        return db.sql("SELECT status, seq, created_at FROM append_message(:dialog, :sender, :visitor, :agent, "
                        + ":author, :client, :event, :body, :allowClosed)")
                .bind("dialog", dialogId)
                .bind("sender", sender.name())
                .bind("visitor", Parameter.fromOrEmpty(visitorId, UUID.class))
                .bind("agent", Parameter.fromOrEmpty(agentId, Long.class))
                .bind("author", Parameter.fromOrEmpty(author, String.class))
                .bind("client", Parameter.fromOrEmpty(clientMsgId, String.class))
                .bind("event", Parameter.fromOrEmpty(event, String.class))
                .bind("body", text)
                .bind("allowClosed", allowClosed)
                .map(AppendBatches.Stored::of)
                .one()
                .map(stored -> new Row(stored, outcome(stored, dialogId, sender, agentId, author, clientMsgId, event,
                        text)));
    }

    private static Appended outcome(AppendBatches.Stored row, UUID dialogId, Sender sender, Long agentId, String author,
            String clientMsgId, String event, String text) {
        String status = row.status();
        return switch (status) {
            case "STORED", "QUEUED", "DUPLICATE" -> new Appended(new Message(dialogId, row.seq(), sender,
                    agentId, author, clientMsgId, event, text, row.createdAt().toInstant()), status.equals("DUPLICATE"));
            case "NO_DIALOG" -> throw new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                    "No such dialog, or not yours");
            case "CLOSED" -> throw new DialogException(DialogException.Reason.DIALOG_CLOSED, "The dialog is closed");
            case "FORBIDDEN" -> throw new DialogException(DialogException.Reason.FORBIDDEN,
                    "The dialog is not assigned to you");
            default -> throw new IllegalStateException("append_message returned " + status);
        };
    }

    /**
     * Gives a waiting dialog to an agent; empty when it is no longer waiting (someone else took it, or
     * it was closed).
     */
    public Mono<Dialog> assign(UUID dialogId, long agentId, String agentName) {
        // The agent's row lock orders concurrent assignments to one agent (several nodes, several lines); the UPDATE,
        // a statement of its own, then counts with what those committed and never goes over the agent's maximum.
        return db.sql("SELECT id FROM agent WHERE id = :agent FOR UPDATE")
                .bind("agent", agentId)
                .fetch()
                .all()
                .then(db.sql("""
                        UPDATE dialog SET state = 'ASSIGNED', agent_id = :agent, assigned_at = now()
                        WHERE id = :id AND state = 'WAITING'
                          AND (SELECT count(*) FROM dialog WHERE agent_id = :agent AND state = 'ASSIGNED'
                                  AND channel <> 'EMAIL')
                              < (SELECT max_dialogs FROM agent WHERE id = :agent)""")
                        .bind("id", dialogId)
                        .bind("agent", agentId)
                        .fetch()
                        .rowsUpdated())
                .filter(updated -> updated > 0)
                .flatMap(updated -> insert(dialogId, Sender.SYSTEM, null, agentId, agentName, null, "assigned",
                        SystemTexts.assigned(agentName), false))
                .as(tx::transactional)
                .flatMap(message -> find(dialogId)
                        .doOnNext(dialog -> {
                            bus.publish(new DialogEvent.MessageAppended(message));
                            bus.publish(new DialogEvent.DialogChanged(dialog, null));
                            events.publishEvent(new DialogAssigned(dialog));
                        }))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * An agent of the line takes a waiting e-mail dialog from the line's list. E-mail is asynchronous: it takes none
     * of the agent's live capacity (and routing never offers it). Empty when it is not waiting any more.
     */
    public Mono<Dialog> takeAsynchronous(UUID dialogId, long agentId, String agentName) {
        return db.sql("""
                        UPDATE dialog SET state = 'ASSIGNED', agent_id = :agent, assigned_at = now()
                        WHERE id = :id AND state = 'WAITING' AND channel = 'EMAIL'""")
                .bind("id", dialogId)
                .bind("agent", agentId)
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> insert(dialogId, Sender.SYSTEM, null, agentId, agentName, null, "assigned",
                        SystemTexts.assigned(agentName), false))
                .as(tx::transactional)
                .flatMap(message -> find(dialogId)
                        .doOnNext(dialog -> {
                            bus.publish(new DialogEvent.MessageAppended(message));
                            bus.publish(new DialogEvent.DialogChanged(dialog, null));
                            events.publishEvent(new DialogAssigned(dialog));
                        }))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Closes a dialog. A visitor may close only their own dialog, an agent only one assigned to them;
     * {@code actor} is null for the system. Closing a closed dialog returns it unchanged.
     */
    public Mono<Dialog> close(UUID dialogId, Sender by, UUID visitorId, Long agentId) {
        return find(dialogId)
                .filter(dialog -> mayClose(dialog, by, visitorId, agentId))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .flatMap(dialog -> dialog.isClosed() ? Mono.just(dialog) : closeOpen(dialog, by, agentId, null));
    }

    private static boolean mayClose(Dialog dialog, Sender by, UUID visitorId, Long agentId) {
        return switch (by) {
            case VISITOR -> dialog.visitorId().equals(visitorId);
            case AGENT -> agentId != null && (dialog.isClosed() ? agentId.equals(dialog.agentId())
                    : dialog.isAssignedTo(agentId));
            case SYSTEM -> true;
        };
    }

    /**
     * Closes an open dialog; an agent's classification, when given, is stored in the same transaction, so that
     * whatever the close sets off (the transcript on the card, the tasks) already sees the appeal type.
     */
    private Mono<Dialog> closeOpen(Dialog dialog, Sender by, Long agentId, Classification classification) {
        return closed(dialog.id(), by, db.sql("""
                        UPDATE dialog SET state = 'CLOSED', closed_at = now(), closed_by = :by
                        WHERE id = :id AND state <> 'CLOSED'""")
                .bind("id", dialog.id())
                .bind("by", by.name()), agentId, classification)
                .switchIfEmpty(find(dialog.id()))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Closes a dialog that still waits for an agent because its visitor is gone (reason {@code ABANDONED}, by the
     * system); empty when it no longer waits (an agent took it meanwhile, or it was closed).
     */
    public Mono<Dialog> closeAbandoned(UUID dialogId) {
        return closed(dialogId, Sender.SYSTEM, db.sql("""
                        UPDATE dialog SET state = 'CLOSED', closed_at = now(), closed_by = 'SYSTEM',
                            close_reason = 'ABANDONED'
                        WHERE id = :id AND state = 'WAITING'""")
                .bind("id", dialogId), null, null)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Runs the closing update; when it changed the row, stores the agent's classification if one came with the
     * close, then stores and announces {@code closed}, all in one transaction.
     */
    private Mono<Dialog> closed(UUID dialogId, Sender by, DatabaseClient.GenericExecuteSpec update, Long agentId,
            Classification classification) {
        return update.fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> classification == null ? Mono.just(false)
                        : recordClassification(dialogId, agentId, classification).map(classified -> classified > 0))
                .flatMap(classified -> insert(dialogId, Sender.SYSTEM, null, null, by.name().toLowerCase(), null,
                        "closed", SystemTexts.CLOSED, true).map(message -> Map.entry(message, classified)))
                .as(tx::transactional)
                .flatMap(closing -> find(dialogId)
                        .doOnNext(closed -> {
                            bus.publish(new DialogEvent.MessageAppended(closing.getKey()));
                            bus.publish(new DialogEvent.DialogChanged(closed, null));
                            events.publishEvent(new DialogClosed(closed));
                            if (closing.getValue()) {
                                events.publishEvent(new DialogClassified(closed, classification, agentId));
                            }
                        }));
    }

    /** Waiting widget dialogs opened before the cutoff, with their visitors, oldest first. */
    public Flux<Map.Entry<UUID, UUID>> waitingWidgetDialogsOpenedBefore(Instant cutoff, int limit) {
        return db.sql("SELECT id, visitor_id FROM dialog WHERE state = 'WAITING' AND channel = 'WIDGET' "
                        + "AND opened_at < :cutoff ORDER BY opened_at LIMIT :limit")
                .bind("cutoff", cutoff.atOffset(java.time.ZoneOffset.UTC))
                .bind("limit", limit)
                .map(row -> Map.entry(row.get("id", UUID.class), row.get("visitor_id", UUID.class)))
                .all();
    }

    /**
     * Hands an assigned dialog to another agent, with a note for them. The dialog must be assigned to
     * {@code fromAgentId}, unless {@code anyDialog} (a supervisor taking over or redistributing).
     */
    public Mono<Dialog> forwardToAgent(UUID dialogId, long fromAgentId, String fromName, boolean anyDialog,
            long toAgentId, String toName, String note) {
        String handOff = anyDialog && toAgentId == fromAgentId ? "taken_over" : "forwarded";
        return handOver(dialogId, fromAgentId, anyDialog, handOff, current -> db.sql("""
                        UPDATE dialog SET agent_id = :to, assigned_at = now(), forward_note = :note,
                            forwarded_by = :by, forwarded_at = now()
                        WHERE id = :id""")
                .bind("id", dialogId)
                .bind("to", toAgentId)
                .bind("note", Parameter.fromOrEmpty(note, String.class))
                .bind("by", fromName)
                .then()
                .then(recordForward(dialogId, "FORWARD", fromAgentId, toAgentId, current.lineId(), null, null, note))
                .then(insert(dialogId, Sender.SYSTEM, null, toAgentId, toName, null, "forwarded",
                        SystemTexts.forwardedTo(toName), false)));
    }

    /**
     * Puts an assigned dialog back in the waiting line of another line (at its head: it has waited
     * already), with a note for whoever takes it. {@code triage} records a dispatcher's decision.
     */
    public Mono<Dialog> forwardToLine(UUID dialogId, long fromAgentId, String fromName, boolean anyDialog,
            String toLine, String note, Triage triage) {
        return handOver(dialogId, fromAgentId, anyDialog, triage == null ? "forwarded" : "triaged",
                current -> db.sql("""
                        UPDATE dialog SET state = 'WAITING', agent_id = NULL, assigned_at = NULL, line_id = :line,
                            requeued = true, forward_note = :note, forwarded_by = :by, forwarded_at = now(),
                            triage = coalesce(:triage, triage), triaged_at = CASE WHEN :triage IS NULL
                                THEN triaged_at ELSE now() END
                        WHERE id = :id""")
                .bind("id", dialogId)
                .bind("line", toLine)
                .bind("note", Parameter.fromOrEmpty(note, String.class))
                .bind("by", fromName)
                .bind("triage", Parameter.fromOrEmpty(triage == null ? null : triage.name(), String.class))
                .then()
                .then(recordForward(dialogId, triage == null ? "FORWARD" : "TRIAGE", fromAgentId, null,
                        current.lineId(), toLine, triage, note))
                .then(insert(dialogId, Sender.SYSTEM, null, null, null, null, "forwarded", SystemTexts.FORWARDED_TO_LINE,
                        false)));
    }

    /**
     * Records an agent's classification of a dialog they had, once: when they close it, or afterwards
     * when the visitor closed it first.
     */
    public Mono<Dialog> classify(UUID dialogId, long agentId, Classification classification) {
        return classify(dialogId, agentId, java.util.List.of(), classification);
    }

    /**
     * The same; an ended dialog the dispatcher handed to a line (nobody has it) is classified by any agent of
     * {@code lines}, who then has it.
     */
    public Mono<Dialog> classify(UUID dialogId, long agentId, java.util.List<String> lines,
            Classification classification) {
        return recordClassification(dialogId, agentId, lines, classification)
                .filter(updated -> updated > 0)
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "Only the agent who had the dialog classifies it, once")))
                .then(find(dialogId))
                .doOnNext(dialog -> {
                    bus.publish(new DialogEvent.DialogChanged(dialog, null));
                    events.publishEvent(new DialogClassified(dialog, classification, agentId));
                })
                .onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<Long> recordClassification(UUID dialogId, long agentId, Classification classification) {
        return recordClassification(dialogId, agentId, java.util.List.of(), classification);
    }

    private Mono<Long> recordClassification(UUID dialogId, long agentId, java.util.List<String> lines,
            Classification classification) {
        return db.sql("""
                        UPDATE dialog SET appeal_type = :type, request_number = :number, service_due = :due,
                            classified_by = :agent, classified_at = now(), complaint_addressee = :addressee,
                            agent_id = coalesce(agent_id, :agent), ticket_wanted = :ticket
                        WHERE id = :id AND appeal_type IS NULL
                          AND (agent_id = :agent OR (agent_id IS NULL AND state = 'CLOSED'
                               AND line_id = ANY(CAST(:lines AS text[]))))""")
                .bind("id", dialogId)
                .bind("agent", agentId)
                .bind("lines", lines.toArray(String[]::new))
                .bind("addressee", Parameter.fromOrEmpty(classification.addressee() == null ? null
                        : classification.addressee().name(), String.class))
                .bind("type", classification.type().name())
                .bind("ticket", classification.createTicket())
                .bind("number", Parameter.fromOrEmpty(classification.requestNumber(), String.class))
                .bind("due", Parameter.fromOrEmpty(classification.serviceDue(), java.time.LocalDate.class))
                .fetch()
                .rowsUpdated();
    }

    /**
     * An agent closes a dialog assigned to them, classifying the appeal in the same step (or classifies one the
     * visitor closed first).
     */
    public Mono<Dialog> closeByAgent(UUID dialogId, long agentId, Classification classification) {
        return find(dialogId)
                .filter(dialog -> mayClose(dialog, Sender.AGENT, null, agentId))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .flatMap(dialog -> {
                    Mono<Dialog> closed = dialog.isClosed() ? Mono.just(dialog)
                            : closeOpen(dialog, Sender.AGENT, agentId, classification);
                    // the visitor may have closed it in the same instant: then it is classified on its own
                    return closed.flatMap(after -> after.appealType() == null
                            ? classify(dialogId, agentId, classification) : Mono.just(after));
                });
    }

    /** Closed dialogs an agent had and has not classified yet; a dialog ended as spam has no appeal type. */
    public Flux<Dialog> unclassifiedOf(long agentId) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.agent_id = :agent AND d.state = 'CLOSED' "
                        + "AND d.appeal_type IS NULL AND d.triage IS DISTINCT FROM 'SPAM' ORDER BY d.closed_at")
                .bind("agent", agentId)
                .map(DialogManagement::dialog)
                .all();
    }

    /** Ends a main-site dialog the dispatcher judged to be spam. */
    public Mono<Dialog> closeAsSpam(UUID dialogId, long agentId, boolean anyDialog) {
        return find(dialogId)
                .filter(dialog -> !dialog.isClosed() && (anyDialog || dialog.isAssignedTo(agentId)))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "The dialog is not open and assigned to you")))
                .flatMap(dialog -> db.sql("UPDATE dialog SET triage = 'SPAM', triaged_at = now() WHERE id = :id")
                        .bind("id", dialogId)
                        .then()
                        .then(recordForward(dialogId, "TRIAGE", agentId, null, dialog.lineId(), null, Triage.SPAM,
                                null))
                        .as(tx::transactional)
                        .then(closeOpen(dialog, Sender.AGENT, agentId, null)));
    }

    /** A dialog waiting for the dispatcher's decision, with the visitor's first message. */
    public record Untriaged(Dialog dialog, String firstMessage) {
    }

    private static final String UNTRIAGED_WHERE = """
             WHERE d.line_id = :line AND d.triage IS NULL AND d.queued_at IS NOT NULL
               AND (CAST(:endedBefore AS timestamptz) IS NULL
                    OR coalesce(d.closed_at, CASE WHEN d.channel = 'EMAIL' THEN d.queued_at END)
                       < CAST(:endedBefore AS timestamptz))""";

    /**
     * Dialogs of a line that nobody triaged yet, open or ended: the ended ones first (their clock runs), by the
     * moment they ended, then the open ones by the moment they opened. {@code endedBefore}, when given, keeps only
     * those that ended before it.
     */
    public Flux<Untriaged> untriaged(String lineId, Instant endedBefore, int limit, long offset) {
        return db.sql("SELECT " + DIALOG_COLUMNS.replace("FROM dialog d JOIN", """
                        , (SELECT m.body FROM message m WHERE m.dialog_id = d.id AND m.sender = 'VISITOR'
                            ORDER BY m.seq LIMIT 1) AS first_message FROM dialog d JOIN""") + " " + UNTRIAGED_WHERE
                        + " ORDER BY coalesce(d.closed_at, CASE WHEN d.channel = 'EMAIL' THEN d.queued_at END)"
                        + " NULLS LAST, d.opened_at, d.id LIMIT :limit OFFSET :offset")
                .bind("line", lineId)
                .bind("endedBefore", Parameter.fromOrEmpty(endedBefore == null ? null
                        : endedBefore.atOffset(java.time.ZoneOffset.UTC), OffsetDateTime.class))
                .bind("limit", limit)
                .bind("offset", offset)
                .map(row -> new Untriaged(dialog(row), row.get("first_message", String.class)))
                .all();
    }

    /** How many {@link #untriaged} would list without a limit. */
    public Mono<Long> countUntriaged(String lineId, Instant endedBefore) {
        return db.sql("SELECT count(*) AS n FROM dialog d " + UNTRIAGED_WHERE)
                .bind("line", lineId)
                .bind("endedBefore", Parameter.fromOrEmpty(endedBefore == null ? null
                        : endedBefore.atOffset(java.time.ZoneOffset.UTC), OffsetDateTime.class))
                .map(row -> row.get("n", Long.class))
                .one();
    }

    /**
     * The dispatcher's decision on a dialog of their line that is not assigned to anyone: one still waiting keeps
     * waiting, on the line of {@code toLine}; one that ended is handed to that line for classification (nobody
     * has it until an agent of that line classifies it). Spam ({@code toLine} null) ends a waiting dialog and marks
     * an ended one. Empty when the dialog is assigned, triaged already, or on another line.
     */
    public Mono<Dialog> triageUnassigned(UUID dialogId, long agentId, String agentName, String fromLine,
            Triage triage, String toLine, String note) {
        return db.sql("""
                        UPDATE dialog SET triage = :triage, triaged_at = now(),
                            line_id = coalesce(:toLine, line_id),
                            requeued = requeued OR (state = 'WAITING' AND :toLine IS NOT NULL),
                            agent_id = CASE WHEN state = 'CLOSED' AND :toLine IS NOT NULL THEN NULL ELSE agent_id END,
                            forward_note = CASE WHEN :toLine IS NULL THEN forward_note ELSE :note END,
                            forwarded_by = CASE WHEN :toLine IS NULL THEN forwarded_by ELSE :by END,
                            forwarded_at = CASE WHEN :toLine IS NULL THEN forwarded_at ELSE now() END
                        WHERE id = :id AND line_id = :fromLine AND triage IS NULL AND state <> 'ASSIGNED'
                        RETURNING state""")
                .bind("id", dialogId)
                .bind("triage", triage.name())
                .bind("toLine", Parameter.fromOrEmpty(toLine, String.class))
                .bind("fromLine", fromLine)
                .bind("note", Parameter.fromOrEmpty(note, String.class))
                .bind("by", agentName)
                .map(row -> DialogState.valueOf(row.get("state", String.class)))
                .one()
                .flatMap(state -> recordForward(dialogId, "TRIAGE", agentId, null, fromLine, toLine, triage, note)
                        .then(toLine == null ? Mono.<Message>empty()
                                : insert(dialogId, Sender.SYSTEM, null, null, null, null, "forwarded",
                                        SystemTexts.FORWARDED_TO_LINE, true))
                        .map(Optional::of)
                        .defaultIfEmpty(Optional.empty())
                        .map(message -> Map.entry(state, message)))
                .as(tx::transactional)
                .flatMap(done -> {
                    Mono<Dialog> after = done.getKey() == DialogState.WAITING && toLine == null
                            ? find(dialogId).flatMap(dialog -> closeOpen(dialog, Sender.AGENT, agentId, null))
                            : find(dialogId);
                    return after.doOnNext(dialog -> {
                        done.getValue().ifPresent(message -> bus.publish(new DialogEvent.MessageAppended(message)));
                        bus.publish(new DialogEvent.DialogChanged(dialog, null));
                        if (toLine != null) {
                            events.publishEvent(new DialogForwarded(dialog, null, fromLine));
                        }
                    });
                })
                .onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<Dialog> handOver(UUID dialogId, long fromAgentId, boolean anyDialog, String handOff,
            java.util.function.Function<Dialog, Mono<Message>> change) {
        return db.sql("SELECT state, agent_id FROM dialog WHERE id = :id FOR UPDATE")
                .bind("id", dialogId)
                .map(row -> Optional.ofNullable(row.get("agent_id", Long.class)))
                .one()
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog")))
                .then(find(dialogId))
                .flatMap(current -> {
                    if (current.state() != DialogState.ASSIGNED || !(anyDialog || current.isAssignedTo(fromAgentId))) {
                        return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                                "Only an open dialog assigned to you can be forwarded"));
                    }
                    return change.apply(current).map(message -> Map.entry(current, message));
                })
                .as(tx::transactional)
                .flatMap(entry -> find(dialogId).doOnNext(dialog -> {
                    Dialog before = entry.getKey();
                    bus.publish(new DialogEvent.MessageAppended(entry.getValue()));
                    bus.publish(new DialogEvent.DialogChanged(dialog, before.agentId(), handOff));
                    events.publishEvent(new DialogForwarded(dialog, before.agentId(), before.lineId()));
                }))
                .onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<Void> recordForward(UUID dialogId, String kind, long fromAgentId, Long toAgentId, String fromLine,
            String toLine, Triage triage, String note) {
        return db.sql("""
                        INSERT INTO dialog_forward (dialog_id, kind, from_agent_id, to_agent_id, from_line_id,
                            to_line_id, triage, note)
                        VALUES (:dialog, :kind, :from, :to, :fromLine, :toLine, :triage, :note)""")
                .bind("dialog", dialogId)
                .bind("kind", kind)
                .bind("from", fromAgentId)
                .bind("to", Parameter.fromOrEmpty(toAgentId, Long.class))
                .bind("fromLine", fromLine)
                .bind("toLine", Parameter.fromOrEmpty(toLine, String.class))
                .bind("triage", Parameter.fromOrEmpty(triage == null ? null : triage.name(), String.class))
                .bind("note", Parameter.fromOrEmpty(note, String.class))
                .then();
    }

    /**
     * Where a visitor's copy of the transcript may go, and when: {@code PENDING} (the dialog is open; it is
     * mailed when the dialog closes), {@code MAIL_NOW} (closed), {@code NO_ADDRESS} (no address was given in the
     * dialog before it closed, or none now), {@code OTHER_ADDRESS} (the dialog's address is another one).
     */
    public record TranscriptDecision(Outcome outcome, String email) {

        public enum Outcome { PENDING, MAIL_NOW, NO_ADDRESS, OTHER_ADDRESS }
    }

    /**
     * A visitor asks for a copy of their dialog's transcript, to {@code email} (lower case; null: to the address
     * the dialog has). A dialog has one address, the first the visitor gave in it while it was open; a closed
     * dialog takes none. Empty when the dialog is not theirs.
     */
    public Mono<TranscriptDecision> requestTranscript(Visitor visitor, UUID dialogId, String email) {
        return db.sql("SELECT state, transcript_email FROM dialog WHERE id = :id AND visitor_id = :visitor FOR UPDATE")
                .bind("id", dialogId)
                .bind("visitor", visitor.id())
                .map(row -> Map.entry(row.get("state", String.class),
                        Optional.ofNullable(row.get("transcript_email", String.class))))
                .one()
                .flatMap(row -> decideTranscript(dialogId, DialogState.valueOf(row.getKey()), row.getValue().orElse(null),
                        email))
                .as(tx::transactional)
                .onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<TranscriptDecision> decideTranscript(UUID dialogId, DialogState state, String address, String email) {
        if (address != null && email != null && !address.equals(email)) {
            return Mono.just(new TranscriptDecision(TranscriptDecision.Outcome.OTHER_ADDRESS, null));
        }
        if (state == DialogState.CLOSED) {
            return Mono.just(address == null ? new TranscriptDecision(TranscriptDecision.Outcome.NO_ADDRESS, null)
                    : new TranscriptDecision(TranscriptDecision.Outcome.MAIL_NOW, address));
        }
        String to = address != null ? address : email;
        if (to == null) {
            return Mono.just(new TranscriptDecision(TranscriptDecision.Outcome.NO_ADDRESS, null));
        }
        return db.sql("UPDATE dialog SET transcript_email = :email, transcript_wanted = true WHERE id = :id")
                .bind("id", dialogId)
                .bind("email", to)
                .then()
                .thenReturn(new TranscriptDecision(TranscriptDecision.Outcome.PENDING, to));
    }

    /** Closed dialogs whose visitor asked for the transcript while they were open, with the address (or one). */
    public Flux<Map.Entry<UUID, String>> transcriptsDue(UUID dialogId, int limit) {
        return db.sql("SELECT id, transcript_email FROM dialog WHERE transcript_wanted AND state = 'CLOSED' "
                        + (dialogId == null ? "" : "AND id = :id ") + "ORDER BY closed_at LIMIT :limit")
                .bindValues(dialogId == null ? Map.of("limit", limit) : Map.of("limit", limit, "id", dialogId))
                .map(row -> Map.entry(row.get("id", UUID.class), row.get("transcript_email", String.class)))
                .all();
    }

    /** The transcript a visitor asked for is queued for mail. */
    public Mono<Void> transcriptQueued(UUID dialogId) {
        return db.sql("UPDATE dialog SET transcript_wanted = false WHERE id = :id")
                .bind("id", dialogId)
                .then();
    }

    /**
     * The dialog's agent has read it up to {@code seq} (a read mark only moves forward); their sockets hear how many
     * of the person's messages are left unread. FORBIDDEN for a dialog that is not, or was not last, theirs.
     */
    public Mono<Long> markRead(UUID dialogId, long agentId, long seq) {
        return isAgentOf(dialogId, agentId)
                .then(db.sql("""
                                INSERT INTO dialog_read AS r (dialog_id, agent_id, read_seq, read_count)
                                SELECT d.id, :agent, least(:seq, d.last_seq),
                                       (SELECT count(*) FROM message m WHERE m.dialog_id = d.id
                                            AND m.sender = 'VISITOR' AND m.seq <= least(:seq, d.last_seq))
                                FROM dialog d WHERE d.id = :id
                                ON CONFLICT (dialog_id, agent_id) DO UPDATE
                                    SET read_seq = excluded.read_seq, read_count = excluded.read_count, read_at = now()
                                    WHERE r.read_seq < excluded.read_seq""")
                        .bind("id", dialogId)
                        .bind("agent", agentId)
                        .bind("seq", seq)
                        .then())
                .then(db.sql("SELECT coalesce(r.read_seq, 0) AS read_seq, "
                                + "d.visitor_count - coalesce(r.read_count, 0) AS unread FROM dialog d "
                                + "LEFT JOIN dialog_read r ON r.dialog_id = d.id AND r.agent_id = :agent "
                                + "WHERE d.id = :id")
                        .bind("id", dialogId)
                        .bind("agent", agentId)
                        .map(row -> new DialogEvent.ReadUpTo(dialogId, agentId, row.get("read_seq", Long.class),
                                Math.max(0, row.get("unread", Long.class))))
                        .one())
                .doOnNext(read -> bus.publishToAgent(agentId, read))
                .map(DialogEvent.ReadUpTo::unread)
                .onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<Void> isAgentOf(UUID dialogId, long agentId) {
        return db.sql("SELECT 1 AS one FROM dialog WHERE id = :id AND agent_id = :agent")
                .bind("id", dialogId)
                .bind("agent", agentId)
                .map(row -> 1)
                .one()
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "The dialog is not yours")))
                .then();
    }

    /** Tells the other side of a dialog that someone is typing; nothing is stored. */
    public void typing(UUID dialogId, Sender sender, boolean typing, String name) {
        bus.publish(new DialogEvent.TypingChanged(dialogId, sender, typing, name));
    }

    public Mono<Dialog> find(UUID dialogId) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.id = :id")
                .bind("id", dialogId)
                .map(DialogManagement::dialog)
                .one();
    }

    public Mono<Dialog> findOfVisitor(Visitor visitor, UUID dialogId) {
        return find(dialogId).filter(dialog -> dialog.visitorId().equals(visitor.id()));
    }

    /** The visitor's dialog on the site that is not closed, if any. */
    public Mono<Dialog> openDialogOf(Visitor visitor, Site site) {
        return openDialogOf(visitor, site.id()).onErrorMap(DialogManagement::storageFailure);
    }

    private Mono<Dialog> openDialogOf(Visitor visitor, String siteId) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.visitor_id = :visitor AND d.site_id = :site "
                        + "AND d.state <> 'CLOSED'")
                .bind("visitor", visitor.id())
                .bind("site", siteId)
                .map(DialogManagement::dialog)
                .one();
    }

    /** The visitor's dialogs on their site, newest first. */
    public Flux<Dialog> dialogsOf(Visitor visitor, int limit) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.visitor_id = :visitor ORDER BY d.opened_at DESC LIMIT :limit")
                .bind("visitor", visitor.id())
                .bind("limit", limit)
                .map(DialogManagement::dialog)
                .all();
    }

    /** The dialogs assigned to an agent and not closed. */
    public Flux<Dialog> openDialogsOf(long agentId) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.agent_id = :agent AND d.state = 'ASSIGNED' "
                        + "ORDER BY d.assigned_at")
                .bind("agent", agentId)
                .map(DialogManagement::dialog)
                .all();
    }

    /** The oldest waiting dialogs of a line, first come first served. */
    public Flux<Dialog> waiting(String lineId, int limit) {
        return db.sql("SELECT " + DIALOG_COLUMNS + " WHERE d.line_id = :line AND d.state = 'WAITING' "
                        + "AND d.queued_at IS NOT NULL AND d.channel <> 'EMAIL' ORDER BY d.requeued DESC, d.queued_at, d.id LIMIT :limit")
                .bind("line", lineId)
                .bind("limit", limit)
                .map(DialogManagement::dialog)
                .all();
    }

    /** The ids of a line's waiting dialogs in the order they will be served. */
    public Flux<UUID> waitingOrder(String lineId) {
        return db.sql("SELECT id FROM dialog WHERE line_id = :line AND state = 'WAITING' AND queued_at IS NOT NULL "
                        + "AND channel <> 'EMAIL' ORDER BY requeued DESC, queued_at, id")
                .bind("line", lineId)
                .map(row -> row.get("id", UUID.class))
                .all();
    }

    /** Agents that have dialogs assigned (for re-queueing after a restart if they do not come back). */
    public Flux<Long> agentsWithOpenDialogs() {
        return db.sql("SELECT DISTINCT agent_id FROM dialog WHERE state = 'ASSIGNED'")
                .map(row -> row.get("agent_id", Long.class))
                .all();
    }

    /**
     * Puts the dialogs of an agent who did not come back at the head of their line's waiting line, and
     * tells each visitor.
     */
    public Flux<Dialog> requeueAll(long agentId) {
        return db.sql("SELECT id FROM dialog WHERE agent_id = :agent AND state = 'ASSIGNED' AND channel <> 'EMAIL'")
                .bind("agent", agentId)
                .map(row -> row.get("id", UUID.class))
                .all()
                .concatMap(id -> requeue(id, agentId));
    }

    private Mono<Dialog> requeue(UUID dialogId, long agentId) {
        return db.sql("""
                        UPDATE dialog SET state = 'WAITING', agent_id = NULL, assigned_at = NULL, requeued = true
                        WHERE id = :id AND state = 'ASSIGNED' AND agent_id = :agent""")
                .bind("id", dialogId)
                .bind("agent", agentId)
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> insert(dialogId, Sender.SYSTEM, null, null, null, null, "requeued",
                        SystemTexts.REQUEUED, false))
                .as(tx::transactional)
                .flatMap(message -> find(dialogId)
                        .doOnNext(dialog -> {
                            bus.publish(new DialogEvent.MessageAppended(message));
                            bus.publish(new DialogEvent.DialogChanged(dialog, agentId, "requeued"));
                        }))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Offers the visitor the offline form, once per dialog: {@code busy} when the line's maximum wait
     * passed, {@code hours} outside working hours. The dialog stays waiting; it may still be taken.
     */
    public Mono<Boolean> offerOfflineForm(UUID dialogId, String reason) {
        String text = reason.equals("hours") ? SystemTexts.OFFLINE_HOURS : SystemTexts.OFFLINE_BUSY;
        return db.sql("""
                        UPDATE dialog SET offline_offered_at = now()
                        WHERE id = :id AND state = 'WAITING' AND offline_offered_at IS NULL""")
                .bind("id", dialogId)
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> insert(dialogId, Sender.SYSTEM, null, null, reason, null, "offline_offered", text,
                        false))
                .as(tx::transactional)
                .doOnNext(message -> bus.publish(new DialogEvent.MessageAppended(message)))
                .map(message -> true)
                .defaultIfEmpty(false)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** A dialog that waited past its line's maximum, and the channel it came by. */
    public record LongWait(UUID dialogId, String channel) {

        public boolean fromMessenger() {
            return !"WIDGET".equals(channel);
        }
    }

    /** Waiting dialogs of a line queued before the cutoff and not yet offered the offline way. */
    public Flux<LongWait> waitingLongerThan(String lineId, Instant cutoff) {
        return db.sql("SELECT id, channel FROM dialog WHERE line_id = :line AND state = 'WAITING' "
                        + "AND queued_at IS NOT NULL AND offline_offered_at IS NULL AND queued_at < :cutoff "
                        + "AND channel <> 'EMAIL'")
                .bind("line", lineId)
                .bind("cutoff", cutoff.atOffset(java.time.ZoneOffset.UTC))
                .map(row -> new LongWait(row.get("id", UUID.class), row.get("channel", String.class)))
                .all();
    }

    /**
     * A messenger user waited past the line's maximum: the bot tells them (event {@code kept_offline}, which
     * reaches the messenger) that everyone is busy, that the question is kept and when the answer comes; the
     * dialog keeps waiting (an agent who frees up still takes it) and becomes an offline appeal
     * ({@link DialogKeptOffline}). Once per dialog.
     */
    public Mono<Boolean> keepOffline(UUID dialogId, String text) {
        return db.sql("""
                        UPDATE dialog SET offline_offered_at = now()
                        WHERE id = :id AND state = 'WAITING' AND offline_offered_at IS NULL""")
                .bind("id", dialogId)
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> insert(dialogId, Sender.SYSTEM, null, null, "busy", null, "kept_offline", text,
                        false))
                .as(tx::transactional)
                .flatMap(message -> find(dialogId).doOnNext(dialog -> {
                    bus.publish(new DialogEvent.MessageAppended(message));
                    events.publishEvent(new DialogKeptOffline(dialog));
                }))
                .map(dialog -> true)
                .defaultIfEmpty(false)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** The visitor's messages of a dialog, in order, as one text (at most {@code maxChars}). */
    public Mono<String> visitorText(UUID dialogId, int maxChars) {
        return db.sql("SELECT body FROM message WHERE dialog_id = :id AND sender = 'VISITOR' ORDER BY seq LIMIT 200")
                .bind("id", dialogId)
                .map(row -> row.get("body", String.class))
                .all()
                .collect(java.util.stream.Collectors.joining("\n"))
                .map(text -> text.length() <= maxChars ? text : text.substring(0, maxChars));
    }

    /** How many open dialogs each of these agents has now. */
    public Mono<Map<Long, Integer>> loads(Collection<Long> agentIds) {
        return db.sql("SELECT agent_id, count(*) AS open FROM dialog WHERE state = 'ASSIGNED' "
                        + "AND channel <> 'EMAIL' AND agent_id = ANY(:agents) GROUP BY agent_id")
                .bind("agents", agentIds.toArray(Long[]::new))
                .map(row -> Map.entry(row.get("agent_id", Long.class), row.get("open", Long.class).intValue()))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** How many dialogs wait on a line, and since when the longest of them waits; lines with none are left out. */
    public record LineWaiting(String lineId, long waiting, Instant longestSince) {
    }

    /** The waiting dialogs per line, for the supervisor's overview: one grouped query. */
    public Flux<LineWaiting> waitingByLine() {
        return db.sql("SELECT line_id, count(*) AS n, min(queued_at) AS oldest FROM dialog WHERE state = 'WAITING' "
                        + "AND queued_at IS NOT NULL AND channel <> 'EMAIL' GROUP BY line_id")
                .map(row -> new LineWaiting(row.get("line_id", String.class), row.get("n", Long.class),
                        row.get("oldest", OffsetDateTime.class).toInstant()))
                .all();
    }

    public Mono<Long> countOpen() {
        return db.sql("SELECT count(*) AS open FROM dialog WHERE state <> 'CLOSED'")
                .map(row -> row.get("open", Long.class))
                .one();
    }

    /** The latest message of each of these dialogs (another node's events may have been lost: the gap filler's cue). */
    public Flux<Message> latestMessages(Collection<UUID> dialogIds) {
        return db.sql("SELECT " + MESSAGE_COLUMNS + " FROM message m WHERE (m.dialog_id, m.seq) IN "
                        + "(SELECT id, last_seq FROM dialog WHERE id = ANY(:ids))")
                .bind("ids", dialogIds.toArray(UUID[]::new))
                .map(DialogManagement::message)
                .all();
    }

    /** Messages of a dialog after {@code afterSeq}, in order, at most {@code limit}. */
    public Flux<Message> messagesAfter(UUID dialogId, long afterSeq, long untilSeq) {
        return db.sql("SELECT " + MESSAGE_COLUMNS + " FROM message WHERE dialog_id = :dialog AND seq > :after "
                        + "AND seq <= :until ORDER BY seq")
                .bind("dialog", dialogId)
                .bind("after", afterSeq)
                .bind("until", untilSeq)
                .map(DialogManagement::message)
                .all()
                .onErrorMap(DialogManagement::storageFailure);
    }

    public static Throwable storageFailure(Throwable error) {
        if (ru.rosdistant.gateway.storage.StorageOutage.is(error)) {
            return new DialogException(DialogException.Reason.STORAGE_UNAVAILABLE,
                    "The message store is unavailable, try again", error);
        }
        return error;
    }

    private static Dialog dialog(Readable row) {
        String closedBy = row.get("closed_by", String.class);
        Instant forwardedAt = instant(row, "forwarded_at");
        Dialog.Forward forward = forwardedAt == null ? null
                : new Dialog.Forward(row.get("forwarded_by", String.class), row.get("forward_note", String.class),
                        forwardedAt);
        String triage = row.get("triage", String.class);
        String appealType = row.get("appeal_type", String.class);
        return new Dialog(row.get("id", UUID.class), row.get("visitor_id", UUID.class),
                row.get("site_id", String.class), row.get("line_id", String.class), row.get("channel", String.class),
                DialogState.valueOf(row.get("state", String.class)), row.get("agent_id", Long.class),
                row.get("agent_name", String.class), row.get("visitor_name", String.class),
                row.get("last_seq", Long.class), instant(row, "opened_at"), instant(row, "assigned_at"),
                instant(row, "closed_at"), closedBy == null ? null : Sender.valueOf(closedBy), forward,
                triage == null ? null : Triage.valueOf(triage),
                appealType == null ? null : AppealType.valueOf(appealType), row.get("request_number", String.class),
                new Dialog.Inbox(row.get("card_name", String.class), row.get("preview", String.class),
                        instant(row, "waiting_since"), Math.max(0, row.get("unread", Long.class))));
    }

    private static Message message(Readable row) {
        return new Message(row.get("dialog_id", UUID.class), row.get("seq", Long.class),
                Sender.valueOf(row.get("sender", String.class)), row.get("agent_id", Long.class),
                row.get("author_name", String.class), row.get("client_msg_id", String.class),
                row.get("event", String.class), row.get("body", String.class), instant(row, "created_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
