package ru.rosdistant.gateway.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.live.SocketMetrics;
import ru.rosdistant.gateway.live.SocketProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that stops reading: a visitor's socket (a plain TCP socket with a 4 KiB receive window that reads
 * nothing) while its agent writes long messages into the dialog. Meanwhile another dialog on the same agent
 * line keeps its normal latency; the stuck socket's queue stays bounded ({@code gateway.socket.outbound-buffer}
 * frames) and it is closed with 1013; the visitor then resumes with its token and {@code lastSeq} and gets
 * every message exactly once. The same for an agent's socket that stops reading while its visitor writes.
 */
@GatewayTest
class SlowConsumerTests {

    private static final String SITE = "lab56";

    private static final String ORIGIN = "https://lab56.test";

    /** 4,000 Cyrillic characters: 8 KB of UTF-8 per message frame. */
    private static final String LONG_TEXT = "Щ".repeat(3990);

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    SocketMetrics sockets;

    @Autowired
    SocketProperties limits;

    @Autowired
    DatabaseClient db;

    /** What differs between the two drills: who is stuck, who writes, and how the stuck one comes back. */
    private interface Stuck {
        /** Opens a fresh socket for the same person and resumes the dialog from lastSeq (until 'resumed'). */
        WsClient resume(String dialogId, long lastSeq);
    }

    @Test
    void aVisitorThatStopsReadingIsClosedWith1013AndSlowsNobodyAndResumesWithEverything() throws Exception {
        Agent writer = Staff.agent(agents, SITE, 5);
        Agent other = Staff.agent(agents, SITE, 5);
        try (WsClient writerConsole = Staff.online(port, writer);
                RawSocket slow = RawSocket.open(port, "/ws/visitor?site=" + SITE, Map.of("Origin", ORIGIN))) {
            slow.send("{\"type\":\"hello\"}");
            String token = slow.awaitType("welcome").path("token").asString();
            slow.send("{\"type\":\"open\"}");
            String slowDialog = slow.awaitType("opened").path("dialog").path("dialogId").asString();
            JsonNode assigned = writerConsole.await(frame -> frame.path("type").asString().equals("dialog")
                    && frame.path("dialog").path("dialogId").asString().equals(slowDialog), "the slow dialog");
            assertThat(assigned.path("dialog").path("state").asString()).isEqualTo("ASSIGNED");
            // from here on the slow visitor reads nothing
            drill("visitor", sockets.visitors(), slow, slowDialog, writerConsole, other, (dialogId, lastSeq) -> {
                WsClient back = WsClient.visitor(port, SITE, ORIGIN);
                back.send(Map.of("type", "hello", "token", token));
                back.awaitType("welcome");
                back.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", lastSeq));
                back.awaitType("resumed");
                return back;
            });
        }
    }

    @Test
    void anAgentThatStopsReadingIsClosedWith1013AndSlowsNobodyAndResumesWithEverything() throws Exception {
        Agent stuck = Staff.agent(agents, SITE, 5);
        Agent other = Staff.agent(agents, SITE, 5);
        String cookie = Staff.login(port, stuck.login(), Staff.PASSWORD);
        // a second console tab of the stuck agent that follows nothing: the agent stays connected (no requeue
        // after the grace period) while the stuck tab is closed
        try (WsClient secondTab = WsClient.agent(port, cookie);
                RawSocket slow = RawSocket.open(port, "/ws/agent", Map.of("Origin", "http://localhost:" + port,
                        "Cookie", cookie));
                WsClient writer = WsClient.visitor(port, SITE, ORIGIN)) {
            secondTab.awaitType("welcome");
            slow.awaitType("welcome");
            slow.send("{\"type\":\"presence\",\"status\":\"ONLINE\"}");
            slow.awaitType("presence");
            writer.send("{\"type\":\"hello\"}");
            writer.awaitType("welcome");
            writer.send("{\"type\":\"open\"}");
            String slowDialog = writer.awaitType("opened").path("dialog").path("dialogId").asString();
            JsonNode assigned;
            do {
                assigned = slow.awaitType("dialog");
            }
            while (!assigned.path("dialog").path("dialogId").asString().equals(slowDialog));
            slow.send(Map.of("type", "resume", "dialogId", slowDialog, "lastSeq", 0));
            slow.awaitType("resumed");
            // from here on the stuck tab reads nothing
            drill("agent", sockets.agents(), slow, slowDialog, writer, other, (dialogId, lastSeq) -> {
                WsClient back = WsClient.agent(port, cookie);
                back.awaitType("welcome");
                back.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", lastSeq));
                back.awaitType("resumed");
                return back;
            });
        }
    }

