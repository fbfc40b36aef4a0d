package ru.rosdistant.gateway.drill;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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

/**
 * Hostile input on both sockets: 100,000 generated and mutated frames (malformed JSON, deep nesting, huge
 * strings and numbers, invalid UTF-8, binary frames, unknown types, wrong ids, wrong field types, replays of
 * valid frames) from visitors and agents at once. Nothing may crash: every socket stays open and usable
 * (a ping is answered after every burst), no frame ends in an INTERNAL error, and PostgreSQL holds no partial
 * dialog (every dialog's messages are numbered 1..n without a gap). The seed is fixed, so a failure replays.
 */
@GatewayTest
class HostileFrameTests {

    private static final String SITE = "lab38";

    private static final int FRAMES = 100_000;

    private static final int SOCKETS = 10;

    private static final int BURST = 100;

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void aHundredThousandHostileFramesCrashNothingAndLeaveNoPartialRow() throws InterruptedException {
        Random random = new Random(20261127);
        Map<String, AtomicInteger> errorCodes = new ConcurrentHashMap<>();
        List<Agent> staff = new ArrayList<>();
        for (int i = 0; i < SOCKETS / 2; i++) {
            staff.add(Staff.agent(agents, SITE, 20));
        }
        List<WsClient> sockets = new ArrayList<>();
        List<String> dialogIds = new ArrayList<>();
        try {
            for (Agent agent : staff) {
                sockets.add(Staff.online(port, agent));
            }
            for (int i = 0; i < SOCKETS / 2; i++) {
                WsClient visitor = WsClient.visitor(port, SITE, "https://lab38.test");
                visitor.send("{\"type\":\"hello\"}");
                visitor.awaitType("welcome");
                visitor.send("{\"type\":\"open\"}");
                dialogIds.add(visitor.awaitType("opened").path("dialog").path("dialogId").asString());
                sockets.add(visitor);
            }
            int sent = 0;
            int round = 0;
            while (sent < FRAMES) {
                // each connection may send 200 frames a second here (application-test.yml): a burst of 100 and
                // the probe every 600 ms stay within it, so the probe is never refused for the rate
                long roundStarted = System.nanoTime();
                for (WsClient socket : sockets) {
                    for (int i = 0; i < BURST && sent < FRAMES; i++, sent++) {
                        Object frame = HostileFrames.next(random, dialogIds, round);
                        if (frame instanceof byte[] raw) {
                            socket.sendRaw(raw, random.nextInt(4) == 0);
                        }
                        else {
                            socket.send((String) frame);
                        }
                    }
                    socket.send("{\"type\":\"ping\",\"ref\":\"probe-" + round + "\"}");
                }
                for (WsClient socket : sockets) {
                    // the socket is alive and has worked through its burst when the probe's pong arrives
                    try {
                        socket.await(frame -> frame.path("type").asString().equals("pong"), "pong after round " + round);
                    }
                    catch (AssertionError stuck) {
                        System.out.println("STUCK DIAG " + diagnose());
                        throw stuck;
                    }
                    for (JsonNode frame : socket.seen()) {
                        if (frame.path("type").asString().equals("error")) {
                            errorCodes.computeIfAbsent(frame.path("code").asString(), code -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                    }
                    socket.seen().clear();
                }
                round++;
                long left = Duration.ofMillis(600).minusNanos(System.nanoTime() - roundStarted).toMillis();
                if (left > 0) {
                    Thread.sleep(left);
                }
            }
        }
        finally {
            sockets.forEach(WsClient::close);
        }
        System.out.println("HostileFrameTests: " + FRAMES + " frames, error frames by code: "
                + new TreeMap<>(errorCodes));
        assertThat(errorCodes).doesNotContainKey("INTERNAL");
        assertThat(errorCodes.keySet()).contains("BAD_JSON", "UNKNOWN_TYPE", "MISSING_FIELD", "FRAME_TOO_LARGE");
        String gaps = db.sql("""
                        SELECT count(*)::text AS v FROM (
                          SELECT d.id FROM dialog d LEFT JOIN message m ON m.dialog_id = d.id
                          WHERE d.site_id = :site GROUP BY d.id, d.last_seq
                          HAVING coalesce(max(m.seq), 0) <> count(m.seq) OR coalesce(max(m.seq), 0) <> d.last_seq) broken""")
                .bind("site", SITE)
                .map(row -> row.get("v", String.class))
                .one()
                .block(Duration.ofSeconds(10));
        assertThat(gaps).as("dialogs with a gap or a partial append").isEqualTo("0");
    }

    @Autowired
    org.springframework.core.env.Environment environment;

    private String diagnose() {
        StringBuilder out = new StringBuilder();
        try (java.sql.Connection jdbc = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:"
                + environment.getProperty("gateway.embedded-db.port") + "/postgres", "postgres", "");
                java.sql.ResultSet rows = jdbc.createStatement().executeQuery(
                        "SELECT pid, state, wait_event_type, wait_event, now() - state_change AS since, left(query, 300) "
                                + "FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
            while (rows.next()) {
                out.append("\n  ").append(rows.getInt(1)).append(' ').append(rows.getString(2)).append(' ')
                        .append(rows.getString(3)).append('/').append(rows.getString(4)).append(' ')
                        .append(rows.getString(5)).append(' ').append(rows.getString(6));
            }
        }
        catch (java.sql.SQLException ex) {
            out.append(ex);
        }
        return out.toString();
    }

    /** The generator: valid templates, mutated; and plain garbage. */
    static final class HostileFrames {

        private static final String[] TYPES = { "hello", "open", "message", "typing", "resume", "close", "transcript",
                "presence", "accept", "decline", "forward", "take_over", "triage", "classify", "ping", "", "HELLO",
                "message\u0000", "__proto__", "constructor" };

        private static final String[] PAYLOADS = { "<script>alert(1)</script>", "'; DROP TABLE message; --",
                "\u202Eevil", "𝕳𝖊𝖑𝖑𝖔", "\u0000", "${jndi:ldap://x}", "{{7*7}}", "../../etc/passwd" };

        static Object next(Random random, List<String> dialogIds, int round) {
            return switch (random.nextInt(12)) {
                case 0 -> garbage(random);
                case 1 -> invalidUtf8(random);
                case 2 -> nested(random);
                case 3 -> huge(random);
                default -> mutated(random, dialogIds, round);
            };
        }

        private static byte[] garbage(Random random) {
            byte[] bytes = new byte[random.nextInt(200)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (32 + random.nextInt(95));
            }
            return bytes;
        }

        private static byte[] invalidUtf8(Random random) {
            byte[] valid = "{\"type\":\"message\",\"text\":\"XX\"}".getBytes(StandardCharsets.UTF_8);
            valid[random.nextInt(valid.length)] = (byte) (0x80 + random.nextInt(0x7f));
            return valid;
        }

        private static String nested(Random random) {
            int depth = 100 + random.nextInt(5000);
            String open = random.nextBoolean() ? "[" : "{\"a\":";
            String close = open.equals("[") ? "]" : "}";
            return "{\"type\":\"message\",\"x\":" + open.repeat(depth) + "1" + close.repeat(depth) + "}";
        }

        private static String huge(Random random) {
            return switch (random.nextInt(4)) {
                case 0 -> "{\"type\":\"message\",\"text\":\"" + "я".repeat(4001 + random.nextInt(30_000)) + "\"}";
                case 1 -> "{\"type\":\"resume\",\"dialogId\":\"" + UUID.randomUUID() + "\",\"lastSeq\":1e999999}";
                case 2 -> "{\"type\":\"resume\",\"lastSeq\":" + "9".repeat(5000) + "}";
                default -> "{\"type\":\"message\",\"pad\":\"" + "x".repeat(70_000) + "\"}";
            };
        }

        private static String mutated(Random random, List<String> dialogIds, int round) {
            String dialogId = switch (random.nextInt(4)) {
                case 0 -> UUID.randomUUID().toString();
                case 1 -> "not-a-uuid";
                default -> dialogIds.get(random.nextInt(dialogIds.size()));
            };
            String type = random.nextInt(10) == 0 ? TYPES[random.nextInt(TYPES.length)] + "x"
                    : TYPES[random.nextInt(TYPES.length)];
            StringBuilder frame = new StringBuilder("{\"type\":").append(quote(type));
            if (random.nextInt(5) > 0) {
                frame.append(",\"dialogId\":").append(random.nextInt(6) == 0 ? "42" : quote(dialogId));
            }
            if (random.nextBoolean()) {
                // replays: a small set of client ids per round, so many frames repeat one
                frame.append(",\"clientMsgId\":").append(quote("fz-" + round + "-" + random.nextInt(5)));
            }
            if (random.nextBoolean()) {
                frame.append(",\"text\":").append(random.nextInt(8) == 0 ? "[1,2]"
                        : quote(PAYLOADS[random.nextInt(PAYLOADS.length)] + " " + random.nextInt()));
            }
            if (random.nextInt(3) == 0) {
                frame.append(",\"lastSeq\":").append(switch (random.nextInt(4)) {
                    case 0 -> "-1";
                    case 1 -> "\"5\"";
                    case 2 -> String.valueOf(Long.MAX_VALUE);
                    default -> String.valueOf(random.nextInt(10));
                });
            }
            if (random.nextInt(4) == 0) {
                frame.append(",\"status\":").append(quote(random.nextBoolean() ? "ONLINE" : "SLEEPING"));
            }
            if (random.nextInt(4) == 0) {
                frame.append(",\"appealType\":").append(quote(random.nextBoolean() ? "CONSULTATION" : "GOSSIP"));
            }
            if (random.nextInt(6) == 0) {
                frame.append(",\"toLine\":").append(quote(random.nextBoolean() ? SITE : "nowhere"));
            }
            if (random.nextInt(6) == 0) {
                frame.append(",\"typing\":").append(random.nextBoolean() ? "true" : "\"yes\"");
            }
            if (random.nextInt(8) == 0) {
                frame.append(",\"email\":").append(quote(random.nextBoolean() ? "a@b.ru" : "@@"));
            }
            String text = frame.append('}').toString();
            // truncation and duplication: a valid prefix, or the frame twice in one
            return switch (random.nextInt(15)) {
                case 0 -> text.substring(0, random.nextInt(text.length()));
                case 1 -> text + text;
                default -> text;
            };
        }

        private static String quote(String value) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : value.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                }
                else if (c < 0x20) {
                    out.append(String.format("\\u%04x", (int) c));
                }
                else {
                    out.append(c);
                }
            }
            return out.append('"').toString();
        }
    }
}
