package ru.rosdistant.gateway.channel;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * The VK Callback API bridge against the fake VK API: bot vk-bot of community 190190 on line lab190, and
 * vk-limited (lab191) with a low rate for the flood test.
 */
@GatewayTest
class VkBridgeTests {

    static final String TOKEN = "vk-community-token-1";

    static final String SECRET = "vk-callback-secret-1";

    static final long COMMUNITY = 190190;

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void theConfirmationRequestIsAnsweredWithTheCodeAsPlainText() {
        HttpResponse<String> response = callback("{\"type\":\"confirmation\",\"group_id\":" + COMMUNITY + "}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("3a1b2c4d");
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        HttpResponse<String> other = callback("{\"type\":\"confirmation\",\"group_id\":1}");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).doesNotContain("3a1b2c4d");
    }

    @Test
    void aMessageReachesTheAgentAndTheReplyIsSentOnceWithOneRandomIdAcrossRetries() {
        Agent agent = Staff.agent(agents, "lab190", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            ok(callback(message(user, "Когда экзамены?", SECRET)));
            String dialogId = awaitDialogWith(console, "Когда экзамены?");
            fake.await(call -> sentTo(call, user) && call.body().path("message").asString().startsWith("Вам отвечает")
                    && call.answered() == 200, 1, "the assignment notice");
            fake.queueVkError(TOKEN, "В июне", 6);
            fake.queueVkError(TOKEN, "В июне", 9);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "vk-1", "text", "В июне"));
            FakePlatforms.Call sent = fake.await(call -> sentTo(call, user)
                    && call.body().path("message").asString().equals("В июне") && call.answered() == 200, 1,
                    "the reply accepted after errors 6 and 9").get(0);
            List<FakePlatforms.Call> attempts = fake.calls(call -> sentTo(call, user)
                    && call.body().path("message").asString().equals("В июне"));
            assertThat(attempts).hasSize(3);
            assertThat(attempts).extracting(FakePlatforms.Call::answered).containsExactly(6, 9, 200);
            assertThat(attempts).extracting(call -> call.body().path("random_id").asString()).containsOnly(
                    sent.body().path("random_id").asString());
            assertThat(Long.parseLong(sent.body().path("random_id").asString())).isPositive();
            assertThat(sent.body().path("v").asString()).isEqualTo("5.199");
            assertThat(sent.body().path("access_token").asString()).isEqualTo(TOKEN);
            assertThat(sent.uri()).doesNotContain(TOKEN);
        }
    }

    @Test
    void aWrongOrMissingSecretIsRefusedAndStoresNothing() {
        long user = nextId();
        assertThat(callback(message(user, "подделка", "not-the-secret")).statusCode()).isEqualTo(401);
        assertThat(callback(message(user, "подделка", null)).statusCode()).isEqualTo(401);
        assertThat(usersOf(db, "vk-bot", String.valueOf(user))).isZero();
    }

    @Test
    void aRepeatedEventIsStoredOnce() {
        long user = nextId();
        String event = message(user, "повтор во ВКонтакте", SECRET);
        ok(callback(event));
        ok(callback(event));
        assertThat(visitorMessages(db, "vk-bot", String.valueOf(user), "повтор во ВКонтакте")).isEqualTo(1);
    }

    @Test
    void theCommunitysOwnMessagesAreEchoesAndIgnored() {
        long user = nextId();
        ok(callback("{\"type\":\"message_reply\",\"event_id\":\"e" + nextId() + "\",\"v\":\"5.199\",\"group_id\":"
                + COMMUNITY + ",\"secret\":\"" + SECRET + "\",\"object\":{\"date\":1700000000,\"from_id\":-" + COMMUNITY
                + ",\"id\":" + nextId() + ",\"out\":1,\"peer_id\":" + user + ",\"text\":\"эхо\"}}"));
        ok(callback("{\"type\":\"message_new\",\"event_id\":\"e" + nextId() + "\",\"v\":\"5.199\",\"group_id\":"
                + COMMUNITY + ",\"secret\":\"" + SECRET + "\",\"object\":{\"message\":{\"date\":1700000000,\"from_id\":"
                + user + ",\"id\":" + nextId() + ",\"out\":1,\"peer_id\":" + user + ",\"text\":\"эхо\"}}}"));
        assertThat(usersOf(db, "vk-bot", String.valueOf(user))).isZero();
    }

    @Test
    void anAuthenticEventTheGatewayCannotUseIsAnsweredOkSoThatVkKeepsCalling() {
        long user = nextId();
        ok(callback(message(user, "строка вместо числа", SECRET).replace("\"from_id\":" + user,
                "\"from_id\":\"" + user + "\"")));
        assertThat(visitorMessages(db, "vk-bot", String.valueOf(user), "строка вместо числа")).isZero();
        assertThat(count(db, "SELECT count(*) FROM message m JOIN dialog d ON d.id = m.dialog_id "
                + "JOIN messenger_user mu ON mu.visitor_id = d.visitor_id WHERE mu.bot_id = 'vk-bot' "
                + "AND mu.external_id = :u", Map.of("u", String.valueOf(user)))).isZero();
    }

    @Test
    void allowingAndDenyingMessagesAreRecorded() {
        long user = nextId();
        ok(callback(consent("message_allow", user)));
        assertThat(count(db, "SELECT count(*) FROM messenger_consent WHERE bot_id = 'vk-bot' AND external_id = :u "
                + "AND allowed", Map.of("u", String.valueOf(user)))).isEqualTo(1);
        ok(callback(message(user, "подписался", SECRET)));
        ok(callback(consent("message_deny", user)));
        assertThat(count(db, "SELECT count(*) FROM messenger_consent WHERE bot_id = 'vk-bot' AND external_id = :u "
                + "AND NOT allowed", Map.of("u", String.valueOf(user)))).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE bot_id = 'vk-bot' AND external_id = :u "
                + "AND unsubscribed_at IS NOT NULL", Map.of("u", String.valueOf(user)))).isEqualTo(1);
    }

    @Test
    void aPrivacyRefusalIsShownToTheAgentAsNotDelivered() {
        Agent agent = Staff.agent(agents, "lab190", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            ok(callback(message(user, "закрою личку", SECRET)));
            String dialogId = awaitDialogWith(console, "закрою личку");
            fake.await(call -> sentTo(call, user) && call.answered() == 200, 1, "the assignment notice");
            fake.queueVkError(TOKEN, "ответ", 902);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "vk-2", "text", "ответ"));
            JsonNode notice = console.await(frame -> "delivery_failed".equals(frame.path("event").asString())
                    && dialogId.equals(frame.path("dialogId").asString()), "the «not delivered» notice");
            assertThat(notice.path("text").asString()).contains("не доставлено").contains("902");
            assertThat(fake.calls(call -> sentTo(call, user) && call.body().path("message").asString().equals("ответ")))
                    .hasSize(1);
        }
    }

    @Test
    void aRefusedTokenAlertsTheSupervisorAndTheMessageWaitsForIt() {
        Agent agent = Staff.agent(agents, "lab190", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            ok(callback(message(user, "токен", SECRET)));
            String dialogId = awaitDialogWith(console, "токен");
            fake.await(call -> sentTo(call, user) && call.answered() == 200, 1, "the assignment notice");
            fake.queueVkError(TOKEN, "после токена", 5);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "vk-3", "text", "после токена"));
            fake.await(call -> sentTo(call, user) && call.body().path("message").asString().equals("после токена")
                    && call.answered() == 200, 1, "the reply once the token is accepted again");
        }
        assertThat(count(db, "SELECT count(*) FROM outbox WHERE kind = 'mail' AND dedup_key LIKE 'bot-token-refused:vk-bot:%' "
                + "AND payload ->> 'to' = 'supervisor@rosdistant.ru'", Map.of())).isEqualTo(1);
    }

    @Test
    void aDocumentWithinTheLimitIsStoredAndALargerOneIsRecordedAsBlocked() {
        Agent agent = Staff.agent(agents, "lab190", 50);
        long user = nextId();
        String small = "vkdoc" + nextId();
        fake.putFile(small, "%PDF-1.4 vk".getBytes(StandardCharsets.UTF_8));
        try (WsClient console = Staff.online(port, agent)) {
            ok(callback(document(user, small, "аттестат.pdf", 11)));
            JsonNode kept = ChannelTestSupport.awaitDialogWhere(console, text -> text.startsWith("Файл: аттестат.pdf"),
                    "the stored document");
            ok(callback(document(user, "vkbig" + nextId(), "скан.pdf", 20L * 1024 * 1024)));
            JsonNode blocked = console.await(frame -> frame.path("text").asString().startsWith("Заблокированный файл")
                    && frame.path("text").asString().contains("скан.pdf"), "the blocked document");
            assertThat(blocked.path("dialogId").asString()).isEqualTo(kept.path("dialogId").asString());
        }
        assertThat(count(db, "SELECT count(*) FROM messenger_file WHERE bot_id = 'vk-bot' AND platform_id LIKE 'doc%' "
                + "AND size_bytes = 11 AND storage_key IS NOT NULL AND NOT blocked AND file_name = 'аттестат.pdf'",
                Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM messenger_file WHERE bot_id = 'vk-bot' AND blocked "
                + "AND size_bytes = :size", Map.of("size", 20L * 1024 * 1024))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void malformedJsonIsABadRequestAndABodyOverTheLimitIsRefusedUnread() {
        assertThat(callback("{\"type\":").statusCode()).isEqualTo(400);
        String large = "{\"type\":\"message_new\",\"secret\":\"" + SECRET + "\",\"group_id\":" + COMMUNITY
                + ",\"object\":{\"text\":\"" + "я".repeat(100_000) + "\"}}";
        assertThat(callback(large).statusCode()).isEqualTo(413);
        assertThat(post(port, "/channel/vk/no-such-bot", "{}".getBytes(StandardCharsets.UTF_8), Map.of()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aFloodOfCallsIsRefusedWith429() {
        long refused = 0;
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = post(port, "/channel/vk/vk-limited", ("{\"type\":\"confirmation\","
                    + "\"group_id\":191191}").getBytes(StandardCharsets.UTF_8), Map.of());
            if (response.statusCode() == 429) {
                refused++;
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
            }
        }
        assertThat(refused).isGreaterThan(10);
    }

    private static boolean sentTo(FakePlatforms.Call call, long user) {
        return call.path().equals("/method/messages.send")
                && call.body().path("peer_id").asString().equals(String.valueOf(user));
    }

    private HttpResponse<String> callback(String body) {
        return post(port, "/channel/vk/vk-bot", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private static void ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
    }

    static String message(long user, String text, String secret) {
        return event("message_new", "{\"message\":{\"date\":1700000000,\"from_id\":" + user + ",\"id\":" + nextId()
                + ",\"out\":0,\"peer_id\":" + user + ",\"text\":\"" + text + "\",\"conversation_message_id\":1,"
                + "\"attachments\":[]},\"client_info\":{\"keyboard\":true}}", secret);
    }

    private static String document(long user, String fileId, String title, long size) {
        return event("message_new", "{\"message\":{\"date\":1700000000,\"from_id\":" + user + ",\"id\":" + nextId()
                + ",\"out\":0,\"peer_id\":" + user + ",\"text\":\"\",\"attachments\":[{\"type\":\"doc\",\"doc\":{"
                + "\"id\":" + nextId() + ",\"owner_id\":" + user + ",\"title\":\"" + title + "\",\"size\":" + size
                + ",\"ext\":\"pdf\",\"url\":\"" + FakePlatforms.get().url() + "/media/" + fileId + "\",\"type\":1}}]}}",
                SECRET);
    }

    private static String consent(String type, long user) {
        return event(type, "{\"user_id\":" + user + ",\"key\":\"k\"}", SECRET);
    }

    private static String event(String type, String object, String secret) {
        return "{\"type\":\"" + type + "\",\"event_id\":\"" + Long.toHexString(nextId()) + "ev\",\"v\":\"5.199\","
                + "\"group_id\":" + COMMUNITY + (secret == null ? "" : ",\"secret\":\"" + secret + "\"")
                + ",\"object\":" + object + "}";
    }
}
