package ru.rosdistant.gateway.channel;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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

/** The WhatsApp Cloud API bridge against the fake Graph API: bot wa-bot on line lab44. */
@GatewayTest
class WhatsAppBridgeTests {

    static final String APP_SECRET = "wa-app-secret-1";

    static final String MESSAGES_PATH = "/v21.0/15550001111/messages";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void theVerificationEchoesTheChallengeOnlyForTheRightToken() {
        HttpResponse<String> right = ChannelTestSupport.get(port,
                "/channel/whatsapp/wa-bot?hub.mode=subscribe&hub.verify_token=wa-verify-1&hub.challenge=1158201444");
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(right.body()).isEqualTo("1158201444");
        HttpResponse<String> wrong = ChannelTestSupport.get(port,
                "/channel/whatsapp/wa-bot?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).doesNotContain("1158201444");
    }

    @Test
    void aSignedTextReachesTheAgentAndTheReplyGoesToTheMessagesEndpoint() {
        Agent agent = Staff.agent(agents, "lab44", 5);
        String from = "7927" + nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(notify(text(from, "wamid.in" + nextId(), "Здравствуйте, вопрос по оплате")));
            String dialogId = awaitDialogWith(console, "Здравствуйте, вопрос по оплате");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "w-1", "text", "Слушаю вас"));
            FakePlatforms.Call sent = fake.await(call -> call.path().equals(MESSAGES_PATH)
                    && call.body().path("to").asString().equals(from)
                    && call.body().path("text").path("body").asString().equals("Слушаю вас"), 1, "the reply").get(0);
            assertThat(sent.headers().get("Authorization")).isEqualTo("Bearer wa-access-token");
            assertThat(sent.body().path("type").asString()).isEqualTo("text");
            assertThat(sent.body().path("messaging_product").asString()).isEqualTo("whatsapp");
        }
    }

    @Test
    void aBadSignatureIsRefusedBeforeAnythingIsStored() {
        String from = "7927" + nextId();
        byte[] body = text(from, "wamid.in" + nextId(), "подделка").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> forged = post(port, "/channel/whatsapp/wa-bot", body,
                Map.of("X-Hub-Signature-256", "sha256=" + hmac("another-secret", body)));
        HttpResponse<String> unsigned = post(port, "/channel/whatsapp/wa-bot", body, Map.of());
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(usersOf(db, "wa-bot", from)).isZero();
    }

    @Test
    void signedMalformedJsonIsABadRequest() {
        HttpResponse<String> response = notify("{\"entry\": [");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("malformed JSON");
        assertThat(notify("{\"object\":\"whatsapp_business_account\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void aRepeatedDeliveryIsStoredOnce() {
        String from = "7927" + nextId();
        String update = text(from, "wamid.in" + nextId(), "повтор");
        accepted(notify(update));
        accepted(notify(update));
        assertThat(visitorMessages(db, "wa-bot", from, "повтор")).isEqualTo(1);
    }

    @Test
    void statusesAreRecordedOnce() {
        String id = "wamid.out-status-" + nextId();
        String statuses = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":"
                + "\"15550001111\"},\"statuses\":[{\"id\":\"" + id + "\",\"status\":\"delivered\",\"timestamp\":"
                + "\"1700000000\",\"recipient_id\":\"79270000000\"},{\"id\":\"" + id + "\",\"status\":\"read\","
                + "\"timestamp\":\"1700000001\",\"recipient_id\":\"79270000000\"}]}}]}]}";
        accepted(notify(statuses));
        accepted(notify(statuses));
        assertThat(count(db, "SELECT count(*) FROM messenger_status WHERE message_id = :id", Map.of("id", id)))
                .isEqualTo(2);
    }

    @Test
    void outsideTheWindowATemplateGoesOnceAndTheAgentIsTold() {
        Agent agent = Staff.agent(agents, "lab44", 5);
        String from = "7927" + nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(notify(text(from, "wamid.in" + nextId(), "старый вопрос")));
            String dialogId = awaitDialogWith(console, "старый вопрос");
            db.sql("UPDATE messenger_user SET last_inbound_at = now() - interval '25 hours' WHERE external_id = :from")
                    .bind("from", from)
                    .then()
                    .block(java.time.Duration.ofSeconds(10));
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "w-2", "text", "поздний ответ"));
            JsonNode notice = console.await(frame -> "staff_notice".equals(frame.path("event").asString()),
                    "the notice about the template");
            assertThat(notice.path("text").asString()).contains("24").contains("reengage");
            FakePlatforms.Call template = fake.await(call -> call.path().equals(MESSAGES_PATH)
                    && call.body().path("to").asString().equals(from)
                    && call.body().path("type").asString().equals("template"), 1, "the template").get(0);
            assertThat(template.body().path("template").path("name").asString()).isEqualTo("reengage");
            assertThat(fake.calls(call -> call.path().equals(MESSAGES_PATH)
                    && call.body().path("text").path("body").asString().equals("поздний ответ"))).isEmpty();
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "w-3", "text", "ещё"));
            JsonNode failed = console.await(frame -> "delivery_failed".equals(frame.path("event").asString()),
                    "the second reply refused until the person writes");
            assertThat(failed.path("text").asString()).contains("шаблон уже отправлен");
            assertThat(fake.calls(call -> call.path().equals(MESSAGES_PATH)
                    && call.body().path("to").asString().equals(from)
                    && call.body().path("type").asString().equals("template"))).hasSize(1);
        }
    }

    @Test
    void anImageIsFetchedAndShownToTheAgent() {
        Agent agent = Staff.agent(agents, "lab44", 5);
        String from = "7927" + nextId();
        String mediaId = "media" + nextId();
        fake.putFile(mediaId, new byte[] { (byte) 0xFF, (byte) 0xD8, 1, 2, 3 });
        String image = envelope(from, "{\"from\":\"" + from + "\",\"id\":\"wamid.img" + nextId() + "\",\"timestamp\":"
                + "\"1700000000\",\"type\":\"image\",\"image\":{\"id\":\"" + mediaId + "\",\"mime_type\":\"image/jpeg\","
                + "\"sha256\":\"x\",\"caption\":\"мой диплом\"}}");
        try (WsClient console = Staff.online(port, agent)) {
            accepted(notify(image));
            JsonNode shown = ChannelTestSupport.awaitDialogWhere(console, text -> text.startsWith("мой диплом"),
                    "the image");
            assertThat(shown.path("text").asString()).contains("Файл: image").contains("/api/channel/files/");
        }
        assertThat(count(db, "SELECT count(*) FROM messenger_file WHERE platform_id = :id AND size_bytes = 5 "
                + "AND storage_key IS NOT NULL AND content IS NULL",
                Map.of("id", mediaId))).isEqualTo(1);
    }

    @Test
    void identificationAsksOnlyForTheNameBecauseTheNumberIsKnown() {
        String from = "7927" + nextId();
        accepted(notify("wa-identify", text(from, "wamid.in" + nextId(), "Нужна справка")));
        fake.await(call -> toWhatsApp(call, from, Identification.ASK_NAME), 1, "the name question");
        accepted(notify("wa-identify", text(from, "wamid.in" + nextId(), "Кузнецова Ольга")));
        fake.await(call -> toWhatsApp(call, from, "Спасибо, Кузнецова Ольга! Передаём ваш вопрос специалисту."), 1,
                "the thanks");
        assertThat(fake.calls(call -> toWhatsApp(call, from, Identification.ASK_PHONE))).isEmpty();
        assertThat(count(db, "SELECT count(*) FROM messenger_user mu JOIN card c ON c.id = mu.card_id "
                + "WHERE mu.bot_id = 'wa-identify' AND mu.external_id = :from AND c.phones @> ARRAY[CAST(:phone AS text)]",
                Map.of("from", from, "phone", "+" + from))).isEqualTo(1);
        assertThat(visitorMessages(db, "wa-identify", from, "Нужна справка")).isEqualTo(1);
    }

    private static boolean toWhatsApp(FakePlatforms.Call call, String to, String text) {
        return call.path().equals("/v21.0/15550002222/messages") && call.body().path("to").asString().equals(to)
                && call.body().path("text").path("body").asString().endsWith(text);
    }

    private HttpResponse<String> notify(String bot, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, "/channel/whatsapp/" + bot, bytes,
                Map.of("X-Hub-Signature-256", "sha256=" + hmac(APP_SECRET, bytes)));
    }

    private HttpResponse<String> notify(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, "/channel/whatsapp/wa-bot", bytes,
                Map.of("X-Hub-Signature-256", "sha256=" + hmac(APP_SECRET, bytes)));
    }

    private static void accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    static String text(String from, String id, String text) {
        return envelope(from, "{\"from\":\"" + from + "\",\"id\":\"" + id + "\",\"timestamp\":\"1700000000\","
                + "\"type\":\"text\",\"text\":{\"body\":\"" + text + "\"}}");
    }

    static String envelope(String from, String message) {
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\","
                + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550001111\","
                + "\"phone_number_id\":\"15550001111\"},\"contacts\":[{\"profile\":{\"name\":\"Мария\"},\"wa_id\":\""
                + from + "\"}],\"messages\":[" + message + "]}}]}]}";
    }

    static String hmac(String key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        }
        catch (java.security.GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
