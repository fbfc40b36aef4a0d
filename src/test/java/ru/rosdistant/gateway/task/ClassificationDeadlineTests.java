package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
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
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;

/** Regulation 4.3.2c on line lab124: classification within one working day of the end of the dialog. */
@GatewayTest
class ClassificationDeadlineTests {

    private static final List<String> LINE = List.of("lab124");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    ClassificationDeadlines deadlines;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void dialogTheVisitorClosedMustBeClassifiedWithinOneWorkingDayOfItsEnd() {
        Agent agent = Staff.agent(agents, "lab124", 5);
        String dialogId = closedByVisitor(agent);
        Instant ended = endOf(dialogId);
        ZonedDateTime local = ended.atZone(calendar.zone("lab124"));
        Instant expected = local.with(calendar.plusWorkingDays(local.toLocalDate(), 1)).toInstant();

        ClassificationDeadlines.Unclassified listed = mine(agent, ended.plusSeconds(60), dialogId);
        assertThat(listed.deadline()).isEqualTo(expected);
        assertThat(listed.overdue()).isFalse();
        assertThat(mine(agent, expected.plusSeconds(1), dialogId).overdue()).isTrue();
        JsonNode rest = Checks.body(Checks.http(port).get().uri("/api/dialogs/unclassified")
                .header("Cookie", Staff.login(port, agent.login(), Staff.PASSWORD)).exchange().expectStatus().isOk());
        assertThat(rest.valueStream().map(d -> d.path("dialogId").asString())).contains(dialogId);

        try (WsClient console = Staff.online(port, agent)) {
            console.send(Map.of("type", "classify", "dialogId", dialogId, "appealType", "CONSULTATION"));
            Checks.eventually(() -> Checks.text(db, "SELECT appeal_type AS v FROM dialog WHERE id = '" + dialogId
                    + "'"), "the classification");
        }
        assertThat(deadlines.of(agent.id(), agent.lines(), expected.plusSeconds(1)).collectList()
                .block(Duration.ofSeconds(10))).extracting(d -> d.dialogId().toString()).doesNotContain(dialogId);
    }

    @Test
    void supervisorSeesUnclassifiedDialogsPastTheDayAndEachIsEscalatedOnce() {
        Agent agent = Staff.agent(agents, "lab124", 5);
        String dialogId = closedByVisitor(agent);
        Instant deadline = deadlines.deadline("lab124", endOf(dialogId));

        assertThat(ids(deadlines.overdue(LINE, deadline.minusSeconds(60)).collectList()
                .block(Duration.ofSeconds(10)))).doesNotContain(dialogId);
        Instant past = deadline.plusSeconds(60);
        assertThat(ids(deadlines.overdue(LINE, past).collectList().block(Duration.ofSeconds(10)))).contains(dialogId);

        assertThat(ids(deadlines.escalate(LINE, past).collectList().block(Duration.ofSeconds(10))))
                .contains(dialogId);
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key = 'unclassified:"
                + dialogId + "'")).isEqualTo("lab124-supervisor@test");
        assertThat(ids(deadlines.escalate(LINE, past.plusSeconds(3600)).collectList().block(Duration.ofSeconds(10))))
                .as("escalated once").doesNotContain(dialogId);

        Agent supervisor = Staff.agent(agents, "lab124", 5, Role.SUPERVISOR);
        Checks.http(port).get().uri("/api/supervisor/unclassified")
                .header("Cookie", Staff.login(port, supervisor.login(), Staff.PASSWORD)).exchange().expectStatus()
                .isOk();
        Checks.http(port).get().uri("/api/supervisor/unclassified")
                .header("Cookie", Staff.login(port, agent.login(), Staff.PASSWORD)).exchange().expectStatus()
                .isForbidden();
    }

    @Test
    void endedDialogHandedToALineIsClassifiedByAnAgentOfThatLine() {
        Agent first = Staff.agent(agents, "lab124", 5);
        String dialogId = closedByVisitor(first);
        db.sql("UPDATE dialog SET agent_id = NULL WHERE id = :id").bind("id", UUID.fromString(dialogId)).then()
                .block(Duration.ofSeconds(10));
        Agent colleague = Staff.agent(agents, "lab124", 5);
        assertThat(ids(deadlines.of(colleague.id(), colleague.lines(), Instant.now()).collectList()
                .block(Duration.ofSeconds(10)))).contains(dialogId);
        try (WsClient console = Staff.online(port, colleague)) {
            console.send(Map.of("type", "classify", "dialogId", dialogId, "appealType", "CONSULTATION"));
            Checks.eventually(() -> Checks.text(db, "SELECT agent_id::text AS v FROM dialog WHERE id = '" + dialogId
                    + "' AND appeal_type IS NOT NULL"), "the classification");
        }
        assertThat(Checks.text(db, "SELECT agent_id::text AS v FROM dialog WHERE id = '" + dialogId + "'"))
                .isEqualTo(String.valueOf(colleague.id()));
    }

    private static List<String> ids(List<ClassificationDeadlines.Unclassified> list) {
        return list.stream().map(d -> d.dialogId().toString()).toList();
    }

    private ClassificationDeadlines.Unclassified mine(Agent agent, Instant now, String dialogId) {
        return deadlines.of(agent.id(), agent.lines(), now)
                .filter(d -> d.dialogId().toString().equals(dialogId))
                .blockFirst(Duration.ofSeconds(10));
    }

    private Instant endOf(String dialogId) {
        return db.sql("SELECT closed_at FROM dialog WHERE id = :id")
                .bind("id", UUID.fromString(dialogId))
                .map(row -> row.get("closed_at", OffsetDateTime.class).toInstant())
                .one()
                .block(Duration.ofSeconds(10));
    }

    /** A dialog the agent had and the visitor closed, unclassified. */
    private String closedByVisitor(Agent agent) {
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, "lab124", "https://lab124.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned");
            visitor.send(Map.of("type", "close", "dialogId", dialogId));
            Checks.eventually(() -> "CLOSED".equals(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '"
                    + dialogId + "'")) ? dialogId : null, "the close");
            return dialogId;
        }
    }
}
