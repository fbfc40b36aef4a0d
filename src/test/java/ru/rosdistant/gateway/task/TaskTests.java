package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;

/** Follow-up tasks: created on close, due in working days, addressed, completed, escalated when overdue. */
@GatewayTest
class TaskTests {

    private static final String SITE = "lab37";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    Tasks tasks;

    @Autowired
    CardBinding binding;

    @Autowired
    WorkingCalendar calendar;

    WebTestClient http;

    @BeforeEach
    void client() {
        http = Checks.http(port);
    }

    @Test
    void aServiceRequestBecomesATaskDueInThreeWorkingDaysThatOnlyItsOwnerOrASupervisorCompletes() {
        Agent agent = Staff.agent(agents, SITE, 5);
        Agent colleague = Staff.agent(agents, SITE, 5);
        Agent supervisor = Staff.agent(agents, SITE, 5, Role.SUPERVISOR);
        String dialogId = closedDialog(agent, Map.of("appealType", "SERVICE_REQUEST", "requestNumber", "R-2026-77"));
        Map<String, Object> task = taskOf(dialogId);
        assertThat(task.get("title")).isEqualTo("Сообщить результат по заявке R-2026-77");
        assertThat(task.get("kind")).isEqualTo("REQUEST_RESULT");
        LocalDate today = LocalDate.now(ZoneId.of("Europe/Samara"));
        assertThat(task.get("due")).isEqualTo(calendar.plusWorkingDays(today, 3).toString());
        assertThat(task.get("owner")).isEqualTo(String.valueOf(agent.id()));
        UUID taskId = UUID.fromString((String) task.get("id"));

        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        JsonNode mine = Checks.body(http.get().uri("/api/tasks").header("Cookie", cookie).exchange().expectStatus().isOk());
        assertThat(mine.valueStream().map(t -> t.path("id").asString())).contains(taskId.toString());

        String colleagueCookie = Staff.login(port, colleague.login(), Staff.PASSWORD);
        http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", colleagueCookie)
                .bodyValue(Map.of("result", "готово")).exchange().expectStatus().isForbidden();
        http.get().uri("/api/supervisor/tasks").header("Cookie", colleagueCookie).exchange().expectStatus()
                .isForbidden();
        http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", cookie)
                .bodyValue(Map.of("result", " ")).exchange().expectStatus().isBadRequest();
        String supervisorCookie = Staff.login(port, supervisor.login(), Staff.PASSWORD);
        JsonNode open = Checks.body(http.get().uri("/api/supervisor/tasks").header("Cookie", supervisorCookie).exchange()
                .expectStatus().isOk());
        assertThat(open.valueStream().map(t -> t.path("id").asString())).contains(taskId.toString());
        JsonNode done = Checks.body(http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", cookie)
                .bodyValue(Map.of("result", "Заявка выполнена, студенту сообщено по телефону")).exchange()
                .expectStatus().isOk());
        assertThat(done.path("state").asString()).isEqualTo("DONE");
        http.post().uri("/api/tasks/" + taskId + "/complete").header("Cookie", cookie)
                .bodyValue(Map.of("result", "ещё раз")).exchange().expectStatus().isEqualTo(409);
        JsonNode history = Checks.body(http.get().uri("/api/tasks/" + taskId).header("Cookie", cookie).exchange()
                .expectStatus().isOk());
        assertThat(history.path("history").valueStream().map(h -> h.path("event").asString()))
                .as("completed, and the result kept for the person's next visit to the widget")
                .containsExactly("CREATED", "COMPLETED", "RESULT_SENT");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM task WHERE dialog_id = '" + dialogId + "'"))
                .as("one task per dialog, however often the sweep runs").isEqualTo("1");
    }

