package ru.rosdistant.gateway.widget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.web.server.LocalServerPort;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One client address may not flood the waiting line: new visitors and new dialogs per address are limited, and
 * so are the dialogs it has open at once (test profile: 6 new visitors, 5 new dialogs in a burst, 3 open). Each
 * test comes from loopback addresses of its own; other addresses are not affected. One dialog takes a bounded
 * rate of messages however many sockets send them (site lab763).
 */
@GatewayTest
class VisitorLimitsTests {

    private static final String SITE = "lab90";

    private static final String ORIGIN = "https://lab90.test";

    @LocalServerPort
    int port;

    @Test
    void oneAddressIsRefusedNewDialogsPastItsLimitsAndAnotherAddressIsNot() {
        String flooder = WsClient.freshAddress();
        List<WsClient> sockets = new ArrayList<>();
        try {
            List<String> opened = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WsClient visitor = WsClient.visitorFrom(flooder, port, SITE, ORIGIN);
                sockets.add(visitor);
                hello(visitor);
            }
            for (int i = 0; i < 3; i++) {
                opened.add(open(sockets.get(i)));
            }
            // a fourth dialog open at once from the same address is refused, with a clear error
            JsonNode refused = openRefused(sockets.get(3));
            assertThat(refused.path("message").asString()).contains("open dialogs");
            assertThat(refused.path("retryable").asBoolean()).isTrue();

            try (WsClient other = WsClient.visitorFrom(WsClient.freshAddress(), port, SITE, ORIGIN)) {
                hello(other);
                assertThat(open(other)).isNotBlank();
            }

            // once one of them closes there is room again, until the rate of new dialogs (5 at once) runs out
            close(sockets.get(0), opened.get(0));
            String fourth = open(sockets.get(3));
            close(sockets.get(3), fourth);
            String fifth = open(sockets.get(3));
            close(sockets.get(3), fifth);
            assertThat(openRefused(sockets.get(3)).path("message").asString()).contains("new dialogs");
        }
        finally {
            sockets.forEach(WsClient::close);
        }
    }

    @Test
    void oneAddressIsRefusedNewVisitorsPastItsLimitAndAnotherAddressIsNot() {
        String flooder = WsClient.freshAddress();
        List<WsClient> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                WsClient visitor = WsClient.visitorFrom(flooder, port, SITE, ORIGIN);
                sockets.add(visitor);
                hello(visitor);
            }
            WsClient seventh = WsClient.visitorFrom(flooder, port, SITE, ORIGIN);
            sockets.add(seventh);
            seventh.send(Map.of("type", "hello", "ref", "hello"));
            JsonNode refused = seventh.await(frame -> frame.path("type").asString().equals("error")
                    || frame.path("type").asString().equals("welcome"), "the answer to hello");
            assertThat(refused.path("code").asString()).isEqualTo("CLIENT_LIMITED");
            assertThat(refused.path("ref").asString()).isEqualTo("hello");

            // a visitor who has a token is not new: the token of an earlier visitor still works from there
            String token = sockets.get(0).seen().stream().filter(f -> f.path("type").asString().equals("welcome"))
                    .findFirst().orElseThrow().path("token").asString();
            WsClient returning = WsClient.visitorFrom(flooder, port, SITE, ORIGIN);
            sockets.add(returning);
            returning.send(Map.of("type", "hello", "token", token));
            assertThat(returning.awaitType("welcome").path("token").asString()).isEqualTo(token);

            try (WsClient other = WsClient.visitorFrom(WsClient.freshAddress(), port, SITE, ORIGIN)) {
                hello(other);
            }
        }
        finally {
            sockets.forEach(WsClient::close);
        }
    }

    @Test
    void oneDialogTakesItsBurstOfMessagesWhicheverSocketSendsThemAndARefusedOneIsStoredWhenSentAgain() {
        String site = "lab763";
        String origin = "https://lab763.test";
        try (WsClient visitor = WsClient.visitorFrom(WsClient.freshAddress(), port, site, origin);
                WsClient second = WsClient.visitorFrom(WsClient.freshAddress(), port, site, origin)) {
            hello(visitor);
            String token = visitor.seen().stream().filter(f -> f.path("type").asString().equals("welcome"))
                    .findFirst().orElseThrow().path("token").asString();
            String dialogId = open(visitor);
            // another socket of the same visitor, from another address
            second.send(Map.of("type", "hello", "token", token));
            second.awaitType("welcome");
            // twenty-one at once from the two sockets: the default burst, twenty, is stored and one is refused,
            // whichever came last. The bound is the dialog's (each socket alone may send 200 frames a second), and a
            // token comes back every 2 s, far longer than sending these takes
            for (int i = 0; i < 20; i++) {
                visitor.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m" + i, "text", "т " + i));
            }
            second.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "m20", "text", "т 20"));
            List<JsonNode> refused = new ArrayList<>();
            for (int i = 0; i <= 20; i++) {
                WsClient socket = i < 20 ? visitor : second;
                String id = "m" + i;
                // acks may come in another order than their messages: one may have passed while waiting for another
                JsonNode answer = socket.awaitSeenOrNext(frame -> answers(frame, id), "the answer to " + id);
                if (!answer.path("type").asString().equals("ack")) {
                    refused.add(answer);
                }
            }
            assertThat(refused).hasSize(1);
            JsonNode refusal = refused.get(0);
            assertThat(refusal.path("code").asString()).as(refusal.toString()).isEqualTo("RATE_LIMITED");
            assertThat(refusal.path("retryable").asBoolean()).isTrue();
            assertThat(refusal.path("message").asString()).startsWith("Too many messages in this dialog; try again in");

            // sent again as the widget does (same client id, a few seconds later): stored, once
            String id = refusal.path("ref").asString();
            WsClient sender = id.equals("m20") ? second : visitor;
            int n = Integer.parseInt(id.substring(1));
            JsonNode stored = await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> answerTo(sender.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId",
                            id, "text", "т " + n)), id), answer -> answer.path("type").asString().equals("ack"));
            assertThat(stored.path("duplicate").asBoolean()).isFalse();
            assertThat(stored.path("seq").asLong()).as("after the twenty and the system's 'waiting'").isGreaterThan(20);
        }
    }

    /** The next ack or error that answers the message with this client id. */
    private static JsonNode answerTo(WsClient visitor, String clientMsgId) {
        return visitor.await(frame -> answers(frame, clientMsgId), "the answer to " + clientMsgId);
    }

    private static boolean answers(JsonNode frame, String clientMsgId) {
        return (frame.path("type").asString().equals("ack") && frame.path("clientMsgId").asString().equals(clientMsgId))
                || (frame.path("type").asString().equals("error") && frame.path("ref").asString().equals(clientMsgId));
    }

    static void hello(WsClient visitor) {
        visitor.send("{\"type\":\"hello\"}");
        JsonNode answer = visitor.await(frame -> frame.path("type").asString().equals("error")
                || frame.path("type").asString().equals("welcome"), "welcome");
        assertThat(answer.path("type").asString()).as(answer.toString()).isEqualTo("welcome");
    }

    private static String open(WsClient visitor) {
        visitor.send(Map.of("type", "open", "ref", "open"));
        JsonNode answer = visitor.await(frame -> frame.path("type").asString().equals("opened")
                || frame.path("type").asString().equals("error"), "opened");
        assertThat(answer.path("type").asString()).as(answer.toString()).isEqualTo("opened");
        return answer.path("dialog").path("dialogId").asString();
    }

    private static JsonNode openRefused(WsClient visitor) {
        visitor.send(Map.of("type", "open", "ref", "open"));
        JsonNode answer = visitor.await(frame -> frame.path("type").asString().equals("opened")
                || frame.path("type").asString().equals("error"), "the answer to open");
        assertThat(answer.path("code").asString()).as(answer.toString()).isEqualTo("CLIENT_LIMITED");
        assertThat(answer.path("ref").asString()).isEqualTo("open");
        return answer;
    }

    private static void close(WsClient visitor, String dialogId) {
        visitor.send(Map.of("type", "close", "dialogId", dialogId));
        visitor.await(frame -> "closed".equals(frame.path("event").asString())
                && frame.path("dialogId").asString().equals(dialogId), "closed");
    }
}
