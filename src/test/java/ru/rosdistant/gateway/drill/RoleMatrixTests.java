package ru.rosdistant.gateway.drill;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may call what: every REST endpoint against anonymous and each role, allowed or refused as intended.
 * "Allowed" is any answer but 401 and 403 (a 404 for an unknown id still proves the door opened).
 */
@GatewayTest
class RoleMatrixTests {

    /** null stands for an anonymous caller. */
    private static final Set<Role> STAFF = Set.of(Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN);

    private record Door(HttpMethod method, String path, Object body, boolean anonymous, Set<Role> roles) {
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void everyRoleGetsExactlyTheEndpointsItShould() {
        String someId = UUID.randomUUID().toString();
        List<Door> doors = List.of(
                new Door(HttpMethod.GET, "/api/sites", null, true, STAFF),
                new Door(HttpMethod.GET, "/actuator/health/readiness", null, true, STAFF),
                new Door(HttpMethod.GET, "/api/me", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/console/directory", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/cards?q=ab", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/cards/" + someId, null, false, STAFF),
                new Door(HttpMethod.PATCH, "/api/cards/" + someId, Map.of("status", "x"), false, STAFF),
                new Door(HttpMethod.GET, "/api/dialogs/" + someId + "/card", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/tasks", null, false, STAFF),
                new Door(HttpMethod.POST, "/api/tasks/" + someId + "/complete", Map.of("result", "x"), false, STAFF),
                new Door(HttpMethod.GET, "/api/triage", null, false, Set.of(Role.DISPATCHER, Role.SUPERVISOR)),
                new Door(HttpMethod.GET, "/api/triage/overdue", null, false, Set.of(Role.SUPERVISOR)),
                new Door(HttpMethod.GET, "/api/supervisor/tasks", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/supervisor/outbox", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/canned", null, false, STAFF),
                new Door(HttpMethod.POST, "/api/supervisor/canned", Map.of("line", "x"), false,
                        Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/supervisor/overview", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/admin/agents", null, false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.POST, "/api/admin/agents", Map.of("login", "x"), false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/admin/cards/" + someId + "/audit", null, false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.GET, "/api/admin/audit", null, false, Set.of(Role.ADMIN)),
                new Door(HttpMethod.POST, "/api/cards/" + someId + "/possible-match/dismiss", null, false, STAFF),
                new Door(HttpMethod.GET, "/api/tasks/" + someId, null, false, STAFF),
                // Prometheus scrapes with a SUPERVISOR's or ADMIN's login (or on a management port of its own)
                new Door(HttpMethod.GET, "/actuator/prometheus", null, false, Set.of(Role.SUPERVISOR, Role.ADMIN)),
                new Door(HttpMethod.GET, "/actuator/metrics", null, false, Set.of(Role.ADMIN)));
        Map<Role, String> cookies = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            Agent agent = Staff.agent(agents, "lab38", 5, role);
            // Staff.agent always adds AGENT; an AGENT-only caller is the plain agent
            cookies.put(role, Staff.login(port, agent.login(), Staff.PASSWORD));
        }
        WebTestClient http = WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30))
                .baseUrl("http://localhost:" + port).build();
        List<String> wrong = new ArrayList<>();
        int checks = 0;
        for (Door door : doors) {
            checks++;
            int anonymous = call(http, door, null);
            if (door.anonymous() != allowed(anonymous)) {
                wrong.add(door.method() + " " + door.path() + " anonymous → " + anonymous);
            }
            for (Role role : Role.values()) {
                checks++;
                int status = call(http, door, cookies.get(role));
                if (door.roles().contains(role) != allowed(status)) {
                    wrong.add(door.method() + " " + door.path() + " " + role + " → " + status);
                }
            }
        }
        System.out.println("RoleMatrixTests: " + checks + " checks");
        assertThat(wrong).as("doors open or shut to the wrong callers").isEmpty();
    }

