package ru.rosdistant.gateway.console;

import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@GatewayTest
class AgentSocketTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void agentCannotReadOrWriteAnotherAgentsDialog() {
        Agent owner = Staff.agent(agents, "lab2", 5);
        Agent other = Staff.agent(agents, "lab2", 5);
        try (WsClient ownerConsole = Staff.online(port, owner);
                WsClient otherConsole = Staff.console(port, other);
                WsClient visitor = WsClient.visitor(port, "lab2", "https://lab2.test")) {
            String dialogId = openDialog(visitor);
            ownerConsole.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");

            otherConsole.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            assertThat(otherConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
            otherConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "x-1", "text", "hi"));
            JsonNode refused = otherConsole.awaitType("error");
            assertThat(refused.path("code").asString()).isEqualTo("FORBIDDEN");
            assertThat(refused.path("ref").asString()).isEqualTo("x-1");
            otherConsole.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            assertThat(otherConsole.awaitType("error").path("code").asString()).isEqualTo("UNKNOWN_DIALOG");
            assertThat(otherConsole.seen()).noneMatch(frame -> frame.path("type").asString().equals("message"));

            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v-1", "text", "вопрос"));
            visitor.awaitType("ack");
            ownerConsole.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            assertThat(ownerConsole.awaitMessage(dialogId, 3).path("text").asString()).isEqualTo("вопрос");
        }
    }

    @Test
    void supervisorCanReadAnyDialogButNotWriteToIt() {
        Agent owner = Staff.agent(agents, "lab2", 5);
        Agent supervisor = Staff.agent(agents, "lab8", 5, Role.SUPERVISOR);
        try (WsClient ownerConsole = Staff.online(port, owner);
                WsClient supervisorConsole = Staff.console(port, supervisor);
                WsClient visitor = WsClient.visitor(port, "lab2", "https://lab2.test")) {
            String dialogId = openDialog(visitor);
            ownerConsole.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            supervisorConsole.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            assertThat(supervisorConsole.awaitMessage(dialogId, 2).path("event").asString()).isEqualTo("assigned");
            supervisorConsole.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "s-1", "text",
                    "hi"));
            assertThat(supervisorConsole.awaitType("error").path("code").asString()).isEqualTo("FORBIDDEN");
        }
    }

    @Test
    void consoleSocketNeedsALoggedInAgentAndTheGatewaysOwnOrigin() {
        assertThatThrownBy(() -> WsClient.connect(java.net.URI.create("ws://localhost:" + port + "/ws/agent"),
                headers -> headers.set("Origin", "http://localhost:" + port)))
                .hasMessageContaining("401");
        Agent agent = Staff.agent(agents, "lab2", 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        // cross-site WebSocket hijacking: a foreign page carrying the agent's cookie
        assertThatThrownBy(() -> WsClient.connect(java.net.URI.create("ws://localhost:" + port + "/ws/agent"),
                headers -> {
                    headers.set("Origin", "https://evil.example");
                    headers.set("Cookie", cookie);
                }))
                .hasMessageContaining("403");
    }

    @Test
    void welcomeListsTheAgentsOpenDialogsAfterAReconnect() {
        Agent agent = Staff.agent(agents, "lab2", 5);
        try (WsClient visitor = WsClient.visitor(port, "lab2", "https://lab2.test")) {
            String dialogId;
            try (WsClient console = Staff.online(port, agent)) {
                dialogId = openDialog(visitor);
                console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(dialogId), "dialog");
            }
            try (WsClient console = WsClient.agent(port, Staff.login(port, agent.login(), Staff.PASSWORD))) {
                JsonNode welcome = console.awaitType("welcome");
                assertThat(welcome.path("presence").asString()).as("back within the grace period").isEqualTo("ONLINE");
                assertThat(welcome.path("dialogs").valueStream().map(dialog -> dialog.path("dialogId").asString()))
                        .contains(dialogId);
                assertThat(welcome.path("agent").path("login").asString()).isEqualTo(agent.login());
            }
        }
    }

    @Test
    void badPresenceIsRefusedClearly() {
        Agent agent = Staff.agent(agents, "lab2", 5);
        try (WsClient console = Staff.console(port, agent)) {
            console.send(Map.of("type", "presence", "status", "SLEEPING"));
            assertThat(console.awaitType("error").path("code").asString()).isEqualTo("MISSING_FIELD");
            console.send("{\"type\":\"ping\"}");
            console.awaitType("pong");
        }
    }

    static String openDialog(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }
}
