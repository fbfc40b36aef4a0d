package ru.rosdistant.gateway.dialog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit of messages ({@link AppendBatches}): many appends at once are stored in few statements, each
 * caller gets its own outcome, and one row PostgreSQL refuses costs no one else their message. Line lab66,
 * which no agent serves, so the dialogs just wait.
 */
@GatewayTest
class AppendBatchesTests {

    private static final String LINE = "lab66";

    @Autowired
    DatabaseClient db;

    @Autowired
    Visitors visitors;

    @Autowired
    DialogManagement dialogs;

    /** One batch at a time, so that everything sent while the first is stored waits and goes together. */
    private AppendBatches serial() {
        return new AppendBatches(db, 1, 64);
    }

    private List<Dialog> openDialogs(int n) {
        List<Dialog> opened = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Visitor visitor = visitors.register("lab66-site").block(Duration.ofSeconds(10));
            // not WIDGET: a waiting widget dialog without a visitor socket is closed as abandoned after 3 s here,
            // which a slow run of these tests may reach
            opened.add(dialogs.openFromChannel(visitor, "BATCH", "lab66-site", LINE, null)
                    .block(Duration.ofSeconds(10)));
        }
        return opened;
    }

    @Test
    void concurrentAppendsAreStoredOnceEachWithGapFreeSequences() {
        AppendBatches batches = serial();
        List<Dialog> opened = openDialogs(10);
        List<Mono<AppendBatches.Stored>> appends = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Dialog dialog = opened.get(i % opened.size());
            appends.add(batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "c" + i,
                    "message " + i));
        }
        // the same client ids again: answered as duplicates with the seq of the first time
        List<AppendBatches.Stored> first = Flux.merge(appends).collectList().block(Duration.ofSeconds(30));
        // each dialog's first message puts it in the waiting line (QUEUED), with «please wait» after it
        assertThat(first).hasSize(500).allSatisfy(stored -> assertThat(stored.status()).isIn("STORED", "QUEUED"));
        assertThat(first).filteredOn(stored -> stored.status().equals("QUEUED")).hasSize(10);
        // they went in batches: far fewer statements than messages
        assertThat(batches.appends()).isEqualTo(500);
        assertThat(batches.statements()).isLessThan(100);
        List<AppendBatches.Stored> again = Flux.range(0, 500)
                .flatMap(i -> {
                    Dialog dialog = opened.get(i % opened.size());
                    return batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "c" + i,
                            "message " + i);
                })
                .collectList()
                .block(Duration.ofSeconds(30));
        assertThat(again).hasSize(500).allSatisfy(stored -> assertThat(stored.status()).isEqualTo("DUPLICATE"));

        for (Dialog dialog : opened) {
            Map<String, Object> row = db.sql("""
                            SELECT count(*) AS n, max(seq) AS top, count(DISTINCT client_msg_id) AS clients,
                                   (SELECT last_seq FROM dialog WHERE id = :id) AS last
                            FROM message WHERE dialog_id = :id""")
                    .bind("id", dialog.id())
                    .fetch().one().block(Duration.ofSeconds(10));
            // 50 visitor messages and the system's "waiting" notice after the first, seq 1..51 with no gap
            assertThat(((Number) row.get("n")).longValue()).isEqualTo(51);
            assertThat(((Number) row.get("top")).longValue()).isEqualTo(51);
            assertThat(((Number) row.get("last")).longValue()).isEqualTo(51);
            assertThat(((Number) row.get("clients")).longValue()).isEqualTo(50);
        }
    }

    @Test
    void eachCallerGetsItsOwnOutcomeInsideOneBatch() {
        AppendBatches batches = serial();
        Dialog dialog = openDialogs(1).get(0);
        UUID stranger = UUID.randomUUID();
        StepVerifier.create(Flux.merge(
                        batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "ok-1", "mine"),
                        batches.append(dialog.id(), Sender.VISITOR, stranger, null, null, "x-1", "not mine"),
                        batches.append(UUID.randomUUID(), Sender.VISITOR, dialog.visitorId(), null, null, "x-2", "?"),
                        batches.append(dialog.id(), Sender.AGENT, null, 999_999L, "Nobody", "a-1", "not assigned"))
                        .map(AppendBatches.Stored::status)
                        .collectSortedList())
                .expectNext(List.of("FORBIDDEN", "NO_DIALOG", "NO_DIALOG", "QUEUED"))
                .verifyComplete();
    }

    @Test
    void aRowPostgresqlRefusesFailsAloneAndTheRestOfItsBatchIsStored() {
        AppendBatches batches = serial();
        List<Dialog> opened = openDialogs(3);
        List<Mono<String>> appends = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Dialog dialog = opened.get(i % 3);
            // PostgreSQL text cannot hold U+0000: the statement of the whole batch fails on this row
            String text = i == 17 ? "bad \u0000 row" : "good " + i;
            appends.add(batches.append(dialog.id(), Sender.VISITOR, dialog.visitorId(), null, null, "n" + i, text)
                    .map(AppendBatches.Stored::status)
                    .onErrorReturn("FAILED"));
        }
        List<String> outcomes = Flux.concat(appends.stream().map(Mono::cache).peek(Mono::subscribe).toList())
                .collectList().block(Duration.ofSeconds(30));
        assertThat(outcomes).hasSize(30);
        assertThat(outcomes.get(17)).isEqualTo("FAILED");
        assertThat(outcomes.stream().filter(outcome -> outcome.equals("STORED") || outcome.equals("QUEUED")).count())
                .isEqualTo(29);
        Long stored = db.sql("SELECT count(*) FROM message WHERE dialog_id IN (:ids) AND sender = 'VISITOR'")
                .bind("ids", opened.stream().map(Dialog::id).toList())
                .map(row -> row.get(0, Long.class)).one().block(Duration.ofSeconds(10));
        assertThat(stored).isEqualTo(29);
    }

    /**
     * PostgreSQL cannot be reached: every append of a batch gets the error (retryable for the client). Before,
     * only the first of a failed batch did; the others never answered and their sockets stalled (the database
     * outage drill found it).
     */
    @Test
    void whenTheDatabaseCannotBeReachedEveryAppendOfTheBatchFails() throws Exception {
        int deadPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        DatabaseClient unreachable = DatabaseClient.create(new io.r2dbc.postgresql.PostgresqlConnectionFactory(
                io.r2dbc.postgresql.PostgresqlConnectionConfiguration.builder().host("127.0.0.1").port(deadPort)
                        .username("postgres").connectTimeout(Duration.ofSeconds(2)).build()));
        AppendBatches batches = new AppendBatches(unreachable, 1, 64);
        List<Mono<String>> appends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // the first goes alone, the other 19 wait for it and then go as one batch
            appends.add(batches.append(UUID.randomUUID(), Sender.VISITOR, UUID.randomUUID(), null, null, "u" + i,
                    "text " + i).map(AppendBatches.Stored::status)
                    .onErrorResume(error -> Mono.just(error.getClass().getSimpleName())));
        }
        List<String> outcomes = Flux.concat(appends.stream().map(Mono::cache).peek(Mono::subscribe).toList())
                .collectList().block(Duration.ofSeconds(30));
        assertThat(outcomes).hasSize(20).allMatch(outcome -> outcome.equals("DataAccessResourceFailureException"),
                "every append failed as the database being unreachable");
        assertThat(batches.statements()).as("no one-by-one retries against a database that cannot be reached")
                .isLessThanOrEqualTo(3);
    }
}