    private void drill(String side, SocketMetrics.Side open, RawSocket slow, String slowDialog, WsClient writer,
            Agent other, Stuck comeBack) throws Exception {
        try (WsClient otherConsole = Staff.online(port, other);
                WsClient control = WsClient.visitor(port, SITE, ORIGIN)) {
            String controlDialog = openControl(control, otherConsole);
            List<Long> before = latencies(control, otherConsole, controlDialog, 20, "before");
            // the slow socket's close, not any socket's: another test's socket may close meanwhile
            long tooSlowBefore = open.closedTooSlow();
            long started = System.nanoTime();
            int sent = 0;
            List<Long> during = new ArrayList<>();
            List<String> writerErrors = new ArrayList<>();
            // the writer writes 150 long messages a second (the test limit is 200 frames a second); the
            // control dialog measures a round trip after every 30 of them
            while (open.closedTooSlow() == tooSlowBefore && sent < 6000) {
                long batch = System.nanoTime();
                for (int i = 0; i < 30; i++, sent++) {
                    writer.send(Map.of("type", "message", "dialogId", slowDialog, "clientMsgId", "flood-" + sent,
                            "text", LONG_TEXT));
                }
                during.addAll(latencies(control, otherConsole, controlDialog, 1, "during-" + sent));
                for (JsonNode frame : writer.drainNow()) {
                    if (frame.path("type").asString().equals("error")) {
                        writerErrors.add(frame.toString());
                    }
                }
                writer.seen().clear();
                long left = 200 - (System.nanoTime() - batch) / 1_000_000;
                if (left > 0) {
                    Thread.sleep(left);
                }
            }
            long closedAfterMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(open.closedTooSlow()).as("the slow socket was closed").isGreaterThan(tooSlowBefore);
            // every message the writer sent is stored (acknowledged to the writer) before the checks below
            int flood = sent;
            try {
                Checks.eventually(() -> {
                    String count = Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '"
                            + slowDialog + "' AND client_msg_id LIKE 'flood-%'");
                    return Integer.parseInt(count) == flood ? count : null;
                }, "the flood stored");
            }
            catch (AssertionError notAll) {
                Integer closed;
                try {
                    closed = writer.awaitClose(Duration.ofMillis(10));
                }
                catch (IllegalStateException stillOpen) {
                    closed = null;
                }
                throw new AssertionError(notAll.getMessage() + ": " + flood + " sent, "
                        + Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id = '" + slowDialog
                                + "' AND client_msg_id LIKE 'flood-%'")
                        + " stored; the writer's errors " + writerErrors + "; its socket closed with " + closed);
            }
            List<Long> after = latencies(control, otherConsole, controlDialog, 20, "after");

            // the stuck client reads at last: what it was sent, then the close frame
            TreeSet<Long> got = new TreeSet<>();
            int duplicates = 0;
            List<JsonNode> frames = new ArrayList<>(slow.skipped());
            for (JsonNode frame = slow.next(); frame != null; frame = slow.next()) {
                frames.add(frame);
            }
            for (JsonNode frame : frames) {
                if (frame.path("type").asString().equals("message")
                        && frame.path("dialogId").asString().equals(slowDialog)
                        && !got.add(frame.path("seq").asLong())) {
                    duplicates++;
                }
            }
            assertThat(slow.closeCode()).as("close code of the slow socket").isEqualTo(1013);
            long lastSeq = got.isEmpty() ? 0 : got.last();
            long last = Long.parseLong(Checks.text(db, "SELECT last_seq::text AS v FROM dialog WHERE id = '"
                    + slowDialog + "'"));
            assertThat(last - lastSeq).as("messages the slow socket never got").isGreaterThan(0);

            // the same person comes back and resumes from the last seq the stuck socket saw
            long resumeStarted = System.nanoTime();
            long resumeMs;
            try (WsClient back = comeBack.resume(slowDialog, lastSeq)) {
                resumeMs = (System.nanoTime() - resumeStarted) / 1_000_000;
                for (JsonNode frame : back.seen()) {
                    if (frame.path("type").asString().equals("message")
                            && frame.path("dialogId").asString().equals(slowDialog)
                            && !got.add(frame.path("seq").asLong())) {
                        duplicates++;
                    }
                }
            }
            assertThat(duplicates).as("messages delivered twice").isZero();
            assertThat(got.first()).isEqualTo(1);
            assertThat(got.last()).isGreaterThanOrEqualTo(last);
            assertThat(got).as("seq 1.." + got.last() + " without a gap").hasSize((int) (long) got.last());

            long p95During = percentile(during, 95);
            long p95After = percentile(after, 95);
            System.out.printf("SlowConsumerTests %s: outbound-buffer %d frames; closed 1013 after %d ms and "
                    + "%d long messages (%d seq stored); the stuck client had %d messages (%d KB) in the "
                    + "network buffers, the rest (%d) came with the resume in %d ms; control round trip p50/p95/max ms "
                    + "before %d/%d/%d, during %d/%d/%d (%d samples), after %d/%d/%d%n", side,
                    limits.outboundBuffer(), closedAfterMs, sent, last, lastSeq, slow.bytesRead() / 1024,
                    got.last() - lastSeq, resumeMs, percentile(before, 50), percentile(before, 95), percentile(before, 100),
                    percentile(during, 50), p95During, percentile(during, 100), during.size(),
                    percentile(after, 50), p95After, percentile(after, 100));
            // "normal latency": the control dialog's round trip stays well under a second while the slow
            // socket fills up (a shared 2-core machine: generous, but a blocked event loop would take longer)
            assertThat(p95During).as("control p95 during the flood, ms").isLessThan(1000);
            assertThat(p95After).as("control p95 after, ms").isLessThan(1000);
        }
    }

    private String openControl(WsClient control, WsClient console) {
        control.send("{\"type\":\"hello\"}");
        control.awaitType("welcome");
        control.send("{\"type\":\"open\"}");
        String dialogId = control.awaitType("opened").path("dialog").path("dialogId").asString();
        console.await(frame -> frame.path("type").asString().equals("dialog")
                && frame.path("dialog").path("dialogId").asString().equals(dialogId), "the control dialog");
        console.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
        console.awaitType("resumed");
        return dialogId;
    }

    /** Round trips visitor → stored → agent in the control dialog, in ms. */
    private static List<Long> latencies(WsClient visitor, WsClient agent, String dialogId, int count, String tag) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "ctl-" + tag + "-" + i;
            long started = System.nanoTime();
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", id, "text", "ping " + id));
            agent.await(frame -> frame.path("type").asString().equals("message")
                    && id.equals(frame.path("clientMsgId").asString()), "control message " + id);
            times.add((System.nanoTime() - started) / 1_000_000);
        }
        agent.seen().clear();
        visitor.drainNow();
        visitor.seen().clear();
        return times;
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
