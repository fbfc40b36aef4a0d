package ru.rosdistant.gateway.dialog;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import ru.rosdistant.gateway.GatewayApplication;
import ru.rosdistant.gateway.OwnNettyResources;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stops the whole application and starts it again on the same PostgreSQL: what a visitor was told is
 * stored is still there, and the visitor's token still resumes their dialog.
 */
class RestartTests {

    @Test
    void dialogsAndMessagesSurviveARestart() {
        String token;
        String dialogId;
        try (ConfigurableApplicationContext first = start(); WsClient visitor = visitor(first)) {
            visitor.send("{\"type\":\"hello\"}");
            token = visitor.awaitType("welcome").path("token").asString();
            visitor.send("{\"type\":\"open\"}");
            dialogId = visitor.awaitType("opened").path("dialog").path("dialogId").asString();
            for (int i = 1; i <= 3; i++) {
                visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "before-" + i, "text",
                        "до перезапуска " + i));
                visitor.awaitType("ack");
            }
        }
        try (ConfigurableApplicationContext second = start(); WsClient visitor = visitor(second)) {
            visitor.send(Map.of("type", "hello", "token", token));
            JsonNode welcome = visitor.awaitType("welcome");
            assertThat(welcome.path("dialogs").get(0).path("dialogId").asString()).isEqualTo(dialogId);
            visitor.send(Map.of("type", "resume", "dialogId", dialogId, "lastSeq", 0));
            visitor.awaitType("resumed");
            List<String> texts = visitor.seen()
                    .stream()
                    .filter(frame -> frame.path("type").asString().equals("message"))
                    .map(frame -> frame.path("text").asString())
                    .toList();
            assertThat(texts).contains("до перезапуска 1", "до перезапуска 2", "до перезапуска 3");
            visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "before-3", "text",
                    "до перезапуска 3"));
            assertThat(visitor.awaitType("ack").path("duplicate").asBoolean())
                    .as("a retry across the restart is still recognised").isTrue();
        }
    }

    @Test
    void shutdownTellsEverySocketItIsGoingAway() {
        ConfigurableApplicationContext context = start();
        try (WsClient visitor = visitor(context)) {
            visitor.send("{\"type\":\"hello\"}");
            visitor.awaitType("welcome");
            long started = System.nanoTime();
            context.close();
            assertThat(visitor.awaitClose(java.time.Duration.ofSeconds(15))).isEqualTo(1001);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));
        }
    }

    /**
     * Spring 7 pauses a cached test context while another test class runs and restarts it afterwards. Sockets
     * must live through that: before, the pause told every socket to go away and the restarted gateway then
     * took new sockets and never answered them (every socket test after the fuzz drills failed).
     */
    @Test
    void aPausedAndRestartedGatewayKeepsItsSocketsAndAnswersNewOnes() {
        try (ConfigurableApplicationContext context = start(); WsClient before = visitor(context)) {
            before.send("{\"type\":\"hello\"}");
            before.awaitType("welcome");
            context.pause();
            context.restart();
            before.send("{\"type\":\"ping\"}");
            before.awaitType("pong");
            try (WsClient after = visitor(context)) {
                after.send("{\"type\":\"hello\"}");
                after.awaitType("welcome");
                after.send("{\"type\":\"open\"}");
                after.awaitType("opened");
            }
        }
    }

    private static ConfigurableApplicationContext start() {
        // event loops of its own: closing it must not dispose the global loops the shared test gateway runs on
        return new SpringApplicationBuilder(GatewayApplication.class, OwnNettyResources.class).profiles("test")
                .run("--server.port=0");
    }

    private static WsClient visitor(ConfigurableApplicationContext context) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return WsClient.visitor(port, "lab7", "https://lab7.test");
    }
}
