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

/** The MAX bridge against the fake MAX Bot API: bot max-bot on line lab193, webhook mode. */
@GatewayTest
class MaxBridgeTests {

    static final String TOKEN = "max-bot-token-1";

    static final String SECRET = "max-webhook-secret-1";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void theBotSubscribesItsWebhookWithTheSecret() {
        FakePlatforms.Call subscribe = fake.await(call -> call.path().equals("/max/subscriptions"), 1, "POST /subscriptions")
                .get(0);
        assertThat(subscribe.method()).isEqualTo("POST");
        assertThat(subscribe.headers().get("Authorization")).isEqualTo(TOKEN);
        assertThat(subscribe.body().path("url").asString()).isEqualTo("http://gateway.test/channel/max/max-bot");
        assertThat(subscribe.body().path("secret").asString()).isEqualTo(SECRET);
        assertThat(subscribe.body().path("update_types").toString()).contains("message_created");
    }

    @Test
    void aMessageReachesTheAgentAndTheReplyIsRetriedOnRateLimitsUntilAccepted() {
        Agent agent = Staff.agent(agents, "lab193", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(update(message(user, "Есть ли бюджетные места?"), SECRET));
            String dialogId = awaitDialogWith(console, "Есть ли бюджетные места?");
            fake.await(call -> sentTo(call, user) && call.answered() == 200, 1, "the assignment notice");
            fake.queueMaxStatus(TOKEN, "Да, есть", 429);
            fake.queueMaxStatus(TOKEN, "Да, есть", 429);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "mx-1", "text", "Да, есть"));
            fake.await(call -> sentTo(call, user) && call.body().path("text").asString().equals("Да, есть")
                    && call.answered() == 200, 1, "the reply accepted after two 429");
            List<FakePlatforms.Call> attempts = fake.calls(call -> sentTo(call, user)
                    && call.body().path("text").asString().equals("Да, есть"));
            assertThat(attempts).extracting(FakePlatforms.Call::answered).containsExactly(429, 429, 200);
            assertThat(attempts.get(2).headers().get("Authorization")).isEqualTo(TOKEN);
            assertThat(attempts.get(2).uri()).doesNotContain(TOKEN);
        }
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE bot_id = 'max-bot' AND external_id = :u "
                + "AND platform = 'MAX' AND display_name = 'Анна Петрова'", Map.of("u", String.valueOf(user))))
                .isEqualTo(1);
    }

    @Test
    void aWrongOrMissingSecretIsRefusedAndStoresNothing() {
        long user = nextId();
        assertThat(update(message(user, "подделка"), "not-the-secret").statusCode()).isEqualTo(401);
        assertThat(update(message(user, "подделка"), null).statusCode()).isEqualTo(401);
        assertThat(usersOf(db, "max-bot", String.valueOf(user))).isZero();
    }

    @Test
    void aRepeatedUpdateIsStoredOnce() {
        long user = nextId();
        String update = message(user, "повтор в MAX");
        accepted(update(update, SECRET));
        accepted(update(update, SECRET));
        assertThat(visitorMessages(db, "max-bot", String.valueOf(user), "повтор в MAX")).isEqualTo(1);
    }

    @Test
    void botsAndGroupChatsAreIgnored() {
        long user = nextId();
        accepted(update(message(user, "я бот").replace("\"is_bot\":false", "\"is_bot\":true"), SECRET));
        accepted(update(message(user, "в чате").replace("\"chat_type\":\"dialog\"", "\"chat_type\":\"chat\""), SECRET));
        accepted(update("{\"update_type\":\"bot_started\",\"timestamp\":1700000000000,\"chat_id\":1,\"user\":{"
                + "\"user_id\":" + user + ",\"first_name\":\"Анна\",\"is_bot\":false}}", SECRET));
        assertThat(usersOf(db, "max-bot", String.valueOf(user))).isZero();
    }

    @Test
    void aStoppedBotIsShownToTheAgentAsNotDelivered() {
        Agent agent = Staff.agent(agents, "lab193", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(update(message(user, "остановлю бота"), SECRET));
            String dialogId = awaitDialogWith(console, "остановлю бота");
            fake.await(call -> sentTo(call, user) && call.answered() == 200, 1, "the assignment notice");
            fake.queueMaxStatus(TOKEN, "ответ", 403);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "mx-2", "text", "ответ"));
            JsonNode notice = console.await(frame -> "delivery_failed".equals(frame.path("event").asString())
                    && dialogId.equals(frame.path("dialogId").asString()), "the «not delivered» notice");
            assertThat(notice.path("text").asString()).contains("не доставлено").contains("403");
        }
    }

    @Test
    void aRefusedTokenAlertsTheSupervisor() {
        Agent agent = Staff.agent(agents, "lab193", 50);
        long user = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(update(message(user, "токен MAX"), SECRET));
            String dialogId = awaitDialogWith(console, "токен MAX");
            fake.await(call -> sentTo(call, user) && call.answered() == 200, 1, "the assignment notice");
            fake.queueMaxStatus(TOKEN, "снова", 401);
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "mx-3", "text", "снова"));
            fake.await(call -> sentTo(call, user) && call.body().path("text").asString().equals("снова")
                    && call.answered() == 200, 1, "the reply once the token is accepted again");
        }
        assertThat(count(db, "SELECT count(*) FROM outbox WHERE kind = 'mail' "
                + "AND dedup_key LIKE 'bot-token-refused:max-bot:%'", Map.of())).isEqualTo(1);
    }

    @Test
    void aFileWithinTheLimitIsStoredAndALargerOneIsRecordedAsBlocked() {
        Agent agent = Staff.agent(agents, "lab193", 50);
        long user = nextId();
        String small = "maxfile" + nextId();
        fake.putFile(small, "%PDF-1.4 max".getBytes(StandardCharsets.UTF_8));
        try (WsClient console = Staff.online(port, agent)) {
            accepted(update(file(user, small, "паспорт.pdf", 12), SECRET));
            JsonNode kept = ChannelTestSupport.awaitDialogWhere(console, text -> text.startsWith("Файл: паспорт.pdf"),
                    "the stored file");
            accepted(update(file(user, "maxbig" + nextId(), "видео.mp4", 20L * 1024 * 1024), SECRET));
            JsonNode blocked = console.await(frame -> frame.path("text").asString().startsWith("Заблокированный файл")
                    && frame.path("text").asString().contains("видео.mp4"), "the blocked file");
            assertThat(blocked.path("dialogId").asString()).isEqualTo(kept.path("dialogId").asString());
        }
        assertThat(count(db, "SELECT count(*) FROM messenger_file WHERE bot_id = 'max-bot' AND size_bytes = 12 "
                + "AND storage_key IS NOT NULL AND NOT blocked", Map.of())).isGreaterThanOrEqualTo(1);
    }

    @Test
    void malformedJsonIsABadRequest() {
        HttpResponse<String> response = update("{\"update_type\":", SECRET);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("malformed JSON");
    }

    @Test
    void aFloodOfUpdatesIsRefusedWith429() {
        long user = nextId();
        long refused = 0;
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = post(port, "/channel/max/max-limited",
                    message(user, "поток").getBytes(StandardCharsets.UTF_8), Map.of("X-Max-Bot-Api-Secret", "wrong"));
            if (response.statusCode() == 429) {
                refused++;
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(response.body()).contains("\"detail\"");
            }
            else {
                assertThat(response.statusCode()).isEqualTo(401);
            }
        }
        assertThat(refused).isGreaterThan(10);
        assertThat(usersOf(db, "max-limited", String.valueOf(user))).isZero();
    }

    private static boolean sentTo(FakePlatforms.Call call, long user) {
        return call.path().equals("/max/messages") && call.uri().contains("user_id=" + user + "");
    }

    private HttpResponse<String> update(String body, String secret) {
        return post(port, "/channel/max/max-bot", body.getBytes(StandardCharsets.UTF_8),
                secret == null ? Map.of() : Map.of("X-Max-Bot-Api-Secret", secret));
    }

    private static void accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    static String message(long user, String text) {
        return created(user, "\"text\":\"" + text + "\"");
    }

    private static String file(long user, String fileId, String name, long size) {
        return created(user, "\"text\":\"\",\"attachments\":[{\"type\":\"file\",\"payload\":{\"url\":\""
                + FakePlatforms.get().url() + "/media/" + fileId + "\",\"token\":\"t" + fileId + "\"},\"filename\":\""
                + name + "\",\"size\":" + size + "}]");
    }

    private static String created(long user, String body) {
        return "{\"update_type\":\"message_created\",\"timestamp\":1700000000000,\"message\":{\"sender\":{\"user_id\":"
                + user + ",\"first_name\":\"Анна\",\"last_name\":\"Петрова\",\"is_bot\":false},\"recipient\":{"
                + "\"chat_id\":" + nextId() + ",\"chat_type\":\"dialog\",\"user_id\":777},\"timestamp\":1700000000000,"
                + "\"body\":{\"mid\":\"mid." + nextId() + "\",\"seq\":1," + body + "}},\"user_locale\":\"ru\"}";
    }
}
