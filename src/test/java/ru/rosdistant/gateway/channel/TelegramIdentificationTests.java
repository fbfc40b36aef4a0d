package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

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
import static ru.rosdistant.gateway.channel.ChannelTestSupport.visitorMessages;

/**
 * The identification dialogue (regulation 4.4) on bot tg-identify, line lab43: name, then the phone by the
 * contact button (only the sender's own) or typed; then the first question opens the dialog.
 */
@GatewayTest
class TelegramIdentificationTests {

    static final String TOKEN = "1003:identify-token";

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void aNewPersonIsAskedForNameAndOwnPhoneBeforeTheQuestionReachesAnAgent() {
        long chat = nextId();
        String phone = "+7927" + String.format("%07d", chat % 10_000_000);
        webhook(TelegramUpdatesJson.text(nextId(), chat, "Хочу поступить"));
        fake.await(call -> said(call, chat, "Здравствуйте! Это тестовый бот.\n" + Identification.ASK_NAME), 1,
                "the greeting and the name question");
        assertThat(visitorMessages(db, "tg-identify", String.valueOf(chat), "Хочу поступить"))
                .as("no dialog before identification").isZero();

        webhook(TelegramUpdatesJson.text(nextId(), chat, "Иванов Иван Иванович"));
        FakePlatforms.Call askPhone = fake.await(call -> said(call, chat, Identification.ASK_PHONE), 1,
                "the phone question").get(0);
        assertThat(askPhone.body().path("reply_markup").path("keyboard").path(0).path(0).path("request_contact")
                .asBoolean()).isTrue();

        webhook(TelegramUpdatesJson.contact(nextId(), chat, chat + 1, phone));
        fake.await(call -> said(call, chat, Identification.BAD_PHONE), 1, "a refusal of someone else's contact");

        Agent agent = Staff.agent(agents, "lab43", 5);
        try (WsClient console = Staff.online(port, agent)) {
            webhook(TelegramUpdatesJson.contact(nextId(), chat, chat, phone.substring(1)));
            FakePlatforms.Call thanks = fake.await(call -> said(call, chat,
                    "Спасибо, Иванов Иван Иванович! Передаём ваш вопрос специалисту."), 1, "the thanks").get(0);
            assertThat(thanks.body().path("reply_markup").path("remove_keyboard").asBoolean()).isTrue();
            awaitDialogWith(console, "Хочу поступить");
        }
        assertThat(count(db, "SELECT count(*) FROM messenger_user mu JOIN card c ON c.id = mu.card_id "
                + "WHERE mu.external_id = :chat AND mu.stage = 'IDENTIFIED' AND c.name = 'Иванов Иван Иванович' "
                + "AND c.phones @> ARRAY[CAST(:phone AS text)]", Map.of("chat", String.valueOf(chat), "phone", phone)))
                .isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM dialog d JOIN messenger_user mu ON mu.visitor_id = d.visitor_id "
                + "WHERE mu.external_id = :chat AND d.card_id = mu.card_id", Map.of("chat", String.valueOf(chat))))
                .as("the dialog is on the identified card").isEqualTo(1);
    }

    @Test
    void aTypedPhoneIsAcceptedAndAnUnreadableOneIsAskedAgain() {
        long chat = nextId();
        webhook(TelegramUpdatesJson.text(nextId(), chat, "/start"));
        fake.await(call -> said(call, chat, "Здравствуйте! Это тестовый бот.\n" + Identification.ASK_NAME), 1,
                "the name question");
        webhook(TelegramUpdatesJson.text(nextId(), chat, "Петрова Анна"));
        fake.await(call -> said(call, chat, Identification.ASK_PHONE), 1, "the phone question");
        webhook(TelegramUpdatesJson.text(nextId(), chat, "не скажу"));
        fake.await(call -> said(call, chat, Identification.BAD_PHONE), 1, "the phone asked again");
        webhook(TelegramUpdatesJson.text(nextId(), chat, "8 (927) 765-43-21"));
        fake.await(call -> said(call, chat, "Спасибо, Петрова Анна! Передаём ваш вопрос специалисту."), 1,
                "the thanks");
        assertThat(count(db, "SELECT count(*) FROM messenger_user WHERE external_id = :chat AND phone = '+79277654321' "
                + "AND card_id IS NOT NULL", Map.of("chat", String.valueOf(chat)))).isEqualTo(1);
    }

    @Test
    void aTypedPhoneNeverBindsTheMessengerUserToTheCardThatHasIt() {
        long chat = nextId();
        String phone = "+7846" + String.format("%07d", chat % 10_000_000);
        String existing = java.util.UUID.randomUUID().toString();
        db.sql("INSERT INTO card (id, kind, name, phones) VALUES (CAST(:id AS uuid), 'LEAD', 'Сидоров Пётр', :phones)")
                .bind("id", existing).bind("phones", new String[] { phone }).then()
                .block(java.time.Duration.ofSeconds(10));
        webhook(TelegramUpdatesJson.text(nextId(), chat, "/start"));
        fake.await(call -> said(call, chat, "Здравствуйте! Это тестовый бот.\n" + Identification.ASK_NAME), 1,
                "the name question");
        webhook(TelegramUpdatesJson.text(nextId(), chat, "Сидоров Пётр"));
        fake.await(call -> said(call, chat, Identification.ASK_PHONE), 1, "the phone question");
        webhook(TelegramUpdatesJson.text(nextId(), chat, phone));
        fake.await(call -> said(call, chat, "Спасибо, Сидоров Пётр! Передаём ваш вопрос специалисту."), 1,
                "the thanks");
        assertThat(count(db, "SELECT count(*) FROM messenger_user mu JOIN card c ON c.id = mu.card_id "
                + "WHERE mu.external_id = :chat AND c.id <> CAST(:existing AS uuid) "
                + "AND c.possible_matches @> ARRAY[CAST(:existing AS uuid)]",
                Map.of("chat", String.valueOf(chat), "existing", existing)))
                .as("a typed phone proves nothing: a new lead, flagged as a possible match").isEqualTo(1);
    }

    private void webhook(String update) {
        var response = post(port, "/channel/telegram/tg-identify", update.getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "identify-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static boolean said(FakePlatforms.Call call, long chat, String text) {
        return TelegramBridgeTests.sentTo(call, TOKEN, chat, text);
    }
}
