package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;

/**
 * A visitor's dialog that ended as a service request, classified without the classification's event (for the
 * sweep's tests) or with its result recorded by the agent (for the result tests).
 */
final class ServiceRequestFixtures {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private ServiceRequestFixtures() {
    }

    /** Opens a dialog as {@code name}, writes in it and closes it from the visitor's side; its id. */
    static String closedDialog(WsClient visitor, String name) {
        visitor.send(Map.of("type", "open", "name", name));
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "text", "Нужна справка", "clientMsgId", "m1"));
        visitor.send(Map.of("type", "close", "dialogId", dialogId));
        visitor.await(frame -> dialogId.equals(frame.path("dialogId").asString())
                && "closed".equals(frame.path("event").asString()), "the closed event");
        return dialogId;
    }

    /** Classifies the closed dialog as service request {@code number} and completes its task with the result. */
    static UUID completed(DatabaseClient db, Tasks tasks, String dialogId, Agent agent, String number,
            String result) {
        classified(db, UUID.fromString(dialogId), agent, number, Duration.ZERO);
        UUID taskId = tasks.createFor(UUID.fromString(dialogId)).block(WAIT).id();
        tasks.complete(taskId, agent.id(), false, result).block(WAIT);
        return taskId;
    }

    /**
     * Classifies the closed dialog as service request {@code number} by {@code agent}, {@code ago} before now, as the
     * agent's close would, without the classification's event: no task is made for it until one is asked for.
     */
    static void classified(DatabaseClient db, UUID dialogId, Agent agent, String number, Duration ago) {
        db.sql("""
                        UPDATE dialog SET appeal_type = 'SERVICE_REQUEST', request_number = :number,
                            classified_by = :agent,
                            classified_at = now() - CAST(:ago AS interval)
                        WHERE id = :id""")
                .bind("number", number)
                .bind("agent", agent.id())
                .bind("ago", ago.toSeconds() + " seconds")
                .bind("id", dialogId)
                .then()
                .block(WAIT);
    }

    /** The title of the dialog's task; null while it has none. */
    static String taskTitleOf(DatabaseClient db, UUID dialogId) {
        return db.sql("SELECT title FROM task WHERE dialog_id = :id")
                .bind("id", dialogId)
                .map(row -> row.get("title", String.class))
                .one()
                .block(WAIT);
    }
}
