package ru.rosdistant.gateway.offline;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.Address;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.dialog.Visitors;
import ru.rosdistant.gateway.mail.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static ru.rosdistant.gateway.offline.FormClient.form;
import static ru.rosdistant.gateway.offline.FormClient.with;

@GatewayTest
class OfflineFormMailTests {

    private static final Duration MAIL_WAIT = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    DatabaseClient db;

    @Autowired
    JavaMailSender mail;

    @Autowired
    Visitors visitors;

    FormClient visitor;

    @BeforeEach
    void visitor() {
        TestSmtp.start(mail);
        visitor = new FormClient(port);
    }

    @Test
    void formOfEachSiteReachesItsMailbox() throws Exception {
        record Case(String site, String page, String mailbox, String siteName) {
        }
        for (Case site : List.of(
                new Case("applicant", "https://lk.rosdistant.ru", "abiturient@rosdistant.ru", "ЛК абитуриента"),
                new Case("student", "https://edu.rosdistant.ru", "student@rosdistant.ru", "ЛК студента"),
                new Case("main", "https://www.rosdistant.ru", "info@rosdistant.ru", "Росдистант"))) {
            String name = "Иван Петров " + marker();
            String email = "ivan-" + System.nanoTime() + "@example.com";
            Map<String, Object> form = with(with(with(with(form(name), "site", site.site()), "email", email), "phone",
                    "8 (927) 123-45-67"), "question", "Когда начинается приём?\n<b>Не HTML</b>");
            JsonNode receipt = submitted(form, site.page());

            MimeMessage message = delivered(name);
            assertThat(addresses(message.getRecipients(RecipientType.TO))).containsExactly(site.mailbox());
            assertThat(message.getSubject()).isEqualTo("[" + site.siteName() + "] Вопрос с сайта: " + name);
            assertThat(addresses(message.getReplyTo())).containsExactly(email);
            assertThat(addresses(message.getFrom())).containsExactly("contact-gateway@test.rosdistant.ru");
            assertThat(message.getContentType()).startsWith("text/plain").containsIgnoringCase("charset=UTF-8");
            assertThat(message.getMessageID()).isEqualTo("<offline-form." + receipt.path("id").asString()
                    + ".contact-gateway@test.rosdistant.ru>");
            assertThat(decoded(message)).contains("Имя: " + name)
                    .contains("E-mail: " + email)
                    .contains("Телефон: +79271234567")
                    .contains("Когда начинается приём?\n<b>Не HTML</b>")
                    .contains("Форма: " + receipt.path("id").asString())
                    .contains("Карточка: " + receipt.path("cardId").asString());
            awaitState(receipt, "DELIVERED");
        }
    }

    @Test
    void formWithOnlyAPhoneHasNoReplyTo() throws Exception {
        String name = "Мария Без Почты " + marker();
        submitted(with(form(name), "email", null), "https://lk.rosdistant.ru");
        MimeMessage message = delivered(name);
        assertThat(message.getReplyTo()).as("Reply-To falls back to From")
                .extracting(Address::toString)
                .containsExactly("contact-gateway@test.rosdistant.ru");
        assertThat(decoded(message)).contains("E-mail: не указан").contains("ответьте по телефону");
    }

