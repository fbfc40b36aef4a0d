package ru.rosdistant.gateway.drill;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default under crashes, each gateway in a JVM of its own: a kill of the JVM and its PostgreSQL
 * together (power loss, OOM kill of the container) loses no acknowledged message; the first start after a kill
 * of the JVM alone comes up; a second gateway on a held data folder stops at once and says why.
 */
class EmbeddedPostgresCrashTests {

    private static final Duration START = Duration.ofMinutes(3);

    private static final int MESSAGES = 150;

    private final Path dataDir = Path.of("target", "crash-drill", UUID.randomUUID().toString()).toAbsolutePath();

    @AfterEach
    void stopWhatIsLeft() {
        GatewayProcess.stopLeftovers(dataDir);
    }

    @Test
    void everyAcknowledgedMessageSurvivesAKillOfTheGatewayAndItsPostgresTogether() {
        String token;
        String dialogId;
        Map<String, Long> acknowledged = new HashMap<>();
        try (GatewayProcess first = start("first").awaitReady(START);
                WsClient visitor = visitor(first)) {
            visitor.send("{\"type\":\"hello\"}");
            token = visitor.awaitType("welcome").path("token").asString();
            visitor.send("{\"type\":\"open\"}");
            dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            for (int i = 1; i <= MESSAGES; i++) {
                visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m-" + i, "text",
                        "сообщение " + i));
            }
            while (acknowledged.size() < MESSAGES) {
                JsonNode ack = visitor.awaitType("ack");
                acknowledged.put(ack.path("clientMsgId").asString(), ack.path("seq").asLong());
            }
            // within milliseconds of the last ack, as a power loss would
            first.killWithPostgres();
        }
        try (GatewayProcess second = start("second").awaitReady(START);
                WsClient visitor = visitor(second)) {
            visitor.send(Map.of("type", "hello", "token", token));
            visitor.awaitType("welcome");
            visitor.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            visitor.awaitType("resumed");
            List<JsonNode> stored = visitor.seen()
                    .stream()
                    .filter(frame -> frame.path("type").asString().equals("message")
                            && frame.path("from").asString().equals("visitor"))
                    .toList();
            Map<String, Long> copies = stored.stream()
                    .collect(Collectors.groupingBy(frame -> frame.path("clientMsgId").asString(),
                            Collectors.counting()));
            assertThat(copies.keySet()).as("every acknowledged message is there after the crash")
                    .containsAll(acknowledged.keySet());
            assertThat(copies.values()).as("each exactly once").allMatch(count -> count == 1);
            Map<String, Long> seqs = stored.stream()
                    .collect(Collectors.toMap(frame -> frame.path("clientMsgId").asString(),
                            frame -> frame.path("seq").asLong(), (a, b) -> a));
            assertThat(seqs).as("under the seq it was acknowledged with").containsAllEntriesOf(acknowledged);
        }
    }

    @Test
    void theFirstStartAfterTheGatewayAloneWasKilledComesUp() {
        try (GatewayProcess first = start("first").awaitReady(START)) {
            first.killJvm();
            assertThat(first.postmaster()).as("the killed gateway's PostgreSQL goes on running").isPresent();
        }
        try (GatewayProcess second = start("second").awaitReady(START)) {
            assertThat(second.output()).contains("was left running by a gateway that ended without stopping it");
        }
    }

    @Test
    void aSecondGatewayOnAHeldDataFolderStopsAtOnceWithOneClearLine() {
        try (GatewayProcess first = start("first").awaitReady(START)) {
            GatewayProcess second = start("second");
            assertThat(second.awaitExit(START)).as("exit code").isNotZero();
            String output = second.output();
            assertThat(output).contains("The embedded PostgreSQL data folder " + dataDir
                    + " is in use by another running gateway (PID " + first.pid() + ")");
            assertThat(output).contains("Stop that gateway first");
            assertThat(output.lines().filter(line -> line.startsWith("\tat ")))
                    .as("no stack trace").isEmpty();
            assertThat(first.readiness()).as("the first gateway is untouched").isEqualTo(200);
        }
    }

    @Test
    void aLoginRightAfterAFreshGatewaySaysItIsReadyIsAccepted() {
        try (GatewayProcess fresh = start("fresh", "--spring.profiles.active=test,demo").awaitReady(START)) {
            // zoya is the last demo agent created on the first start
            assertThat(Staff.login(fresh.port(), "zoya", "demo")).startsWith("SESSION=");
            assertThat(Staff.login(fresh.port(), "admin", "test-admin-password")).startsWith("SESSION=");
        }
    }

    private GatewayProcess start(String name, String... args) {
        return GatewayProcess.start(dataDir, dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".log"),
                args);
    }

    private static WsClient visitor(GatewayProcess gateway) {
        return WsClient.visitor(gateway.port(), "lab7", "https://lab7.test");
    }
}
