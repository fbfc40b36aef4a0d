package ru.rosdistant.gateway.task;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
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
 * The rest of the loop closed with the applicant (regulation 3, 4.3.2c–d): an offline appeal left unclassified past
 * its working day is escalated once; the result is shown in the widget on the person's next visit and answered
 * there; a result that reached nobody by its {@code tell_by} alerts the line's supervisor. Line and site lab310 are
 * this class's own (supervisor lab310-supervisor@test). The clock is set (into the future, so the background check
 * running on the real clock leaves these records alone), never waited for.
 */
@GatewayTest
class ResultReachTests {

    private static final String LINE = "lab310";

    /** Monday 1 March 2027, 10:00 in Samara. */
    private static final Instant MONDAY = Instant.parse("2027-03-01T06:00:00Z");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    TaskClock clock;

    @Autowired
    Tasks tasks;

    @Autowired
    ClassificationDeadlines deadlines;

    @Autowired
    ResultReports reports;

    @AfterEach
    void systemClock() {
        clock.set(Clock.systemUTC());
    }

    @Test
    void anOfflineAppealUnclassifiedPastItsWorkingDayIsEscalatedOnceToTheSupervisor() {
        UUID late = appeal(MONDAY, null);
        UUID spam = appeal(MONDAY, "SPAM");
        UUID classified = appeal(MONDAY, null);
        db.sql("UPDATE offline_appeal SET appeal_type = 'CONSULTATION', classified_at = :at WHERE id = :id")
                .bind("at", MONDAY.plusSeconds(60).atOffset(ZoneOffset.UTC))
                .bind("id", classified)
                .then()
                .block(Duration.ofSeconds(10));

        // Tuesday 09:59: still within the working day
        assertThat(escalated(MONDAY.plus(Duration.ofHours(24)).minusSeconds(60))).doesNotContain(late);
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM outbox WHERE dedup_key = 'unclassified-appeal:"
                + late + "'")).isEqualTo("0");
        // Tuesday 10:01: past it — escalated once, the supervisor mailed; spam and classified ones are not
        List<UUID> first = escalated(MONDAY.plus(Duration.ofHours(24)).plusSeconds(60));
        assertThat(first).contains(late).doesNotContain(spam, classified);
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key = 'unclassified-appeal:"
                + late + "'")).isEqualTo("lab310-supervisor@test");
        assertThat(Checks.text(db, "SELECT (classify_escalated_at IS NOT NULL)::text AS v FROM offline_appeal WHERE id = '"
                + late + "'")).isEqualTo("true");
        assertThat(escalated(MONDAY.plus(Duration.ofDays(3)))).doesNotContain(late);

        // shown on Friday 5 March: the working day ends after the weekend and the 8 March holiday, on Tuesday
        Instant friday = MONDAY.plus(Duration.ofDays(4));
        UUID weekend = appeal(friday, null);
        assertThat(escalated(friday.plus(Duration.ofDays(3)).plusSeconds(60))).doesNotContain(weekend);
        assertThat(escalated(friday.plus(Duration.ofDays(4)).plusSeconds(60))).contains(weekend);
    }

    @Test
    void theResultIsShownInTheWidgetOnTheNextVisitAndAnsweredThereAndAnUntoldOneAlertsTheSupervisor() {
        clock.set(Clock.fixed(MONDAY, ZoneOffset.UTC));
        Agent agent = Staff.agent(agents, LINE, 5);
        String token;
        String dialogId;
        try (WsClient visitor = WsClient.visitor(port, LINE, "https://lab310.test")) {
            visitor.send("{\"type\":\"hello\"}");
            token = visitor.awaitType("welcome").path("token").asString();
            dialogId = closedDialog(visitor, "Зоя Л.");
        }
        UUID shownTask = completed(db, tasks, dialogId, agent, "SR-310-1",
                "Справка готова, заберите в деканате");
        String otherDialog;
        try (WsClient other = WsClient.visitor(port, LINE, "https://lab310.test")) {
            other.send("{\"type\":\"hello\"}");
            other.awaitType("welcome");
            otherDialog = closedDialog(other, "Яков М.");
        }
        UUID untoldTask = completed(db, tasks, otherDialog, agent, "SR-310-2",
                "Ответ, который никто не увидел");
        assertThat(Checks.text(db, "SELECT array_to_string(channels, ',') AS v FROM task_result_report WHERE task_id = '"
                + shownTask + "'")).isEqualTo("WIDGET");

        // the person comes back: the result and the question come after the welcome
        try (WsClient visitor = WsClient.visitor(port, LINE, "https://lab310.test");
                WsClient stranger = WsClient.visitor(port, LINE, "https://lab310.test")) {
            visitor.send(Map.of("type", "hello", "token", token));
            visitor.awaitType("welcome");
            JsonNode result = visitor.awaitType("result");
            assertThat(result.path("text").asString()).isEqualTo("Справка готова, заберите в деканате");
            assertThat(result.path("requestNumber").asString()).isEqualTo("SR-310-1");
            assertThat(result.path("question").asString()).isEqualTo("Получили ли вы ответ?");
            String resultId = result.path("resultId").asString();

            // nobody else may answer it, and the answer is true or false
            stranger.send("{\"type\":\"hello\"}");
            stranger.awaitType("welcome");
            stranger.send(Map.of("type", "result_receipt", "resultId", resultId, "received", false, "ref", "s1"));
            JsonNode refused = stranger.awaitType("error");
            assertThat(refused.path("code").asString()).isEqualTo("INVALID_FIELD");
            assertThat(refused.path("message").asString()).isEqualTo("resultId: no such result of yours");
            visitor.send(Map.of("type", "result_receipt", "resultId", resultId, "received", "да", "ref", "v0"));
            assertThat(visitor.awaitType("error").path("message").asString()).isEqualTo("received: true or false");

            visitor.send(Map.of("type", "result_receipt", "resultId", resultId, "received", true, "ref", "v1"));
            JsonNode answered = visitor.awaitType("result_received");
            assertThat(answered.path("answer").asString()).isEqualTo("RECEIVED");
            assertThat(answered.path("ref").asString()).isEqualTo("v1");
        }
        assertThat(Checks.text(db, "SELECT answer || ' ' || (shown_at IS NOT NULL) AS v FROM task_result_report "
                + "WHERE task_id = '" + shownTask + "'")).isEqualTo("RECEIVED true");
        assertThat(Checks.text(db, "SELECT state AS v FROM task WHERE id = '" + shownTask + "'")).isEqualTo("DONE");
        // answered: not shown again
        try (WsClient visitor = WsClient.visitor(port, LINE, "https://lab310.test")) {
            visitor.send(Map.of("type", "hello", "token", token));
            visitor.awaitType("welcome");
            assertThat(visitor.drain(Duration.ofMillis(500))).noneMatch(frame -> "result".equals(
                    frame.path("type").asString()));
        }

        // tell_by is Tuesday 10:00: before it nothing; after it only the result nobody saw alerts, once
        assertThat(reports.alertUntold(List.of(LINE), MONDAY.plus(Duration.ofHours(23))).collectList()
                .block(Duration.ofSeconds(10))).isEmpty();
        List<UUID> alerted = reports.alertUntold(List.of(LINE), MONDAY.plus(Duration.ofHours(25))).collectList()
                .block(Duration.ofSeconds(10));
        String untoldReport = Checks.text(db, "SELECT id::text AS v FROM task_result_report WHERE task_id = '"
                + untoldTask + "'");
        assertThat(alerted).containsExactly(UUID.fromString(untoldReport));
        String mail = Checks.text(db, "SELECT payload::text AS v FROM outbox WHERE dedup_key = 'task-result-untold:"
                + untoldReport + "'");
        assertThat(mail).contains("lab310-supervisor@test").contains("Результат не доведён до заявителя")
                .contains("Сообщить результат по заявке SR-310-2");
        assertThat(reports.alertUntold(List.of(LINE), MONDAY.plus(Duration.ofDays(2))).collectList()
                .block(Duration.ofSeconds(10))).isEmpty();
    }

    private List<UUID> escalated(Instant now) {
        return deadlines.escalateAppeals(List.of(LINE), now)
                .map(ClassificationDeadlines.UnclassifiedAppeal::appealId)
                .collectList()
                .block(Duration.ofSeconds(10));
    }

    /** An offline form's appeal on lab310, shown from {@code shownFrom}, triaged as given. */
    private UUID appeal(Instant shownFrom, String triage) {
        UUID card = ru.rosdistant.gateway.card.CardFixtures.card(db, "Зоя Л.", List.of(), List.of());
        UUID form = ru.rosdistant.gateway.card.CardFixtures.form(db, card, LINE, "Зоя Л.", "none@example.ru",
                "Нужна справка");
        UUID appeal = UUID.randomUUID();
        db.sql("""
                        INSERT INTO offline_appeal (id, source, line_id, site_id, channel, offline_form_id, card_id, name,
                            question, dedup_key, shown_from, answer_by, triage)
                        VALUES (:id, 'FORM', :line, :line, 'WIDGET', :form, :card, 'Зоя Л.', 'Нужна справка',
                            :key, :shown, current_date, :triage)""")
                .bind("id", appeal)
                .bind("line", LINE)
                .bind("form", form)
                .bind("card", card)
                .bind("key", "test:" + appeal)
                .bind("shown", shownFrom.atOffset(ZoneOffset.UTC))
                .bind("triage", org.springframework.r2dbc.core.Parameter.fromOrEmpty(triage, String.class))
                .then()
                .block(Duration.ofSeconds(10));
        return appeal;
    }
}
