package ru.rosdistant.gateway.drill;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL cut off for {@value #OUTAGE_SECONDS} s in the middle of chat traffic. The gateway reaches its
 * own embedded PostgreSQL (a server of this class's own) through a TCP proxy the test cuts: every pooled
 * connection is closed and new ones are refused, as when the database server stops. Meanwhile the gateway
 * stays up (sockets answer pings), readiness says DOWN, every message frame that cannot be stored is answered
 * with a retryable error (never an ack), and the offline form with 503. After the cut the clients' retries
 * (same clientMsgId) are stored once each, readiness is UP again and the outbox delivers what waited.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "gateway.embedded-db.enabled=false", "gateway.offline.forms-per-minute=1000",
                "gateway.offline.burst=1000" })
@ActiveProfiles("test")
@DirtiesContext
@org.springframework.context.annotation.Import(ru.rosdistant.gateway.OwnNettyResources.class)
class DatabaseOutageTests {

    private static final int OUTAGE_SECONDS = 30;

    private static final int FREEZE_SECONDS = 15;

    private static final String SITE = "lab57";

    private static final String ORIGIN = "https://lab57.test";

    /**
     * The black hole's own site and line: what it leaves waiting (its visitor's dialog, back in the line once its
     * agent's grace ends) is never routed to the outage's agents, whichever method runs first.
     */
    private static final String FROZEN_SITE = "lab420";

    private static final String FROZEN_ORIGIN = "https://lab420.test";

