package ru.rosdistant.gateway.overview;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.triage.DispatcherTriage;

import static org.assertj.core.api.Assertions.assertThat;

/** The supervisor's overview: who may read it, and its figures for line lab47. */
@GatewayTest
class OverviewTests {

    private static final String LINE = "lab47";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Outbox outbox;

    @Autowired
    DispatcherTriage triage;

    @Test
    void onlyASupervisorOrAnAdminReadsTheOverview() {
        WebTestClient http = Checks.http(port);
        String agent = Staff.login(port, Staff.agent(agents, LINE, 5).login(), Staff.PASSWORD);
        http.get().uri("/api/supervisor/overview").header("Cookie", agent).exchange().expectStatus().isForbidden();
        http.get().uri("/api/supervisor/overview").exchange().expectStatus().isUnauthorized();
        String admin = Staff.login(port, Staff.agent(agents, LINE, 5, Role.ADMIN).login(), Staff.PASSWORD);
        JsonNode figures = Checks.body(http.get().uri("/api/supervisor/overview").header("Cookie", admin).exchange()
                .expectStatus().isOk());
        assertThat(figures.path("lines").valueStream().map(line -> line.path("line").asString()))
                .contains("applicant-recruitment", "dispatcher", LINE);
    }

    @Test
    void theFiguresOfALine() {
        Agent agent = Staff.agent(agents, LINE, 1);
        String supervisor = Staff.login(port, Staff.agent(agents, "lab46", 5, Role.SUPERVISOR).login(), Staff.PASSWORD);
        List<WsClient> visitors = new ArrayList<>();
        List<String> opened = new ArrayList<>();
        String undeliverable = "overview-test:" + UUID.randomUUID();
        try (WsClient console = Staff.online(port, agent)) {
            // a closed service request whose task is overdue
            String first = open(visitors, opened, LINE, "https://lab47.test");
            awaitAssigned(console, first);
            console.send(Map.of("type", "close", "dialogId", first, "appealType", "SERVICE_REQUEST",
                    "requestNumber", "OV-" + System.nanoTime() % 100_000));
            String task = Checks.eventually(() -> Checks.text(db, "SELECT id::text AS v FROM task WHERE dialog_id = '"
                    + first + "'"), "the task of " + first);
            db.sql("UPDATE task SET due = DATE '2026-01-12' WHERE id = '" + task + "'").then().block(Duration.ofSeconds(10));
            // the agent's one slot is taken again; two more visitors wait
            String busy = open(visitors, opened, LINE, "https://lab47.test");
            awaitAssigned(console, busy);
            open(visitors, opened, LINE, "https://lab47.test");
            open(visitors, opened, LINE, "https://lab47.test");
            // a wait counts from when the dialog joined the line (queued_at)
            db.sql("UPDATE dialog SET opened_at = now() - interval '95 seconds', queued_at = now() - interval '95 seconds' "
                    + "WHERE id = '" + opened.get(2) + "'")
                    .then().block(Duration.ofSeconds(10));
            // an untriaged dialog of the main site that ended an hour ago, past the 10-minute rule
            String untriaged = open(visitors, opened, "main", "https://www.rosdistant.ru");
            db.sql("UPDATE dialog SET state = 'CLOSED', closed_by = 'VISITOR', opened_at = now() - interval '2 hours', "
                    + "closed_at = now() - interval '1 hour' WHERE id = '" + untriaged + "'").then()
                    .block(Duration.ofSeconds(10));
            // an outbox entry that no handler delivers
            outbox.enqueue("overview-test", undeliverable, Map.of("to", "nobody@test"))
                    .block(Duration.ofSeconds(10));

            JsonNode figures = Checks.body(Checks.http(port).get().uri("/api/supervisor/overview")
                    .header("Cookie", supervisor).exchange().expectStatus().isOk());
            JsonNode line = line(figures, LINE);
            assertThat(line.path("name").asString()).isEqualTo("Lab line 47");
            assertThat(line.path("waiting").asLong()).isEqualTo(2);
            assertThat(line.path("longestWaitSeconds").asLong()).isBetween(95L, 400L);
            assertThat(line.path("agentsOnline").asInt()).isEqualTo(1);
            JsonNode mine = line.path("agents").valueStream()
                    .filter(a -> a.path("agentId").asLong() == agent.id())
                    .findFirst()
                    .orElseThrow();
            assertThat(mine.path("presence").asString()).isEqualTo("ONLINE");
            assertThat(mine.path("connected").asBoolean()).isTrue();
            assertThat(mine.path("load").asInt()).isEqualTo(1);
            assertThat(mine.path("maxDialogs").asInt()).isEqualTo(1);
            assertThat(line.path("overdueTasks").asLong()).isEqualTo(1);
            assertThat(line.path("overdueTriage").asLong()).isZero();
            long dispatcherOverdue = line(figures, "dispatcher").path("overdueTriage").asLong();
            assertThat(dispatcherOverdue).isPositive()
                    .isLessThanOrEqualTo(triage.overdueCount(java.time.Instant.now()).block(Duration.ofSeconds(10)));
            long undelivered = figures.path("outbox").path("undelivered").asLong();
            assertThat(undelivered).isPositive();
            assertThat(figures.path("outbox").path("failed").asLong()).isBetween(0L, undelivered);
            assertThat(figures.path("at").asString()).isNotBlank();
        }
        finally {
            for (int i = 0; i < visitors.size(); i++) {
                visitors.get(i).send(Map.of("type", "close", "dialogId", opened.get(i)));
            }
            for (String dialogId : opened) {
                Checks.eventually(() -> "CLOSED".equals(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '"
                        + dialogId + "'")) ? dialogId : null, "the close of " + dialogId);
            }
            visitors.forEach(WsClient::close);
            db.sql("DELETE FROM outbox WHERE dedup_key = :key").bind("key", undeliverable).then()
                    .block(Duration.ofSeconds(10));
        }
    }

    private String open(List<WsClient> visitors, List<String> opened, String site, String origin) {
        WsClient visitor = WsClient.visitor(port, site, origin);
        visitors.add(visitor);
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        opened.add(dialogId);
        return dialogId;
    }

    private static void awaitAssigned(WsClient console, String dialogId) {
        console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned " + dialogId);
    }

    private static JsonNode line(JsonNode figures, String id) {
        return figures.path("lines").valueStream()
                .filter(line -> line.path("line").asString().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line " + id + " in " + figures));
    }
}