    @Test
    void visitorsEarlierChatIsInTheMailWhenTheirTokenProvesIt() {
        Visitor chatter = visitors.register("applicant").block(Duration.ofSeconds(10));
        UUID dialogId = closedDialog(chatter, List.of("VISITOR:Здравствуйте, я про заочное",
                "AGENT:Ответ агента, не для письма", "VISITOR:Хочу на программирование"));

        String name = "Чат До Формы " + marker();
        submitted(with(with(form(name), "dialogId", dialogId.toString()), "visitorToken", chatter.token()),
                "https://lk.rosdistant.ru");
        assertThat(decoded(delivered(name))).contains("диалог " + dialogId)
                .contains("] Здравствуйте, я про заочное")
                .contains("] Хочу на программирование")
                .doesNotContain("Ответ агента");

        String stranger = "Чужой Диалог " + marker();
        JsonNode receipt = submitted(with(with(form(stranger), "dialogId", dialogId.toString()), "visitorToken",
                "v1.not-their-token"), "https://lk.rosdistant.ru");
        assertThat(decoded(delivered(stranger))).doesNotContain("Здравствуйте, я про заочное");
        assertThat(db.sql("SELECT dialog_id FROM offline_form WHERE id = :id")
                .bind("id", UUID.fromString(receipt.path("id").asString()))
                .map(row -> java.util.Optional.ofNullable(row.get("dialog_id", UUID.class)))
                .one()
                .block(Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void mailWaitsWhileSmtpIsDownAndArrivesOnceItIsUp() throws Exception {
        TestSmtp.stop();
        String name = "Сервер Недоступен " + marker();
        JsonNode receipt;
        try {
            receipt = submitted(form(name), "https://lk.rosdistant.ru");
            await().atMost(MAIL_WAIT)
                    .until(() -> {
                        Map<String, Object> entry = entry(receipt);
                        return "PENDING".equals(entry.get("state")) && (Integer) entry.get("attempts") > 0
                                && entry.get("last_error") != null;
                    });
        }
        finally {
            TestSmtp.start(mail);
        }
        awaitState(receipt, "DELIVERED");
        Thread.sleep(1500);
        assertThat(TestSmtp.received(name)).as("delivered exactly once").hasSize(1);
        assertThat(entry(receipt).get("last_error")).isNull();
    }

    private JsonNode submitted(Map<String, Object> form, String page) {
        return visitor.post(form, page)
                .expectStatus()
                .isCreated()
                .expectBody(JsonNode.class)
                .returnResult()
                .getResponseBody();
    }

    private static MimeMessage delivered(String marker) {
        await().atMost(MAIL_WAIT).until(() -> !TestSmtp.received(marker).isEmpty());
        List<MimeMessage> messages = TestSmtp.received(marker);
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    private void awaitState(JsonNode receipt, String state) {
        await().atMost(MAIL_WAIT).until(() -> state.equals(entry(receipt).get("state")));
    }

    private Map<String, Object> entry(JsonNode receipt) {
        return db.sql("SELECT state, attempts, last_error FROM outbox WHERE dedup_key = :key")
                .bind("key", "offline-form:" + receipt.path("id").asString())
                .fetch()
                .one()
                .block(Duration.ofSeconds(10));
    }

    /** A closed dialog of the visitor with these messages ("SENDER:text"), written straight to the tables. */
    private UUID closedDialog(Visitor visitor, List<String> messages) {
        UUID dialogId = UUID.randomUUID();
        OffsetDateTime opened = Instant.now().minusSeconds(600).atOffset(ZoneOffset.UTC);
        db.sql("""
                INSERT INTO dialog (id, visitor_id, site_id, line_id, state, last_seq, opened_at, closed_at, closed_by)
                VALUES (:id, :visitor, 'applicant', 'applicant-recruitment', 'CLOSED', :last, :opened, now(), 'VISITOR')""")
                .bind("id", dialogId)
                .bind("visitor", visitor.id())
                .bind("last", (long) messages.size())
                .bind("opened", opened)
                .then()
                .block(Duration.ofSeconds(10));
        for (int i = 0; i < messages.size(); i++) {
            String[] message = messages.get(i).split(":", 2);
            db.sql("INSERT INTO message (dialog_id, seq, sender, body) VALUES (:dialog, :seq, :sender, :body)")
                    .bind("dialog", dialogId)
                    .bind("seq", (long) i + 1)
                    .bind("sender", message[0])
                    .bind("body", message[1])
                    .then()
                    .block(Duration.ofSeconds(10));
        }
        return dialogId;
    }

    private static List<String> addresses(Address[] addresses) {
        return addresses == null ? List.of() : java.util.Arrays.stream(addresses).map(Address::toString).toList();
    }

    private static String decoded(MimeMessage message) {
        try {
            return String.valueOf(message.getContent());
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String marker() {
        return Long.toString(System.nanoTime(), 36);
    }
}
