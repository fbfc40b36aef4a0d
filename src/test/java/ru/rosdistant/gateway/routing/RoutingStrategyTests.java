package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/** Each test has a line of its own, configured in application-test.yml (gateway.routing.lines). */
@GatewayTest
class RoutingStrategyTests {

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void roundRobinGivesEachAgentADialogInTurn() {
        Agent first = Staff.agent(agents, "lab9", 10);
        Agent second = Staff.agent(agents, "lab9", 10);
        List<WsClient> visitors = new ArrayList<>();
        try (WsClient a = Staff.online(port, first); WsClient b = Staff.online(port, second)) {
            List<String> assignedTo = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WsClient visitor = WsClient.visitor(port, "lab9", "https://lab9.test");
                visitors.add(visitor);
                String dialogId = open(visitor);
                assignedTo.add(visitor.awaitMessage(dialogId, 2).path("agentName").asString());
            }
            assertThat(assignedTo).containsOnly(first.displayName(), second.displayName());
            for (int i = 1; i < assignedTo.size(); i++) {
                assertThat(assignedTo.get(i)).as("turn " + i).isNotEqualTo(assignedTo.get(i - 1));
            }
        }
        finally {
            visitors.forEach(WsClient::close);
        }
    }

    @Test
    void offerNotAcceptedInTimeGoesToTheNextAgent() {
        Agent first = Staff.agent(agents, "lab10", 5);
        Agent second = Staff.agent(agents, "lab10", 5);
        try (WsClient a = Staff.online(port, first); WsClient b = Staff.online(port, second);
                WsClient visitor = WsClient.visitor(port, "lab10", "https://lab10.test")) {
            String dialogId = open(visitor);
            WsClient offeredFirst = whoIsOffered(a, b, dialogId);
            WsClient offeredNext = offeredFirst == a ? b : a;
            Agent nextAgent = offeredFirst == a ? second : first;
            // the first agent lets the offer expire (1 s)
            offeredFirst.await(frame -> frame.path("type").asString().equals("offer_withdrawn"), "withdrawal");
            offeredNext.await(frame -> frame.path("type").asString().equals("offer"), "the offer passed on");
            offeredNext.send(Map.of("type", "accept", "dialogId", dialogId));
            JsonNode assigned = visitor.awaitMessage(dialogId, 2);
            assertThat(assigned.path("agentName").asString()).isEqualTo(nextAgent.displayName());
            offeredFirst.send(Map.of("type", "accept", "dialogId", dialogId));
            assertThat(offeredFirst.awaitType("error").path("code").asString()).isEqualTo("OFFER_GONE");
        }
    }

    @Test
    void offerToAllLetsExactlyOneOfTwoSimultaneousAcceptsWin() {
        Agent first = Staff.agent(agents, "lab11", 5);
        Agent second = Staff.agent(agents, "lab11", 5);
        try (WsClient a = Staff.online(port, first); WsClient b = Staff.online(port, second);
                WsClient visitor = WsClient.visitor(port, "lab11", "https://lab11.test")) {
            String dialogId = open(visitor);
            a.await(frame -> frame.path("type").asString().equals("offer"), "offer to the first");
            b.await(frame -> frame.path("type").asString().equals("offer"), "offer to the second");
            CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> a.send(Map.of("type", "accept", "dialogId", dialogId))),
                    CompletableFuture.runAsync(() -> b.send(Map.of("type", "accept", "dialogId", dialogId))))
                    .join();
            visitor.awaitMessage(dialogId, 2);
            List<JsonNode> toA = a.drain(Duration.ofMillis(800));
            List<JsonNode> toB = b.drain(Duration.ofMillis(800));
            boolean aWon = won(toA, dialogId, first);
            boolean bWon = won(toB, dialogId, second);
            assertThat(aWon ^ bWon).as("exactly one agent wins").isTrue();
            List<JsonNode> loser = aWon ? toB : toA;
            assertThat(loser).anyMatch(frame -> frame.path("code").asString().equals("OFFER_GONE")
                    || frame.path("type").asString().equals("offer_withdrawn"));
            assertThat(count("SELECT count(*) AS n FROM message WHERE dialog_id = '" + dialogId
                    + "' AND event = 'assigned'")).isEqualTo(1);
        }
    }

    @Test
    void droppedAgentsDialogsReturnToTheHeadOfTheLineAfterTheGracePeriod() {
        Agent leaving = Staff.agent(agents, "lab12", 1);
        Agent staying = Staff.agent(agents, "lab12", 1);
        try (WsClient visitor = WsClient.visitor(port, "lab12", "https://lab12.test");
                WsClient older = WsClient.visitor(port, "lab12", "https://lab12.test")) {
            String dialogId;
            try (WsClient console = Staff.online(port, leaving)) {
                dialogId = open(visitor);
                visitor.awaitMessage(dialogId, 2);
                String olderDialog = open(older);
                older.awaitMessage(olderDialog, 1);
                // make the assigned dialog the newest, so only re-queueing at the head can put it first
                db.sql("UPDATE dialog SET opened_at = now() + interval '1 hour', queued_at = now() + interval '1 hour' "
                        + "WHERE id = '" + dialogId + "'")
                        .then()
                        .block(Duration.ofSeconds(5));
            }
            JsonNode requeued = visitor.awaitMessage(dialogId, 3);
            assertThat(requeued.path("event").asString()).isEqualTo("requeued");
            try (WsClient console = Staff.online(port, staying)) {
                JsonNode assigned = visitor.awaitMessage(dialogId, 4);
                assertThat(assigned.path("agentName").asString()).isEqualTo(staying.displayName());
            }
        }
    }

    @Test
    void agentBackWithinTheGracePeriodKeepsTheDialog() {
        Agent agent = Staff.agent(agents, "lab15", 1);
        try (WsClient visitor = WsClient.visitor(port, "lab15", "https://lab15.test")) {
            String dialogId;
            try (WsClient console = Staff.online(port, agent)) {
                dialogId = open(visitor);
                visitor.awaitMessage(dialogId, 2);
            }
            try (WsClient console = Staff.console(port, agent)) {
                assertThat(visitor.drain(Duration.ofMillis(2500)))
                        .noneMatch(frame -> "requeued".equals(frame.path("event").asString()));
                console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "back-1", "text",
                        "Я снова здесь"));
                assertThat(console.awaitType("ack").path("seq").asLong()).isEqualTo(3);
            }
        }
    }

    @Test
    void visitorWaitingPastTheMaximumIsOfferedTheOfflineFormAndMayStillBeTaken() {
        try (WsClient visitor = WsClient.visitor(port, "lab13", "https://lab13.test")) {
            String dialogId = open(visitor);
            JsonNode offered = visitor.awaitMessage(dialogId, 2);
            assertThat(offered.path("event").asString()).isEqualTo("offline_offered");
            assertThat(offered.path("reason").asString()).isEqualTo("busy");
            Agent agent = Staff.agent(agents, "lab13", 1);
            try (WsClient console = Staff.online(port, agent)) {
                assertThat(visitor.awaitMessage(dialogId, 3).path("event").asString()).isEqualTo("assigned");
            }
        }
    }

    @Test
    void waitingVisitorsSeeTheirPositionMoveUp() {
        List<WsClient> visitors = new ArrayList<>();
        try {
            List<String> dialogs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                WsClient visitor = WsClient.visitor(port, "lab14", "https://lab14.test");
                visitors.add(visitor);
                dialogs.add(open(visitor));
            }
            // nobody of the line is online and it has no recent assignments: no made-up estimate, the visitor is
            // told that nobody is online (protocol.md, `queue`)
            JsonNode third = position(visitors.get(2), 3);
            assertThat(third.path("estimatedWaitSeconds").isNull() || third.path("estimatedWaitSeconds").isMissingNode())
                    .as("an estimate without figures: " + third).isTrue();
            assertThat(third.path("agentsOnline").asLong()).isZero();
            position(visitors.get(0), 1);
            Agent agent = Staff.agent(agents, "lab14", 1);
            try (WsClient console = Staff.online(port, agent)) {
                visitors.get(0).awaitMessage(dialogs.get(0), 2);
                position(visitors.get(1), 1);
                position(visitors.get(2), 2);
            }
        }
        finally {
            visitors.forEach(WsClient::close);
        }
    }

    private static JsonNode position(WsClient visitor, int expected) {
        return visitor.await(frame -> frame.path("type").asString().equals("queue")
                && frame.path("position").asInt() == expected, "position " + expected);
    }

    private static boolean won(List<JsonNode> frames, String dialogId, Agent agent) {
        return frames.stream()
                .anyMatch(frame -> frame.path("type").asString().equals("dialog")
                        && frame.path("dialog").path("dialogId").asString().equals(dialogId)
                        && frame.path("dialog").path("agentId").asLong() == agent.id());
    }

    private static WsClient whoIsOffered(WsClient a, WsClient b, String dialogId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (WsClient client : List.of(a, b)) {
                if (client.drain(Duration.ofMillis(50))
                        .stream()
                        .anyMatch(frame -> frame.path("type").asString().equals("offer")
                                && frame.path("dialog").path("dialogId").asString().equals(dialogId))) {
                    return client;
                }
            }
        }
        throw new AssertionError("nobody was offered the dialog");
    }

    private static String open(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        return visitor.awaitType("opened").path("dialog").path("dialogId").asString();
    }

    private long count(String sql) {
        return db.sql(sql).map(row -> row.get("n", Long.class)).one().block(Duration.ofSeconds(5));
    }
}
