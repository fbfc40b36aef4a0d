package ru.rosdistant.gateway.routing;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

@GatewayTest
class AgentRoutingTests {

    private static final String LINE = "lab3";

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void dialogWaitsUntilAnAgentComesOnlineAndRespectsCapacity() {
        Agent agent = Staff.agent(agents, LINE, 1);
        try (WsClient first = visitor(); WsClient second = visitor(); WsClient console = Staff.console(port, agent)) {
            String firstDialog = open(first);
            assertThat(first.drain(java.time.Duration.ofMillis(500)))
                    .noneMatch(frame -> "assigned".equals(frame.path("event").asString()));

            console.send(Map.of("type", "presence", "status", "ONLINE"));
            assertThat(third(first, firstDialog).path("event").asString()).isEqualTo("assigned");

            String secondDialog = open(second);
            assertThat(second.drain(java.time.Duration.ofMillis(700)))
                    .as("an agent with max 1 dialog gets no second one")
                    .noneMatch(frame -> "assigned".equals(frame.path("event").asString()));

            console.send(Map.of("type", "close", "dialogId", firstDialog, "appealType", "CONSULTATION"));
            assertThat(third(second, secondDialog).path("event").asString()).isEqualTo("assigned");
        }
    }

    @Test
    void leastBusyAgentGetsTheNextDialog() {
        Agent busy = Staff.agent(agents, "lab4", 5);
        Agent idle = Staff.agent(agents, "lab4", 5);
        try (WsClient busyConsole = Staff.online(port, busy);
                WsClient v1 = WsClient.visitor(port, "lab4", "https://lab4.test");
                WsClient v2 = WsClient.visitor(port, "lab4", "https://lab4.test");
                WsClient v3 = WsClient.visitor(port, "lab4", "https://lab4.test")) {
            String d1 = open(v1);
            String d2 = open(v2);
            third(v1, d1);
            third(v2, d2);
            try (WsClient idleConsole = Staff.online(port, idle)) {
                String d3 = open(v3);
                assertThat(third(v3, d3).path("agentName").asString()).isEqualTo(idle.displayName());
                assertThat(List.of(d1, d2, d3)).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void awayAgentGetsNoNewDialogs() {
        Agent agent = Staff.agent(agents, "lab5", 5);
        try (WsClient console = Staff.online(port, agent); WsClient visitor = WsClient.visitor(port, "lab5",
                "https://lab5.test")) {
            console.send(Map.of("type", "presence", "status", "AWAY"));
            console.awaitType("presence");
            String dialogId = open(visitor);
            assertThat(visitor.drain(java.time.Duration.ofMillis(500)))
                    .noneMatch(frame -> "assigned".equals(frame.path("event").asString()));
            console.send(Map.of("type", "presence", "status", "ONLINE"));
            assertThat(third(visitor, dialogId).path("event").asString()).isEqualTo("assigned");
        }
    }

    private WsClient visitor() {
        return WsClient.visitor(port, LINE, "https://lab3.test");
    }

    /** The dialog's message seq 3 ({@code assigned}), even if it came before the answer the test waited for. */
    private static tools.jackson.databind.JsonNode third(WsClient visitor, String dialogId) {
        return visitor.awaitSeenOrNext(frame -> frame.path("type").asString().equals("message")
                && frame.path("dialogId").asString().equals(dialogId) && frame.path("seq").asLong() == 3,
                "message 3 of " + dialogId);
    }

    /**
     * Opens a dialog and writes in it: it joins the waiting line with that first message (seq 2, after
     * {@code waiting}), so {@code assigned} is seq 3.
     */
    private static String open(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "first", "text", "Здравствуйте"));
        visitor.awaitType("ack");
        return dialogId;
    }
}
