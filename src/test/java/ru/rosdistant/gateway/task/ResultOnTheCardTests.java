package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.task.ServiceRequestFixtures.closedDialog;
import static ru.rosdistant.gateway.task.ServiceRequestFixtures.completed;

/**
 * The widget asks for a visitor's pending results only when the visitor has a dialog (a result reaches the widget
 * through one): the person who wrote from one browser and came back from another, whose later dialog was put on
 * the same card, is still shown the result on their next visit. Line and site lab520.
 */
@GatewayTest
class ResultOnTheCardTests {

    private static final String LINE = "lab520";

    private static final String ORIGIN = "https://lab520.test";

    private static final Duration WAIT = Duration.ofSeconds(10);

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Tasks tasks;

    @Test
    void aVisitorWhoseDialogIsOnThePersonsCardIsShownTheResultOfTheirEarlierDialog() {
        Agent agent = Staff.agent(agents, LINE, 5);
        String earlier;
        try (WsClient first = WsClient.visitor(port, LINE, ORIGIN)) {
            first.send("{\"type\":\"hello\"}");
            first.awaitType("welcome");
            earlier = closedDialog(first, "Зоя Л.");
        }
        String token;
        String later;
        try (WsClient other = WsClient.visitor(port, LINE, ORIGIN)) {
            other.send("{\"type\":\"hello\"}");
            token = other.awaitType("welcome").path("token").asString();
            later = closedDialog(other, "Зоя Л.");
        }
        UUID task = completed(db, tasks, earlier, agent, "SR-520-1",
                "Справка готова, заберите в деканате");
        // the agent put the later dialog on the person's card
        db.sql("UPDATE dialog SET card_id = (SELECT card_id FROM task WHERE id = :task) WHERE id = :dialog")
                .bind("task", task)
                .bind("dialog", UUID.fromString(later))
                .then()
                .block(WAIT);
        assertThat(Checks.text(db, "SELECT (visitor_id = (SELECT visitor_id FROM dialog WHERE id = '" + earlier
                + "'))::text AS v FROM task_result_report WHERE task_id = '" + task + "'"))
                .as("the result names the first browser's visitor, not this one").isEqualTo("true");

        try (WsClient other = WsClient.visitor(port, LINE, ORIGIN)) {
            other.send(Map.of("type", "hello", "token", token));
            other.awaitType("welcome");
            JsonNode result = other.awaitType("result");
            assertThat(result.path("text").asString()).isEqualTo("Справка готова, заберите в деканате");
            assertThat(result.path("requestNumber").asString()).isEqualTo("SR-520-1");
        }
        assertThat(Checks.text(db, "SELECT (shown_at IS NOT NULL)::text AS v FROM task_result_report WHERE task_id = '"
                + task + "'")).isEqualTo("true");
    }
}
