package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

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
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The complaint's addressee (regulation 4.3.2c, 3) from all the evidence: lab120 is a plain line and site, lab121 a
 * student site (gateway.tasks.student-sites), lab122 a student line (gateway.tasks.student-lines).
 */
@GatewayTest
class ComplaintAddresseeTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    ComplaintAddressees addressees;

    @Autowired
    CardBinding binding;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void complaintAddresseeFollowsCardThenTriageThenLineThenSite() {
        try (WsClient plain = WsClient.visitor(port, "lab120", "https://lab120.test");
                WsClient triaged = WsClient.visitor(port, "lab120", "https://lab120.test");
                WsClient onStudentSite = WsClient.visitor(port, "lab121", "https://lab121.test");
                WsClient onStudentLine = WsClient.visitor(port, "lab122", "https://lab122.test");
                WsClient applicantOnStudentLine = WsClient.visitor(port, "lab122", "https://lab122.test")) {
            assertThat(choice(open(plain))).isEqualTo("MARKETING_DIRECTOR by DEFAULT");
            assertThat(choice(open(onStudentSite))).isEqualTo("HEAD_OF_STUDENT_AFFAIRS by SITE");
            assertThat(choice(open(onStudentLine))).isEqualTo("HEAD_OF_STUDENT_AFFAIRS by LINE");

            String triagedDialog = open(triaged);
            db.sql("UPDATE dialog SET triage = 'STUDENT' WHERE id = :id").bind("id", UUID.fromString(triagedDialog))
                    .then().block(Duration.ofSeconds(10));
            assertThat(choice(triagedDialog)).isEqualTo("HEAD_OF_STUDENT_AFFAIRS by TRIAGE");

            String applicantDialog = open(applicantOnStudentLine);
            setContactType(applicantDialog, "APPLICANT");
            assertThat(choice(applicantDialog)).as("the card wins over the line")
                    .isEqualTo("MARKETING_DIRECTOR by CARD");
        }
    }

    @Test
    void complaintTaskIsTitledAsTheRegulationSaysAndDueInThreeWorkingDaysAlways() {
        Agent agent = Staff.agent(agents, "lab122", 5);
        String dialogId = closedDialog(agent, "lab122", Map.of("appealType", "COMPLAINT", "requestNumber", "Ж-7",
                "dueDate", "2030-01-10"), opened -> { });
        Map<String, String> task = taskOf(dialogId);
        assertThat(task.get("title")).isEqualTo("Сообщить ответ на жалобу. Направлена (начальнику УСУП). Заявка Ж-7");
        assertThat(task.get("addressee")).isEqualTo("HEAD_OF_STUDENT_AFFAIRS");
        LocalDate today = LocalDate.now(ZoneId.of("Europe/Samara"));
        assertThat(task.get("due")).as("the service's own deadline is for service requests only")
                .isEqualTo(calendar.plusWorkingDays(today, 3).toString());
        assertThat(Checks.text(db, "SELECT string_agg(payload->>'to', ',' ORDER BY id) AS v FROM outbox WHERE "
                + "dedup_key = 'complaint:" + task.get("id") + ":addressee'"))
                .isEqualTo("student-affairs-head@rosdistant.ru");
    }

    @Test
    void agentSeesTheComplaintAddresseeAtCloseAndMayChangeIt() {
        Agent agent = Staff.agent(agents, "lab122", 5);
        Agent stranger = Staff.agent(agents, "lab120", 5);
        String strangerCookie = Staff.login(port, stranger.login(), Staff.PASSWORD);
        String dialogId = closedDialog(agent, "lab122", Map.of("appealType", "COMPLAINT", "requestNumber", "Ж-8",
                "addressee", "marketing_director"), opened -> {
                    String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
                    JsonNode shown = Checks.body(Checks.http(port).get()
                            .uri("/api/complaints/addressee?dialogId=" + opened)
                            .header("Cookie", cookie).exchange().expectStatus().isOk());
                    assertThat(shown.path("addressee").asString()).isEqualTo("HEAD_OF_STUDENT_AFFAIRS");
                    assertThat(shown.path("label").asString()).isEqualTo("начальнику УСУП");
                    assertThat(shown.path("decidedBy").asString()).isEqualTo("LINE");
                    Checks.http(port).get().uri("/api/complaints/addressee?dialogId=" + opened)
                            .header("Cookie", strangerCookie).exchange().expectStatus().isNotFound();
                    Checks.http(port).get().uri("/api/complaints/addressee?dialogId=nonsense")
                            .header("Cookie", cookie).exchange().expectStatus().isBadRequest();
                });
        Map<String, String> task = taskOf(dialogId);
        assertThat(task.get("addressee")).isEqualTo("MARKETING_DIRECTOR");
        assertThat(task.get("title")).isEqualTo("Сообщить ответ на жалобу. Направлена (директору ЦМОУиПА). Заявка Ж-8");
        assertThat(choice(dialogId)).isEqualTo("MARKETING_DIRECTOR by AGENT");
    }

    private String choice(String dialogId) {
        ComplaintAddressees.Choice choice = addressees.of(UUID.fromString(dialogId)).block(Duration.ofSeconds(10));
        return choice.addressee() + " by " + choice.by();
    }

    private void setContactType(String dialogId, String type) {
        UUID card = binding.cardOf(UUID.fromString(dialogId)).block(Duration.ofSeconds(10));
        db.sql("UPDATE card SET kind = 'CONTACT', contact_type = :type WHERE id = :id").bind("id", card)
                .bind("type", type).then().block(Duration.ofSeconds(10));
    }

    private static String open(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }

    private String closedDialog(Agent agent, String site, Map<String, Object> classification,
            Consumer<String> beforeClose) {
        try (WsClient console = Staff.online(port, agent);
                WsClient visitor = WsClient.visitor(port, site, "https://" + site + ".test")) {
            String dialogId = open(visitor);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned");
            beforeClose.accept(dialogId);
            Map<String, Object> frame = new HashMap<>(classification);
            frame.put("type", "close");
            frame.put("dialogId", dialogId);
            console.send(frame);
            console.await(f -> f.path("dialog").path("dialogId").asString().equals(dialogId)
                    && f.path("dialog").path("appealType").isString(), "classified");
            return dialogId;
        }
    }

    private Map<String, String> taskOf(String dialogId) {
        return Checks.eventually(() -> db.sql("""
                        SELECT id::text, title, due::text, addressee FROM task WHERE dialog_id = :d""")
                .bind("d", UUID.fromString(dialogId))
                .map(row -> Map.of("id", row.get("id", String.class), "title", row.get("title", String.class),
                        "due", row.get("due", String.class), "addressee", row.get("addressee", String.class)))
                .one()
                .block(Duration.ofSeconds(10)), "the task of " + dialogId);
    }
}
