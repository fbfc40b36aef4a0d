package ru.rosdistant.gateway.widget;

import java.time.Duration;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In working hours with nobody of the line online the widget is told at once, so it can offer the form; a wait is
 * estimated only from the line's own recent figures; a place in the line never goes back (lines lab105, lab106).
 */
@GatewayTest
class NobodyOnlineTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Test
    void withNobodyOfTheLineOnlineTheVisitorIsToldAtOnceAndGivenNoMadeUpWait() {
        Agent agent = Staff.agent(agents, "lab105", 1);
        try (WsClient visitor = WsClient.visitor(port, "lab105", "https://lab105.test")) {
            visitor.send("{\"type\":\"hello\"}");
            JsonNode welcome = visitor.awaitType("welcome");
            assertThat(welcome.path("line").path("open").asBoolean()).isTrue();
            assertThat(welcome.path("line").path("agentsOnline").asInt()).isZero();
            visitor.send("{\"type\":\"open\"}");
            JsonNode opened = visitor.awaitType("opened");
            assertThat(opened.path("line").path("agentsOnline").asInt()).isZero();
            String dialogId = opened.path("dialog").path("dialogId").asString();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text", "Есть кто?"));
            JsonNode queue = queue(visitor);
            assertThat(queue.path("position").asInt()).isEqualTo(1);
            assertThat(queue.path("agentsOnline").asInt()).isZero();
            assertThat(queue.path("estimatedWaitSeconds").isNull()).as("no estimate without figures").isTrue();

            try (WsClient console = Staff.online(port, agent)) {
                JsonNode assigned = visitor.await(frame -> "assigned".equals(frame.path("event").asString()),
                        "the dialog assigned once an agent is online");
                assertThat(assigned.path("agentName").asString()).isEqualTo(agent.displayName());
            }
        }
    }

    @Test
    void theVisitorHearsWhenTheLineLosesItsLastAgentOnline() {
        Agent agent = Staff.agent(agents, "lab105", 1);
        try (WsClient console = Staff.online(port, agent);
                WsClient first = WsClient.visitor(port, "lab105", "https://lab105.test");
                WsClient second = WsClient.visitor(port, "lab105", "https://lab105.test")) {
            String busy = openAndAsk(first);
            console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(busy), "the first dialog");
            String waiting = openAndAsk(second);
            JsonNode queue = queue(second);
            assertThat(queue.path("agentsOnline").asInt()).isEqualTo(1);
            assertThat(queue.path("estimatedWaitSeconds").isNull())
                    .as("one assignment is no figure to estimate from").isTrue();

            console.send(Map.of("type", "presence", "status", "AWAY"));
            JsonNode nobody = second.await(frame -> frame.path("type").asString().equals("queue")
                    && frame.path("agentsOnline").asInt() == 0, "the line has nobody online");
            assertThat(nobody.path("dialogId").asString()).isEqualTo(waiting);
            assertThat(nobody.path("position").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aPlaceInTheLineNeverGoesBack() {
        Agent lost = Staff.agent(agents, "lab106", 1);
        try (WsClient taken = WsClient.visitor(port, "lab106", "https://lab106.test");
                WsClient first = WsClient.visitor(port, "lab106", "https://lab106.test");
                WsClient second = WsClient.visitor(port, "lab106", "https://lab106.test")) {
            String requeued;
            String firstDialog;
            String secondDialog;
            try (WsClient console = Staff.online(port, lost)) {
                requeued = openAndAsk(taken);
                console.await(frame -> frame.path("dialog").path("dialogId").asString().equals(requeued), "assigned");
                firstDialog = openAndAsk(first);
                assertThat(queue(first).path("position").asInt()).isEqualTo(1);
                secondDialog = openAndAsk(second);
                assertThat(queue(second).path("position").asInt()).isEqualTo(2);
            }
            // the agent does not come back within the grace period: their dialog goes back to the head of the line
            taken.drainNow();
            int beforeRequeue = taken.seen().size();
            taken.await(frame -> "requeued".equals(frame.path("event").asString()), "the dialog requeued");
            assertThat(first.drain(Duration.ofMillis(1500)))
                    .noneMatch(frame -> frame.path("type").asString().equals("queue")
                            && frame.path("position").asInt() > 1);
            assertThat(second.drain(Duration.ofMillis(200)))
                    .noneMatch(frame -> frame.path("type").asString().equals("queue")
                            && frame.path("position").asInt() > 2);
            // its place comes from the queue positions, the requeued message from the dialog's events: two paths,
            // so the place may come before the message or well after it on a loaded machine
            java.util.function.Predicate<JsonNode> headOfTheLine = frame -> frame.path("type").asString().equals("queue")
                    && frame.path("position").asInt() == 1;
            taken.drainNow();
            if (taken.seen().subList(beforeRequeue, taken.seen().size()).stream().noneMatch(headOfTheLine)) {
                taken.await(headOfTheLine, "the requeued dialog at the head of the line");
            }
        }
    }

    /** The visitor's first queue frame, also when it came before the ack {@link #openAndAsk} waited for. */
    private static JsonNode queue(WsClient visitor) {
        return visitor.awaitSeenOrNext(frame -> frame.path("type").asString().equals("queue"), "a queue frame");
    }

    private static String openAndAsk(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "q-1", "text", "Вопрос"));
        // the first queue frame may come before this ack (the drain answers as soon as the message is stored); the
        // tests find it among the frames passed over (awaitSeenOrNext)
        visitor.awaitType("ack");
        return dialogId;
    }
}
