package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.usersOf;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/**
 * The Telegram bridge against the fake Bot API: bot tg-webhook (webhook mode, line lab41) and tg-polling
 * (long polling, line lab42). Identification is off for these bots; TelegramIdentificationTests has it.
 */
@GatewayTest
class TelegramBridgeTests {

    static final String WEBHOOK_TOKEN = "1001:webhook-token";

    static final String POLLING_TOKEN = "1002:polling-token";

    static final String SECRET = "webhook-secret-1";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Autowired
    BotConfigs bots;

    @Test
    void webhookMessageReachesTheAgentAndTheReplyReachesTelegram() {
        Agent agent = Staff.agent(agents, "lab41", 5);
        long chat = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(webhook(TelegramUpdatesJson.text(nextId(), chat, "Как поступить?"), SECRET));
            String dialogId = awaitDialogWith(console, "Как поступить?");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "a-1", "text",
                    "Подайте заявление в личном кабинете"));
            console.awaitType("ack");
            fake.await(call -> sentTo(call, WEBHOOK_TOKEN, chat, "Подайте заявление в личном кабинете"), 1,
                    "the agent's reply in sendMessage");
        }
        assertThat(ChannelTestSupport.count(db, "SELECT count(*) FROM dialog d JOIN messenger_user mu "
                + "ON mu.visitor_id = d.visitor_id JOIN card c ON c.id = d.card_id WHERE mu.external_id = :chat "
                + "AND c.handles @> ARRAY[CAST(:handle AS text)]", Map.of("chat", String.valueOf(chat), "handle",
                "telegram:" + chat))).as("the dialog is on the card of the Telegram handle").isEqualTo(1);
    }

    @Test
    void closingTheDialogTellsThePersonInTelegram() {
        Agent agent = Staff.agent(agents, "lab41", 5);
        long chat = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            accepted(webhook(TelegramUpdatesJson.text(nextId(), chat, "спасибо, всё ясно"), SECRET));
            String dialogId = awaitDialogWith(console, "спасибо, всё ясно");
            console.send(Map.of("type", "close", "dialogId", dialogId, "appealType", "CONSULTATION"));
            fake.await(call -> sentTo(call, WEBHOOK_TOKEN, chat, "Диалог завершён. Спасибо за обращение!"), 1,
                    "the closing message");
        }
        assertThat(visitorMessages(db, "tg-webhook", String.valueOf(chat), "спасибо, всё ясно")).isEqualTo(1);
    }

    @Test
    void aRepeatedUpdateIdIsStoredOnce() {
        long chat = nextId();
        String update = TelegramUpdatesJson.text(nextId(), chat, "дубль");
        accepted(webhook(update, SECRET));
        accepted(webhook(update, SECRET));
        assertThat(visitorMessages(db, "tg-webhook", String.valueOf(chat), "дубль")).isEqualTo(1);
    }

    @Test
    void aWrongOrMissingSecretTokenIsRefusedAndNothingIsStored() {
        long chat = nextId();
        String update = TelegramUpdatesJson.text(nextId(), chat, "чужой");
        var wrong = webhook(update, "webhook-secret-2");
        var missing = post(port, "/channel/telegram/tg-webhook", update.getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("X-Telegram-Bot-Api-Secret-Token");
        assertThat(usersOf(db, "tg-webhook", String.valueOf(chat))).isZero();
    }

    @Test
    void malformedJsonIsABadRequestAndNothingIsStored() {
        var response = webhook("{\"update_id\": 5, \"message\": {", SECRET);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("Not a Telegram update");
        var noId = webhook("{\"message\": {}}", SECRET);
        assertThat(noId.statusCode()).isEqualTo(400);
    }

    @Test
    void anUnknownOrSwitchedOffBotIsNotFound() {
        assertThat(bots.find("tg-off", Platform.TELEGRAM)).as("tg-off has no token set").isEmpty();
        var response = post(port, "/channel/telegram/tg-off", "{}".getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", SECRET));
        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void webhookBotsRegisterTheirUrlAndSecret() {
        fake.await(call -> call.path().equalsIgnoreCase("/bot" + WEBHOOK_TOKEN + "/setWebhook")
                && call.body().toString().contains("http://gateway.test/channel/telegram/tg-webhook")
                && call.body().toString().contains(SECRET), 1, "setWebhook of tg-webhook");
    }

    @Test
    void longPollingDeliversUpdatesAndTheReplyGoesBack() {
        Agent agent = Staff.agent(agents, "lab42", 5);
        long chat = nextId();
        long updateId = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            fake.queueTelegramUpdate(POLLING_TOKEN, TelegramUpdatesJson.text(updateId, chat, "опрос"));
            String dialogId = awaitDialogWith(console, "опрос");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "p-1", "text", "ответ"));
            fake.await(call -> sentTo(call, POLLING_TOKEN, chat, "ответ"), 1, "the reply to the polled chat");
            // the stored update is confirmed: a later getUpdates asks from the next id (the fake, like Telegram,
            // returns an update until then, so a round that failed to store it fetches it again)
            fake.await(call -> call.path().equalsIgnoreCase("/bot" + POLLING_TOKEN + "/getUpdates")
                    && call.body().path("offset").asLong() == updateId + 1, 1, "the update confirmed by its offset");
        }
    }

    @Test
    void aReplyWaitsOutATelegramOutageAndArrivesOnce() throws InterruptedException {
        Agent agent = Staff.agent(agents, "lab41", 5);
        long chat = nextId();
        try (WsClient console = Staff.online(port, agent)) {
            webhook(TelegramUpdatesJson.text(nextId(), chat, "перебой"), SECRET);
            String dialogId = awaitDialogWith(console, "перебой");
            fake.setDown(WEBHOOK_TOKEN, true);
            try {
                console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "d-1", "text",
                        "ответ после сбоя"));
                console.awaitType("ack");
                Thread.sleep(1500);
                assertThat(ChannelTestSupport.count(db, "SELECT count(*) FROM outbox WHERE kind = 'telegram.send' "
                        + "AND payload->>'text' = 'ответ после сбоя' AND attempts > 0 AND state <> 'DELIVERED'",
                        Map.of())).as("attempted and not delivered while Telegram is down").isEqualTo(1);
            }
            finally {
                fake.setDown(WEBHOOK_TOKEN, false);
            }
            fake.await(call -> sentTo(call, WEBHOOK_TOKEN, chat, "ответ после сбоя") && call.answered() == 200, 1,
                    "the reply after the outage");
            Thread.sleep(1000);
            long delivered = fake.calls(call -> sentTo(call, WEBHOOK_TOKEN, chat, "ответ после сбоя")).stream()
                    .filter(call -> call.answered() == 200)
                    .count();
            assertThat(delivered).isEqualTo(1);
        }
    }

    @Test
    void aBlockedBotIsShownToTheAgent() {
        Agent agent = Staff.agent(agents, "lab41", 5);
        long chat = nextId();
        fake.block(String.valueOf(chat));
        try (WsClient console = Staff.online(port, agent)) {
            webhook(TelegramUpdatesJson.text(nextId(), chat, "и пока"), SECRET);
            String dialogId = awaitDialogWith(console, "и пока");
            console.send(Map.of("type", "message", "dialogId", dialogId, "clientMsgId", "b-1", "text", "ау"));
            JsonNode notice = console.await(frame -> "delivery_failed".equals(frame.path("event").asString()),
                    "the delivery failure notice");
            assertThat(notice.path("text").asString()).contains("403").contains("blocked");
        }
    }

    @Test
    void aFileWithinTheLimitIsStoredAndALargerOneIsRecordedAsBlocked() {
        Agent agent = Staff.agent(agents, "lab41", 5);
        long chat = nextId();
        String small = "f" + nextId();
        fake.putFile(small, "%PDF-1.4 test".getBytes(StandardCharsets.UTF_8));
        try (WsClient console = Staff.online(port, agent)) {
            webhook(TelegramUpdatesJson.document(nextId(), chat, small, "справка.pdf", 13), SECRET);
            JsonNode kept = ChannelTestSupport.awaitDialogWhere(console, text -> text.startsWith("Файл: справка.pdf"),
                    "the stored file");
            String dialogId = kept.path("dialogId").asString();
            String link = kept.path("text").asString().replaceFirst("(?s).*(/api/channel/files/[0-9a-f-]+).*", "$1");
            assertThat(ChannelTestSupport.get(port, link).statusCode()).as("files are for staff only").isEqualTo(401);
            var download = ChannelTestSupport.get(port, link, Staff.login(port, agent.login(), Staff.PASSWORD));
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.body()).isEqualTo("%PDF-1.4 test");
            assertThat(download.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment");
            webhook(TelegramUpdatesJson.document(nextId(), chat, "big" + nextId(), "скан.pdf", 20L * 1024 * 1024),
                    SECRET);
            JsonNode blocked = console.await(frame -> frame.path("text").asString().startsWith("Заблокированный файл"),
                    "the blocked file");
            assertThat(blocked.path("dialogId").asString()).isEqualTo(dialogId);
            assertThat(blocked.path("text").asString()).contains("скан.pdf").contains("file id big");
        }
        assertThat(ChannelTestSupport.count(db, "SELECT count(*) FROM messenger_file f JOIN dialog d ON d.id = f.dialog_id "
                + "JOIN messenger_user mu ON mu.visitor_id = d.visitor_id WHERE mu.external_id = :ext AND f.blocked",
                Map.of("ext", String.valueOf(chat)))).isEqualTo(1);
        assertThat(ChannelTestSupport.count(db, "SELECT count(*) FROM messenger_file WHERE platform_id = :id "
                + "AND size_bytes = 13 AND storage_key IS NOT NULL AND content IS NULL", Map.of("id", small))).isEqualTo(1);
    }

    private java.net.http.HttpResponse<String> webhook(String update, String secret) {
        return post(port, "/channel/telegram/tg-webhook", update.getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", secret));
    }

    static void accepted(java.net.http.HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    static boolean sentTo(FakePlatforms.Call call, String token, long chat, String text) {
        return call.path().equalsIgnoreCase("/bot" + token + "/sendMessage")
                && call.body().path("chat_id").asString().equals(String.valueOf(chat))
                && call.body().path("text").asString().equals(text);
    }
}
