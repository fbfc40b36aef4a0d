package ru.rosdistant.gateway.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayApplication;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Visitors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway nodes in one JVM (distinct node ids, one embedded PostgreSQL, a private redis-server): PostgreSQL
 * decides, Redis carries. Each node has event loops of its own.
 */
class TwoNodesTests {

    private static PrivateRedis redis;

    private static ConfigurableApplicationContext one;

    private static ConfigurableApplicationContext two;

    @BeforeAll
    static void startNodes() {
        redis = PrivateRedis.started();
        one = node("node-1", redis.url());
        two = node("node-2", redis.url());
    }

    @AfterAll
    static void stopNodes() {
        if (one != null) {
            NodeStops.close(one, Duration.ofSeconds(60));
        }
        if (two != null) {
            NodeStops.close(two, Duration.ofSeconds(60));
        }
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * The nodes' own embedded PostgreSQL: the single-node test context, alive in the same JVM, knows the same lines
     * and would sweep these nodes' waiting dialogs as abandoned (no socket of its own follows them) or run the
     * singleton jobs without a lease beside them. Production never mixes a single node with a cluster on one database.
     */
    static final String CLUSTER_DATA_DIR = "target/test-postgres-cluster";

    static ConfigurableApplicationContext node(String id, String redisUrl) {
        return new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class).profiles("test")
                .run("--server.port=0", "--gateway.embedded-db.data-dir=" + CLUSTER_DATA_DIR,
                        "--gateway.cluster.node-id=" + id, "--gateway.cluster.redis-url=" + redisUrl,
                        "--gateway.cluster.heartbeat-interval=200ms", "--gateway.cluster.redis-silence=1s",
                        "--gateway.cluster.poll-interval=250ms", "--gateway.cluster.presence-timeout=3s");
    }

    static int port(ConfigurableApplicationContext node) {
        return ((WebServerApplicationContext) node).getWebServer().getPort();
    }

