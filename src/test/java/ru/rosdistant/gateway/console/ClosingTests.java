package ru.rosdistant.gateway.console;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class ClosingTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void closingRequiresTheAppealTypeAndARequestNumberWhereTheRegulationAsksForOne() {
        Agent agent = Staff.agent(agents, "lab24", 5);
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, "lab24", "https://lab24.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");

            console.send(Map.of("type", "close", "dialogId", dialogId));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST"));
            assertThat(console.awaitType("error").path("message").asString()).contains("request number");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "GOSSIP"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");
            assertThat(column(dialogId, "state")).isEqualTo("ASSIGNED");

            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "ЕО-2026-1187", "dueDate", "2026-12-15"));
            assertThat(visitor.awaitMessage(dialogId, 3).path("event").asString()).isEqualTo("closed");
            JsonNode classified = console.await(frame -> frame.path("type").asString().equals("dialog")
                    && "SERVICE_REQUEST".equals(frame.path("dialog").path("appealType").asString()), "classified");
            assertThat(classified.path("dialog").path("requestNumber").asString()).isEqualTo("ЕО-2026-1187");
            assertThat(column(dialogId, "service_due")).isEqualTo("2026-12-15");
        }
    }

    @Test
    void aDialogTheVisitorClosedIsClassifiedAfterwardsOnce() {
        Agent agent = Staff.agent(agents, "lab24", 5);
        Agent other = Staff.agent(agents, "lab24", 5);
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, "lab24", "https://lab24.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            visitor.awaitMessage(dialogId, 3);
            try (WsClient again = Staff.console(port, agent)) {
                JsonNode welcome = again.seen().get(0);
                assertThat(welcome.path("dialogs").valueStream()
                        .anyMatch(dialog -> dialog.path("dialogId").asString().equals(dialogId)
                                && dialog.path("state").asString().equals("CLOSED")))
                        .as("the unclassified closed dialog is in front of the agent").isTrue();
            }
            try (WsClient otherConsole = Staff.console(port, other)) {
                otherConsole.send(Map.of("type", "classify", "dialogId", dialogId, "appealType", "CONSULTATION"));
                assertThat(otherConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            }
            console.send(Map.of("type", "classify", "dialogId", dialogId, "appealType", "COMPLAINT",
                    "requestNumber", "Ж-17"));
            console.await(frame -> "COMPLAINT".equals(frame.path("dialog").path("appealType").asString()),
                    "classified");
            console.send(Map.of("type", "classify", "dialogId", dialogId, "appealType", "CONSULTATION"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(column(dialogId, "appeal_type")).isEqualTo("COMPLAINT");
        }
    }

    /**
     * A close that comes with its classification is one change: each follower gets one dialog frame for it, the
     * appeal type in it. The agent's console follows the dialog twice over (as theirs, and by asking for its
     * messages, as the console does); a supervisor watches it. The follow-up task comes from the same one event.
     */
    @Test
    void aCloseWithItsClassificationIsOneDialogFrameForEachFollower() {
        Agent agent = Staff.agent(agents, "lab750", 5);
        Agent supervisor = Staff.agent(agents, "lab750", 5, Role.SUPERVISOR);
        try (WsClient console = Staff.online(port, agent);
                WsClient watching = Staff.console(port, supervisor);
                WsClient visitor = WsClient.visitor(port, "lab750", "https://lab750.test")) {
            String dialogId = AgentSocketTests.openDialog(visitor);
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q1", "text", "Справка"));
            console.awaitSeenOrNext(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog assigned");
            for (WsClient follower : List.of(console, watching)) {
                follower.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
                follower.await(frame -> frame.path("type").asString().equals("resumed")
                        && frame.path("dialogId").asString().equals(dialogId), "resumed");
            }

            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "ЕО-2026-750"));
            visitor.await(frame -> frame.path("type").asString().equals("message")
                    && frame.path("event").asString().equals("closed"), "the closed message");

            for (WsClient follower : List.of(console, watching)) {
                // a frame of a later request: everything the close set off was queued to this socket before it
                follower.send(Map.of("type", "no_such_frame"));
                follower.await(frame -> frame.path("type").asString().equals("error")
                        && frame.path("code").asString().equals("UNKNOWN_TYPE"), "the answer to a later frame");
                List<JsonNode> closedFrames = follower.seen().stream()
                        .filter(frame -> frame.path("type").asString().equals("dialog")
                                && frame.path("dialog").path("dialogId").asString().equals(dialogId)
                                && frame.path("dialog").path("state").asString().equals("CLOSED"))
                        .toList();
                assertThat(closedFrames).as("dialog frames of the closed dialog").hasSize(1);
                assertThat(closedFrames.get(0).path("dialog").path("appealType").asString())
                        .isEqualTo("SERVICE_REQUEST");
            }
            assertThat(taskOf(dialogId)).as("the follow-up task, from the close's event (the task sweep runs every"
                    + " 15 minutes in tests)").isEqualTo("ЕО-2026-750");
        }
    }

    /** The request number of the dialog's task, waiting up to 10 s for it. */
    private String taskOf(String dialogId) {
        return db.sql("SELECT request_number FROM task WHERE dialog_id = CAST(:id AS uuid)")
                .bind("id", dialogId)
                .map(row -> row.get("request_number", String.class))
                .one()
                .repeatWhenEmpty(times -> times.delayElements(Duration.ofMillis(100)).take(100))
                .block(Duration.ofSeconds(15));
    }

    private String column(String dialogId, String column) {
        return db.sql("SELECT " + column + "::text AS v FROM dialog WHERE id = '" + dialogId + "'")
                .map(row -> row.get("v", String.class))
                .one()
                .block(Duration.ofSeconds(5));
    }
}
