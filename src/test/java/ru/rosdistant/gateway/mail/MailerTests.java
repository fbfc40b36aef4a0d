package ru.rosdistant.gateway.mail;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import ru.rosdistant.gateway.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@GatewayTest
class MailerTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    Mailer mailer;

    @Autowired
    JavaMailSender sender;

    @Autowired
    DatabaseClient db;

    @BeforeEach
    void smtp() {
        TestSmtp.start(sender);
    }

    @Test
    void queuedMailIsSentAsPlainTextWithAStableMessageId() throws Exception {
        String key = "test-mail:" + System.nanoTime();
        String subject = "Проверка " + key;
        mailer.enqueue(key, new MailMessage("info@rosdistant.ru", null, subject, "<script>alert(1)</script>"))
                .block(WAIT);
        await().atMost(WAIT).until(() -> !TestSmtp.received(subject).isEmpty());
        var message = TestSmtp.received(subject).get(0);
        assertThat(message.getMessageID()).isEqualTo("<test-mail." + key.substring("test-mail:".length())
                + ".contact-gateway@test.rosdistant.ru>");
        assertThat(message.getContentType()).startsWith("text/plain");
        assertThat(message.getContent()).isEqualTo("<script>alert(1)</script>");
        assertThat(message.getHeader("Auto-Submitted")).containsExactly("auto-generated");
    }

    @Test
    void mailThatCannotBeBuiltFailsForGoodAtOnce() {
        String key = "test-mail:broken-" + System.nanoTime();
        mailer.enqueue(key, new MailMessage("not an address@", null, "Сломанный адрес", "текст")).block(WAIT);
        await().atMost(WAIT).until(() -> "FAILED".equals(entry(key).get("state")));
        assertThat(entry(key)).containsEntry("attempts", 1);
        assertThat((String) entry(key).get("last_error")).contains("PermanentDeliveryFailure");
    }

    private Map<String, Object> entry(String key) {
        return db.sql("SELECT state, attempts, last_error FROM outbox WHERE dedup_key = :key")
                .bind("key", key)
                .fetch()
                .one()
                .block(Duration.ofSeconds(10));
    }
}
