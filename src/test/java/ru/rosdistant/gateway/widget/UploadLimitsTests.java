package ru.rosdistant.gateway.widget;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many uploads one node receives at once, and how much one dialog, visitor and client address may store.
 * A gateway of its own with small limits; each test comes from client addresses of its own (X-Forwarded-For from
 * 127.0.0.1, a trusted proxy here), since every test client is 127.0.0.1. Site up2.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.web.trusted-proxies=127.0.0.1,::1",
        "gateway.files.max-concurrent-uploads=2", "gateway.files.max-concurrent-uploads-per-address=1",
        "gateway.files.retry-after=7s",
        "gateway.files.quota.per-dialog.files=3", "gateway.files.quota.per-dialog.bytes=300KB",
        "gateway.files.quota.per-visitor.files=4", "gateway.files.quota.per-visitor.bytes=10MB",
        "gateway.files.quota.per-address.files=6", "gateway.files.quota.per-address.bytes=600KB" })
@ActiveProfiles("test")
@DirtiesContext
@Import(OwnNettyResources.class)
class UploadLimitsTests {

    private static final String SITE = "up2";

    private static final String ORIGIN = "https://up2.test";

    private static final AtomicInteger addresses = new AtomicInteger((int) (System.nanoTime() % 200));

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Test
    void uploadsBeyondTheConcurrencyBoundGet503WithRetryAfterWhileTheOthersSucceedAndChatGoesOn() throws Exception {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            Consumer<HttpHeaders> from = from(nextAddress());
            long partsBefore = parts();
            // two uploads (from two addresses) that send their first 64 KiB and then wait: both hold a slot
            Sinks.Empty<Void> go = Sinks.empty();
            byte[] content = Uploads.random(100 * 1024, 21);
            List<CompletableFuture<ResponseEntity<byte[]>>> held = List.of("slow-1", "slow-2").stream()
                    .map(id -> uploads.post(token, dialogId, id, "slow.bin", Uploads.chunks(content).take(1)
                                    .concatWith(go.asMono().thenMany(Uploads.chunks(content).skip(1))),
                                    from(nextAddress()))
                            .toFuture())
                    .toList();
            Checks.eventually(() -> parts() >= partsBefore + 2 ? true : null, "two uploads in progress");

            ResponseEntity<byte[]> refused = uploads.post(token, dialogId, "third", "third.bin",
                    Uploads.chunks(content), from).block(Duration.ofSeconds(30));
            assertThat(refused.getStatusCode().value()).isEqualTo(503);
            assertThat(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");
            assertThat(refused.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
            assertThat(new String(refused.getBody(), StandardCharsets.UTF_8)).contains("uploads");

            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "chat-1", "text",
                    "while two files are on their way"));
            assertThat(visitor.await(frame -> "ack".equals(frame.path("type").asString())
                    && "chat-1".equals(frame.path("clientMsgId").asString()), "the chat message's ack")).isNotNull();

            go.tryEmitEmpty();
            for (CompletableFuture<ResponseEntity<byte[]>> upload : held) {
                assertThat(upload.get(60, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(201);
            }
            assertThat(uploads.post(token, dialogId, "after", "after.bin", Uploads.chunks(content), from)
                    .block(Duration.ofSeconds(30)).getStatusCode().value()).isEqualTo(201);
        }
    }

    @Test
    void oneClientAddressHoldsOneUploadSlotAndItsSecondUploadAtOnceGets503WhileAnotherAddressGetsTheFreeSlot()
            throws Exception {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN); WsClient neighbour = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            Consumer<HttpHeaders> from = from(nextAddress());
            long partsBefore = parts();
            Sinks.Empty<Void> go = Sinks.empty();
            byte[] content = Uploads.random(100 * 1024, 22);
            CompletableFuture<ResponseEntity<byte[]>> held = uploads.post(token, dialogId, "held", "slow.bin",
                    Uploads.chunks(content).take(1).concatWith(go.asMono().thenMany(Uploads.chunks(content).skip(1))),
                    from).toFuture();
            Checks.eventually(() -> parts() >= partsBefore + 1 ? true : null, "an upload in progress");

            ResponseEntity<byte[]> second = uploads.post(token, dialogId, "second", "second.bin",
                    Uploads.chunks(content), from).block(Duration.ofSeconds(30));
            assertThat(second.getStatusCode().value()).isEqualTo(503);
            assertThat(second.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");
            assertThat(new String(second.getBody(), StandardCharsets.UTF_8)).contains("address");

            String other = Uploads.hello(neighbour);
            assertThat(uploads.post(other, Uploads.open(neighbour), "free-slot", "n.bin", Uploads.chunks(content),
                    from(nextAddress())).block(Duration.ofSeconds(30)).getStatusCode().value()).isEqualTo(201);
            go.tryEmitEmpty();
            assertThat(held.get(60, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(201);
        }
    }

    @Test
    void aDialogTakesThreeFilesThenAnswers429AndOver300KilobytesAnswers413() {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        Consumer<HttpHeaders> from = from(nextAddress());
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            for (int i = 1; i <= 3; i++) {
                assertThat(status(uploads, token, dialogId, "d-" + i, 1024, from)).isEqualTo(201);
            }
            ResponseEntity<byte[]> fourth = uploads.post(token, dialogId, "d-4", "d.bin",
                    Uploads.chunks(new byte[1024]), from).block(Duration.ofSeconds(30));
            assertThat(fourth.getStatusCode().value()).isEqualTo(429);
            assertThat(fourth.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
            assertThat(new String(fourth.getBody(), StandardCharsets.UTF_8)).contains("dialog");
            assertThat(rows("dialog_id = '" + dialogId + "'")).isEqualTo(3);
        }
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            long before = Uploads.storedFiles().size();
            assertThat(status(uploads, token, dialogId, "b-1", 200 * 1024, from)).isEqualTo(201);
            // without a Content-Length the quota stops the body once it passes what is left
            assertThat(status(uploads, token, dialogId, "b-2", 200 * 1024, from)).isEqualTo(413);
            assertThat(rows("dialog_id = '" + dialogId + "'")).isEqualTo(1);
            Checks.eventually(() -> Uploads.storedFiles().size() == before + 1 ? true : null, "the refused file removed");
        }
    }

    @Test
    void aVisitorsFifthFileInTheirSecondDialogIsRefusedWith429() {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        Consumer<HttpHeaders> from = from(nextAddress());
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String first = Uploads.open(visitor);
            for (int i = 1; i <= 3; i++) {
                assertThat(status(uploads, token, first, "v-" + i, 1024, from)).isEqualTo(201);
            }
            visitor.send(Map.of("type", "close", "dialogId", first));
            visitor.await(frame -> "closed".equals(frame.path("event").asString()), "closed");
            String second = Uploads.open(visitor);
            assertThat(second).isNotEqualTo(first);
            assertThat(status(uploads, token, second, "v-4", 1024, from)).isEqualTo(201);
            ResponseEntity<byte[]> fifth = uploads.post(token, second, "v-5", "v.bin", Uploads.chunks(new byte[1024]),
                    from).block(Duration.ofSeconds(30));
            assertThat(fifth.getStatusCode().value()).isEqualTo(429);
            assertThat(new String(fifth.getBody(), StandardCharsets.UTF_8)).contains("visitor");
        }
    }

