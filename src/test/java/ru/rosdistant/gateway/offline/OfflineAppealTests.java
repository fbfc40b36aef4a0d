package ru.rosdistant.gateway.offline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;

/** Offline appeals as work (regulation 4.3): lab125 works round the clock, lab126 is closed at any test hour. */
@GatewayTest
class OfflineAppealTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    OfflineAppeals appeals;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void offlineFormBecomesAnAppealOnTheLineListIsAnsweredByMailAndClassified() {
        Map<String, Object> form = FormClient.with(FormClient.with(FormClient.form("Анна Сергеевна"), "site", "lab125"),
                "question", "Можно ли сдать экзамен позже?");
        String formId = submitted(form, "https://lab125.test");
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key = 'offline-form:" + formId
                + "'")).as("the site's mailbox still gets its copy").isEqualTo("lab125@test");
        String appealId = Checks.text(db, "SELECT id::text AS v FROM offline_appeal WHERE offline_form_id = '" + formId
                + "'");

        Agent agent = Staff.agent(agents, "lab125", 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        WebTestClient http = Checks.http(port);
        var list = http.get().uri("/api/offline-appeals").header("Cookie", cookie).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult();
        assertThat(Long.parseLong(list.getResponseHeaders().getFirst("X-Total-Count"))).isPositive();
        JsonNode listed = list.getResponseBody().valueStream().filter(a -> a.path("id").asString().equals(appealId))
                .findFirst().orElseThrow();
        assertThat(listed.path("source").asString()).isEqualTo("FORM");
        assertThat(listed.path("question").asString()).isEqualTo("Можно ли сдать экзамен позже?");
        assertThat(listed.path("classifyBy").asString()).isNotBlank();

        String stranger = Staff.login(port, Staff.agent(agents, "lab124", 5).login(), Staff.PASSWORD);
        http.get().uri("/api/offline-appeals/" + appealId).header("Cookie", stranger).exchange().expectStatus()
                .isNotFound();

        http.post().uri("/api/offline-appeals/" + appealId + "/answer").header("Cookie", cookie)
                .bodyValue(Map.of("text", "Да, по заявлению в деканат.")).exchange().expectStatus().isOk();
        assertThat(Checks.text(db, "SELECT payload->>'to' || '|' || (payload->>'body') AS v FROM outbox "
                + "WHERE dedup_key = 'appeal-answer:" + appealId + "'"))
                .startsWith(form.get("email") + "|Да, по заявлению в деканат.");
        http.post().uri("/api/offline-appeals/" + appealId + "/answer").header("Cookie", cookie)
                .bodyValue(Map.of("text", "Ещё раз")).exchange().expectStatus().isEqualTo(409);
        http.post().uri("/api/offline-appeals/" + appealId + "/classify").header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "SERVICE_REQUEST")).exchange().expectStatus().isBadRequest();
        http.post().uri("/api/offline-appeals/" + appealId + "/classify").header("Cookie", cookie)
                .bodyValue(Map.of("appealType", "consultation")).exchange().expectStatus().isOk();
        assertThat(appeals.openOf(List.of("lab125"), Instant.now(), 500, 0).collectList()
                .block(Duration.ofSeconds(10))).extracting(a -> a.id().toString()).doesNotContain(appealId);
    }

    @Test
    void appealIsShownFromTheLinesNextOpening() {
        String formId = submitted(FormClient.with(FormClient.form("Ночной посетитель"), "site", "lab126"),
                "https://lab126.test");
        OfflineAppeals.Appeal appeal = Checks.eventually(() -> appeals.openOf(List.of("lab126"),
                        Instant.now().plus(Duration.ofDays(7)), 500, 0)
                .filter(a -> formId.equals(String.valueOf(a.offlineFormId())))
                .blockFirst(Duration.ofSeconds(10)), "the appeal");
        Instant opening = calendar.nextOpening("lab126", appeal.createdAt()).orElseThrow().toInstant();
        assertThat(appeal.shownFrom()).isEqualTo(opening);
        assertThat(appeals.openOf(List.of("lab126"), opening.minusSeconds(1), 500, 0).collectList()
                .block(Duration.ofSeconds(10))).extracting(a -> a.id()).doesNotContain(appeal.id());
        assertThat(appeals.openOf(List.of("lab126"), opening, 500, 0).collectList()
                .block(Duration.ofSeconds(10))).extracting(a -> a.id()).contains(appeal.id());
    }

    @Test
    void mainSiteAppealIsTriagedByTheDispatcher() {
        String formId = submitted(FormClient.with(FormClient.form("Студент с главной"), "site", "main"),
                "https://www.rosdistant.ru");
        String appealId = Checks.text(db, "SELECT id::text AS v FROM offline_appeal WHERE offline_form_id = '" + formId
                + "'");
        Agent dispatcher = Staff.agent(agents, "dispatcher", 5, Role.DISPATCHER);
        String cookie = Staff.login(port, dispatcher.login(), Staff.PASSWORD);
        Agent plain = Staff.agent(agents, "dispatcher", 5);
        Checks.http(port).post().uri("/api/offline-appeals/" + appealId + "/triage")
                .header("Cookie", Staff.login(port, plain.login(), Staff.PASSWORD))
                .bodyValue(Map.of("outcome", "student")).exchange().expectStatus().isForbidden();
        Checks.http(port).post().uri("/api/offline-appeals/" + appealId + "/triage").header("Cookie", cookie)
                .bodyValue(Map.of("outcome", "maybe")).exchange().expectStatus().isBadRequest();
        JsonNode triaged = Checks.body(Checks.http(port).post().uri("/api/offline-appeals/" + appealId + "/triage")
                .header("Cookie", cookie).bodyValue(Map.of("outcome", "student")).exchange().expectStatus().isOk());
        assertThat(triaged.path("lineId").asString()).isEqualTo("student-affairs");
        assertThat(triaged.path("triage").asString()).isEqualTo("STUDENT");
    }

    private String submitted(Map<String, Object> form, String origin) {
        return new FormClient(port).post(form, origin)
                .expectStatus()
                .isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody()
                .path("id")
                .asString();
    }
}
