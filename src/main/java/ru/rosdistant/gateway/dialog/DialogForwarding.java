package ru.rosdistant.gateway.dialog;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * Dialogs changing hands: forwarded to a colleague or another line, taken over by a supervisor, the dispatcher's
 * triage (to a line, or spam). Each hand-over is recorded in {@code dialog_forward}.
 */
@Component
public class DialogForwarding {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final DialogEvents events;

    private final DialogQueries queries;

    private final DialogWrites writes;

    DialogForwarding(DatabaseClient db, TransactionalOperator tx, DialogEvents events,
            DialogQueries queries, DialogWrites writes) {
        this.db = db;
        this.tx = tx;
        this.events = events;
        this.queries = queries;
        this.writes = writes;
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
                .then(writes.insert(dialogId, Sender.SYSTEM, null, toAgentId, toName, null, "forwarded",
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
                .then(writes.insert(dialogId, Sender.SYSTEM, null, null, null, null, "forwarded", SystemTexts.FORWARDED_TO_LINE,
                        false)));
    }

    /** Ends a main-site dialog the dispatcher judged to be spam. */
    public Mono<Dialog> closeAsSpam(UUID dialogId, long agentId, boolean anyDialog) {
        return queries.find(dialogId)
                .filter(dialog -> !dialog.isClosed() && (anyDialog || dialog.isAssignedTo(agentId)))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.FORBIDDEN,
                        "The dialog is not open and assigned to you")))
                .flatMap(dialog -> db.sql("UPDATE dialog SET triage = 'SPAM', triaged_at = now() WHERE id = :id")
                        .bind("id", dialogId)
                        .then()
                        .then(recordForward(dialogId, "TRIAGE", agentId, null, dialog.lineId(), null, Triage.SPAM,
                                null))
                        .as(tx::transactional)
                        .then(writes.closeOpen(dialog, Sender.AGENT, agentId, null)));
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
                                : writes.insert(dialogId, Sender.SYSTEM, null, null, null, null, "forwarded",
                                        SystemTexts.FORWARDED_TO_LINE, true))
                        .map(Optional::of)
                        .defaultIfEmpty(Optional.empty())
                        .map(message -> Map.entry(state, message)))
                .as(tx::transactional)
                .flatMap(done -> {
                    Mono<Dialog> after = done.getKey() == DialogState.WAITING && toLine == null
                            ? queries.find(dialogId).flatMap(dialog -> writes.closeOpen(dialog, Sender.AGENT,
                                    agentId, null))
                            : queries.find(dialogId);
                    return after.doOnNext(dialog -> {
                        done.getValue().ifPresent(message -> events.publish(new MessageAppended(message)));
                        events.publish(toLine == null ? new DialogTriaged(dialog)
                                : new DialogForwarded(dialog, null, fromLine, null));
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
                .then(queries.find(dialogId))
                .flatMap(current -> {
                    if (current.state() != DialogState.ASSIGNED || !(anyDialog || current.isAssignedTo(fromAgentId))) {
                        return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                                "Only an open dialog assigned to you can be forwarded"));
                    }
                    return change.apply(current).map(message -> Map.entry(current, message));
                })
                .as(tx::transactional)
                .flatMap(entry -> queries.find(dialogId).doOnNext(dialog -> {
                    Dialog before = entry.getKey();
                    events.publish(new MessageAppended(entry.getValue()));
                    events.publish(new DialogForwarded(dialog, before.agentId(), before.lineId(), handOff));
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
}