    @Test
    void aClientAddressIsRefusedPastSixFilesWith429AndPast600KilobytesWith413() {
        Uploads uploads = new Uploads(port, SITE, ORIGIN);
        Consumer<HttpHeaders> from = from(nextAddress());
        for (int v = 0; v < 3; v++) {
            try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
                String token = Uploads.hello(visitor);
                String dialogId = Uploads.open(visitor);
                assertThat(status(uploads, token, dialogId, "a-1", 1024, from)).isEqualTo(201);
                assertThat(status(uploads, token, dialogId, "a-2", 1024, from)).isEqualTo(201);
            }
        }
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            ResponseEntity<byte[]> seventh = uploads.post(token, dialogId, "a-7", "a.bin",
                    Uploads.chunks(new byte[1024]), from).block(Duration.ofSeconds(30));
            assertThat(seventh.getStatusCode().value()).isEqualTo(429);
            assertThat(new String(seventh.getBody(), StandardCharsets.UTF_8)).contains("address");
        }

        Consumer<HttpHeaders> other = from(nextAddress());
        for (int v = 0; v < 2; v++) {
            try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
                String token = Uploads.hello(visitor);
                String dialogId = Uploads.open(visitor);
                assertThat(status(uploads, token, dialogId, "s-1", 250 * 1024, other)).isEqualTo(201);
            }
        }
        try (WsClient visitor = WsClient.visitor(port, SITE, ORIGIN)) {
            String token = Uploads.hello(visitor);
            String dialogId = Uploads.open(visitor);
            ResponseEntity<byte[]> third = uploads.post(token, dialogId, "s-3", "s.bin",
                    Uploads.chunks(new byte[250 * 1024]), other).block(Duration.ofSeconds(30));
            assertThat(third.getStatusCode().value()).isEqualTo(413);
            assertThat(new String(third.getBody(), StandardCharsets.UTF_8)).contains("address");
            assertThat(rows("dialog_id = '" + dialogId + "'")).isZero();
        }
    }

    private static int status(Uploads uploads, String token, String dialogId, String clientMsgId, int size,
            Consumer<HttpHeaders> from) {
        return uploads.post(token, dialogId, clientMsgId, "f.bin", Uploads.chunks(Uploads.random(size, size)), from)
                .block(Duration.ofSeconds(30)).getStatusCode().value();
    }

    private int rows(String where) {
        return Integer.parseInt(Checks.text(db, "SELECT count(*)::text AS v FROM visitor_file WHERE " + where));
    }

    private static long parts() {
        return Uploads.storedFiles().stream().filter(path -> path.getFileName().toString().endsWith(".part")).count();
    }

    private static String nextAddress() {
        int n = addresses.incrementAndGet();
        return "198.51." + (100 + n / 250 % 100) + "." + (1 + n % 250);
    }

    private static Consumer<HttpHeaders> from(String address) {
        return headers -> headers.set("X-Forwarded-For", address);
    }
}
