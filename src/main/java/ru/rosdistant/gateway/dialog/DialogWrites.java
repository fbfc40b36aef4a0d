package ru.rosdistant.gateway.dialog;

import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * The steps the dialog commands share: a message stored through {@code append_message}, a close with its
 * {@code closed} message (and the agent's classification in the same transaction).
 */
@Component
class DialogWrites {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final DialogEvents events;

    private final DialogQueries queries;

    DialogWrites(DatabaseClient db, TransactionalOperator tx, DialogEvents events, DialogQueries queries) {
        this.db = db;
        this.tx = tx;
        this.events = events;
        this.queries = queries;
    }

    /** What append_message answered, and the message it stands for. */
    record Row(AppendBatches.Stored stored, Appended appended) {
    }

    Mono<Message> insert(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
            String clientMsgId, String event, String text, boolean allowClosed) {
        return appendRow(dialogId, sender, visitorId, agentId, author, clientMsgId, event, text, allowClosed)
                .map(row -> row.appended().message());
    }

    Mono<Row> appendRow(UUID dialogId, Sender sender, UUID visitorId, Long agentId, String author,
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

    static Appended outcome(AppendBatches.Stored row, UUID dialogId, Sender sender, Long agentId, String author,
            String clientMsgId, String event, String text) {
        String status = row.status();
        return switch (status) {
            case "STORED", "QUEUED", "DUPLICATE" -> new Appended(new Message(dialogId, row.seq(), sender,
                    agentId, author, clientMsgId, event, text, row.createdAt()), status.equals("DUPLICATE"));
            case "NO_DIALOG" -> throw new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                    "No such dialog, or not yours");
            case "CLOSED" -> throw new DialogException(DialogException.Reason.DIALOG_CLOSED, "The dialog is closed");
            case "FORBIDDEN" -> throw new DialogException(DialogException.Reason.FORBIDDEN,
                    "The dialog is not assigned to you");
            default -> throw new IllegalStateException("append_message returned " + status);
        };
    }

    static boolean mayClose(Dialog dialog, Sender by, UUID visitorId, Long agentId) {
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
    Mono<Dialog> closeOpen(Dialog dialog, Sender by, Long agentId, Classification classification) {
        return closed(dialog.id(), by, db.sql("""
                        UPDATE dialog SET state = 'CLOSED', closed_at = now(), closed_by = :by
                        WHERE id = :id AND state <> 'CLOSED'""")
                .bind("id", dialog.id())
                .bind("by", by.name()), agentId, classification)
                .switchIfEmpty(queries.find(dialog.id()))
                .onErrorMap(DialogManagement::storageFailure);
    }

    /**
     * Runs the closing update; when it changed the row, stores the agent's classification if one came with the
     * close, then stores and announces {@code closed}, all in one transaction. One change, one event: a close with
     * a classification is announced as {@link DialogClosed} alone, its dialog already carrying the appeal type
     * (no {@link DialogClassified} follows), so a follower gets one dialog frame for it.
     */
    Mono<Dialog> closed(UUID dialogId, Sender by, DatabaseClient.GenericExecuteSpec update, Long agentId,
            Classification classification) {
        return update.fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> classification == null ? Mono.just(0L)
                        : recordClassification(dialogId, agentId, classification))
                .flatMap(classified -> insert(dialogId, Sender.SYSTEM, null, null, by.name().toLowerCase(), null,
                        "closed", SystemTexts.CLOSED, true))
                .as(tx::transactional)
                .flatMap(message -> queries.find(dialogId)
                        .doOnNext(closed -> {
                            events.publish(new MessageAppended(message));
                            events.publish(new DialogClosed(closed));
                        }));
    }

    Mono<Long> recordClassification(UUID dialogId, long agentId, Classification classification) {
        return recordClassification(dialogId, agentId, java.util.List.of(), classification);
    }

    Mono<Long> recordClassification(UUID dialogId, long agentId, java.util.List<String> lines,
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
}