    private static CuttableProxy proxy;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException {
        if (proxy == null) {
            proxy = CuttableProxy.toEmbeddedPostgres("test-postgres-outage", Map.of("max_connections", "100"));
        }
        proxy.register(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    JavaMailSender mail;

    /** One side of a dialog that writes a message every tick and resends what was not acknowledged. */
    private static final class Writer {

        final String name;

        final WsClient socket;

        final String dialogId;

        /** clientMsgId → "sent" (no answer yet), "retry" (a retryable error) or "acked". */
        final Map<String, String> state = new LinkedHashMap<>();

        final Map<String, Long> ackedSeq = new LinkedHashMap<>();

        final Map<String, Long> lastSent = new ConcurrentHashMap<>();

        /** When each message was first sent: one first sent in a freeze cannot have reached the database. */
        final Map<String, Long> firstSent = new ConcurrentHashMap<>();

        int next;

        Writer(String name, WsClient socket, String dialogId) {
            this.name = name;
            this.socket = socket;
            this.dialogId = dialogId;
        }

        /** A retryable error: the same frame again, at most once a second. */
        void resendRetries(long now) {
            for (Map.Entry<String, String> entry : state.entrySet()) {
                if (entry.getValue().equals("retry")
                        && now - lastSent.get(entry.getKey()) > Duration.ofSeconds(1).toNanos()) {
                    entry.setValue("sent");
                    send(entry.getKey());
                }
            }
        }

        void send(String id) {
            socket.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", id, "text", "text " + id));
            long now = System.nanoTime();
            lastSent.put(id, now);
            firstSent.putIfAbsent(id, now);
        }
    }

    @Test
    void theGatewayRidesOutADatabaseOutageAndLosesNothing() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(((JavaMailSenderImpl) mail).getPort(), "127.0.0.1",
                ServerSetup.PROTOCOL_SMTP));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<WsClient> sockets = new ArrayList<>();
        AtomicBoolean polling = new AtomicBoolean(true);
        List<String> readiness = new CopyOnWriteArrayList<>();
        try {
            assertThat(ready(http)).isEqualTo(200);
            List<Writer> writers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                writers.addAll(dialog("visitor" + i, "agent" + i, sockets));
            }
            // an offline form whose mail waits in the outbox (no SMTP server yet) across the outage
            String formName = "Форма До Сбоя " + System.nanoTime();
            assertThat(postForm(http, formName)).isEqualTo(201);

            long start = System.nanoTime();
            Thread poller = new Thread(() -> {
                String last = "";
                while (polling.get()) {
                    String now = ready(http) == 200 ? "UP" : "DOWN";
                    if (!now.equals(last)) {
                        readiness.add(now + "@" + (System.nanoTime() - start) / 1_000_000);
                        last = now;
                    }
                    try {
                        Thread.sleep(200);
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                }
            }, "readiness-poller");
            poller.start();

            Map<String, AtomicInteger> errorsDuringOutage = new TreeMap<>();
            Map<String, AtomicInteger> errorsAfter = new TreeMap<>();
            long cutAt = 0;
            long restoredAt = 0;
            long firstAckAfterRestore = 0;
            long backlogAckedAt = 0;
            java.util.Set<String> sentBeforeRestore = new java.util.HashSet<>();
            int formDuringOutage = 0;
            int loginDuringOutage = 0;
            int pongsDuringOutage = 0;
            String helloDuringOutage = null;
            List<String> ackedDuringOutage = new ArrayList<>();
            // 5 s of traffic, the outage, then traffic until every message is acknowledged (at most 60 s)
            for (int tick = 0; ; tick++) {
                long now = System.nanoTime();
                long ms = (now - start) / 1_000_000;
                if (cutAt == 0 && ms >= 5_000) {
                    proxy.cut();
                    cutAt = System.nanoTime();
                }
                if (cutAt != 0 && restoredAt == 0 && now - cutAt >= Duration.ofSeconds(OUTAGE_SECONDS).toNanos()) {
                    proxy.restore();
                    restoredAt = System.nanoTime();
                }
                boolean down = cutAt != 0 && restoredAt == 0;
                boolean sending = restoredAt == 0 || now - restoredAt < Duration.ofSeconds(5).toNanos();
                for (Writer writer : writers) {
                    if (sending) {
                        String id = writer.name + "-" + writer.next++;
                        writer.state.put(id, "sent");
                        if (restoredAt == 0) {
                            sentBeforeRestore.add(id);
                        }
                        writer.send(id);
                    }
                    writer.resendRetries(now);
                }
                if (down && tick % 10 == 5) {
                    // the gateway itself stays up: pings answered, the sites listed, a form refused with 503
                    WsClient probe = writers.get(0).socket;
                    probe.send("{\"type\":\"ping\"}");
                    probe.awaitType("pong");
                    pongsDuringOutage++;
                    formDuringOutage = postForm(http, "Форма Во Время Сбоя " + tick);
                    assertThat(formDuringOutage).as("offline form while the database is down").isEqualTo(503);
                    HttpResponse<String> login = postLogin(http);
                    loginDuringOutage = login.statusCode();
                    assertThat(loginDuringOutage).as("login while the database is down: " + login.body()).isEqualTo(503);
                    assertThat(login.headers().firstValue("Retry-After")).as("login 503 says when to try again")
                            .isPresent();
                    if (helloDuringOutage == null) {
                        try (WsClient newcomer = WsClient.visitor(port, SITE, ORIGIN)) {
                            newcomer.send("{\"type\":\"hello\"}");
                            helloDuringOutage = newcomer.await(frame -> frame.path("type").asString().equals("error")
                                    || frame.path("type").asString().equals("welcome"), "an answer to hello")
                                    .toString();
                        }
                    }
                }
                Thread.sleep(200);
                for (Writer writer : writers) {
                    // drainNow adds to seen(), which also holds what the ping probe passed over
                    writer.socket.drainNow();
                    for (JsonNode frame : new ArrayList<>(writer.socket.seen())) {
                        String type = frame.path("type").asString();
                        if (type.equals("ack") && frame.path("dialogId").asString().equals(writer.dialogId)) {
                            String id = frame.path("clientMsgId").asString();
                            if (writer.state.containsKey(id)) {
                                writer.state.put(id, "acked");
                                Long earlier = writer.ackedSeq.put(id, frame.path("seq").asLong());
                                assertThat(earlier == null || earlier == frame.path("seq").asLong())
                                        .as("a repeated ack names the original seq").isTrue();
                                if (down && writer.firstSent.get(id) > cutAt) {
                                    // one sent before the cut may have been stored before it, its ack read after it
                                    ackedDuringOutage.add(id);
                                }
                                if (restoredAt != 0 && firstAckAfterRestore == 0) {
                                    firstAckAfterRestore = System.nanoTime();
                                }
                            }
                        }
                        else if (type.equals("error")) {
                            String code = frame.path("code").asString() + (frame.path("retryable").asBoolean()
                                    ? " (retryable)" : "");
                            (restoredAt == 0 ? errorsDuringOutage : errorsAfter)
                                    .computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                            String ref = frame.path("ref").asString(null);
                            if (ref != null && writer.state.containsKey(ref) && frame.path("retryable").asBoolean()) {
                                writer.state.put(ref, "retry");
                            }
                        }
                    }
                    writer.socket.seen().clear();
                }
                if (restoredAt != 0 && backlogAckedAt == 0 && writers.stream().allMatch(w -> w.state.entrySet()
                        .stream().noneMatch(e -> sentBeforeRestore.contains(e.getKey()) && !e.getValue().equals("acked")))) {
                    backlogAckedAt = System.nanoTime();
                }
                if (restoredAt != 0 && !sending
                        && writers.stream().allMatch(w -> !w.state.containsValue("sent")
                                && !w.state.containsValue("retry"))) {
                    break;
                }
                assertThat(ms).as("everything acknowledged within 60 s after the outage; states: "
                        + writers.stream().map(w -> w.name + "=" + count(w.state)).toList())
                        .isLessThan(5_000 + OUTAGE_SECONDS * 1000L + 60_000);
            }
            // readiness UP again
            long upAgain = System.nanoTime();
            while (ready(http) != 200) {
                assertThat(System.nanoTime() - upAgain).as("readiness UP again").isLessThan(30_000_000_000L);
                Thread.sleep(200);
            }
            polling.set(false);
            poller.join();
            String report = String.format("DatabaseOutageTests: %d s outage; %d messages (%d acknowledged) from 4 writers (2 visitors, "
                    + "2 agents); error frames during the outage %s, after %s; readiness %s "
                    + "(ms from the start; cut at %d, restored at %d); first ack %d ms after the restore, every "
                    + "message sent before the restore (%d) acknowledged %d ms after it; %d pings answered, offline form %d and login %d during the outage; "
                    + "hello during the outage: %s",
                    OUTAGE_SECONDS, writers.stream().mapToInt(w -> w.next).sum(), writers.stream().mapToInt(w -> w.ackedSeq.size()).sum(), errorsDuringOutage, errorsAfter, readiness, (cutAt - start) / 1_000_000,
                    (restoredAt - start) / 1_000_000, (firstAckAfterRestore - restoredAt) / 1_000_000,
                    sentBeforeRestore.size(), (backlogAckedAt - restoredAt) / 1_000_000, pongsDuringOutage, formDuringOutage, loginDuringOutage, helloDuringOutage);
            System.out.println(report);

            // the outbox: the form's mail, held while the database was down, arrives once the SMTP server is up
            smtp.start();
            Checks.eventually(() -> mails(smtp, formName) == 1 ? true : null, "the form's mail");
            Thread.sleep(2000);
            assertThat(mails(smtp, formName)).as("the form's mail, exactly once").isEqualTo(1);
            // a form after the outage is stored and mailed as usual
            String formAfter = "Форма После Сбоя " + System.nanoTime();
            assertThat(postForm(http, formAfter)).isEqualTo(201);
            Checks.eventually(() -> mails(smtp, formAfter) == 1 ? true : null, "the mail of a form after the outage");

            // PostgreSQL: every message once, with the seq its ack named, and no dialog with a gap
            int total = 0;
            for (Writer writer : writers) {
                for (Map.Entry<String, Long> acked : writer.ackedSeq.entrySet()) {
                    String rows = Checks.text(db, "SELECT count(*)::text || ':' || min(seq)::text AS v FROM message "
                            + "WHERE dialog_id = '" + writer.dialogId + "' AND client_msg_id = '" + acked.getKey()
                            + "'");
                    assertThat(rows).as(acked.getKey()).isEqualTo("1:" + acked.getValue());
                    total++;
                }
                assertThat(writer.ackedSeq).as("every message of " + writer.name + " acknowledged")
                        .hasSize(writer.next);
            }
            String gaps = Checks.text(db, """
                    SELECT count(*)::text AS v FROM (
                      SELECT d.id FROM dialog d LEFT JOIN message m ON m.dialog_id = d.id
                      WHERE d.site_id = 'lab57' GROUP BY d.id, d.last_seq
                      HAVING coalesce(max(m.seq), 0) <> count(m.seq) OR coalesce(max(m.seq), 0) <> d.last_seq) broken""");
            assertThat(gaps).as("dialogs with a gap or a partial append").isEqualTo("0");
            assertThat(ackedDuringOutage).as("acks of messages first sent while the database was down").isEmpty();
            assertThat(errorsDuringOutage.keySet()).as("error codes while the database was down")
                    .containsExactly("STORAGE_UNAVAILABLE (retryable)");
            assertThat(helloDuringOutage).contains("STORAGE_UNAVAILABLE");

            assertThat(readiness.stream().map(entry -> entry.split("@")[0]).toList())
                    .as("readiness: " + readiness).containsExactly("UP", "DOWN", "UP");
        }
        finally {
            polling.set(false);
            sockets.forEach(WsClient::close);
            smtp.stop();
            proxy.restore();
        }
    }

