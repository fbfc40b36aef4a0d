package ru.rosdistant.gateway.triage;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/** Main-site dialogs go to the dispatcher's line; each test uses a dialog of its own there. */
@GatewayTest
class DispatcherTriageTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void eachTriageOutcomeIsOneActionAndIsRecorded() {
        Agent dispatcher = Staff.agent(agents, "dispatcher", 10, Role.DISPATCHER);
        try (WsClient console = Staff.online(port, dispatcher);
                WsClient student = WsClient.visitor(port, "main", "https://www.rosdistant.ru");
                WsClient partner = WsClient.visitor(port, "main", "https://www.rosdistant.ru");
                WsClient spammer = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            String studentDialog = openAssigned(student, console);
            String partnerDialog = openAssigned(partner, console);
            String spamDialog = openAssigned(spammer, console);

            WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30))
                    .baseUrl("http://localhost:" + port)
                    .build()
                    .get()
                    .uri("/api/triage")
                    .headers(headers -> headers.setBasicAuth(dispatcher.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$[?(@.dialogId == '" + studentDialog + "')].deadlineSeconds")
                    .isEqualTo(600)
                    .jsonPath("$[?(@.dialogId == '" + studentDialog + "')].overdue")
                    .isEqualTo(false);

            console.send(Map.of("type", "triage", "dialogId", studentDialog, "outcome", "student"));
            assertThat(student.awaitMessage(studentDialog, 3).path("event").asString()).isEqualTo("forwarded");
            assertThat(column(studentDialog, "line_id")).isEqualTo("student-affairs");
            assertThat(column(studentDialog, "triage")).isEqualTo("STUDENT");

            console.send(Map.of("type", "triage", "dialogId", partnerDialog, "outcome", "partner", "note",
                    "Реклама курсов, но похоже на партнёрство"));
            partner.awaitMessage(partnerDialog, 3);
            assertThat(column(partnerDialog, "line_id")).isEqualTo("partners");

            console.send(Map.of("type", "triage", "dialogId", spamDialog, "outcome", "spam"));
            JsonNode closed = spammer.awaitMessage(spamDialog, 3);
            assertThat(closed.path("event").asString()).isEqualTo("closed");
            assertThat(column(spamDialog, "state")).isEqualTo("CLOSED");
            assertThat(column(spamDialog, "triage")).isEqualTo("SPAM");

            console.send(Map.of("type", "triage", "dialogId", spamDialog, "outcome", "student"));
            assertThat(console.awaitType("error").path("code").asString()).as("triaged once only")
                    .isEqualTo("FORBIDDEN");
            console.send(Map.of("type", "triage", "dialogId", spamDialog, "outcome", "maybe"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");
        }
    }

    @Test
    void anAgentWithoutTheDispatcherRoleCannotTriage() {
        Agent plain = Staff.agent(agents, "dispatcher", 10);
        try (WsClient console = Staff.online(port, plain);
                WsClient visitor = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            String dialogId = openAssigned(visitor, console);
            console.send(Map.of("type", "triage", "dialogId", dialogId, "outcome", "spam"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(column(dialogId, "state")).isEqualTo("ASSIGNED");
            WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30))
                    .baseUrl("http://localhost:" + port)
                    .build()
                    .get()
                    .uri("/api/triage")
                    .headers(headers -> headers.setBasicAuth(plain.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isForbidden();
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            visitor.awaitMessage(dialogId, 3);
        }
    }

    @Test
    void supervisorSeesDialogsPastTheTenMinuteRule() {
        Agent supervisor = Staff.agent(agents, "lab8", 5, Role.SUPERVISOR);
        try (WsClient visitor = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            db.sql("UPDATE dialog SET opened_at = now() - interval '11 minutes' WHERE id = '" + dialogId + "'")
                    .then()
                    .block(Duration.ofSeconds(5));
            WebTestClient client = WebTestClient.bindToServer().responseTimeout(java.time.Duration.ofSeconds(30)).baseUrl("http://localhost:" + port).build();
            client.get()
                    .uri("/api/triage/overdue")
                    .headers(headers -> headers.setBasicAuth(supervisor.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$[?(@.dialogId == '" + dialogId + "')].overdue")
                    .isEqualTo(true);
            client.get().uri("/api/triage/overdue").exchange().expectStatus().isUnauthorized();
        }
    }

    private static String openAssigned(WsClient visitor, WsClient console) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.awaitMessage(dialogId, 2);
        console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
        return dialogId;
    }

    private String column(String dialogId, String column) {
        return db.sql("SELECT " + column + "::text AS v FROM dialog WHERE id = '" + dialogId + "'")
                .map(row -> row.get("v", String.class))
                .one()
                .block(Duration.ofSeconds(5));
    }
}
