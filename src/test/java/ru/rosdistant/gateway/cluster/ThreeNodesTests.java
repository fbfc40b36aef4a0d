package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Visitors;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.awaitTrue;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.node;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.port;
import static ru.rosdistant.gateway.cluster.TwoNodesTests.sleepQuietly;

/**
 * Three gateway nodes on one embedded PostgreSQL and a private redis-server: offers made by one node and answered on
 * another, the singleton jobs under their leases, and the limits the nodes share. The last test stops a node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodesTests {

    private static PrivateRedis redis;

    private static final List<ConfigurableApplicationContext> nodes = new ArrayList<>();

    @BeforeAll
    static void startNodes() {
        redis = PrivateRedis.started();
        for (int i = 1; i <= 3; i++) {
            nodes.add(node("three-" + i, redis.url()));
        }
    }

    @AfterAll
    static void stopNodes() {
        nodes.forEach(node -> NodeStops.close(node, Duration.ofSeconds(60)));
        if (redis != null) {
            redis.close();
        }
    }

    private static ConfigurableApplicationContext at(int index) {
        return nodes.get(index);
    }

    @Test
    @Order(1)
    void agentsOnTwoNodesAcceptTheSameOfferAtOnceAndExactlyOneWins() {
        AgentDirectory directory = at(0).getBean(AgentDirectory.class);
        Agent first = Staff.agent(directory, "lab340", 2);
        Agent second = Staff.agent(directory, "lab340", 2);
        try (WsClient a = Staff.online(port(at(1)), first); WsClient b = Staff.online(port(at(2)), second);
                WsClient visitor = WsClient.visitor(port(at(0)), "lab340", "https://lab340.test")) {
            String dialogId = TwoNodesTests.openAndWrite(visitor, "lab340");
            a.await(offer(dialogId), "the offer on node 2");
            b.await(offer(dialogId), "the offer on node 3");
            CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> a.send(Map.of("type", "accept", "dialogId", dialogId))),
                    CompletableFuture.runAsync(() -> b.send(Map.of("type", "accept", "dialogId", dialogId))))
                    .join();
            awaitTrue(() -> "ASSIGNED".equals(TwoNodesTests.state(at(0), dialogId)), "the dialog assigned");
            JsonNode answerA = a.await(answer(dialogId), "node 2's answer to accept");
            JsonNode answerB = b.await(answer(dialogId), "node 3's answer to accept");
            boolean aWon = answerA.path("type").asString().equals("dialog");
            boolean bWon = answerB.path("type").asString().equals("dialog");
            assertThat(aWon ^ bWon).as("exactly one agent wins: " + answerA + " / " + answerB).isTrue();
            JsonNode lost = aWon ? answerB : answerA;
            assertThat(lost.path("code").asString()).as("the other is told").isEqualTo("OFFER_GONE");
            assertThat(count(at(0), "SELECT count(*) AS n FROM message WHERE dialog_id = '" + dialogId
                    + "' AND event = 'assigned'")).isEqualTo(1);
            assertThat(count(at(0), "SELECT count(*) AS n FROM dialog_offer WHERE dialog_id = '" + dialogId + "'"))
                    .as("the offer is gone").isZero();
        }
    }

    @Test
    @Order(2)
    void anOfferMadeOnOneNodeExpiresAndPassesToAnAgentOnAnotherNode() {
        AgentDirectory directory = at(0).getBean(AgentDirectory.class);
        Agent first = Staff.agent(directory, "lab342", 2);
        Agent second = Staff.agent(directory, "lab342", 2);
        try (WsClient a = Staff.online(port(at(1)), first); WsClient b = Staff.online(port(at(2)), second);
                WsClient visitor = WsClient.visitor(port(at(0)), "lab342", "https://lab342.test")) {
            String dialogId = TwoNodesTests.openAndWrite(visitor, "lab342");
            // one agent at a time is offered the dialog (a 1-s offer timeout); the first lets it expire
            WsClient offeredFirst = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (offeredFirst == null && System.nanoTime() < deadline) {
                if (a.drainNow().stream().anyMatch(offer(dialogId))) {
                    offeredFirst = a;
                }
                else if (b.drainNow().stream().anyMatch(offer(dialogId))) {
                    offeredFirst = b;
                }
                sleepQuietly(50);
            }
            assertThat(offeredFirst).as("someone was offered the dialog").isNotNull();
            WsClient next = offeredFirst == a ? b : a;
            offeredFirst.await(frame -> frame.path("type").asString().equals("offer_withdrawn"), "the offer expired");
            next.await(offer(dialogId), "the offer passed on to the other node's agent");
            next.send(Map.of("type", "accept", "dialogId", dialogId));
            assertThat(next.await(answer(dialogId), "the answer to accept").path("type").asString())
                    .isEqualTo("dialog");
        }
    }

    /**
     * The drill with offers: 200 dialogs opened at once across three nodes, offered to all of five agents of
     * capacity 2 (on all three nodes) who accept whatever they are offered; then slots free up three times.
     */
    @Test
    @Order(3)
    void twoHundredDialogsOfferedToFiveAgentsOnThreeNodesNeverTwiceNeverOverCapacity() {
        AgentDirectory directory = at(0).getBean(AgentDirectory.class);
        DatabaseClient db = at(0).getBean(DatabaseClient.class);
        List<Agent> agents = new ArrayList<>();
        List<WsClient> consoles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            agents.add(Staff.agent(directory, "lab341", 2));
        }
        Long[] ids = agents.stream().map(Agent::id).toArray(Long[]::new);
        try {
            for (int i = 0; i < agents.size(); i++) {
                consoles.add(Staff.online(port(at(i % 3)), agents.get(i)));
            }
            Flux.range(0, 200)
                    .flatMap(i -> openFromMessenger(at(i % 3), i), 200)
                    .then()
                    .block(Duration.ofSeconds(120));
            int closed = 0;
            for (int round = 0; round < 4; round++) {
                int expected = 10;
                awaitTrue(() -> {
                    acceptEveryOffer(consoles);
                    return assignedCount(db, ids) == expected;
                }, "all ten slots taken, round " + round);
                acceptEveryOffer(consoles);
                sleepQuietly(500);
                acceptEveryOffer(consoles);
                assertThat(assignedCount(db, ids)).as("no eleventh, round " + round).isEqualTo(10);
                assertInvariants(db, ids);
                if (round < 3) {
                    closed += closeAll(db, ids);
                }
            }
            assertThat(closed).isEqualTo(30);
            assertThat(count(at(0), "SELECT count(*) AS n FROM dialog WHERE line_id = 'lab341' AND state = 'WAITING'"))
                    .isEqualTo(160);
        }
        finally {
            consoles.forEach(WsClient::close);
        }
    }

    private static void assertInvariants(DatabaseClient db, Long[] ids) {
        assertThat(db.sql("SELECT count(*) AS n FROM (SELECT agent_id FROM dialog WHERE state = 'ASSIGNED' "
                        + "AND agent_id = ANY(:ids) GROUP BY agent_id HAVING count(*) > 2) over")
                .bind("ids", ids)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10))).as("agents over capacity").isZero();
        assertThat(count(at(0), "SELECT count(*) AS n FROM (SELECT dialog_id FROM message WHERE event = 'assigned' "
                + "AND dialog_id IN (SELECT id FROM dialog WHERE line_id = 'lab341') "
                + "GROUP BY dialog_id HAVING count(*) > 1) twice")).as("dialogs assigned twice").isZero();
    }

    /** The agents close their dialogs (the system closes them in their name): their slots free up. */
    private static int closeAll(DatabaseClient db, Long[] ids) {
        List<java.util.UUID> open = db.sql("SELECT id FROM dialog WHERE state = 'ASSIGNED' AND agent_id = ANY(:ids)")
                .bind("ids", ids)
                .map(row -> row.get("id", java.util.UUID.class))
                .all()
                .collectList()
                .block(Duration.ofSeconds(10));
        DialogManagement dialogs = at(1).getBean(DialogManagement.class);
        Flux.fromIterable(open)
                .concatMap(id -> dialogs.close(id, ru.rosdistant.gateway.dialog.Sender.SYSTEM, null, null))
                .then()
                .block(Duration.ofSeconds(30));
        return open.size();
    }

    private static void acceptEveryOffer(List<WsClient> consoles) {
        for (WsClient console : consoles) {
            for (JsonNode frame : console.drainNow()) {
                if (frame.path("type").asString().equals("offer")) {
                    console.send(Map.of("type", "accept", "dialogId", frame.path("dialog").path("dialogId").asString()));
                }
            }
        }
    }

    @Test
    @Order(4)
    void loginFailuresOnDifferentNodesCountTogether() {
        Agent agent = Staff.agent(at(0).getBean(AgentDirectory.class), "lab343", 1);
        // five failures lock a login (the default), spread over the three nodes
        for (int i = 0; i < 5; i++) {
            Checks.http(port(at(i % 3))).post().uri("/login")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .bodyValue("username=" + agent.login() + "&password=wrong-" + i)
                    .exchange()
                    .expectStatus().isEqualTo(HttpStatus.UNAUTHORIZED);
        }
        for (ConfigurableApplicationContext node : nodes) {
            Checks.http(port(node)).post().uri("/login")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .bodyValue("username=" + agent.login() + "&password=" + Staff.PASSWORD)
                    .exchange()
                    .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        }
    }

    @Test
    @Order(5)
    void newVisitorsFromOneAddressCountOnAllNodes() {
        String address = WsClient.freshAddress();
        // the test profile's new-burst is 6 (a node of its own would welcome all twelve), refilled one per 3 s
        long started = System.nanoTime();
        Map<Integer, Integer> refusedOn = new HashMap<>();
        int welcomed = 0;
        for (int i = 0; i < 12; i++) {
            try (WsClient visitor = WsClient.visitorFrom(address, port(at(i % 3)), "lab343", "https://lab343.test")) {
                visitor.send(Map.of("type", "hello", "ref", "hello"));
                JsonNode answer = visitor.await(frame -> frame.path("type").asString().equals("welcome")
                        || frame.path("type").asString().equals("error"), "the answer to hello");
                if (answer.path("type").asString().equals("welcome")) {
                    welcomed++;
                }
                else {
                    assertThat(answer.path("code").asString()).isEqualTo("CLIENT_LIMITED");
                    refusedOn.merge(i % 3, 1, Integer::sum);
                }
            }
        }
        long refills = Duration.ofNanos(System.nanoTime() - started).toSeconds() / 3 + 1;
        assertThat(welcomed).as("the burst, and what refilled meanwhile").isBetween(6, (int) (6 + refills));
        assertThat(refusedOn.keySet()).as("nodes that refused").containsExactlyInAnyOrder(0, 1, 2);
    }

    /**
     * One visitor with a socket on each node writes into one dialog: the dialog's rate (the default, bursts of 20 and
     * a message back every 2 s) is counted by the three nodes together, where each node alone would take all ten
     * of its messages.
     */
    @Test
    @Order(6)
    void theMessagesOfOneDialogCountOnAllNodes() {
        String site = "lab770";
        String origin = "https://lab770.test";
        List<WsClient> sockets = new ArrayList<>();
        try {
            WsClient first = WsClient.visitorFrom(WsClient.freshAddress(), port(at(0)), site, origin);
            sockets.add(first);
            first.send(Map.of("type", "hello"));
            String token = first.awaitType("welcome").path("token").asString();
            first.send(Map.of("type", "open", "ref", "open"));
            String dialogId = first.awaitType("opened").path("dialog").path("dialogId").asString();
            for (int n = 1; n < 3; n++) {
                WsClient other = WsClient.visitorFrom(WsClient.freshAddress(), port(at(n)), site, origin);
                sockets.add(other);
                other.send(Map.of("type", "hello", "token", token));
                other.awaitType("welcome");
            }
            long started = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                sockets.get(i % 3).send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m" + i,
                        "text", "т " + i));
            }
            int acked = 0;
            Map<Integer, Integer> refusedOn = new HashMap<>();
            long[] lastSeq = new long[3];
            for (int i = 0; i < 30; i++) {
                String id = "m" + i;
                JsonNode answer = sockets.get(i % 3).awaitSeenOrNext(frame -> answers(frame, id),
                        "the answer to " + id);
                if (answer.path("type").asString().equals("ack")) {
                    acked++;
                    assertThat(answer.path("seq").asLong()).as("a socket's messages keep their order: " + id)
                            .isGreaterThan(lastSeq[i % 3]);
                    lastSeq[i % 3] = answer.path("seq").asLong();
                }
                else {
                    assertThat(answer.path("code").asString()).as(answer.toString()).isEqualTo("RATE_LIMITED");
                    refusedOn.merge(i % 3, 1, Integer::sum);
                }
            }
            long refills = Duration.ofNanos(System.nanoTime() - started).toSeconds() / 2 + 1;
            assertThat(acked).as("the burst, and what refilled meanwhile").isBetween(20, (int) (20 + refills));
            // which node refuses depends on which socket's frames come last (all of one node's, at times): not asserted
            assertThat(refusedOn.values().stream().mapToInt(Integer::intValue).sum()).as("refused: " + refusedOn)
                    .isEqualTo(30 - acked);
            assertThat(count(at(0), "SELECT count(*) AS n FROM message WHERE dialog_id = '" + dialogId
                    + "' AND sender = 'VISITOR'")).as("stored: the acknowledged ones").isEqualTo(acked);
        }
        finally {
            sockets.forEach(WsClient::close);
        }
    }

    private static boolean answers(JsonNode frame, String clientMsgId) {
        return (frame.path("type").asString().equals("ack") && frame.path("clientMsgId").asString().equals(clientMsgId))
                || (frame.path("type").asString().equals("error") && frame.path("ref").asString().equals(clientMsgId));
    }

    /** With cluster on, a drain writes this node's presence rows only when its agents changed. */
    @Test
    @Order(7)
    void drainsDoNotRewriteUnchangedPresence() {
        AgentPresenceRows rows = at(2).getBean(AgentPresenceRows.class);
        Agent agent = Staff.agent(at(0).getBean(AgentDirectory.class), "lab344", 3);
        try (WsClient console = Staff.online(port(at(2)), agent)) {
            awaitTrue(() -> count(at(0), "SELECT count(*) AS n FROM agent_presence WHERE agent_id = " + agent.id()
                    + " AND node_id = 'three-3' AND status = 'ONLINE'") == 1, "the agent's row on node 3");
            long before = rows.skippedWrites();
            // 20 dialogs open on node 3's line, one after the other: drains there, none of them after a change of its agents
            Flux.range(0, 20)
                    .concatMap(i -> openFromMessengerOn(at(2), "lab344", i))
                    .then()
                    .block(Duration.ofSeconds(60));
            awaitTrue(() -> count(at(0), "SELECT count(*) AS n FROM dialog WHERE line_id = 'lab344' "
                    + "AND state = 'ASSIGNED'") == 3, "three assigned");
            // requests for a line's drain merge while one is pending: fewer drains than dialogs, but several
            assertThat(rows.skippedWrites() - before).as("drains that found nothing new to write")
                    .isGreaterThanOrEqualTo(3);
            console.send(Map.of("type", "presence", "status", "AWAY"));
            awaitTrue(() -> count(at(0), "SELECT count(*) AS n FROM agent_presence WHERE agent_id = " + agent.id()
                    + " AND status = 'AWAY'") == 1, "a change is written");
        }
    }

    /** The singleton jobs: the card sweep (1 s in the test profile) runs on one node at a time. */
    @Test
    @Order(8)
    void aDatabaseWideJobRunsOnOneNodeAtATimeAndMovesWhenItsNodeStops() {
        String job = "cards.sweep";
        awaitTrue(() -> holder(job) != null, "someone holds the card sweep");
        Map<String, Double> before = passes(job);
        sleepQuietly(3500);
        Map<String, Double> after = passes(job);
        Set<String> ran = new HashSet<>();
        after.forEach((node, passes) -> {
            if (passes > before.getOrDefault(node, 0.0)) {
                ran.add(node);
            }
        });
        String holder = holder(job);
        assertThat(ran).as("nodes that ran the card sweep in 3.5 s").containsExactly(holder);
        assertThat(after.get(holder) - before.getOrDefault(holder, 0.0)).isGreaterThanOrEqualTo(1);

        ConfigurableApplicationContext stopping = nodes.stream()
                .filter(node -> node.getBean(ClusterProperties.class).nodeId().equals(holder))
                .findFirst()
                .orElseThrow();
        nodes.remove(stopping);
        NodeStops.close(stopping, Duration.ofSeconds(60));
        awaitTrue(() -> holder(job) != null && !holder.equals(holder(job)), "another node holds the card sweep");
        String next = holder(job);
        Map<String, Double> taken = passes(job);
        sleepQuietly(2500);
        Map<String, Double> later = passes(job);
        assertThat(later.get(next)).as("the new holder runs it").isGreaterThan(taken.get(next));
        nodes.stream()
                .map(node -> node.getBean(ClusterProperties.class).nodeId())
                .filter(node -> !node.equals(next))
                .forEach(node -> assertThat(later.get(node)).as("node " + node + " does not")
                        .isEqualTo(taken.get(node)));
    }

    private static String holder(String job) {
        return at(0).getBean(DatabaseClient.class)
                .sql("SELECT holder FROM job_lease WHERE job = :job AND expires_at > now()")
                .bind("job", job)
                .map(row -> row.get("holder", String.class))
                .one()
                .blockOptional(Duration.ofSeconds(10))
                .orElse(null);
    }

    /** Passes of the job counted by each running node, by node id. */
    private static Map<String, Double> passes(String job) {
        Map<String, Double> passes = new HashMap<>();
        for (ConfigurableApplicationContext node : nodes) {
            Counter counter = node.getBean(MeterRegistry.class).find("gateway.jobs.passes").tag("job", job).counter();
            passes.put(node.getBean(ClusterProperties.class).nodeId(), counter == null ? 0.0 : counter.count());
        }
        return passes;
    }

    private static java.util.function.Predicate<JsonNode> offer(String dialogId) {
        return frame -> frame.path("type").asString().equals("offer")
                && frame.path("dialog").path("dialogId").asString().equals(dialogId);
    }

    /** The console's answer to accept: the dialog, now the agent's, or an error. */
    private static java.util.function.Predicate<JsonNode> answer(String dialogId) {
        return frame -> frame.path("type").asString().equals("error")
                || (frame.path("type").asString().equals("dialog")
                        && frame.path("dialog").path("dialogId").asString().equals(dialogId)
                        && frame.path("dialog").path("state").asString().equals("ASSIGNED"));
    }

    private static Mono<Void> openFromMessenger(ConfigurableApplicationContext node, int i) {
        return openFromMessengerOn(node, "lab341", i);
    }

    private static Mono<Void> openFromMessengerOn(ConfigurableApplicationContext node, String line, int i) {
        DialogManagement dialogs = node.getBean(DialogManagement.class);
        return node.getBean(Visitors.class)
                .register(line)
                .flatMap(visitor -> dialogs.openFromChannel(visitor, "TELEGRAM", line, line, "Person " + i)
                        .flatMap(dialog -> dialogs.appendFromVisitor(visitor, dialog.id(), "first", "Здравствуйте")))
                .then();
    }

    private static long assignedCount(DatabaseClient db, Long[] agentIds) {
        return db.sql("SELECT count(*) AS n FROM dialog WHERE state = 'ASSIGNED' AND agent_id = ANY(:ids)")
                .bind("ids", agentIds)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    private static long count(ConfigurableApplicationContext node, String sql) {
        return node.getBean(DatabaseClient.class)
                .sql(sql)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10));
    }
}
