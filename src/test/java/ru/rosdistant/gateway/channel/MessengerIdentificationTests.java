package ru.rosdistant.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.Checks;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.Staff;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.AgentDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.count;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.nextId;
import static ru.rosdistant.gateway.channel.ChannelTestSupport.post;

/** Regulation 4.4 on bot tg-identify (line lab43): ambiguity never binds; the agent chooses the card. */
@GatewayTest
class MessengerIdentificationTests {

    final FakePlatforms fake = FakePlatforms.get();

    @LocalServerPort
    int port;

    @Autowired
    AgentDirectory agents;

    @Autowired
    DatabaseClient db;

    @Test
    void ambiguousIdentificationNeverBindsAndTheAgentChoosesTheCard() {
        long chat = nextId();
        String phone = "+7848" + String.format("%07d", chat % 10_000_000);
        String other = card("Петров Пётр Петрович", null, phone);
        identify(chat, "Хочу перевестись", "Смирнов Алексей", () -> webhook(TelegramUpdatesJson.contact(nextId(), chat,
                chat, phone.substring(1))));

        String cardOfUser = Checks.text(db, "SELECT card_id::text AS v FROM messenger_user WHERE external_id = '"
                + chat + "'");
        assertThat(cardOfUser).as("the person is not bound to another name's card with the same phone")
                .isNotEqualTo(other);
        String dialogId = Checks.eventually(() -> Checks.text(db, "SELECT max(d.id::text) AS v FROM dialog d "
                + "JOIN messenger_user mu ON mu.visitor_id = d.visitor_id WHERE mu.external_id = '" + chat + "'"),
                "the dialog");

        Agent agent = Staff.agent(agents, "lab43", 5);
        String cookie = Staff.login(port, agent.login(), Staff.PASSWORD);
        JsonNode identification = Checks.body(Checks.http(port).get().uri("/api/dialogs/" + dialogId + "/identification")
                .header("Cookie", cookie).exchange().expectStatus().isOk());
        assertThat(identification.path("needsIdentification").asBoolean()).isTrue();
        assertThat(identification.path("candidates").valueStream().map(c -> c.path("id").asString()))
                .contains(other);

        Checks.http(port).post().uri("/api/dialogs/" + dialogId + "/identification").header("Cookie", cookie)
                .bodyValue(Map.of("cardId", UUID.randomUUID().toString())).exchange().expectStatus().is4xxClientError();
        Checks.http(port).post().uri("/api/dialogs/" + dialogId + "/identification").header("Cookie", cookie)
                .bodyValue(Map.of("cardId", other)).exchange().expectStatus().isOk();
        assertThat(Checks.text(db, "SELECT coalesce(c.merged_into, c.id)::text AS v FROM dialog d JOIN card c "
                + "ON c.id = d.card_id WHERE d.id = '" + dialogId + "'")).isEqualTo(other);
        assertThat(Checks.text(db, "SELECT card_id::text AS v FROM messenger_user WHERE external_id = '" + chat + "'"))
                .as("the person's next dialogs go to the chosen card").isEqualTo(other);
        JsonNode after = Checks.body(Checks.http(port).get().uri("/api/dialogs/" + dialogId + "/identification")
                .header("Cookie", cookie).exchange().expectStatus().isOk());
        assertThat(after.path("needsIdentification").asBoolean()).isFalse();
    }

    @Test
    void nameAndEmailIdentifyLikeNameAndPhone() {
        long chat = nextId();
        String email = "anna" + chat + "@example.test";
        String existing = card("Кузнецова Анна", email, null);
        identify(chat, "Где расписание?", "Кузнецова Анна", () -> webhook(TelegramUpdatesJson.text(nextId(), chat,
                email.toUpperCase())));
        assertThat(count(db, "SELECT count(*) FROM messenger_user mu JOIN card c ON c.id = mu.card_id "
                + "WHERE mu.external_id = :chat AND mu.stage = 'IDENTIFIED' AND c.emails @> ARRAY[CAST(:email AS text)] "
                + "AND c.possible_matches @> ARRAY[CAST(:existing AS uuid)]",
                Map.of("chat", String.valueOf(chat), "email", email, "existing", existing)))
                .as("a typed e-mail proves nothing: the card with it is the candidate for the agent").isEqualTo(1);
    }

    private void identify(long chat, String question, String name, Runnable giveContact) {
        webhook(TelegramUpdatesJson.text(nextId(), chat, question));
        fake.await(call -> said(call, chat, "Здравствуйте! Это тестовый бот.\n" + Identification.ASK_NAME), 1,
                "the name question");
        webhook(TelegramUpdatesJson.text(nextId(), chat, name));
        fake.await(call -> said(call, chat, Identification.ASK_PHONE), 1, "the phone question");
        giveContact.run();
        fake.await(call -> said(call, chat, "Спасибо, " + name + "! Передаём ваш вопрос специалисту."), 1,
                "the thanks");
    }

    private String card(String name, String email, String phone) {
        String id = UUID.randomUUID().toString();
        db.sql("INSERT INTO card (id, kind, name, emails, phones) VALUES (CAST(:id AS uuid), 'LEAD', :name, :emails, "
                        + ":phones)")
                .bind("id", id)
                .bind("name", name)
                .bind("emails", email == null ? new String[0] : new String[] { email })
                .bind("phones", phone == null ? new String[0] : new String[] { phone })
                .then()
                .block(Duration.ofSeconds(10));
        return id;
    }

    private void webhook(String update) {
        var response = post(port, "/channel/telegram/tg-identify", update.getBytes(StandardCharsets.UTF_8),
                Map.of("X-Telegram-Bot-Api-Secret-Token", "identify-secret-1"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static boolean said(FakePlatforms.Call call, long chat, String text) {
        return TelegramBridgeTests.sentTo(call, TelegramIdentificationTests.TOKEN, chat, text);
    }
}