    /**
     * Personal data stays within the lines: a card (and its dialog's card, edit, merge, match), a task and the
     * files of a dialog on line lab81 are there for an agent of lab81 and an ADMIN; every other member of staff,
     * whatever their role on lab82, gets 404, as for an id that does not exist, and does not find the card.
     */
    @Test
    void staffOfAnotherLineFindNoneOfALinesCardsTasksOrFiles() {
        Agent owner = Staff.agent(agents, "lab81", 5);
        long n = System.nanoTime();
        String name = "Ольга Скрытая" + n;
        String dialogId;
        String clientMsgId = "f-" + n;
        WebTestClient http = Checks.http(port);
        try (WsClient visitor = WsClient.visitor(port, "lab81", "https://lab81.test")) {
            visitor.send("{\"type\":\"hello\"}");
            String token = visitor.awaitType("welcome").path("token").asString();
            visitor.send(Map.of("type", "open", "name", name));
            dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            String id = dialogId;
            http.post()
                    .uri(builder -> builder.path("/api/widget/files").queryParam("site", "lab81")
                            .queryParam("dialogId", id).queryParam("clientMsgId", clientMsgId)
                            .queryParam("name", "справка.pdf").build())
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                    .header(HttpHeaders.ORIGIN, "https://lab81.test")
                    .contentType(MediaType.APPLICATION_PDF)
                    .bodyValue("%PDF-1.4 паспорт".getBytes(StandardCharsets.UTF_8))
                    .exchange().expectStatus().isCreated();
        }
        String cardId = Checks.eventually(() -> Checks.text(db, "SELECT card_id::text AS v FROM dialog WHERE id = '"
                + dialogId + "'"), "the dialog's card");
        String duplicate = UUID.randomUUID().toString();
        String taskId = UUID.randomUUID().toString();
        String messengerFile = UUID.randomUUID().toString();
        db.sql("INSERT INTO card (id, kind, name) VALUES (CAST(:id AS uuid), 'LEAD', :name)")
                .bind("id", duplicate).bind("name", name).then().block(Duration.ofSeconds(10));
        db.sql("INSERT INTO task (id, card_id, kind, title, request_number, line_id, owner_agent_id, due) VALUES ("
                        + "CAST(:task AS uuid), CAST(:card AS uuid), 'REQUEST_RESULT', 'Сообщить результат', 'R-1', "
                        + "'lab81', :owner, current_date + 3)")
                .bind("task", taskId).bind("card", duplicate).bind("owner", owner.id()).then()
                .block(Duration.ofSeconds(10));
        db.sql("INSERT INTO messenger_file (id, dialog_id, bot_id, platform_id, file_name, size_bytes, content) VALUES ("
                        + "CAST(:id AS uuid), CAST(:dialog AS uuid), 'bot', 'p-1', 'скан.jpg', 3, '\\x010203')")
                .bind("id", messengerFile).bind("dialog", dialogId).then().block(Duration.ofSeconds(10));

        List<Door> personal = List.of(
                new Door(HttpMethod.GET, "/api/cards/" + cardId, null, false, null),
                new Door(HttpMethod.GET, "/api/dialogs/" + dialogId + "/card", null, false, null),
                new Door(HttpMethod.PATCH, "/api/cards/" + cardId, Map.of("status", "Проверено"), false, null),
                new Door(HttpMethod.POST, "/api/cards/" + cardId + "/possible-match/dismiss", null, false, null),
                new Door(HttpMethod.GET, "/api/tasks/" + taskId, null, false, null),
                new Door(HttpMethod.GET, "/api/dialogs/" + dialogId + "/files/" + clientMsgId, null, false, null),
                new Door(HttpMethod.GET, "/api/channel/files/" + messengerFile, null, false, null),
                new Door(HttpMethod.POST, "/api/tasks/" + taskId + "/complete", Map.of("result", "Сообщено"), false,
                        null),
                new Door(HttpMethod.POST, "/api/cards/" + cardId + "/merge", Map.of("from", duplicate), false, null));
        Map<String, String> insiders = Map.of(
                "AGENT of lab81", Staff.login(port, owner.login(), Staff.PASSWORD),
                "ADMIN of lab82", login(Staff.agent(agents, "lab82", 5, Role.ADMIN)));
        Map<String, String> outsiders = Map.of(
                "AGENT of lab82", login(Staff.agent(agents, "lab82", 5)),
                "DISPATCHER of lab82", login(Staff.agent(agents, "lab82", 5, Role.DISPATCHER)),
                "SUPERVISOR of lab82", login(Staff.agent(agents, "lab82", 5, Role.SUPERVISOR)));
        List<String> wrong = new ArrayList<>();
        for (Door door : personal) {
            outsiders.forEach((who, cookie) -> {
                int status = call(http, door, cookie);
                if (status != 404) {
                    wrong.add(door.method() + " " + door.path() + " " + who + " → " + status + " (want 404)");
                }
            });
            insiders.forEach((who, cookie) -> {
                int status = call(http, door, cookie);
                if (status != 200 && status != 409) {
                    wrong.add(door.method() + " " + door.path() + " " + who + " → " + status + " (want 200)");
                }
            });
        }
        outsiders.forEach((who, cookie) -> {
            JsonNode found = Checks.body(http.get().uri("/api/cards?q=" + name).header("Cookie", cookie).exchange()
                    .expectStatus().isOk());
            if (found.size() != 0) {
                wrong.add("GET /api/cards?q=… " + who + " → found " + found.size() + " (want none)");
            }
        });
        JsonNode found = Checks.body(http.get().uri("/api/cards?q=" + name).header("Cookie", insiders.get("AGENT of lab81"))
                .exchange().expectStatus().isOk());
        assertThat(found.valueStream().map(card -> card.path("id").asString())).contains(cardId);
        assertThat(wrong).as("personal data of line lab81 shown to the wrong callers").isEmpty();
    }

    private String login(Agent agent) {
        return Staff.login(port, agent.login(), Staff.PASSWORD);
    }

    private static boolean allowed(int status) {
        return status != 401 && status != 403;
    }

    private static int call(WebTestClient http, Door door, String cookie) {
        WebTestClient.RequestBodySpec request = http.method(door.method()).uri(door.path());
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        WebTestClient.RequestHeadersSpec<?> ready = door.body() == null ? request : request.bodyValue(door.body());
        try {
            // the body is read to its end, so the connection goes back to the client's pool
            return ready.exchange().expectBody().returnResult().getStatus().value();
        }
        catch (IllegalStateException timedOut) {
            throw new AssertionError("No answer to " + door.method() + " " + door.path()
                    + (cookie == null ? " (anonymous)" : " (logged in)"), timedOut);
        }
    }
}
