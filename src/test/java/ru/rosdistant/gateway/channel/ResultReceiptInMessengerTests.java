package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.Sender;
import ru.rosdistant.gateway.task.Tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;

/**
 * Regulation 3, 4.3.2d in a messenger: the result of a request goes to the person in Telegram with the question
 * whether they received it, and a «нет» typed in reply is their answer (the task reopens); a «да» with no result
 * pending is an ordinary message. Bot tg-lab311 feeds line lab311, which no agent serves.
 */
@GatewayTest
class ResultReceiptInMessengerTests {

    private static final String TOKEN = "1311:lab311-token";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DialogManagement dialogs;

    @Autowired
    Tasks tasks;

    @Test
    void aNoTypedInReplyToTheResultIsTheReceiptAndReopensTheTask() {
        long chat = nextId();
        send(chat, "Нужна справка об обучении");
        String dialogId = Checks.eventually(() -> Checks.text(db, "SELECT max(d.id::text) AS v FROM dialog d "
                + "JOIN messenger_user mu ON mu.visitor_id = d.visitor_id WHERE mu.bot_id = 'tg-lab311' "
                + "AND mu.external_id = '" + chat + "'"), "the dialog");
        String visitorId = Checks.text(db, "SELECT visitor_id::text AS v FROM dialog WHERE id = '" + dialogId + "'");
        dialogs.close(UUID.fromString(dialogId), Sender.VISITOR, UUID.fromString(visitorId), null)
                .block(Duration.ofSeconds(10));

        // classified as a service request, its task completed with the result
        Agent agent = Staff.agent(agents, "lab311", 5);
        db.sql("UPDATE dialog SET appeal_type = 'SERVICE_REQUEST', request_number = 'SR-311-1', classified_by = :agent, "
                        + "classified_at = now() WHERE id = :id")
                .bind("agent", agent.id())
                .bind("id", UUID.fromString(dialogId))
                .then()
                .block(Duration.ofSeconds(10));
        UUID taskId = tasks.createFor(UUID.fromString(dialogId)).block(Duration.ofSeconds(10)).id();
        tasks.complete(taskId, agent.id(), false, "Справка готова, заберите в деканате").block(Duration.ofSeconds(10));
        String told = fake.await(call -> call.path().equalsIgnoreCase("/bot" + TOKEN + "/sendMessage")
                && call.body().path("chat_id").asString().equals(String.valueOf(chat))
                && call.body().path("text").asString().contains("Справка готова"), 1, "the result in Telegram")
                .get(0).body().path("text").asString();
        assertThat(told).contains("Получили ли вы ответ? Ответьте «да» или «нет»").contains("/result.html#");

        // «Нет.» is the answer: the task is open again and the bot thanks the person
        send(chat, " Нет. ");
        fake.await(call -> TelegramBridgeTests.sentTo(call, TOKEN, chat,
                "Спасибо, что сообщили. Мы свяжемся с вами ещё раз."), 1, "the bot's thanks");
        assertThat(Checks.text(db, "SELECT answer AS v FROM task_result_report WHERE task_id = '" + taskId + "'"))
                .isEqualTo("NOT_RECEIVED");
        assertThat(Checks.text(db, "SELECT state AS v FROM task WHERE id = '" + taskId + "'")).isEqualTo("OPEN");
        assertThat(Checks.text(db, "SELECT count(*)::text AS v FROM message WHERE dialog_id IN (SELECT d.id FROM dialog d "
                + "WHERE d.visitor_id = '" + visitorId + "') AND body LIKE '%Нет%'"))
                .as("the answer is no message of a dialog").isEqualTo("0");

        // nothing pending any more: «да» is an ordinary message that opens a dialog
        send(chat, "да");
        assertThat(Checks.eventually(() -> Checks.text(db, "SELECT max(d.id::text) AS v FROM dialog d "
                + "JOIN message m ON m.dialog_id = d.id WHERE d.visitor_id = '" + visitorId + "' AND m.body = 'да'"),
                "the new dialog")).isNotEqualTo(dialogId);
    }

    @Test
    void yesAndNoAreReadLikeAPersonTypesThem() {
        assertThat(MessengerInbox.yesOrNo("Да")).isTrue();
        assertThat(MessengerInbox.yesOrNo("1")).isTrue();
        assertThat(MessengerInbox.yesOrNo("yes!")).isTrue();
        assertThat(MessengerInbox.yesOrNo("НЕТ")).isFalse();
        assertThat(MessengerInbox.yesOrNo("2")).isFalse();
        assertThat(MessengerInbox.yesOrNo("да, но не всё")).isNull();
        assertThat(MessengerInbox.yesOrNo(null)).isNull();
        assertThat(MessengerInbox.yesOrNo("12")).isNull();
    }

    private void send(long chat, String text) {
        var response = post(port, "/channel/telegram/tg-lab311",
                TelegramUpdatesJson.text(nextId(), chat, text).getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "lab311-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
}
