package ru.rosdistant.gateway.outbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.agent.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox table and its relay rules. Entries here are of kinds no handler serves, so the running relay
 * leaves them alone and the test plays the relay itself, step by step.
 */
@GatewayTest
class OutboxTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @LocalServerPort
    int port;

    @Autowired
    Outbox outbox;

    @Autowired
    OutboxEntries entries;

    @Autowired
    TransactionalOperator tx;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    String kind;

    @BeforeEach
    void kind() {
        kind = "test-" + Long.toString(System.nanoTime(), 36);
    }

    @Test
    void sameSideEffectIsQueuedOnce() {
        String key = kind + ":once";
        outbox.enqueue(kind, key, Map.of("to", "a@example.com")).block(WAIT);
        outbox.enqueue(kind, key, Map.of("to", "b@example.com")).block(WAIT);
        assertThat(db.sql("SELECT count(*) AS n, min(payload ->> 'to') AS to FROM outbox WHERE dedup_key = :key")
                .bind("key", key)
                .fetch()
                .one()
                .block(WAIT)).containsEntry("n", 1L).containsEntry("to", "a@example.com");
    }

    @Test
    void entryQueuedInARolledBackTransactionDoesNotExist() {
        String key = kind + ":rolled-back";
        outbox.enqueue(kind, key, Map.of("to", "x@example.com"))
                .then(Mono.error(new IllegalStateException("the caller's change failed")))
                .as(tx::transactional)
                .onErrorResume(IllegalStateException.class, ex -> Mono.empty())
                .block(WAIT);
        assertThat(count(key)).isZero();
    }

    @Test
    void claimedEntryIsDeliveredOnceAndNotClaimedAgain() {
        outbox.enqueue(kind, kind + ":1", Map.of("to", "a@example.com", "n", 1)).block(WAIT);
        List<ClaimedEntry> claimed = claim(Duration.ofMinutes(1));
        assertThat(claimed).singleElement().satisfies(entry -> {
            assertThat(entry.attempt()).isEqualTo(1);
            assertThat(entry.payload().path("n").asInt()).isEqualTo(1);
        });
        assertThat(claim(Duration.ofMinutes(1))).as("leased to the first claim").isEmpty();
        assertThat(entries.delivered(claimed.get(0)).block(WAIT)).isTrue();
        assertThat(state(kind + ":1")).containsEntry("state", "DELIVERED");
        assertThat(claim(Duration.ZERO)).isEmpty();
    }

    @Test
    void entryWhoseLeaseRanOutIsClaimedAgainAndTheLateOutcomeIsIgnored() {
        outbox.enqueue(kind, kind + ":crash", Map.of("to", "a@example.com")).block(WAIT);
        ClaimedEntry crashed = claim(Duration.ZERO).get(0);
        ClaimedEntry retried = claim(Duration.ofMinutes(1)).get(0);
        assertThat(retried.id()).isEqualTo(crashed.id());
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(entries.delivered(crashed).block(WAIT)).as("the crashed relay's claim is fenced off").isFalse();
        assertThat(entries.delivered(retried).block(WAIT)).isTrue();
    }

    @Test
    void failedAttemptIsRetriedAfterTheBackoff() throws InterruptedException {
        outbox.enqueue(kind, kind + ":retry", Map.of("to", "a@example.com")).block(WAIT);
        ClaimedEntry first = claim(Duration.ofMinutes(1)).get(0);
        assertThat(entries.failed(first, "SMTP down", false, 5, Duration.ofMillis(700)).block(WAIT))
                .isEqualTo(OutboxState.PENDING);
        assertThat(state(kind + ":retry")).containsEntry("state", "PENDING").containsEntry("last_error", "SMTP down");
        assertThat(claim(Duration.ofMinutes(1))).as("not before the backoff").isEmpty();
        Thread.sleep(1000);
        assertThat(claim(Duration.ofMinutes(1))).singleElement()
                .satisfies(entry -> assertThat(entry.attempt()).isEqualTo(2));
    }

    @Test
    void permanentFailureOrTheLastAttemptFailsForGood() {
        outbox.enqueue(kind, kind + ":permanent", Map.of("to", "a@example.com")).block(WAIT);
        ClaimedEntry permanent = claim(Duration.ofMinutes(1)).get(0);
        assertThat(entries.failed(permanent, "no such mailbox", true, 50, Duration.ZERO).block(WAIT))
                .isEqualTo(OutboxState.FAILED);

        outbox.enqueue(kind, kind + ":exhausted", Map.of("to", "a@example.com")).block(WAIT);
        for (int attempt = 1; attempt <= 3; attempt++) {
            ClaimedEntry entry = claim(Duration.ofMinutes(1)).get(0);
            OutboxState state = entries.failed(entry, "still down", false, 3, Duration.ZERO).block(WAIT);
            assertThat(state).isEqualTo(attempt < 3 ? OutboxState.PENDING : OutboxState.FAILED);
        }
        assertThat(claim(Duration.ZERO)).isEmpty();
        assertThat(state(kind + ":exhausted")).containsEntry("state", "FAILED").containsEntry("attempts", 3);
    }

    @Test
    void relayDeliversABacklogLargerThanABatchInOnePoll() {
        for (int i = 0; i < 5; i++) {
            outbox.enqueue(kind, kind + ":backlog-" + i, Map.of("n", i)).block(WAIT);
        }
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        OutboxRelay relay = relay(payload -> Mono.fromRunnable(() -> delivered.add(payload.path("n").asInt())));
        relay.drain().block(WAIT);
        assertThat(delivered).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(state(kind + ":backlog-4")).containsEntry("state", "DELIVERED").containsEntry("attempts", 1);
        relay.drain().block(WAIT);
        assertThat(delivered).as("nothing is delivered twice").hasSize(5);
    }

    @Test
    void relayRecordsFailuresAndGivesUpOnPermanentOnes() {
        outbox.enqueue(kind, kind + ":transient", Map.of("fail", "transient")).block(WAIT);
        outbox.enqueue(kind, kind + ":permanent", Map.of("fail", "permanent")).block(WAIT);
        relay(payload -> payload.path("fail").asString().equals("permanent")
                ? Mono.error(new PermanentDeliveryFailure("mailbox does not exist"))
                : Mono.error(new IllegalStateException("connection refused"))).drain().block(WAIT);
        assertThat(state(kind + ":transient")).containsEntry("state", "PENDING")
                .containsEntry("attempts", 1)
                .containsEntry("last_error", "IllegalStateException: connection refused");
        assertThat(state(kind + ":permanent")).containsEntry("state", "FAILED")
                .containsEntry("last_error", "PermanentDeliveryFailure: mailbox does not exist");
    }

    /**
     * A node stopping mid-delivery (its context closing): the send under way ends and is recorded, so no other node
     * sends it again when the lease runs out; what it claimed but had not begun is due again at once, its attempt not
     * counted. Before, the close cancelled the poll: the mail the server had taken stayed DELIVERING and was sent a
     * second time after the lease, and the rest of the batch waited out the lease too.
     */
    @Test
    void aStoppingRelayRecordsTheSendUnderWayAndGivesBackWhatItHasNotBegun() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            outbox.enqueue(kind, kind + ":stop-" + i, Map.of("n", i)).block(WAIT);
        }
        java.util.concurrent.CountDownLatch begun = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        List<Integer> sent = new CopyOnWriteArrayList<>();
        OutboxRelay relay = relay(5, 1, payload -> Mono.<Void>fromRunnable(() -> {
            begun.countDown();
            try {
                // an SMTP server that answers DATA only once the node has begun to stop
                if (!answer.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no answer");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("the send was interrupted");
            }
            sent.add(payload.path("n").asInt());
        }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()));
        relay.start();
        Thread stopping = new Thread(relay::stop, "context-close");
        try {
            assertThat(begun.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("a send under way").isTrue();
            stopping.start();
            org.awaitility.Awaitility.await().atMost(WAIT).until(relay::stopping);
            answer.countDown();
            stopping.join(WAIT.toMillis());
            assertThat(stopping.isAlive()).as("the stop waited for the send, not longer").isFalse();
        }
        finally {
            answer.countDown();
            if (!stopping.isAlive()) {
                relay.stop();
            }
        }
        // the claim returns the batch in no set order: whichever was begun
        assertThat(sent).as("the send under way ended").hasSize(1);
        int begunOne = sent.get(0);
        for (int i = 0; i < 3; i++) {
            if (i == begunOne) {
                assertThat(state(kind + ":stop-" + i)).containsEntry("state", "DELIVERED").containsEntry("attempts", 1);
            }
            else {
                assertThat(state(kind + ":stop-" + i)).containsEntry("state", "PENDING").containsEntry("attempts", 0);
            }
        }
        assertThat(claim(Duration.ofMinutes(1))).as("due at once, for any node").hasSize(2);
        Thread.sleep(300);
        assertThat(sent).as("the stopped relay sends nothing more").hasSize(1);
    }

    @Test
    void backoffDoublesUpToItsMaximum() {
        OutboxProperties properties = new OutboxProperties(true, Duration.ofSeconds(1), 20, 4, Duration.ofMinutes(1),
                Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofMinutes(15), 50, Duration.ofSeconds(10),
                Duration.ofDays(30), Duration.ofSeconds(10));
        assertThat(properties.backoff(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.backoff(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.backoff(5)).isEqualTo(Duration.ofSeconds(80));
        assertThat(properties.backoff(9)).isEqualTo(Duration.ofMinutes(15));
        assertThat(properties.backoff(50)).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void supervisorSeesEntriesWithoutTheirBodies() {
        outbox.enqueue(kind, kind + ":listed", Map.of("to", "info@rosdistant.ru", "subject", "Вопрос", "body",
                "личные данные")).block(WAIT);
        Agent supervisor = Staff.agent(agents, "lab1", 5, Role.SUPERVISOR);
        JsonNode listed = client().get()
                .uri("/api/supervisor/outbox?state=PENDING&limit=500")
                .headers(headers -> headers.setBasicAuth(supervisor.login(), Staff.PASSWORD))
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
        JsonNode mine = null;
        for (JsonNode entry : listed) {
            assertThat(entry.path("state").asString()).isEqualTo("PENDING");
            if (entry.path("dedupKey").asString().equals(kind + ":listed")) {
                mine = entry;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.path("kind").asString()).isEqualTo(kind);
        assertThat(mine.path("recipient").asString()).isEqualTo("info@rosdistant.ru");
        assertThat(mine.path("subject").asString()).isEqualTo("Вопрос");
        assertThat(mine.path("attempts").asInt()).isZero();
        assertThat(mine.toString()).doesNotContain("личные данные");
    }

    @Test
    void outboxListingIsForSupervisorsOnly() {
        client().get().uri("/api/supervisor/outbox").exchange().expectStatus().isUnauthorized();
        Agent agent = Staff.agent(agents, "lab1", 5);
        client().get()
                .uri("/api/supervisor/outbox")
                .headers(headers -> headers.setBasicAuth(agent.login(), Staff.PASSWORD))
                .exchange()
                .expectStatus()
                .isForbidden();
        client().get()
                .uri("/api/supervisor/outbox?state=LOST")
                .headers(headers -> headers.setBasicAuth("admin", "test-admin-password"))
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void prometheusReportsEntriesByState() {
        outbox.enqueue(kind, kind + ":metric", Map.of("to", "a@example.com")).block(WAIT);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> pendingGauge() >= 1);
        assertThat(prometheus()).contains("gateway_outbox_entries{state=\"FAILED\"}")
                .contains("gateway_outbox_entries{state=\"DELIVERED\"}");
    }

    /** A relay of its own, batches of two, for this test's kind only. */
    private OutboxRelay relay(Function<JsonNode, Mono<Void>> delivery) {
        return relay(2, 4, delivery);
    }

    /** A relay of its own for this test's kind only, polling every 100 ms when started. */
    private OutboxRelay relay(int batchSize, int concurrency, Function<JsonNode, Mono<Void>> delivery) {
        OutboxProperties properties = new OutboxProperties(true, Duration.ofMillis(100), batchSize, concurrency,
                Duration.ofSeconds(5),
                Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofMinutes(1), 50, Duration.ofSeconds(10),
                Duration.ofDays(30), Duration.ofSeconds(10));
        OutboxHandler handler = new OutboxHandler() {

            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Mono<Void> deliver(JsonNode payload) {
                return delivery.apply(payload);
            }
        };
        return new OutboxRelay(entries, properties, List.of(handler));
    }

    private double pendingGauge() {
        return Checks.series(prometheus(), "gateway_outbox_entries\\{state=\"PENDING\"}").orElse(0);
    }

    private String prometheus() {
        return Checks.prometheus(client(), Checks::admin);
    }

    private List<ClaimedEntry> claim(Duration lease) {
        return entries.claim(List.of(kind), 10, lease).collectList().block(WAIT);
    }

    private Map<String, Object> state(String key) {
        return db.sql("SELECT state, attempts, last_error FROM outbox WHERE dedup_key = :key")
                .bind("key", key)
                .fetch()
                .one()
                .block(WAIT);
    }

    private long count(String key) {
        return db.sql("SELECT count(*) AS n FROM outbox WHERE dedup_key = :key")
                .bind("key", key)
                .map(row -> row.get("n", Long.class))
                .one()
                .block(WAIT);
    }

    private WebTestClient client() {
        return WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }
}
