package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;

/** Bot tg-busy feeds line lab123, which works round the clock in the test profile and which no agent serves. */
@GatewayTest
class MessengerBusyLineTests {

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    AgentDirectory agents;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void messengerUserWaitingPastMaxWaitHearsTheQuestionIsKeptAndItBecomesAnOfflineAppeal() {
        long chat = nextId();
        var response = post(port, "/channel/telegram/tg-busy",
                TelegramUpdatesJson.text(nextId(), chat, "Когда начнётся сессия?").getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "busy-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String dialogId = Checks.eventually(() -> Checks.text(db, "SELECT max(d.id::text) AS v "
                + "FROM dialog d JOIN messenger_user mu ON mu.visitor_id = d.visitor_id WHERE mu.external_id = '"
                + chat + "' AND d.queued_at IS NOT NULL"), "the waiting dialog");

        // the line's maximum wait (5 minutes by default) passed: moved back rather than waited for
        db.sql("UPDATE dialog SET queued_at = now() - interval '10 minutes' WHERE id = '" + dialogId + "'").then()
                .block(Duration.ofSeconds(10));

        FakePlatforms.Call said = fake.await(call -> call.path().equalsIgnoreCase("/bot1123:busy-token/sendMessage")
                && call.body().path("chat_id").asString().equals(String.valueOf(chat))
                && call.body().path("text").asString().startsWith("Все специалисты"), 1, "the bot's busy text")
                .get(0);
        assertThat(said.body().path("text").asString()).startsWith("Все специалисты сейчас заняты. Ваш вопрос сохранён")
                .containsPattern("не позднее \\d\\d\\.\\d\\d\\.\\d{4}");
        String appeal = Checks.eventually(() -> Checks.text(db, "SELECT max(source || '|' || question || '|' "
                + "|| line_id) AS v FROM offline_appeal WHERE dialog_id = '" + dialogId + "'"),
                "the offline appeal");
        assertThat(appeal).isEqualTo("MESSENGER_BUSY|Когда начнётся сессия?|lab123");
        assertThat(Checks.text(db, "SELECT state AS v FROM dialog WHERE id = '" + dialogId + "'"))
                .as("the dialog keeps waiting: an agent who frees up still takes it").isEqualTo("WAITING");

        // an agent of the line answers the appeal: the answer goes to the messenger the person used
        String appealId = Checks.text(db, "SELECT id::text AS v FROM offline_appeal WHERE dialog_id = '" + dialogId
                + "'");
        Agent agent = Staff.agent(agents, "lab123", 5);
        Checks.http(port).post().uri("/api/offline-appeals/" + appealId + "/answer")
                .header("Cookie", Staff.login(port, agent.login(), Staff.PASSWORD))
                .bodyValue(Map.of("text", "Сессия начнётся 12 января.")).exchange().expectStatus().isOk();
        fake.await(call -> TelegramBridgeTests.sentTo(call, "1123:busy-token", chat, "Сессия начнётся 12 января."), 1,
                "the answer in Telegram");
    }

    @Test
    void messengerQuestionOutOfHoursBecomesAnOfflineAppeal() {
        assumeThat(calendar.isOpen("lab45", Instant.now())).as("not in lab45's one working minute").isFalse();
        long chat = nextId();
        var response = post(port, "/channel/telegram/tg-night",
                TelegramUpdatesJson.text(nextId(), chat, "Ночной вопрос про стипендию").getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "night-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String appeal = Checks.eventually(() -> Checks.text(db, "SELECT max(o.source || '|' || o.question || '|' "
                + "|| o.line_id) AS v FROM offline_appeal o JOIN messenger_user mu ON mu.visitor_id = o.visitor_id "
                + "WHERE mu.external_id = '" + chat + "'"), "the offline appeal");
        assertThat(appeal).isEqualTo("MESSENGER_HOURS|Ночной вопрос про стипендию|lab45");
    }
}
