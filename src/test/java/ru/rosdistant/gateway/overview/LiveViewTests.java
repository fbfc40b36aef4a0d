package ru.rosdistant.gateway.overview;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.routing.AgentPresences;
import ru.rosdistant.gateway.routing.Presence;

import static org.assertj.core.api.Assertions.assertThat;

/** The supervisor's live view of line lab320: its live dialogs, and setting an agent offline. */
@GatewayTest
class LiveViewTests {

    private static final String LINE = "lab320";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    AgentPresences routing;

    @Autowired
    DatabaseClient db;

    @Test
    void listsTheLiveDialogsOfALineWaitingFirstAndLetsItsSupervisorSetAnAgentOffline() {
        Agent agent = Staff.agent(agents, LINE, 1);
        String supervisor = Staff.login(port, Staff.agent(agents, LINE, 5, Role.SUPERVISOR).login(), Staff.PASSWORD);
        String stranger = Staff.login(port, Staff.agent(agents, "lab321", 5, Role.SUPERVISOR).login(), Staff.PASSWORD);
        WebTestClient http = Checks.http(port);
        List<WsClient> visitors = new ArrayList<>();
        List<String> opened = new ArrayList<>();
        try (WsClient console = Staff.online(port, agent)) {
            String held = open(visitors, opened);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(held)
                    && frame.path("dialog").path("state").asString().equals("ASSIGNED"), "assigned " + held);
            String waiting = open(visitors, opened);

            JsonNode line = line(Checks.body(http.get().uri("/api/supervisor/overview").header("Cookie", supervisor)
                    .exchange().expectStatus().isOk()));
            JsonNode dialogs = line.path("dialogs");
            assertThat(dialogs.size()).isEqualTo(2);
            assertThat(dialogs.get(0).path("dialogId").asString()).isEqualTo(waiting);
            assertThat(dialogs.get(0).path("state").asString()).isEqualTo("WAITING");
            assertThat(dialogs.get(0).path("queuedAt").asString()).isNotBlank();
            assertThat(dialogs.get(0).path("agentId").isNull()).isTrue();
            assertThat(dialogs.get(1).path("dialogId").asString()).isEqualTo(held);
            assertThat(dialogs.get(1).path("agentId").asLong()).isEqualTo(agent.id());
            assertThat(dialogs.get(1).path("agentName").asString()).isEqualTo(agent.displayName());
            assertThat(dialogs.get(1).path("site").asString()).isEqualTo(LINE);
            assertThat(dialogs.get(1).path("channel").asString()).isEqualTo("WIDGET");

            String path = "/api/supervisor/agents/" + agent.id() + "/presence";
            setPresence(http, stranger, path, "OFFLINE").expectStatus().isForbidden();
            setPresence(http, supervisor, path, "ONLINE").expectStatus().isBadRequest();
            setPresence(http, supervisor, path, "ASLEEP").expectStatus().isBadRequest();
            setPresence(http, supervisor, "/api/supervisor/agents/999999999/presence", "OFFLINE").expectStatus()
                    .isNotFound();
            assertThat(routing.presenceOf(agent.id())).isEqualTo(Presence.ONLINE);

            setPresence(http, supervisor, path, "OFFLINE").expectStatus().isNoContent();
            JsonNode told = console.await(frame -> frame.path("type").asString().equals("presence")
                    && frame.path("by").isString(), "the presence a supervisor set");
            assertThat(told.path("status").asString()).isEqualTo("OFFLINE");
            assertThat(routing.presenceOf(agent.id())).isEqualTo(Presence.OFFLINE);
            JsonNode after = line(Checks.body(http.get().uri("/api/supervisor/overview").header("Cookie", supervisor)
                    .exchange().expectStatus().isOk()));
            assertThat(after.path("agentsOnline").asInt()).isZero();
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
        }
    }

    @Test
    void anAgentMayNotSetAnotherOffline() {
        Agent agent = Staff.agent(agents, LINE, 1);
        String colleague = Staff.login(port, Staff.agent(agents, LINE, 1).login(), Staff.PASSWORD);
        setPresence(Checks.http(port), colleague, "/api/supervisor/agents/" + agent.id() + "/presence", "OFFLINE")
                .expectStatus()
                .isForbidden();
    }

    private static WebTestClient.ResponseSpec setPresence(WebTestClient http, String cookie, String path,
            String status) {
        return http.post()
                .uri(path)
                .header("Cookie", cookie)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"status\":\"" + status + "\"}")
                .exchange();
    }

    private String open(List<WsClient> visitors, List<String> opened) {
        WsClient visitor = WsClient.visitor(port, LINE, "https://lab320.test");
        visitors.add(visitor);
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        opened.add(dialogId);
        return dialogId;
    }

    private static JsonNode line(JsonNode figures) {
        return figures.path("lines").valueStream()
                .filter(line -> line.path("line").asString().equals(LINE))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line " + LINE + " in " + figures));
    }
}
