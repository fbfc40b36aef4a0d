package ru.rosdistant.gateway.channel;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

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
import static ru.rosdistant.gateway.channel.ChannelTestSupport.awaitDialogWith;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.count;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.usersOf;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/**
 * The Viber bridge against the fake REST bot API: bot viber-bot on line lab46. Other tests leave dialogs waiting on
 * lab46; each test's agent takes up to 50, so the waiting ones do not fill its slots before its own dialog comes.
 */
@GatewayTest
class ViberBridgeTests {

    static final String TOKEN = "viber-auth-token-1";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void aSignedMessageReachesTheAgentAndTheReplyGoesOutWithTheAuthToken() {
        Agent agent = Staff.agent(agents, "lab46", 50);
        String user = "vb" + nextId() + "==";
        try (WsClient console = Staff.online(port, agent)) {
            accepted(callback(message(user, nextId(), "Где расписание?")));
            String dialogId = awaitDialogWith(console, "Где расписание?");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v-1", "text", "В кабинете"));
            FakePlatforms.Call sent = fake.await(call -> call.path().equals("/pa/send_message")
                    && call.body().path("receiver").asString().equals(user)
                    && call.body().path("text").asString().equals("В кабинете"), 1, "the reply").get(0);
            assertThat(sent.headers().get("X-Viber-Auth-Token")).isEqualTo(TOKEN);
            assertThat(sent.body().path("sender").path("name").asString()).isEqualTo("Test Viber");
        }
    }

    @Test
    void aBadSignatureIsRefusedBeforeAnythingIsStored() {
        String user = "vb" + nextId() + "==";
        byte[] body = message(user, nextId(), "подделка").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> forged = post(port, "/channel/viber/viber-bot", body,
                Map.of("X-Viber-Content-Signature", WhatsAppBridgeTests.hmac("not-the-token", body)));
        HttpResponse<String> unsigned = post(port, "/channel/viber/viber-bot", body, Map.of());
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(usersOf(db, "viber-bot", user)).isZero();
    }

    @Test
    void signedMalformedJsonIsABadRequest() {
        HttpResponse<String> response = callback("{\"event\":");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("malformed JSON");
    }

    @Test
    void aRepeatedMessageTokenIsStoredOnce() {
        String user = "vb" + nextId() + "==";
        String event = message(user, nextId(), "повтор в вайбере");
        accepted(callback(event));
        accepted(callback(event));
        assertThat(visitorMessages(db, "viber-bot", user, "повтор в вайбере")).isEqualTo(1);
    }

