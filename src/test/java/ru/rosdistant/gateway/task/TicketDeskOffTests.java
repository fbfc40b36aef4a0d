package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

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

/** Without a ticket desk connected: numbers are typed and checked for their form only; nothing is registered. */
@GatewayTest
class TicketDeskOffTests {

    private static final String SITE = "lab382";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    TicketDesk desk;

    @Autowired
    DatabaseClient db;

    @Test
    void aNumberIsCheckedForItsFormOnlyAndTheConsoleIsNotOfferedToCreateRequests() {
        assertThat(desk.creates()).isFalse();
        StepVerifier.create(desk.checkRequestNumber(" R-12 "))
                .expectNext(new TicketDesk.Request("R-12", null))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(desk.checkRequestNumber("R-1' OR 1=1"))
                .expectError(IllegalArgumentException.class)
                .verify(Duration.ofSeconds(5));

        Agent agent = Staff.agent(agents, SITE, 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        assertThat(Checks.body(Checks.http(port).get().uri("/api/ticket-desk").header("Cookie", cookie).exchange()
                .expectStatus().isOk()).path("creates").asBoolean()).isFalse();

        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, SITE, "https://lab382.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v-1", "text", "вопрос"));
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "createTicket", true));
            assertThat(console.awaitType("error").path("message").asString()).contains("no ticket desk");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION",
                    "createTicket", true));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "R-1' OR 1=1"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("INVALID_FIELD");
            assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + dialogId + "'"))
                    .isNotEqualTo("CLOSED");
        }
    }
}
