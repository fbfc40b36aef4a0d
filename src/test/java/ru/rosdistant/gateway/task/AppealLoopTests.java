package ru.rosdistant.gateway.task;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.card.CardFixtures;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Offline appeals as work (regulation 4.3.2c: the same tasks and deadlines as a dialog) and the loop closed with the
 * applicant (regulation 3, 4.3.2d): the result of a completed task goes to the person, who says whether they received
 * it; a «no» reopens the task +3 working days and tells the line's supervisor; the answer is on the card. The clock
 * is set, never waited for. Line and site lab304 are this class's own (its supervisor: lab304-supervisor@test).
 */
@GatewayTest
class AppealLoopTests {

    private static final String LINE = "lab304";

    /** A Monday, 10:00 in Samara. */
    private static final Instant MONDAY = Instant.parse("2026-03-02T06:00:00Z");

    private static final Pattern LINK = Pattern.compile("result\\.html#([A-Za-z0-9_-]{43})");

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    TaskClock clock;

    @Autowired
    WorkingCalendar calendar;

    WebTestClient http;

    Agent agent;

    String cookie;

    @BeforeEach
    void setUp() {
        http = Checks.http(port);
        agent = Staff.agent(agents, LINE, 5);
        cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
    }

    @AfterEach
    void systemClock() {
        clock.set(Clock.systemUTC());
    }