    @Test
    void tooManyRequestsIsRetriedWithBackoffUntilTheReplyIsAccepted() {
        Agent agent = Staff.agent(agents, "lab46", 50);
        String user = "vb" + nextId() + "==";
        try (WsClient console = Staff.online(port, agent)) {
            accepted(callback(message(user, nextId(), "медленно")));
            String dialogId = awaitDialogWith(console, "медленно");
            fake.await(call -> call.path().equals("/pa/send_message") && call.body().path("receiver").asString()
                    .equals(user) && call.body().path("text").asString().startsWith("Вам отвечает"), 1,
                    "the assignment notice");
            fake.queueViberStatus(TOKEN, 12);
            fake.queueViberStatus(TOKEN, 12);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "v-2", "text", "не спешите"));
            var attempts = fake.await(call -> call.path().equals("/pa/send_message")
                    && call.body().path("text").asString().equals("не спешите") && call.answered() == 0, 1,
                    "the reply accepted after status 12");
            assertThat(attempts).hasSize(1);
            assertThat(fake.calls(call -> call.path().equals("/pa/send_message")
                    && call.body().path("text").asString().equals("не спешите") && call.answered() == 12)).hasSize(2);
        }
    }

    @Test
    void deliveryStatusesAndUnsubscribingAreRecorded() {
        String user = "vb" + nextId() + "==";
        accepted(callback(message(user, nextId(), "подписка")));
        long token = nextId();
        accepted(callback("{\"event\":\"delivered\",\"timestamp\":1457764197627,\"message_token\":" + token
                + ",\"user_id\":\"" + user + "\"}"));
        accepted(callback("{\"event\":\"unsubscribed\",\"timestamp\":1457764197627,\"user_id\":\"" + user + "\"}"));
        assertThat(count(db, "SELECT count(*) FROM messenger_status WHERE bot_id = 'viber-bot' AND message_id = :id "
                + "AND status = 'delivered'", Map.of("id", String.valueOf(token)))).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE external_id = :user "
                + "AND unsubscribed_at IS NOT NULL", Map.of("user", user))).isEqualTo(1);
    }

    @Test
    void theBotRegistersItsWebhook() {
        JsonNode body = fake.await(call -> call.path().equals("/pa/set_webhook"), 1, "set_webhook").get(0).body();
        assertThat(body.path("url").asString()).isEqualTo("http://gateway.test/channel/viber/viber-bot");
    }

    @Test
    void identificationAsksForTheNameThenTheNumberWithTheSharePhoneKeyboard() {
        String user = "vi" + nextId() + "==";
        String token = "viber-identify-token-1";
        accepted(callback("viber-identify", token, message(user, nextId(), "Вопрос про стипендию")));
        fake.await(call -> toViber(call, user, Identification.ASK_NAME), 1, "the name question");
        accepted(callback("viber-identify", token, message(user, nextId(), "Сидоров Пётр")));
        FakePlatforms.Call askPhone = fake.await(call -> toViber(call, user, Identification.ASK_PHONE), 1,
                "the phone question").get(0);
        assertThat(askPhone.body().path("keyboard").path("Buttons").path(0).path("ActionType").asString())
                .isEqualTo("share-phone");
        assertThat(askPhone.headers().get("X-Viber-Auth-Token")).isEqualTo(token);
        accepted(callback("viber-identify", token, "{\"event\":\"message\",\"timestamp\":1457764197627,"
                + "\"message_token\":" + nextId() + ",\"sender\":{\"id\":\"" + user + "\",\"name\":\"Пётр\"},"
                + "\"message\":{\"type\":\"contact\",\"contact\":{\"name\":\"Пётр\",\"phone_number\":\"79275550011\"}}}"));
        fake.await(call -> toViber(call, user, "Спасибо, Сидоров Пётр! Передаём ваш вопрос специалисту."), 1,
                "the thanks");
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE bot_id = 'viber-identify' AND external_id = :u "
                + "AND stage = 'IDENTIFIED' AND phone = '+79275550011'", Map.of("u", user))).isEqualTo(1);
        assertThat(visitorMessages(db, "viber-identify", user, "Вопрос про стипендию")).isEqualTo(1);
    }

    private static boolean toViber(FakePlatforms.Call call, String user, String text) {
        return call.path().equals("/pa/send_message") && call.body().path("receiver").asString().equals(user)
                && call.body().path("text").asString().endsWith(text);
    }

    private HttpResponse<String> callback(String bot, String token, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, "/channel/viber/" + bot, bytes,
                Map.of("X-Viber-Content-Signature", WhatsAppBridgeTests.hmac(token, bytes)));
    }

    private HttpResponse<String> callback(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, "/channel/viber/viber-bot", bytes,
                Map.of("X-Viber-Content-Signature", WhatsAppBridgeTests.hmac(TOKEN, bytes)));
    }

    private static void accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    static String message(String user, long token, String text) {
        return "{\"event\":\"message\",\"timestamp\":1457764197627,\"message_token\":" + token + ",\"sender\":{\"id\":\""
                + user + "\",\"name\":\"Ольга\",\"language\":\"ru\",\"country\":\"RU\",\"api_version\":10},"
                + "\"message\":{\"type\":\"text\",\"text\":\"" + text + "\"}}";
    }
}