    @Test
    void aVisitorOnOneNodeAndAnAgentOnTheOtherExchangeAThousandMessagesEachSeqOnceInOrder() {
        Agent agent = Staff.agent(one.getBean(AgentDirectory.class), "lab170", 5);
        try (WsClient console = Staff.online(port(two), agent);
                WsClient visitor = WsClient.visitor(port(one), "lab170", "https://lab170.test")) {
            String dialogId = openAndWrite(visitor, "lab170");
            awaitTrue(() -> "ASSIGNED".equals(state(one, dialogId)), "the dialog assigned by either node");
            console.awaitSeenOrNext(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog on node 2");
            console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            console.awaitType("resumed");
            // in rounds of 50 each, at most one round in 400 ms: within the sockets' rate limit of the test profile
            // (200 frames a second), which answers RATE_LIMITED and stores nothing beyond it
            for (int round = 0; round < 10; round++) {
                long roundStarted = System.nanoTime();
                for (int i = round * 50; i < (round + 1) * 50; i++) {
                    visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v" + i, "text",
                            "visitor " + i));
                    console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a" + i, "text",
                            "agent " + i));
                }
                String lastOfRound = String.valueOf((round + 1) * 50 - 1);
                visitor.await(frame -> frame.path("type").asString().equals("ack")
                        && frame.path("clientMsgId").asString().equals("v" + lastOfRound), "ack of v" + lastOfRound);
                console.await(frame -> frame.path("type").asString().equals("ack")
                        && frame.path("clientMsgId").asString().equals("a" + lastOfRound), "ack of a" + lastOfRound);
                sleepQuietly(Math.max(0, 400 - (System.nanoTime() - roundStarted) / 1_000_000));
            }
            assertThat(visitor.seen()).as("no frame refused").noneMatch(frame -> frame.path("type").asString()
                    .equals("error"));
            assertThat(console.seen()).as("no frame refused").noneMatch(frame -> frame.path("type").asString()
                    .equals("error"));
            // waiting (1), first message (2), queued notice or assignment ... then the thousand and two more
            long last = lastSeq(one, dialogId);
            assertThat(last).isGreaterThanOrEqualTo(1003);
            visitor.awaitSeenOrNext(message(dialogId, last), "the last message at the visitor");
            console.awaitSeenOrNext(message(dialogId, last), "the last message at the agent");
            assertEachSeqOnceInOrder(visitor.seen(), dialogId, 1, last);
            assertEachSeqOnceInOrder(console.seen(), dialogId, 1, last);
        }
    }

    @Test
    void twoHundredDialogsOpenedAtOnceAcrossTheNodesGoToFiveAgentsNeverTwiceNeverOverCapacity() {
        AgentDirectory directory = one.getBean(AgentDirectory.class);
        List<Agent> agents = new ArrayList<>();
        List<WsClient> consoles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            agents.add(Staff.agent(directory, "lab171", 2));
        }
        try {
            for (int i = 0; i < agents.size(); i++) {
                consoles.add(Staff.online(port(i % 2 == 0 ? one : two), agents.get(i)));
            }
            Flux.range(0, 200)
                    .flatMap(i -> openFromMessenger(i % 2 == 0 ? one : two, i), 200)
                    .then()
                    .block(Duration.ofSeconds(60));
            DatabaseClient db = one.getBean(DatabaseClient.class);
            Long[] ids = agents.stream().map(Agent::id).toArray(Long[]::new);
            awaitTrue(() -> assignedCount(db, ids) == 10, "all ten slots taken");
            // and it stays so: nobody gets an eleventh, no dialog a second agent
            sleepQuietly(1500);
            assertThat(assignedCount(db, ids)).isEqualTo(10);
            assertThat(db.sql("SELECT count(*) AS n FROM (SELECT agent_id FROM dialog WHERE state = 'ASSIGNED' "
                            + "AND agent_id = ANY(:ids) GROUP BY agent_id HAVING count(*) > 2) over")
                    .bind("ids", ids)
                    .map(row -> row.get("n", Long.class))
                    .one()
                    .block(Duration.ofSeconds(10))).as("agents over capacity").isZero();
            assertThat(db.sql("SELECT count(*) AS n FROM (SELECT dialog_id FROM message WHERE event = 'assigned' "
                            + "AND dialog_id IN (SELECT id FROM dialog WHERE line_id = 'lab171') "
                            + "GROUP BY dialog_id HAVING count(*) > 1) twice")
                    .map(row -> row.get("n", Long.class))
                    .one()
                    .block(Duration.ofSeconds(10))).as("dialogs assigned twice").isZero();
            assertThat(db.sql("SELECT count(*) AS n FROM dialog WHERE line_id = 'lab171' AND state = 'WAITING'")
                    .map(row -> row.get("n", Long.class))
                    .one()
                    .block(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(190);
        }
        finally {
            consoles.forEach(WsClient::close);
        }
    }

    @Test
    void withRedisDownMessagesStillReachTheOtherNodeFromPostgresqlAndLiveAgainWhenItReturns() {
        Agent agent = Staff.agent(one.getBean(AgentDirectory.class), "lab173", 5);
        try (WsClient console = Staff.online(port(two), agent);
                WsClient visitor = WsClient.visitor(port(one), "lab173", "https://lab173.test")) {
            String dialogId = openAndWrite(visitor, "lab173");
            console.awaitSeenOrNext(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog on node 2");
            console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            console.awaitType("resumed");
            redis.stop();
            try {
                for (int i = 0; i < 20; i++) {
                    visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "down-" + i, "text",
                            "без Redis " + i));
                    long seq = visitor.await(frame -> frame.path("type").asString().equals("ack"), "ack").path("seq")
                            .asLong();
                    console.awaitSeenOrNext(message(dialogId, seq), "message " + seq + " at the agent, Redis down");
                }
                Checks.http(port(one)).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
                Checks.http(port(two)).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
            }
            finally {
                redis.start();
            }
            LiveFanOut fanOut = two.getBean(LiveFanOut.class);
            awaitTrue(() -> !fanOut.polling(), "node 2 hears Redis again");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "back", "text", "снова"));
            long seq = console.await(frame -> frame.path("type").asString().equals("ack"), "ack").path("seq").asLong();
            visitor.awaitSeenOrNext(message(dialogId, seq), "the agent's message at the visitor, Redis back");
            assertEachSeqOnceInOrder(visitor.seen(), dialogId, 1, seq);
            assertEachSeqOnceInOrder(console.seen(), dialogId, 1, seq);
        }
    }

    /**
     * Asked of node 2's rows directly: a single-node gateway of the same test JVM (the shared test context) would
     * close a waiting dialog of this line by its own rule, which knows nothing of other nodes.
     */
    @Test
    void aVisitorWithASocketOnOneNodeIsNotGoneForTheOtherUntilTheyLeave() {
        DatabaseClient db = one.getBean(DatabaseClient.class);
        VisitorPresenceRows rowsOfTwo = two.getBean(VisitorPresenceRows.class);
        Duration abandonAfter = Duration.ofSeconds(1);
        java.util.UUID visitorId;
        try (WsClient visitor = WsClient.visitor(port(one), "lab172", "https://lab172.test")) {
            String dialogId = openAndWrite(visitor, "lab172");
            visitorId = db.sql("SELECT visitor_id FROM dialog WHERE id = :id")
                    .bind("id", java.util.UUID.fromString(dialogId))
                    .map(row -> row.get("visitor_id", java.util.UUID.class))
                    .one()
                    .block(Duration.ofSeconds(10));
            awaitTrue(() -> connectedOn(db, visitorId, "node-1"), "node 1 recorded the socket");
            sleepQuietly(abandonAfter.toMillis() + 200);
            assertThat(rowsOfTwo.goneElsewhere(List.of(visitorId), abandonAfter).collectList()
                    .block(Duration.ofSeconds(10))).as("present on node 1").isEmpty();
            assertThat(one.getBean(VisitorPresenceRows.class).goneElsewhere(List.of(visitorId), abandonAfter)
                    .collectList()
                    .block(Duration.ofSeconds(10))).as("node 1 asks only the others").containsExactly(visitorId);
        }
        awaitTrue(() -> !connectedOn(db, visitorId, "node-1"), "node 1 recorded the socket closed");
        assertThat(rowsOfTwo.goneElsewhere(List.of(visitorId), abandonAfter).collectList()
                .block(Duration.ofSeconds(10))).as("just left: not gone for abandon-after yet").isEmpty();
        awaitTrue(() -> !rowsOfTwo.goneElsewhere(List.of(visitorId), abandonAfter).collectList()
                .block(Duration.ofSeconds(10)).isEmpty(), "gone from every node for abandon-after");
    }

    private static boolean connectedOn(DatabaseClient db, java.util.UUID visitorId, String node) {
        return db.sql("SELECT coalesce(sum(sockets), 0) AS n FROM visitor_presence WHERE visitor_id = :v AND node_id = :node")
                .bind("v", visitorId)
                .bind("node", node)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(Duration.ofSeconds(10)) > 0;
    }

    @Test
    void aLogoutOnOneNodeEndsThatSessionAndItsSocketsOnTheOther() {
        Agent agent = Staff.agent(one.getBean(AgentDirectory.class), "lab173", 1);
        String cookie = Staff.login(port(one), agent.login(), Staff.PASSWORD);
        try (WsClient console = WsClient.agent(port(two), cookie)) {
            console.awaitType("welcome");
            Checks.http(port(two)).get().uri("/api/me").header("Cookie", cookie).exchange().expectStatus().isOk();

            Checks.http(port(one)).post().uri("/logout").header("Cookie", cookie).exchange().expectStatus().isOk();

            assertThat(console.awaitClose(Duration.ofSeconds(10))).as("the socket on node 2").isEqualTo(4401);
            Checks.http(port(two)).get().uri("/api/me").header("Cookie", cookie).exchange().expectStatus()
                    .isUnauthorized();
        }
    }

    @Test
    void aSharedRateCountsAcrossTheNodesInRedisAndAtEachNodesShareWithoutIt() {
        SharedBuckets.Bucket onOne = one.getBean(SharedBuckets.class).bucket("test-rate", 0.001, 4, 100);
        SharedBuckets.Bucket onTwo = two.getBean(SharedBuckets.class).bucket("test-rate", 0.001, 4, 100);
        String client = "198.51.100." + System.nanoTime() % 250;
        assertThat(taken(onOne, client)).isTrue();
        assertThat(taken(onTwo, client)).isTrue();
        assertThat(taken(onOne, client)).isTrue();
        assertThat(taken(onTwo, client)).isTrue();
        assertThat(taken(onOne, client)).as("the fifth, on either node").isFalse();
        assertThat(taken(onTwo, client)).as("the fifth, on either node").isFalse();
        awaitTrue(() -> one.getBean(AgentPresenceRows.class).liveNodes() == 2, "node 1 counts two nodes");
        redis.stop();
        try {
            String other = "203.0.113." + System.nanoTime() % 250;
            assertThat(taken(onOne, other)).isTrue();
            assertThat(taken(onOne, other)).isTrue();
            assertThat(taken(onOne, other)).as("half of the burst on each of two nodes").isFalse();
        }
        finally {
            redis.start();
        }
    }

    /**
     * A node that died writes no more: its row is the one a dead node leaves, and its age is set in PostgreSQL (the
     * clock the rule reads) rather than waited for.
     */
    @Test
    void theAgentsOfANodeThatStoppedHeartbeatingDropOutAfterThePresenceTimeout() {
        Agent agent = Staff.agent(one.getBean(AgentDirectory.class), "lab173", 2);
        DatabaseClient db = one.getBean(DatabaseClient.class);
        AgentPresenceRows rows = one.getBean(AgentPresenceRows.class);
        db.sql("INSERT INTO agent_presence (agent_id, node_id, status, connections, max_dialogs) "
                        + "VALUES (:agent, 'dead-node', 'ONLINE', 1, 2)")
                .bind("agent", agent.id())
                .then()
                .block(Duration.ofSeconds(10));
        assertThat(available(rows, agent)).as("fresh row").isTrue();
        assertThat(rows.connectedElsewhere(agent.id()).block(Duration.ofSeconds(10))).isTrue();

        // presence-timeout is 3 s here
        db.sql("UPDATE agent_presence SET heartbeat_at = now() - interval '4 seconds' WHERE agent_id = :agent")
                .bind("agent", agent.id())
                .then()
                .block(Duration.ofSeconds(10));
        assertThat(available(rows, agent)).as("its node stopped heartbeating").isFalse();
        assertThat(rows.connectedElsewhere(agent.id()).block(Duration.ofSeconds(10))).isFalse();
    }

    private static boolean available(AgentPresenceRows rows, Agent agent) {
        return rows.availableFor("lab173")
                .any(row -> row.agentId() == agent.id())
                .block(Duration.ofSeconds(10));
    }

    private static boolean taken(SharedBuckets.Bucket bucket, String client) {
        return bucket.tryAcquire(client).block(Duration.ofSeconds(10)).isEmpty();
    }

    private static Mono<Void> openFromMessenger(ConfigurableApplicationContext node, int i) {
        DialogManagement dialogs = node.getBean(DialogManagement.class);
        return node.getBean(Visitors.class)
                .register("lab171")
                .flatMap(visitor -> dialogs.openFromChannel(visitor, "TELEGRAM", "lab171", "lab171", "Person " + i)
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

    static String openAndWrite(WsClient visitor, String line) {
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "first", "text", "Здравствуйте"));
        visitor.awaitType("ack");
        return dialogId;
    }

    static long lastSeq(ConfigurableApplicationContext node, String dialogId) {
        DatabaseClient db = node.getBean(DatabaseClient.class);
        long previous = -1;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            long now = db.sql("SELECT last_seq FROM dialog WHERE id = :id")
                    .bind("id", java.util.UUID.fromString(dialogId))
                    .map(row -> row.get("last_seq", Long.class))
                    .one()
                    .block(Duration.ofSeconds(10));
            if (now == previous && now >= 1003) {
                return now;
            }
            previous = now;
            sleepQuietly(300);
        }
        return previous;
    }

    static String state(ConfigurableApplicationContext node, String dialogId) {
        return node.getBean(DatabaseClient.class)
                .sql("SELECT state FROM dialog WHERE id = :id")
                .bind("id", java.util.UUID.fromString(dialogId))
                .map(row -> row.get("state", String.class))
                .one()
                .block(Duration.ofSeconds(10));
    }

    static Predicate<JsonNode> message(String dialogId, long seq) {
        return frame -> frame.path("type").asString().equals("message")
                && frame.path("dialogId").asString().equals(dialogId) && frame.path("seq").asLong() == seq;
    }

    static void assertEachSeqOnceInOrder(List<JsonNode> frames, String dialogId, long from, long to) {
        List<Long> seqs = frames.stream()
                .filter(frame -> frame.path("type").asString().equals("message")
                        && frame.path("dialogId").asString().equals(dialogId))
                .map(frame -> frame.path("seq").asLong())
                .filter(seq -> seq >= from && seq <= to)
                .toList();
        List<Long> expected = java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
        assertThat(seqs).as("each seq once, in order").isEqualTo(expected);
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleepQuietly(100);
        }
        throw new AssertionError("Timed out waiting for " + what);
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
