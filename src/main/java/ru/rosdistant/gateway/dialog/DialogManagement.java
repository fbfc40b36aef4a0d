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

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.site.Site;

/**
 * The commands on dialogs and their messages (open, append, assign, close, classify, re-queue, transcripts, read
 * marks), with PostgreSQL as the source of truth: every change is stored before it is announced as a past-tense
 * event on {@link DialogEvents}. Reads are {@link DialogQueries}; hand-overs {@link DialogForwarding}.
 */
@Component
public class DialogManagement {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final DialogEvents events;

    private final AppendBatches batches;

    private final DialogQueries queries;

    private final DialogWrites writes;

    DialogManagement(DatabaseClient db, TransactionalOperator tx, DialogEvents events,
            AppendBatches batches, DialogQueries queries, DialogWrites writes) {
        this.db = db;
        this.tx = tx;
        this.events = events;
        this.batches = batches;
        this.queries = queries;
        this.writes = writes;
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
                        .then(queries.openDialogOf(visitor, siteId))
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
        return writes.insert(dialogId, Sender.SYSTEM, null, null, null, null, "waiting", SystemTexts.WAITING, false)
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
        waiting.ifPresent(message -> events.publish(new MessageAppended(message)));
        events.publish(new DialogOpened(dialog));
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
        return writes.appendRow(dialogId, Sender.VISITOR, visitor.id(), null, fileName, clientMsgId, "file", text, false)
                .flatMap(this::announced)
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Appends a system notice for staff to a dialog, even a closed one (e.g. a messenger refused a reply);
     * {@code event} names it for the clients.
     */
    public Mono<Message> appendNotice(UUID dialogId, String event, String text) {
        return writes.insert(dialogId, Sender.SYSTEM, null, null, null, null, event, text, true)
                .doOnNext(message -> events.publish(new MessageAppended(message)))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** Appends an agent's message to a dialog assigned to them. */
    public Mono<Appended> appendFromAgent(long agentId, String agentName, UUID dialogId, String clientMsgId,
            String text) {
        return append(dialogId, Sender.AGENT, null, agentId, agentName, clientMsgId, text);
    }

    private Mono<Appended> append(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String text) {
        // one operator from the stored row to the announced message (a refusal thrown by outcome is an error signal)
        return batches.append(dialogId, sender, visitorId, agentId, author, clientMsgId, text)
                .flatMap(stored -> announced(new DialogWrites.Row(stored, DialogWrites.outcome(stored, dialogId, sender,
                        agentId, author, clientMsgId, null, text))))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** A new message (not a repeat of one stored before) goes to everyone following its dialog. */
    private Mono<Appended> announced(DialogWrites.Row row) {
        if (!row.appended().duplicate()) {
            events.publish(new MessageAppended(row.appended().message()));
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
        return queries.messagesAfter(dialogId, stored.seq(), stored.seq() + 1)
                .doOnNext(notice -> events.publish(new MessageAppended(notice)))
                .then(queries.find(dialogId))
                .doOnNext(dialog -> events.publish(new DialogQueued(dialog)))
                .then(Mono.just(appended))
                .onErrorReturn(appended);
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
                                  AND %s)
                              < (SELECT max_dialogs FROM agent WHERE id = :agent)""".formatted(DialogRows.NOT_EMAIL))
                        .bind("id", dialogId)
                        .bind("agent", agentId)
                        .fetch()
                        .rowsUpdated())
                .filter(updated -> updated > 0)
                .flatMap(updated -> writes.insert(dialogId, Sender.SYSTEM, null, agentId, agentName, null, "assigned",
                        SystemTexts.assigned(agentName), false))
                .as(tx::transactional)
                .flatMap(message -> queries.find(dialogId)
                        .doOnNext(dialog -> {
                            events.publish(new MessageAppended(message));
                            events.publish(new DialogAssigned(dialog));
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
                .flatMap(updated -> writes.insert(dialogId, Sender.SYSTEM, null, agentId, agentName, null, "assigned",
                        SystemTexts.assigned(agentName), false))
                .as(tx::transactional)
                .flatMap(message -> queries.find(dialogId)
                        .doOnNext(dialog -> {
                            events.publish(new MessageAppended(message));
                            events.publish(new DialogAssigned(dialog));
                        }))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Closes a dialog. A visitor may close only their own dialog, an agent only one assigned to them;
     * {@code actor} is null for the system. Closing a closed dialog returns it unchanged.
     */
    public Mono<Dialog> close(UUID dialogId, Sender by, UUID visitorId, Long agentId) {
        return queries.find(dialogId)
                .filter(dialog -> DialogWrites.mayClose(dialog, by, visitorId, agentId))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .flatMap(dialog -> dialog.isClosed() ? Mono.just(dialog) : writes.closeOpen(dialog, by, agentId, null));
    }

    /**
     * Closes a dialog that still waits for an agent because its visitor is gone (reason {@code ABANDONED}, by the
     * system); empty when it no longer waits (an agent took it meanwhile, or it was closed).
     */
    public Mono<Dialog> closeAbandoned(UUID dialogId) {
        return writes.closed(dialogId, Sender.SYSTEM, db.sql("""
                        UPDATE dialog SET state = 'CLOSED', closed_at = now(), closed_by = 'SYSTEM',
                            close_reason = 'ABANDONED'
                        WHERE id = :id AND state = 'WAITING'""")
                .bind("id", dialogId), null, null)
                .onErrorMap(DialogManagement::storageFailure);
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
        return writes.recordClassification(dialogId, agentId, lines, classification)
                .filter(updated -> updated > 0)
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "Only the agent who had the dialog classifies it, once")))
                .then(queries.find(dialogId))
                .doOnNext(dialog -> {
                    events.publish(new DialogClassified(dialog, classification, agentId));
                })
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * An agent closes a dialog assigned to them, classifying the appeal in the same step (or classifies one the
     * visitor closed first).
     */
    public Mono<Dialog> closeByAgent(UUID dialogId, long agentId, Classification classification) {
        return queries.find(dialogId)
                .filter(dialog -> DialogWrites.mayClose(dialog, Sender.AGENT, null, agentId))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .flatMap(dialog -> {
                    Mono<Dialog> closed = dialog.isClosed() ? Mono.just(dialog)
                            : writes.closeOpen(dialog, Sender.AGENT, agentId, classification);
                    // the visitor may have closed it in the same instant: then it is classified on its own
                    return closed.flatMap(after -> after.appealType() == null
                            ? classify(dialogId, agentId, classification) : Mono.just(after));
                });
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
                        .map(row -> new DialogRead(dialogId, agentId, row.get("read_seq", Long.class),
                                Math.max(0, row.get("unread", Long.class))))
                        .one())
                .doOnNext(read -> events.publish(read))
                .map(DialogRead::unread)
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
        events.publish(new TypingChanged(dialogId, sender, typing, name));
    }

    /**
     * Puts the dialogs of an agent who did not come back at the head of their line's waiting line, and
     * tells each visitor.
     */
    public Flux<Dialog> requeueAll(long agentId) {
        return db.sql("SELECT id FROM dialog WHERE agent_id = :agent AND state = 'ASSIGNED' AND "
                        + DialogRows.NOT_EMAIL)
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
                .flatMap(updated -> writes.insert(dialogId, Sender.SYSTEM, null, null, null, null, "requeued",
                        SystemTexts.REQUEUED, false))
                .as(tx::transactional)
                .flatMap(message -> queries.find(dialogId)
                        .doOnNext(dialog -> {
                            events.publish(new MessageAppended(message));
                            events.publish(new DialogRequeued(dialog, agentId));
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
                .flatMap(updated -> writes.insert(dialogId, Sender.SYSTEM, null, null, reason, null, "offline_offered", text,
                        false))
                .as(tx::transactional)
                .doOnNext(message -> events.publish(new MessageAppended(message)))
                .map(message -> true)
                .defaultIfEmpty(false)
                .onErrorMap(DialogManagement::storageFailure);
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
                .flatMap(updated -> writes.insert(dialogId, Sender.SYSTEM, null, null, "busy", null, "kept_offline", text,
                        false))
                .as(tx::transactional)
                .flatMap(message -> queries.find(dialogId).doOnNext(dialog -> {
                    events.publish(new MessageAppended(message));
                    events.publish(new DialogKeptOffline(dialog));
                }))
                .map(dialog -> true)
                .defaultIfEmpty(false)
                .onErrorMap(DialogManagement::storageFailure);
    }

    public static Throwable storageFailure(Throwable error) {
        if (ru.rosdistant.gateway.shared.StorageOutage.is(error)) {
            return new DialogException(DialogException.Reason.STORAGE_UNAVAILABLE,
                    "The message store is unavailable, try again", error);
        }
        return error;
    }
}
