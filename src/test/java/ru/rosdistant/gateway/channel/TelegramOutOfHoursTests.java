package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.site.WorkingCalendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.count;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;

/** Bot tg-night feeds line lab45, which works one minute a day in the test profile. */
@GatewayTest
class TelegramOutOfHoursTests {

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    WorkingCalendar calendar;

    @Test
    void outsideWorkingHoursTheBotAnswersAndTheQuestionIsMailedWithoutADialog() {
        assumeThat(calendar.isOpen("lab45", Instant.now())).as("not in lab45's one working minute").isFalse();
        long chat = nextId();
        var response = post(port, "/channel/telegram/tg-night",
                TelegramUpdatesJson.text(nextId(), chat, "Ночной вопрос про общежитие").getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "night-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        fake.await(call -> TelegramBridgeTests.sentTo(call, "1004:night-token", chat, "Сейчас ночь. Мы ответим утром."),
                1, "the out-of-hours text");
        assertThat(count(db, "SELECT count(*) FROM outbox WHERE kind = 'mail' AND payload->>'to' = 'night@test' "
                + "AND payload->>'body' LIKE '%Ночной вопрос про общежитие%' AND payload->>'body' LIKE :chat",
                Map.of("chat", "%" + chat + "%"))).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM dialog d JOIN messenger_user mu ON mu.visitor_id = d.visitor_id "
                + "WHERE mu.external_id = :chat", Map.of("chat", String.valueOf(chat)))).isZero();
    }
}
