package ru.rosdistant.gateway.drill;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.widget.Uploads;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile uploads in parallel: 16 visitors each send 7 uploads at once — files of 1-3 MB with and without a
 * length, a file one byte over 16 MB, an upload that breaks off mid-body, a forged token, someone else's
 * dialog, a hostile name, an empty file — while they chat. More uploads than the node takes at once are
 * answered 503 with Retry-After and sent again after it. No other 5xx, every chat message is acknowledged,
 * every stored row has its file on disk with its checksum, and no file or part is left without a row. Site up3.
 */
@GatewayTest
class UploadFloodTests {

    private static final String SITE = "up3";

    private static final String ORIGIN = "https://up3.test";

    private static final int VISITORS = 16;

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    private record Answer(String kind, int status, String retryAfter, String body) {
    }

    @Test
    void parallelHostileUploadsGetNo5xxBut503WithRetryAfterAndLeaveNoFileWithoutARow() throws Exception {
        Instant started = Instant.now().minusSeconds(1);
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        List<WsClient> visitors = new ArrayList<>();
        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicInteger refusedForBusy = new AtomicInteger();
        try {
            List<Mono<Void>> work = new ArrayList<>();
            List<String> tokens = new ArrayList<>();
            List<String> dialogs = new ArrayList<>();
            for (int v = 0; v < VISITORS; v++) {
                WsClient visitor = WsClient.visitor(port, SITE, ORIGIN);
                visitors.add(visitor);
                tokens.add(Uploads.hello(visitor));
                dialogs.add(Uploads.open(visitor));
            }
            for (int v = 0; v < VISITORS; v++) {
                String token = tokens.get(v);
                String dialogId = dialogs.get(v);
                String strangersDialog = dialogs.get((v + 1) % VISITORS);
                byte[] file = Uploads.random(1024 * 1024 + v * 100_000, v);
                work.add(send(uploads, answers, refusedForBusy, "chunked", token, dialogId, "f-chunked", "a.pdf",
                        () -> Uploads.chunks(file)));
                work.add(send(uploads, answers, refusedForBusy, "empty", token, dialogId, "f-empty", "empty.txt",
                        Flux::empty));
                work.add(send(uploads, answers, refusedForBusy, "hostile-name", token, dialogId, "f-name",
                        "../../etc/passwd\u0000\r\n" + "x".repeat(v * 20), () -> Uploads.chunks(new byte[1000])));
                work.add(send(uploads, answers, refusedForBusy, "forged-token", token + "x", dialogId, "f-forged",
                        "a.bin", () -> Uploads.chunks(new byte[1000])));
                work.add(send(uploads, answers, refusedForBusy, "strangers-dialog", token, strangersDialog,
                        "f-stranger-" + v, "a.bin", () -> Uploads.chunks(new byte[1000])));
                if (v % 4 == 0) {
                    work.add(send(uploads, answers, refusedForBusy, "over-limit", token, dialogId, "f-over", "big.iso",
                            () -> Uploads.chunks(new byte[16 * 1024 * 1024 + 1])));
                }
                else {
                    work.add(send(uploads, answers, refusedForBusy, "broken-off", token, dialogId, "f-broken",
                            "half.bin", () -> Uploads.chunks(file).take(8)
                                    .concatWith(Mono.error(new IllegalStateException("the visitor's tab closed")))));
                }
                work.add(Mono.fromRunnable(() -> visitors.get(dialogs.indexOf(dialogId))
                        .send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "chat-" + dialogId,
                                "text", "while my files are on their way"))));
            }
            Flux.merge(work).then().block(Duration.ofMinutes(5));
            for (int v = 0; v < VISITORS; v++) {
                String dialogId = dialogs.get(v);
                visitors.get(v).await(frame -> "ack".equals(frame.path("type").asString())
                        && ("chat-" + dialogId).equals(frame.path("clientMsgId").asString()), "the chat message's ack");
            }
        }
        finally {
            visitors.forEach(WsClient::close);
        }

        Map<String, Map<Integer, Integer>> table = new TreeMap<>();
        answers.forEach(answer -> table.computeIfAbsent(answer.kind(), k -> new TreeMap<>())
                .merge(answer.status(), 1, Integer::sum));
        System.out.println("UploadFloodTests: " + answers.size() + " answers by kind and status " + table
                + "; 503 (busy, sent again after Retry-After): " + refusedForBusy.get());
        assertThat(answers).filteredOn(answer -> answer.status() >= 500 && answer.status() != 503).as("5xx").isEmpty();
        assertThat(answers).filteredOn(answer -> answer.status() == -1).as("uploads without an answer").isEmpty();
        assertThat(answers).filteredOn(answer -> answer.status() >= 400)
                .allSatisfy(answer -> assertThat(answer.body()).as(answer.kind()).contains("\"detail\""));
        assertThat(table.get("chunked")).isEqualTo(Map.of(201, VISITORS));
        assertThat(table.get("empty")).isEqualTo(Map.of(201, VISITORS));
        // the name without its path and control characters is "passwd" and 20 x per visitor: past 255 characters, 400
        long named = java.util.stream.IntStream.range(0, VISITORS).filter(v -> 6 + 20 * v <= 255).count();
        assertThat(table.get("hostile-name")).isEqualTo(Map.of(201, (int) named, 400, VISITORS - (int) named));
        assertThat(table.get("forged-token")).isEqualTo(Map.of(401, VISITORS));
        assertThat(table.get("strangers-dialog")).isEqualTo(Map.of(404, VISITORS));
        assertThat(table.get("over-limit")).isEqualTo(Map.of(413, VISITORS / 4));

        // every row of the drill's dialogs has its file, with its checksum; no file or part without a row
        List<String[]> rows = db.sql("""
                        SELECT f.storage_key, f.sha256, f.size_bytes::text AS size FROM visitor_file f
                        JOIN dialog d ON d.id = f.dialog_id WHERE d.line_id = 'up3'""")
                .map(row -> new String[] { row.get("storage_key", String.class), row.get("sha256", String.class),
                        row.get("size", String.class) })
                .all().collectList().block(Duration.ofSeconds(10));
        assertThat(rows).hasSize(2 * VISITORS + (int) named);
        for (String[] row : rows) {
            byte[] content = Files.readAllBytes(Uploads.STORE.resolve(row[0]));
            assertThat(Uploads.sha256(content)).isEqualTo(row[1]);
            assertThat(String.valueOf(content.length)).isEqualTo(row[2]);
        }
        Set<String> keys = new HashSet<>(db.sql("SELECT storage_key FROM visitor_file WHERE storage_key IS NOT NULL "
                        + "UNION ALL SELECT storage_key FROM messenger_file WHERE storage_key IS NOT NULL")
                .map(row -> row.get("storage_key", String.class)).all().collectList().block(Duration.ofSeconds(10)));
        Checks.eventually(() -> {
            List<String> strays = Uploads.storedFiles().stream()
                    .filter(path -> modifiedSince(path, started))
                    .map(path -> Uploads.STORE.relativize(path).toString().replace('\\', '/'))
                    .filter(key -> !keys.contains(key))
                    .toList();
            return strays.isEmpty() ? true : null;
        }, "no file or part without a row");
        Checks.http(port).get().uri("/actuator/health").exchange().expectStatus().isOk();
    }

    /** One upload, sent again after Retry-After while the node is busy. */
    private static Mono<Void> send(Uploads uploads, List<Answer> answers, AtomicInteger busy, String kind, String token,
            String dialogId, String clientMsgId, String name, java.util.function.Supplier<Flux<DataBuffer>> body) {
        Consumer<HttpHeaders> none = headers -> { };
        return Mono.defer(() -> uploads.post(token, dialogId, clientMsgId, name, body.get(), none))
                .map(response -> answer(kind, response))
                .onErrorResume(error -> Mono.just(new Answer(kind, kind.equals("broken-off") ? 0 : -1, null,
                        String.valueOf(error))))
                .flatMap(answer -> {
                    if (answer.status() == 503) {
                        assertThat(answer.retryAfter()).as("Retry-After of a 503").isNotNull();
                        busy.incrementAndGet();
                        return Mono.error(new Busy(Long.parseLong(answer.retryAfter())));
                    }
                    return Mono.just(answer);
                })
                .retryWhen(reactor.util.retry.Retry.from(signals -> signals.concatMap(signal -> signal.failure()
                        instanceof Busy retry ? Mono.delay(Duration.ofSeconds(retry.seconds)) : Mono.error(signal.failure()))))
                .doOnNext(answers::add)
                .then();
    }

    private static final class Busy extends RuntimeException {

        final long seconds;

        Busy(long seconds) {
            super(null, null, false, false);
            this.seconds = seconds;
        }
    }

    private static Answer answer(String kind, ResponseEntity<byte[]> response) {
        return new Answer(kind, response.getStatusCode().value(),
                response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER),
                response.getBody() == null ? "" : new String(response.getBody(), StandardCharsets.UTF_8));
    }

    private static boolean modifiedSince(Path path, Instant since) {
        try {
            return Files.getLastModifiedTime(path).compareTo(FileTime.from(since)) >= 0;
        }
        catch (java.io.IOException ex) {
            return false;
        }
    }
}
