package ru.rosdistant.gateway.triage;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
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

    @Autowired
    DispatcherTriage triage;

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
            String dialogId = openWithMessage(visitor, "Вопрос про поступление");
            db.sql("UPDATE dialog SET state = 'CLOSED', closed_by = 'VISITOR', agent_id = NULL, "
                            + "opened_at = now() - interval '30 minutes', closed_at = now() - interval '11 minutes' "
                            + "WHERE id = '" + dialogId + "'")
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

    @Test
    void triageClockRunsFromTheEndOfTheDialog() {
        try (WsClient visitor = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            String dialogId = openWithMessage(visitor, "Хочу узнать про перевод");
            Instant openedAt = instant(dialogId, "opened_at");

            // open for an hour: still not overdue, the list says how long it has been open
            DispatcherTriage.Pending open = pendingAt(dialogId, openedAt.plus(Duration.ofHours(1)));
            assertThat(open.overdue()).isFalse();
            assertThat(open.deadlineAt()).isNull();
            assertThat(open.sinceEndSeconds()).isNull();
            assertThat(open.openSeconds()).isEqualTo(3600);
            assertThat(open.siteName()).isEqualTo("Росдистант");
            assertThat(open.firstMessage()).isEqualTo("Хочу узнать про перевод");

            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            Checks.eventually(() -> "CLOSED".equals(column(dialogId, "state")) ? dialogId : null, "the close");
            Instant endedAt = instant(dialogId, "closed_at");

            DispatcherTriage.Pending nineMinutesAfter = pendingAt(dialogId, endedAt.plus(Duration.ofMinutes(9)));
            assertThat(nineMinutesAfter.overdue()).isFalse();
            assertThat(nineMinutesAfter.deadlineAt()).isEqualTo(endedAt.plus(Duration.ofMinutes(10)));
            assertThat(nineMinutesAfter.sinceEndSeconds()).isEqualTo(540);
            assertThat(pendingAt(dialogId, endedAt.plus(Duration.ofMinutes(11))).overdue()).isTrue();
            assertThat(listed(triage.overdue(endedAt.plus(Duration.ofMinutes(9)), DispatcherTriage.MAX_PAGE, 0),
                    dialogId)).as("not overdue 9 minutes after the end").isFalse();
            assertThat(listed(triage.overdue(endedAt.plus(Duration.ofMinutes(11)), DispatcherTriage.MAX_PAGE, 0),
                    dialogId)).as("overdue 11 minutes after the end").isTrue();
        }
    }

    @Test
    void endedDialogIsTriagedAndLeavesTheList() {
        Agent dispatcher = Staff.agent(agents, "dispatcher", 10, Role.DISPATCHER);
        try (WsClient console = Staff.online(port, dispatcher);
                WsClient student = WsClient.visitor(port, "main", "https://www.rosdistant.ru");
                WsClient spammer = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            String studentDialog = openWithMessage(student, "Я студент, не могу войти в ЛК");
            String spamDialog = openWithMessage(spammer, "Купите рекламу");
            student.send(Map.of("type", "close", "dialogId", studentDialog));
            spammer.send(Map.of("type", "close", "dialogId", spamDialog));
            Checks.eventually(() -> "CLOSED".equals(column(studentDialog, "state"))
                    && "CLOSED".equals(column(spamDialog, "state")) ? studentDialog : null, "both closes");
            assertThat(listed(triage.pending(Instant.now(), DispatcherTriage.MAX_PAGE, 0), studentDialog)).isTrue();

            console.send(Map.of("type", "triage", "dialogId", studentDialog, "outcome", "student"));
            console.send(Map.of("type", "triage", "dialogId", spamDialog, "outcome", "spam"));
            Checks.eventually(() -> "STUDENT".equals(column(studentDialog, "coalesce(triage, '-')"))
                    && "SPAM".equals(column(spamDialog, "coalesce(triage, '-')")) ? studentDialog : null, "both triaged");

            assertThat(column(studentDialog, "line_id")).isEqualTo("student-affairs");
            assertThat(column(studentDialog, "coalesce(agent_id::text, 'nobody')")).as("the student line classifies it")
                    .isEqualTo("nobody");
            assertThat(column(spamDialog, "line_id")).isEqualTo("dispatcher");
            assertThat(Checks.eventually(() -> db.sql("SELECT c.contact_type AS v FROM dialog d JOIN card c ON "
                            + "c.id = d.card_id WHERE d.id = '" + studentDialog + "' AND c.contact_type IS NOT NULL")
                    .map(row -> row.get("v", String.class)).one().block(Duration.ofSeconds(5)),
                    "the card's kind from the triage")).isEqualTo("STUDENT");
            DispatcherTriage.Page after = triage.pending(Instant.now(), DispatcherTriage.MAX_PAGE, 0)
                    .block(Duration.ofSeconds(10));
            assertThat(after.items()).extracting(pending -> pending.dialog().id().toString())
                    .doesNotContain(studentDialog, spamDialog);
        }
    }

    @Test
    void triageListIsPagedWithTheCountOfAll() {
        Agent dispatcher = Staff.agent(agents, "dispatcher", 10, Role.DISPATCHER);
        try (WsClient first = WsClient.visitor(port, "main", "https://www.rosdistant.ru");
                WsClient second = WsClient.visitor(port, "main", "https://www.rosdistant.ru")) {
            openWithMessage(first, "Первый");
            openWithMessage(second, "Второй");
            WebTestClient client = WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                    .baseUrl("http://localhost:" + port).build();
            var page = client.get()
                    .uri("/api/triage?limit=1&offset=1")
                    .headers(headers -> headers.setBasicAuth(dispatcher.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(JsonNode.class)
                    .returnResult();
            long total = Long.parseLong(page.getResponseHeaders().getFirst("X-Total-Count"));
            assertThat(total).isGreaterThanOrEqualTo(2);
            assertThat(page.getResponseHeaders().getFirst("X-Offset")).isEqualTo("1");
            assertThat(page.getResponseBody().size()).isEqualTo(1);
            assertThat(page.getResponseBody().get(0).path("site").asString()).isEqualTo("Росдистант");
            client.get()
                    .uri("/api/triage?limit=many")
                    .headers(headers -> headers.setBasicAuth(dispatcher.login(), Staff.PASSWORD))
                    .exchange()
                    .expectStatus()
                    .isBadRequest();
        }
    }

    private DispatcherTriage.Pending pendingAt(String dialogId, Instant now) {
        return triage.pending(now, DispatcherTriage.MAX_PAGE, 0)
                .flatMapIterable(DispatcherTriage.Page::items)
                .filter(pending -> pending.dialog().id().toString().equals(dialogId))
                .blockFirst(Duration.ofSeconds(10));
    }

    private Instant instant(String dialogId, String column) {
        return db.sql("SELECT " + column + " AS v FROM dialog WHERE id = '" + dialogId + "'")
                .map(row -> row.get("v", java.time.OffsetDateTime.class).toInstant())
                .one()
                .block(Duration.ofSeconds(5));
    }

    private static boolean listed(reactor.core.publisher.Mono<DispatcherTriage.Page> page, String dialogId) {
        return page.block(Duration.ofSeconds(10)).items().stream()
                .anyMatch(pending -> pending.dialog().id().toString().equals(dialogId));
    }

    private static String openWithMessage(WsClient visitor, String text) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "first", "text", text));
        visitor.await(frame -> frame.path("type").asString().equals("ack") || text.equals(frame.path("message")
                .path("text").asString()), "the message stored");
        return dialogId;
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