    /** A visitor and an agent in one open dialog, each a writer. */
    private List<Writer> dialog(String visitorName, String agentName, List<WsClient> sockets) {
        return dialog(visitorName, agentName, sockets, SITE, ORIGIN);
    }

    private List<Writer> dialog(String visitorName, String agentName, List<WsClient> sockets, String site,
            String origin) {
        Agent agent = Staff.agent(agents, site, 5);
        WsClient console = Staff.online(port, agent);
        WsClient visitor = WsClient.visitor(port, site, origin);
        sockets.add(console);
        sockets.add(visitor);
        visitor.send("{\"type\":\"hello\"}");
        visitor.awaitType("welcome");
        visitor.send("{\"type\":\"open\"}");
        String dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
        console.await(frame -> frame.path("type").asString().equals("dialog")
                && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the dialog");
        console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
        console.awaitType("resumed");
        return List.of(new Writer(visitorName, visitor, dialogId), new Writer(agentName, console, dialogId));
    }

    /**
     * The other kind of outage: PostgreSQL stops answering without refusing (a network black hole) for
     * {@value #FREEZE_SECONDS} s. Nothing may hang for good: every message is answered within the append timeout
     * (10 s) with a retryable error, pings keep being answered, readiness goes DOWN; once the network heals every
     * message is acknowledged and stored once, even those whose statement was still on its way when the
     * gateway gave up on it (the retry is recognised as a duplicate of the stored one).
     */
    @Test
    void aDatabaseThatStopsAnsweringHoldsNoSocketForGoodAndLosesNothing() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<WsClient> sockets = new ArrayList<>();
        try {
            List<Writer> writers = dialog("frozen-visitor", "frozen-agent", sockets, FROZEN_SITE, FROZEN_ORIGIN);
            Map<String, AtomicInteger> errorsWhileFrozen = new TreeMap<>();
            List<String> ackedWhileFrozen = new ArrayList<>();
            long slowestPong = 0;
            // the newcomer and the readiness probe run beside the writers, so that a slow answer to one (each may
            // take up to its 10-s bound while the database is silent) never keeps the other from happening in the freeze
            java.util.concurrent.CompletableFuture<String> newcomerHello = null;
            AtomicBoolean readinessSeenDown = new AtomicBoolean();
            java.util.concurrent.CompletableFuture<Void> readinessProbe = null;
            java.util.concurrent.Executor beside = task -> {
                Thread thread = new Thread(task, "black-hole-probe");
                thread.setDaemon(true);
                thread.start();
            };
            long start = System.nanoTime();
            long frozenAt = 0;
            long thawedAt = 0;
            for (int tick = 0; ; tick++) {
                long now = System.nanoTime();
                if (frozenAt == 0 && now - start >= Duration.ofSeconds(3).toNanos()) {
                    proxy.freeze();
                    frozenAt = System.nanoTime();
                }
                if (frozenAt != 0 && thawedAt == 0 && now - frozenAt >= Duration.ofSeconds(FREEZE_SECONDS).toNanos()) {
                    proxy.thaw();
                    thawedAt = System.nanoTime();
                }
                boolean frozen = frozenAt != 0 && thawedAt == 0;
                boolean sending = thawedAt == 0 || now - thawedAt < Duration.ofSeconds(3).toNanos();
                for (Writer writer : writers) {
                    if (sending) {
                        String id = writer.name + "-" + writer.next++;
                        writer.state.put(id, "sent");
                        writer.send(id);
                    }
                    writer.resendRetries(now);
                }
                if (frozen && newcomerHello == null && now - frozenAt > Duration.ofSeconds(1).toNanos()) {
                    // a newcomer's hello needs the database too: answered (retryable) within the frame timeout
                    newcomerHello = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        long helloAt = System.nanoTime();
                        try (WsClient newcomer = WsClient.visitor(port, FROZEN_SITE, FROZEN_ORIGIN)) {
                            newcomer.send("{\"type\":\"hello\"}");
                            return newcomer.await(frame -> frame.path("type").asString().equals("error")
                                    || frame.path("type").asString().equals("welcome"), "an answer to hello")
                                    .toString() + " after " + (System.nanoTime() - helloAt) / 1_000_000 + " ms";
                        }
                    }, beside);
                }
                if (frozen && readinessProbe == null) {
                    long thawAt = frozenAt + Duration.ofSeconds(FREEZE_SECONDS).toNanos();
                    readinessProbe = java.util.concurrent.CompletableFuture.runAsync(() -> {
                        while (!readinessSeenDown.get() && System.nanoTime() < thawAt) {
                            if (ready(http) != 200) {
                                readinessSeenDown.set(true);
                            }
                        }
                    }, beside);
                }
                if (frozen && tick % 10 == 5) {
                    // answered after the messages sent before it: within the append timeout, not never
                    long pinged = System.nanoTime();
                    writers.get(1).socket.send("{\"type\":\"ping\"}");
                    writers.get(1).socket.awaitType("pong");
                    slowestPong = Math.max(slowestPong, (System.nanoTime() - pinged) / 1_000_000);
                }
                Thread.sleep(200);
                for (Writer writer : writers) {
                    writer.socket.drainNow();
                    for (JsonNode frame : new ArrayList<>(writer.socket.seen())) {
                        String type = frame.path("type").asString();
                        String id = type.equals("ack") ? frame.path("clientMsgId").asString()
                                : frame.path("ref").asString(null);
                        if (id == null || !writer.state.containsKey(id)) {
                            continue;
                        }
                        if (type.equals("ack")) {
                            writer.state.put(id, "acked");
                            Long earlier = writer.ackedSeq.put(id, frame.path("seq").asLong());
                            assertThat(earlier == null || earlier == frame.path("seq").asLong())
                                    .as("a repeated ack names the original seq").isTrue();
                            if (frozen && writer.firstSent.get(id) > frozenAt) {
                                ackedWhileFrozen.add(id);
                            }
                        }
                        else if (type.equals("error")) {
                            String code = frame.path("code").asString()
                                    + (frame.path("retryable").asBoolean() ? " (retryable)" : "");
                            if (frozen) {
                                errorsWhileFrozen.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                            }
                            if (frame.path("retryable").asBoolean() && !writer.state.get(id).equals("acked")) {
                                writer.state.put(id, "retry");
                            }
                        }
                    }
                    writer.socket.seen().clear();
                }
                if (thawedAt != 0 && !sending && writers.stream().allMatch(w -> !w.state.containsValue("sent")
                        && !w.state.containsValue("retry"))) {
                    break;
                }
                assertThat(now - start).as("everything acknowledged within 60 s after the thaw; states: "
                        + writers.stream().map(w -> w.name + "=" + count(w.state)).toList())
                        .isLessThan(Duration.ofSeconds(3 + FREEZE_SECONDS + 60).toNanos());
            }
            String helloWhileFrozen = newcomerHello == null ? null : newcomerHello.get(30, TimeUnit.SECONDS);
            readinessProbe.get(30, TimeUnit.SECONDS);
            boolean readinessDown = readinessSeenDown.get();
            long total = 0;
            for (Writer writer : writers) {
                for (Map.Entry<String, Long> acked : writer.ackedSeq.entrySet()) {
                    String rows = Checks.text(db, "SELECT count(*)::text || ':' || coalesce(min(seq), 0)::text AS v "
                            + "FROM message WHERE dialog_id = '" + writer.dialogId + "' AND client_msg_id = '"
                            + acked.getKey() + "'");
                    assertThat(rows).as(acked.getKey()).isEqualTo("1:" + acked.getValue());
                    total++;
                }
                assertThat(writer.ackedSeq).as("every message of " + writer.name + " acknowledged").hasSize(writer.next);
            }
            String report = String.format("DatabaseOutageTests (black hole): %d s without an answer; %d messages, all "
                    + "acknowledged and stored once; errors while frozen %s; acks while frozen %d; slowest pong %d ms; "
                    + "readiness DOWN seen: %s; a newcomer's hello while frozen: %s", FREEZE_SECONDS, total,
                    errorsWhileFrozen, ackedWhileFrozen.size(), slowestPong, readinessDown, helloWhileFrozen);
            System.out.println(report);
            assertThat(errorsWhileFrozen.keySet()).as("error codes while frozen")
                    .containsExactly("STORAGE_UNAVAILABLE (retryable)");
            assertThat(ackedWhileFrozen).as("acks of messages first sent while nothing reached the database")
                    .isEmpty();
            assertThat(readinessDown).as("readiness DOWN while frozen").isTrue();
            assertThat(slowestPong).as("pong while frozen, ms").isLessThan(15_000);
            // a newcomer's hello is answered within its bound: a welcome (a new visitor needs no stored row to be
            // greeted) or the retryable STORAGE_UNAVAILABLE, never nothing
            assertThat(helloWhileFrozen).as("a newcomer's hello while frozen")
                    .matches("(?s).*(\"welcome\"|STORAGE_UNAVAILABLE).*");
        }
        finally {
            proxy.thaw();
            sockets.forEach(WsClient::close);
        }
    }

    private static Map<String, Long> count(Map<String, String> states) {
        Map<String, Long> counts = new TreeMap<>();
        states.values().forEach(value -> counts.merge(value, 1L, Long::sum));
        return counts;
    }

    private static long mails(GreenMail smtp, String marker) {
        return java.util.Arrays.stream(smtp.getReceivedMessages()).filter(message -> {
            try {
                return String.valueOf(message.getSubject()).contains(marker);
            }
            catch (jakarta.mail.MessagingException ex) {
                return false;
            }
        }).count();
    }

    private int ready(HttpClient http) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (IOException ex) {
            return -1;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> postLogin(HttpClient http) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password=test-admin-password")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int postForm(HttpClient http, String name) throws IOException, InterruptedException {
        String body = "{\"site\":\"" + SITE + "\",\"name\":\"" + name + "\",\"email\":\"v" + System.nanoTime()
                + "@example.com\",\"question\":\"Вопрос при сбое базы\",\"consent\":true}";
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/offline-forms"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