    @Test
    void theServicesOwnDeadlineWinsOverThreeWorkingDays() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String dialogId = closedDialog(agent, Map.of("appealType", "CHANGE_REQUEST", "requestNumber", "CH-5",
                "dueDate", "2027-01-11"));
        assertThat(taskOf(dialogId).get("due")).isEqualTo("2027-01-11");
    }

    @Test
    void aComplaintIsAddressedByThePersonsKindAndTheSupervisorIsToldAtOnce() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String fromApplicant = closedDialog(agent, Map.of("appealType", "COMPLAINT", "requestNumber", "Ж-101"));
        Map<String, Object> task = taskOf(fromApplicant);
        assertThat(task.get("addressee")).isEqualTo("MARKETING_DIRECTOR");
        assertThat(task.get("title")).isEqualTo("Сообщить ответ на жалобу. Направлена (директору ЦМОУиПА). Заявка Ж-101");
        assertThat(Checks.text(db, "SELECT string_agg(payload->>'to', ',' ORDER BY id) AS v FROM outbox WHERE dedup_key LIKE "
                + "'complaint:" + task.get("id") + ":%'")).isEqualTo("marketing-director@rosdistant.ru,"
                + "lab37-supervisor@test");

        // a student's complaint goes to the head of student affairs
        String dialogId = closedDialog(agent, Map.of("appealType", "COMPLAINT", "requestNumber", "Ж-102"), opened -> {
            UUID card = binding.cardOf(UUID.fromString(opened)).block(Duration.ofSeconds(10));
            db.sql("UPDATE card SET kind = 'CONTACT', contact_type = 'STUDENT' WHERE id = :id").bind("id", card)
                    .then().block(Duration.ofSeconds(10));
        });
        assertThat(taskOf(dialogId).get("addressee")).isEqualTo("HEAD_OF_STUDENT_AFFAIRS");
        JsonNode complaints = Checks.body(http.get().uri("/api/supervisor/tasks?kind=COMPLAINT_ANSWER")
                .header("Cookie", Staff.login(port, Staff.agent(agents, SITE, 5, Role.SUPERVISOR).login(),
                        Staff.PASSWORD)).exchange().expectStatus().isOk());
        assertThat(complaints.valueStream().map(t -> t.path("dialogId").asString())).contains(fromApplicant, dialogId);
    }

    @Test
    void anOverdueTaskGetsANewDueDateAHistoryEntryAndItsSupervisorIsToldOncePerDay() {
        Agent agent = Staff.agent(agents, SITE, 5);
        String dialogId = closedDialog(agent, Map.of("appealType", "SERVICE_REQUEST", "requestNumber", "R-OLD"));
        String taskId = (String) taskOf(dialogId).get("id");
        db.sql("UPDATE task SET due = DATE '2026-12-25' WHERE id = :id").bind("id", UUID.fromString(taskId)).then()
                .block(Duration.ofSeconds(10));
        // Monday 2026-12-28 is a working day; the new due date is 3 working days on by the production calendar
        LocalDate monday = LocalDate.of(2026, 12, 28);
        LocalDate expected = calendar.plusWorkingDays(monday, 3);
        List<Task> escalated = tasks.escalate(monday).collectList().block(Duration.ofSeconds(10));
        assertThat(escalated).extracting(Task::id).contains(UUID.fromString(taskId));
        assertThat(Checks.text(db, "SELECT due::text AS v FROM task WHERE id = '" + taskId + "'")).isEqualTo(expected.toString());
        assertThat(Checks.text(db, "SELECT old_due::text || '>' || new_due::text AS v FROM task_history WHERE task_id = '"
                + taskId + "' AND event = 'ESCALATED'")).isEqualTo("2026-12-25>" + expected);
        assertThat(Checks.text(db, "SELECT payload->>'to' AS v FROM outbox WHERE dedup_key = 'task-overdue:" + taskId + ":"
                + monday + "'")).isEqualTo("lab37-supervisor@test");
        assertThat(tasks.escalate(monday).collectList().block(Duration.ofSeconds(10))).extracting(Task::id)
                .doesNotContain(UUID.fromString(taskId));
        // no escalation on a day off (Sunday 2027-01-03 falls in the New Year holidays)
        assertThat(tasks.escalate(LocalDate.of(2027, 1, 3)).collectList().block(Duration.ofSeconds(10))).isEmpty();
    }

    private String closedDialog(Agent agent, Map<String, Object> classification) {
        return closedDialog(agent, classification, dialogId -> { });
    }

    /** A dialog the agent gets and closes with the classification; {@code beforeClose} runs in between. */
    private String closedDialog(Agent agent, Map<String, Object> classification,
            java.util.function.Consumer<String> beforeClose) {
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, SITE, "https://lab37.test")) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            visitor.send("{\"type\":\"open\"}");
            String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned");
            beforeClose.accept(dialogId);
            Map<String, Object> frame = new java.util.HashMap<>(classification);
            frame.put("type", "close");
            frame.put("dialogId", dialogId);
            console.send(frame);
            console.await(f -> f.path("dialog").path("dialogId").asString().equals(dialogId)
                    && f.path("dialog").path("appealType").isString(), "classified");
            return dialogId;
        }
    }

    private Map<String, Object> taskOf(String dialogId) {
        return Checks.eventually(() -> db.sql("""
                        SELECT id::text, kind, title, due::text, owner_agent_id::text AS owner, addressee, dialog_id::text
                        FROM task WHERE dialog_id = :d""")
                .bind("d", UUID.fromString(dialogId))
                .map(row -> {
                    Map<String, Object> task = new java.util.HashMap<>();
                    for (String column : List.of("id", "kind", "title", "due", "owner", "addressee", "dialog_id")) {
                        task.put(column, row.get(column, String.class));
                    }
                    return task;
                })
                .one()
                .block(Duration.ofSeconds(10)), "the task of " + dialogId);
    }
}