    @Test
    void aClassifiedOfflineAppealGetsTheSameTaskAndDeadlineAsADialog() {
        UUID request = appeal("zoya." + UUID.randomUUID() + "@example.ru");
        JsonNode classified = Checks.body(http.post().uri("/api/offline-appeals/" + request + "/classify")
                .header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "SERVICE_REQUEST", "requestNumber", "SR-304-1"))
                .exchange().expectStatus().isOk());
        assertThat(classified.path("appealType").asString()).isEqualTo("SERVICE_REQUEST");
        LocalDate today = LocalDate.now(java.time.ZoneId.of("Europe/Samara"));
        assertThat(Checks.text(db, "SELECT kind || ' ' || title || ' ' || due || ' ' || owner_agent_id AS v FROM task "
                + "WHERE offline_appeal_id = '" + request + "'"))
                .isEqualTo("REQUEST_RESULT Сообщить результат по заявке SR-304-1 " + calendar.plusWorkingDays(today, 3)
                        + " " + agent.id());

        UUID complaint = appeal("yana." + UUID.randomUUID() + "@example.ru");
        http.post().uri("/api/offline-appeals/" + complaint + "/classify").header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "COMPLAINT", "requestNumber", "CM-304-2")).exchange().expectStatus().isOk();
        String taskId = Checks.text(db, "SELECT id::text AS v FROM task WHERE offline_appeal_id = '" + complaint + "'");
        assertThat(Checks.text(db, "SELECT title AS v FROM task WHERE id = '" + taskId + "'"))
                .isEqualTo("Сообщить ответ на жалобу. Направлена (директору ЦМОУиПА). Заявка CM-304-2");
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key = 'complaint:" + taskId
                + ":supervisor'")).isEqualTo("lab304-supervisor@test");

        // a consultation makes no task
        UUID consultation = appeal(null);
        http.post().uri("/api/offline-appeals/" + consultation + "/classify").header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "CONSULTATION")).exchange().expectStatus().isOk();
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE offline_appeal_id = '" + consultation + "'"))
                .isEqualTo("0");
    }

    @Test
    void theResultGoesToThePersonAndANoReopensTheTaskPlusThreeWorkingDaysAndTellsTheSupervisor() {
        clock.set(Clock.fixed(MONDAY, ZoneOffset.UTC));
        String email = "lev." + UUID.randomUUID() + "@example.ru";
        UUID appeal = appeal(email);
        http.post().uri("/api/offline-appeals/" + appeal + "/classify").header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "SERVICE_REQUEST", "requestNumber", "SR-304-9")).exchange()
                .expectStatus().isOk();
        String taskId = Checks.text(db, "SELECT id::text AS v FROM task WHERE offline_appeal_id = '" + appeal + "'");
        http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", cookie)
                .bodyValue(Map.of("result", "Справка готова, заберите в деканате")).exchange().expectStatus().isOk();

        // the result is mailed to the person at once, with the question; it is due within one working day
        String mail = Checks.text(db, "SELECT payload::text AS v FROM outbox WHERE dedup_key LIKE 'task-result:%:mail' "
                + "AND payload->>'to' = '" + email + "'");
        assertThat(mail).contains("Справка готова, заберите в деканате").contains("Получили ли вы ответ?");
        assertThat(Checks.text(db, "SELECT tell_by::text AS v FROM task_result_report WHERE task_id = '" + taskId + "'"))
                .isEqualTo("2026-03-03 06:00:00+00");
        Matcher link = LINK.matcher(mail);
        assertThat(link.find()).isTrue();
        String token = link.group(1);

        JsonNode page = Checks.body(http.get().uri("/api/result-receipts/" + token).exchange().expectStatus().isOk());
        assertThat(page.path("result").asString()).isEqualTo("Справка готова, заберите в деканате");
        http.get().uri("/api/result-receipts/" + "x".repeat(43)).exchange().expectStatus().isNotFound();
        http.get().uri("/api/result-receipts/short").exchange().expectStatus().isNotFound();
        http.post().uri("/api/result-receipts/" + token).bodyValue(Map.of()).exchange().expectStatus().isBadRequest();

        // «no», on Tuesday: the task is open again, due +3 working days, and the supervisor is mailed
        clock.set(Clock.fixed(MONDAY.plus(Duration.ofDays(1)), ZoneOffset.UTC));
        http.post().uri("/api/result-receipts/" + token).bodyValue(Map.of("received", false)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.answer").isEqualTo("NOT_RECEIVED");
        assertThat(Checks.text(db, "SELECT state || ' ' || due AS v FROM task WHERE id = '" + taskId + "'"))
                .isEqualTo("OPEN " + calendar.plusWorkingDays(LocalDate.parse("2026-03-03"), 3));
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key LIKE 'task-not-received:"
                + taskId + ":%'")).isEqualTo("lab304-supervisor@test");
        // the answer is final, and on the card
        http.post().uri("/api/result-receipts/" + token).bodyValue(Map.of("received", true)).exchange()
                .expectStatus().isEqualTo(409);
        http.post().uri("/api/result-receipts/" + token).bodyValue(Map.of("received", false)).exchange()
                .expectStatus().isOk();
        String cardId = Checks.text(db, "SELECT card_id::text AS v FROM task WHERE id = '" + taskId + "'");
        JsonNode card = Checks.body(http.get().uri("/api/cards/" + cardId).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(card.path("tasks").get(0).path("receipt").asString()).isEqualTo("NOT_RECEIVED");
        assertThat(Checks.text(db, "SELECT string_agg(event, ',' ORDER BY id) AS v FROM task_history WHERE task_id = '"
                + taskId + "'")).isEqualTo("CREATED,COMPLETED,RESULT_SENT,NOT_RECEIVED,REOPENED");

        // completed again, the person says «yes»: it stays done
        http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", cookie)
                .bodyValue(Map.of("result", "Отправили справку почтой")).exchange().expectStatus().isOk();
        String second = Checks.text(db, "SELECT payload::text AS v FROM outbox WHERE dedup_key LIKE 'task-result:%:mail' "
                + "AND payload::text LIKE '%Отправили справку почтой%'");
        Matcher again = LINK.matcher(second);
        assertThat(again.find()).isTrue();
        http.post().uri("/api/result-receipts/" + again.group(1)).bodyValue(Map.of("received", true)).exchange()
                .expectStatus().isOk();
        assertThat(Checks.text(db, "SELECT state AS v FROM task WHERE id = '" + taskId + "'")).isEqualTo("DONE");
    }

    @Test
    void aGuesserOfResultLinksIsSlowedDownPerAddressAndOthersAreNot() {
        // the guesser comes from 127.0.0.2 (loopback all the same), so this class's other requests keep their allowance;
        // its 14 guesses go at once, so that a slow machine cannot refill the allowance between them
        reactor.netty.http.client.HttpClient guesser = reactor.netty.http.client.HttpClient.create()
                .bindAddress(() -> new java.net.InetSocketAddress("127.0.0.2", 0));
        List<Map.Entry<Integer, String>> answers = reactor.core.publisher.Flux.range(0, 14)
                .flatMap(i -> guesser.get()
                        .uri("http://127.0.0.1:" + port + "/api/result-receipts/" + "g".repeat(41) + (10 + i))
                        .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                                .map(text -> Map.entry(response.status().code(),
                                        String.valueOf(response.responseHeaders().get("Retry-After"))))), 14)
                .collectList()
                .block(Duration.ofSeconds(60));
        List<Integer> statuses = answers.stream().map(Map.Entry::getKey).toList();
        assertThat(statuses).as("unknown links are 404, the guesses past the allowance 429").containsOnly(404, 429);
        assertThat(statuses.stream().filter(status -> status == 404).count()).as("the allowance: 10 at once")
                .isGreaterThanOrEqualTo(10);
        assertThat(answers.stream().filter(answer -> answer.getKey() == 429).toList())
                .as("refused with Retry-After in seconds").isNotEmpty()
                .allSatisfy(answer -> assertThat(answer.getValue()).matches("[1-9][0-9]*"));
        http.get().uri("/api/result-receipts/" + "x".repeat(43)).exchange().expectStatus().isNotFound();
    }

    /** An offline form's appeal on lab304 with its card, shown now. */
    private UUID appeal(String email) {
        UUID card = CardFixtures.card(db, "Зоя Л.", email == null ? List.of() : List.of(email), List.of());
        UUID form = CardFixtures.form(db, card, LINE, "Зоя Л.", email == null ? "none@example.ru" : email, "Нужна справка");
        UUID appeal = UUID.randomUUID();
        db.sql("""
                        INSERT INTO offline_appeal (id, source, line_id, site_id, channel, offline_form_id, card_id, name,
                            email, question, dedup_key, shown_from, answer_by)
                        VALUES (:id, 'FORM', :line, :line, 'WIDGET', :form, :card, 'Зоя Л.', :email, 'Нужна справка',
                            :key, now() - interval '1 minute', current_date)""")
                .bind("id", appeal)
                .bind("line", LINE)
                .bind("form", form)
                .bind("card", card)
                .bind("email", org.springframework.r2dbc.core.Parameter.fromOrEmpty(email, String.class))
                .bind("key", "test:" + appeal)
                .then()
                .block(Duration.ofSeconds(10));
        return appeal;
    }
}
